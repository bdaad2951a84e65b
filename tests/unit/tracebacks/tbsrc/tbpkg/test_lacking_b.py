import tbpkg.lacking  # noqa: F401
