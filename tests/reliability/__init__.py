"""Reliability suite: faults, crashes, restarts, bad input and secrets (issue 8)."""
