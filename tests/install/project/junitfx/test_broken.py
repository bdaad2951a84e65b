"""A module that cannot be imported: trial reports one error for it."""

import junitfx_no_such_module  # noqa: F401
