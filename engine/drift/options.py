"""What ``aicompute drift`` can be asked to do (``drift.scan`` re-exports it).

Apart from the scan so that the CLI can define its options without importing the scan and the
in-process providers it loads (deepdiff, the generic provider) at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PARALLEL = 10


@dataclass(frozen=True)
class DriftOptions:
    parallel: int = DEFAULT_PARALLEL
    unmanaged: bool = False
    read_each: bool = False
    """Read every resource with its own GET, listing nothing for the check (for a platform whose
    lists lag behind its single reads; ``bench/drift.py`` compares the two)."""
