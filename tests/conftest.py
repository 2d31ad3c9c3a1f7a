# Every test run saves the lab's evidence when a test that talks to the lab fails.
pytest_plugins = ["lab.pytest_evidence"]
