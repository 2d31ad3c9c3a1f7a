"""PURGE a download from the front cache (SpaceDock's purge.py).

SpaceDock sends `PURGE <protocol>://<cdn-domain>/<path>` to the ATS host named
by `cdn-internal` (it resolves cdn-domain to that host's address, like curl
--resolve). Failures are logged and otherwise ignored, as there; without a
cdn-domain nothing is purged.
"""
from __future__ import annotations

import logging

import requests
from flask import current_app

log = logging.getLogger(__name__)
PURGE_TIMEOUT_S = 5


def purge_url(path: str) -> str | None:
    """The public URL a PURGE for `path` names, or None if there is no CDN."""
    config = current_app.config
    if not config["CDN_DOMAIN"]:
        return None
    return f"{config['PROTOCOL']}://{config['CDN_DOMAIN']}/{path}"


def purge_download(path: str) -> int | None:
    """Send the PURGE; returns ATS's status (200 purged, 404 was not cached), or None."""
    url = purge_url(path)
    internal = current_app.config["CDN_INTERNAL"]
    if url is None or not internal:
        return None
    scheme, rest = url.split("://", 1)
    host, _, url_path = rest.partition("/")
    try:
        response = requests.request("PURGE", f"http://{internal}/{url_path}", headers={"Host": host},
                                    timeout=PURGE_TIMEOUT_S)
    except requests.RequestException as error:
        log.warning("PURGE %s via %s failed: %s", url, internal, error)
        return None
    log.info("PURGE %s via %s: %s", url, internal, response.status_code)
    return response.status_code
