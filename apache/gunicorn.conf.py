"""gunicorn settings for each gunicorn instance in an sdlab web container.

Production runs, per instance (systemd's spacedock@<port>.service):
    gunicorn KerbalStuff.app:app -b 127.0.0.1:<port> -t 3600 --threads 1 --workers 6
The entrypoint starts GUNICORN_INSTANCES of them, each with `--bind
127.0.0.1:<port>` on loopback, where only Apache's balancer talks to them.
"""
import os

# The stand-in, or the real SpaceDock in its image (real-spacedock/Dockerfile
# sets APP_WSGI and APP_DIR: SpaceDock reads config.ini from its working directory).
wsgi_app = os.environ.get("APP_WSGI", "spacedock:create_app()")
chdir = os.environ.get("APP_DIR", "/srv/spacedock")
# Production has 6 per instance on a big machine; the lab has 4 containers on 2 cores.
workers = int(os.environ.get("GUNICORN_WORKERS", "3"))
threads = 1
# Production's -t 3600: a worker may spend an hour on one request (big uploads).
timeout = 3600
# Running requests may finish within gunicorn's default 30 s (production sets
# nothing) on a stop; compose gives the container 40 s.
graceful_timeout = 30
# Started as root by the entrypoint, the workers run as Apache's user, the
# owner of everything on the storage mount (uid 33).
user = "www-data"
group = "www-data"
errorlog = "-"
