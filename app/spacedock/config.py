"""The app's settings: SpaceDock's config keys as environment variables
(upper-case, `-` as `_`: STORAGE, USE_X_ACCEL, CDN_DOMAIN, ...), the lab's
switches between production's behaviour and its fix, and the container's identity."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

VERSION_FILE = Path("/srv/spacedock/VERSION")

# Accepted values of the settings that choose a behaviour.
CHOICES = {
    "USE_X_ACCEL": ("false", "apache", "nginx"),
    # in-place: production's, each chunk appended at the final path (a partial
    #           file is visible at the download URL during an upload)
    # atomic:   written aside, renamed into place when complete and valid
    "UPLOAD_WRITES": ("in-place", "atomic"),
    # production: replacing a zip purges a filesystem path (the stale copy stays
    #             in ATS, SpaceDock PR #428); fixed: purges the download URL
    # before-313: SpaceDock before PR #313 (2020): no PURGE at all, so a version
    #             deleted and uploaded again keeps serving the old zip (#312)
    "PURGE_PATHS": ("production", "fixed", "before-313"),
    # production: what SpaceDock accepts: names that secure_filename makes equal
    #             share one file (the second upload overwrites the first), and
    #             a zip is anything zipfile.is_zipfile accepts (its last 22 bytes)
    # fixed:      a file name another mod or version uses is refused (409), and
    #             a zip must open, list its files and pass its CRCs
    "UPLOAD_CHECKS": ("production", "fixed"),
    # production: what SpaceDock does with a request: it may carry a whole
    #             upload (SpaceDock sets no limit; the lab stops at
    #             MAX_UPLOAD_BYTES and 1 MiB more), and its zip part is read
    #             whole into the worker's memory before it is written
    #             (`f.write(request.files['zipball'].stream.read())`)
    # fixed:      a request carries at most one chunk (UPLOAD_CHUNK_BYTES) and
    #             its form fields; a bigger one is refused with 413 before any
    #             of it is read, and the chunk is copied to storage in blocks
    "UPLOAD_REQUESTS": ("production", "fixed"),
    # production: a download is counted before anyone looks for the file (a
    #             404 counts), and two downloads at once may each start a new
    #             hourly row
    # fixed:      only a file that exists is counted, one row per version and hour
    "DOWNLOAD_COUNTS": ("production", "fixed"),
    # production: a download sent by X-Sendfile carries the ETag mod_xsendfile
    #             makes behind mod_proxy, "0" for every file, so a request with
    #             If-None-Match "0" for another file is answered 304
    # fixed:      the app names each version's file in its own ETag
    "XSENDFILE_ETAGS": ("production", "fixed"),
    # none:       no session cookie for anonymous visitors (SpaceDock PR #354, 2021)
    # before-354: every page stores the game browsed in the session, so every
    #             visitor gets a session cookie and sends it back
    "ANONYMOUS_SESSIONS": ("none", "before-354"),
    # stored:         a mod's thumbnail is made when its background is set
    # before-39d4f94: the first page listing the mod makes it from the
    #                 background on storage; a missing background is a 500
    #                 (SpaceDock 2016, KerbalStuff #135; see thumbnails.py)
    "THUMBNAILS": ("stored", "before-39d4f94"),
    # production: SpaceDock's engine: a pooled connection the database has
    #             closed (a restart) fails the request that takes it (a 500)
    # fixed:      each connection is tested before use (pre-ping), and a new
    #             one is tried again for DB_CONNECT_PATIENCE_S while refused
    "DB_POOL": ("production", "fixed"),
}


def defaults() -> dict[str, Any]:
    return {
        # SpaceDock's keys --------------------------------------------------
        # Where mod files live (`storage`): the storage box mount.
        "STORAGE": "/storage/sdmods",
        # SQLAlchemy URL of the database (`connection-string`).
        "CONNECTION_STRING": "sqlite://",
        # `use-x-accel`: false (Flask streams the file), apache (X-Sendfile), nginx (X-Accel-Redirect).
        "USE_X_ACCEL": "false",
        # `cdn-domain`: if set (with `protocol`), downloads are counted and then
        # redirected to <protocol>://<cdn-domain>/<path>; production: spacedock.info/content.
        "CDN_DOMAIN": "",
        # `cdn-internal`: the host PURGE requests are sent to (the ATS container).
        "CDN_INTERNAL": "",
        "PROTOCOL": "http",
        # `domain`: the site's own name; without a cdn-domain, a PURGE names
        # the file's URL under <protocol>://<domain>/content/.
        "DOMAIN": "spacedock.info",
        # `redis-connection`: the Celery broker (spacedock.tasks); in-process in unit tests.
        "REDIS_CONNECTION": "memory://",
        # Signs the session cookie.
        "SECRET_KEY": "unit-test-only",
        # Lab switches -----------------------------------------------------
        "UPLOAD_WRITES": "in-place",
        "PURGE_PATHS": "production",
        "UPLOAD_CHECKS": "production",
        "UPLOAD_REQUESTS": "production",
        "DOWNLOAD_COUNTS": "production",
        "XSENDFILE_ETAGS": "production",
        "ANONYMOUS_SESSIONS": "none",
        "THUMBNAILS": "stored",
        "DB_POOL": "fixed",
        # DB_POOL=fixed: how long a request waits for the database to accept
        # connections again (a restart takes about 2 s) before it fails.
        "DB_CONNECT_PATIENCE_S": 10,
        # 0: production's pages carry no Cache-Control, so ATS never stores them.
        # N > 0: SpaceDock issue #256's proposal: anonymous pages say
        # `public, max-age=N` (ATS stores them, one copy per Cookie header, as
        # the app sends Vary: Cookie), logged-in pages say `private`.
        "PAGE_CACHE_SECONDS": 0,
        # Largest zip an upload may produce: production's Dropzone allows
        # 10000 MB (Dropzone's MB are MiB) and its Apache sets no body limit.
        "MAX_UPLOAD_BYTES": 10000 * 1024 * 1024,
        # UPLOAD_REQUESTS=fixed: the largest chunk of a zip one request may carry.
        # The stand-in's upload page sends 2 MiB (SpaceDock's Dropzone 2 MB).
        "UPLOAD_CHUNK_BYTES": 2 * 1024 * 1024,
        # UPLOAD_CHECKS=fixed reads every file of a zip up to this size to test
        # its CRCs; a bigger zip is checked by its central directory only.
        "ZIP_TEST_MAX_BYTES": 100 * 1024 * 1024,
        # An upload with no chunk for this long is abandoned: another may take
        # its file, and with UPLOAD_WRITES=atomic its hidden part is removed.
        # A live one sends a 2 MiB chunk far more often (at SpaceDock #463's
        # 15 kB/s, every 140 s), and a retry after a crash waits no longer.
        "ABANDONED_UPLOAD_SECONDS": 600,
        # Raised by the web container's storage watch while the mount does not
        # answer; downloads are refused with 503 while it exists.
        "STORAGE_STATUS_FILE": "/run/sdlab/status/storage-unavailable",
        # Password of the seeded demo users (admin, user); lab only.
        "DEMO_PASSWORD": "development",
        # Which environment and branch this container runs (lab identity).
        "SD_CONTAINER": "local",
        "SD_ENVIRONMENT": "development",
        "SD_BRANCH": "master",
        "APP_VERSION": "unknown",
    }


def validate(settings: dict[str, Any]) -> None:
    for key, allowed in CHOICES.items():
        if settings[key] not in allowed:
            raise ValueError(f"{key} must be one of {', '.join(allowed)}, not {settings[key]!r}")
    for key in ("MAX_UPLOAD_BYTES", "UPLOAD_CHUNK_BYTES", "PAGE_CACHE_SECONDS", "ZIP_TEST_MAX_BYTES",
                "ABANDONED_UPLOAD_SECONDS", "DB_CONNECT_PATIENCE_S"):
        settings[key] = int(settings[key])
    if settings["UPLOAD_CHUNK_BYTES"] <= 0:
        raise ValueError(f"UPLOAD_CHUNK_BYTES must be a positive number of bytes, not {settings['UPLOAD_CHUNK_BYTES']}")


def from_environment() -> dict[str, Any]:
    settings = defaults()
    for key in settings:
        if key in os.environ:
            settings[key] = os.environ[key]
    if VERSION_FILE.exists():
        settings["APP_VERSION"] = VERSION_FILE.read_text().strip()
    return settings
