"""thermo's tests, run by trial (and cctrial)."""
