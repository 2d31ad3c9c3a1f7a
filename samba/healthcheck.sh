#!/bin/bash
# Healthy when the configured user can log in over an encrypted SMB3 session
# and list the production share, exactly what a web container's mount does.
exec smbclient //127.0.0.1/backup --authentication-file=/run/sdlab/smb-auth \
  --max-protocol=SMB3 --option='client min protocol=SMB3_00' \
  --client-protection=encrypt --command='ls' >/dev/null
