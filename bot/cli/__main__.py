"""`python -m bot.cli`: the same as `triagebot`."""

from . import main

if __name__ == "__main__":      # not when imported (the packaging test imports every module)
    raise SystemExit(main())
