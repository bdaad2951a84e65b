"""A choice made once per process, as txaio's use_twisted()/use_asyncio():
a second, different choice fails, so whether a module imports depends on
which modules were imported before it."""

chosen = None


def use(name):
    global chosen
    if chosen is not None and chosen != name:
        raise RuntimeError("Explicitly using %r already" % (chosen,))
    chosen = name
