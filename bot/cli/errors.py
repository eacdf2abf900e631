"""The user's mistakes, said in Dutch (no imports: the command line loads this before anything heavy)."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can put right; the message says what, in Dutch."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.message, self.code = message, code
