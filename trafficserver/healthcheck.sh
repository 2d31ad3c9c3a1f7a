#!/bin/bash
# Healthy when a request for spacedock.info goes through ATS to the live
# production container and back (the app's /healthz is never cached).
exec curl --fail --silent --show-error --max-time 8 --output /dev/null \
  --header 'Host: spacedock.info' --header 'X-Lab-Test: healthcheck' \
  http://127.0.0.1/healthz
