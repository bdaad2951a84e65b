"""A project module with a broken helper the tests call."""


class Thing(object):
    pass


def broken_helper(value):
    thing = Thing()
    raise KeyError("missing %r for %r" % (value, thing))


def outer(value):
    return broken_helper(value)
