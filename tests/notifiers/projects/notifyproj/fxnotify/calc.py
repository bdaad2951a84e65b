"""The state of the code under test.  The notifier tests rewrite these
flags, one at a time, to walk cctrial through its workflow."""

X_BROKEN = True
Y_BROKEN = True
