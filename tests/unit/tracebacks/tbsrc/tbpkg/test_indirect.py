from tbpkg import other  # noqa: F401
