"""The URL converter for ids: <id:mod_id> is a whole number that a PostgreSQL
integer column can hold, so /mod/99999999999 is a 404 like any unknown mod,
not an "integer out of range" from the database (a 500)."""
from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, max=LARGEST_ID)
