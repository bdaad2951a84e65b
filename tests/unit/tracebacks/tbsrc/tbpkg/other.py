from tbpkg import convert  # noqa: F401
