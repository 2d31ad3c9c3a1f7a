"""The lab's shape as docs/architecture.md draws it: services, networks, aliases and the
host names ATS maps. Tests and commands take these facts from here."""
from __future__ import annotations

from dataclasses import dataclass

SERVICES = ("ats", "sd1a", "sd1b", "sd2", "sd6", "storagebox", "db", "redis")
WEB_SERVICES = ("sd1a", "sd1b", "sd2", "sd6")
PRODUCTION_PAIR = ("sd1a", "sd1b")
DEFAULT_LIVE = "sd1a"

FRONT_NETWORK = "front"
# The aliases that belong to whichever production container is live.
LIVE_ALIASES = ("sd-prod-live.52k", "sd1.52k")


def own_alias(service: str) -> str:
    """Every web container's own name on the front network, e.g. sd1a.52k."""
    return f"{service}.52k"


@dataclass(frozen=True)
class Site:
    host: str
    # a web service name, or "live" for whichever production container is live
    target: str
    what: str
    # a name a browser resolves to 127.0.0.1 without set-up (*.localhost)
    browsable: bool = False


SITES = (
    Site("spacedock.info", "live", "production"),
    Site("www.spacedock.info", "live", "production"),
    Site("spacedock.localhost", "live", "production", browsable=True),
    Site("beta.spacedock.info", "sd2", "beta"),
    Site("beta.spacedock.localhost", "sd2", "beta", browsable=True),
    Site("alpha.spacedock.info", "sd6", "alpha"),
    Site("alpha.spacedock.localhost", "sd6", "alpha", browsable=True),
    Site("sd1a.52k.de", "sd1a", "production container A directly"),
    Site("sd1b.52k.de", "sd1b", "production container B directly"),
    Site("sd-prod-live.52k.de", "live", "the live production container directly"),
)

# Production's names: its `protocol` is https, so its session cookie is Secure
# and a client that logs in there must come over TLS.
PRODUCTION_HOSTS = tuple(site.host for site in SITES if site.target in ("live", *PRODUCTION_PAIR))
# One name per environment (production, beta, alpha): each has its own database and share.
ENVIRONMENT_HOSTS = ("spacedock.info", "beta.spacedock.info", "alpha.spacedock.info")
# each environment's database (the stand-in's; the real SpaceDock's add a suffix) and storage share
DATABASES = dict(zip(ENVIRONMENT_HOSTS, ("spacedock", "spacedock_beta", "spacedock_alpha"), strict=True))
SHARES = dict(zip(ENVIRONMENT_HOSTS, ("backup", "beta", "alpha"), strict=True))
