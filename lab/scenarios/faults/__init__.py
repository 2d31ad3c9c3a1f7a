"""Faults measured against the bounds the lab states (no production-and-fix pair)."""
