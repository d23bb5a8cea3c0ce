"""The limits and defaults ``aicompute report`` offers as options (``report.comment`` re-exports them).

Apart from the comment's code so that the CLI can define its options without importing it at
start-up.
"""

from __future__ import annotations

DEFAULT_MAX_CHARS = 65_000
MIN_MAX_CHARS = 2_000
DEFAULT_TITLE = "aicompute preview"
