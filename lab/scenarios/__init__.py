"""Scenarios: a fault or a production bug played on the running lab, measured,
and reported in words. `python -m lab scenario <name>` runs one; the tests
run the same code and assert on its report."""
