#!/bin/bash
# Healthy when Apache answers and hands a request to gunicorn, whose /healthz
# checks the database and the storage mount (and names the one that failed).
exec curl --fail --silent --show-error --max-time 8 --output /dev/null \
  --header 'X-Lab-Test: healthcheck' http://127.0.0.1/healthz
