"""Production's bugs played on the stand-in app (app/): one module a bug, each a SCENARIO."""
