"""db-restart on SpaceDock's own engine: KerbalStuff/database.py makes it
with `create_engine(connection-string)` and no watch on its pooled
connections (no pool_pre_ping), so a request that takes a connection the
restart closed, or asks for a new one while the database is down, fails. No
branch has a fix: played on beta as configured, production's play only (the
stand-in's db-restart plays the lab's proposed fix)."""
from __future__ import annotations

from dataclasses import replace

from lab.scenarios.bugs import db_restart
from lab.scenarios.engine import Variant

SCENARIO = replace(db_restart.SCENARIO, fix="none yet", upstream="SpaceDock's engine (KerbalStuff/database.py)",
                   production=Variant(), fixed=None)
