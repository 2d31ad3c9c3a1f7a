"""gunicorn settings for the app in an sdlab web container.

Production runs, per instance:
    gunicorn KerbalStuff.app:app -b 127.0.0.1:<port> -t 3600 --threads 1 --workers 6
"""
import os

wsgi_app = "spacedock:create_app()"
# Only Apache, in the same container, talks to gunicorn.
bind = "127.0.0.1:8000"
# Production has 6 per instance on a big machine; the lab has 4 containers on 2 cores.
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = 1
# Production's -t 3600: a worker may spend an hour on one request (big uploads).
timeout = 3600
# `docker stop` gives the container 20 s; let running requests finish in 15.
graceful_timeout = 15
# Started as root by the entrypoint, the workers run as Apache's user, the
# owner of everything on the storage mount (uid 33).
user = "www-data"
group = "www-data"
errorlog = "-"
