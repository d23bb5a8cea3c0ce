"""``python -m tests.support.full_disk ARGS``: ``aicompute ARGS`` on a disk that fills up (or turns
read-only) under the state: every stack-state write after the first ``AICOMPUTE_TEST_WRITES_LEFT``
fails with ``OSError(AICOMPUTE_TEST_WRITE_ERRNO)`` — as root, no permission bit can refuse a write."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aicompute.engine.backend import storage
from aicompute.engine.cli import main

_write = storage.atomic_write
_left = [int(os.environ.get("AICOMPUTE_TEST_WRITES_LEFT", "0"))]


def _failing_write(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    if path.parent.parent.name == "stacks" and path.suffix == ".json":
        if _left[0] <= 0:
            code = int(os.environ.get("AICOMPUTE_TEST_WRITE_ERRNO", "28"))
            raise OSError(code, os.strerror(code), str(path))
        _left[0] -= 1
    _write(path, data, mode)


if __name__ == "__main__":
    storage.atomic_write = _failing_write  # type: ignore[assignment]
    sys.argv = ["aicompute", *sys.argv[1:]]
    main()
