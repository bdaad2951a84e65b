"""thermo: a tiny Twisted service that converts temperatures.

cctrial's demo project: a few tests pass and one fails on purpose (see
README.md), so that `make demo` shows cctrial's workflow.
"""
