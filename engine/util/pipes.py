"""Standard output closed by its reader (``aicompute up | head``).

A write then raises ``BrokenPipeError``. Output is only a view of what a command does: the command
goes on (a deployment must never stop half-way because nobody reads its progress) with its output
sent to the null device, as the Python documentation advises for ``SIGPIPE``."""

from __future__ import annotations

import os
import sys


def discard_stdout() -> None:
    """From now on, standard output goes to the null device (its reader is gone)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
