"""A module that --without-module=fxopts.absent makes unimportable."""
