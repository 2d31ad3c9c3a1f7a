"""Production's bugs played on SpaceDock's own commits (APP=spacedock)."""
