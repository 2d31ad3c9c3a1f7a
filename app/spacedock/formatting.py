"""How pages show numbers, sizes and times, the way SpaceDock's pages do:
sizes as "5.00 MiB" (objects.py `format_size`), counts with thousands
separators ("1,234 downloads", "1 download"), times in UTC and saying so."""
from __future__ import annotations

from datetime import datetime

from flask import Flask

UNITS = ((1024**3, "GiB"), (1024**2, "MiB"), (1024, "KiB"))


def filesize(size: int | None) -> str:
    if size is None:
        return "unknown"
    for scale, unit in UNITS:
        if size >= scale:
            return f"{size / scale:.2f} {unit}"
    return f"{size} {'byte' if size == 1 else 'bytes'}"


def count(number: int, noun: str) -> str:
    """count(1, "download") -> "1 download"; count(1234, "download") -> "1,234 downloads"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def utc(moment: datetime) -> str:
    """The app stores naive UTC times (datetime.utcnow)."""
    return f"{moment:%Y-%m-%d %H:%M} UTC"


def init_app(app: Flask) -> None:
    app.add_template_filter(filesize)
    app.add_template_filter(count)
    app.add_template_filter(utc)
