"""PURGE a download from the front cache (SpaceDock's purge.py).

SpaceDock sends `PURGE <protocol>://<cdn-domain>/<path>` to the ATS host named
by `cdn-internal` (it resolves cdn-domain to that host's address, like curl
--resolve). Failures are logged and otherwise ignored, as there.

SpaceDock purges nothing when cdn-domain is empty, so beta and alpha, which
serve downloads themselves, never purged the copies ATS keeps of their
/content/ files. Here every site with a cache in front of it purges: without a
cdn-domain the PURGE names <protocol>://<domain>/content/<path>.
"""
from __future__ import annotations

import logging

import requests
from flask import current_app

log = logging.getLogger(__name__)
PURGE_TIMEOUT_S = 5


def purge_url(path: str) -> str:
    """The public URL under which ATS may keep the file at `path`."""
    config = current_app.config
    where = config["CDN_DOMAIN"] or f"{config['DOMAIN']}/content"
    return f"{config['PROTOCOL']}://{where}/{path}"


def purge_download(path: str) -> int | None:
    """Send the PURGE; returns ATS's status (200 purged, 404 was not cached),
    or None when there is no cache to purge (no cdn-internal) or it failed."""
    internal = current_app.config["CDN_INTERNAL"]
    if not internal:
        return None
    url = purge_url(path)
    host, _, url_path = url.split("://", 1)[1].partition("/")
    try:
        response = requests.request("PURGE", f"http://{internal}/{url_path}", headers={"Host": host},
                                    timeout=PURGE_TIMEOUT_S)
    except requests.RequestException as error:
        log.warning("PURGE %s via %s failed: %s", url, internal, error)
        return None
    log.info("PURGE %s via %s: %s", url, internal, response.status_code)
    return response.status_code
