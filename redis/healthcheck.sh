#!/bin/bash
# Healthy when Redis answers PING with the lab's password.
set -euo pipefail
reply=$(REDISCLI_AUTH=$REDIS_PASSWORD redis-cli -e ping)
[[ $reply == PONG ]]
