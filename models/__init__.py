"""The domain: what a case is and the rules it obeys. No I/O here, and no clock: `now` is a parameter."""
