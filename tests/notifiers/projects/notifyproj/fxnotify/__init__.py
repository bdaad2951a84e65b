"""A fixture for cctrial's notifier tests: failures the tests fix by editing
calc.py while cctrial watches."""
