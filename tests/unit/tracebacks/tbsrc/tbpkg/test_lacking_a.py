from tbpkg import lacking  # noqa: F401
