from tbpkg.helpers import no_such_name  # noqa: F401
