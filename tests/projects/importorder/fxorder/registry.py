"""Names registered by the modules imported so far."""

names = []
