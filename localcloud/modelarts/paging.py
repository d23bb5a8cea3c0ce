"""Offset/limit pagination and sorting for the classic ``/v1`` list APIs (models, services, events,
clusters, workspaces, pool tags).

The seed calls ``offset`` "分页列表的起始页" (the start *page*) in 7.2, 9.3, 9.10
(clusters, table 9-91), 9.11, 13.6 (workspaces, table 13-24) and 15.1 (pool tags, table 15-2), but
"偏移量" / "返回数据的起始偏移量" (an item *offset*) in 7.1 and 9.5 (digest §1, §10.6). Each route
passes the reading its own table gives. The two agree for ``offset=0``, which is what most clients
send; the environment variable ``LOCALCLOUD_MODELARTS_OFFSET=item`` makes the page-index endpoints
read item offsets too, for clients written against the other reading.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Query

T = TypeVar("T")

OFFSET_MODE_ENV = "LOCALCLOUD_MODELARTS_OFFSET"

OffsetQuery = Annotated[int, Query(ge=0, description="start page (or item offset, per endpoint)")]
LimitQuery = Annotated[int, Query(ge=1, description="maximum items per page")]
OrderQuery = Annotated[Literal["asc", "desc"], Query()]


def page_index_offsets() -> bool:
    """Whether the "start page" endpoints read ``offset`` as a page index (the default)."""
    return os.environ.get(OFFSET_MODE_ENV, "page").strip().lower() != "item"


def paginate(items: Sequence[T], offset: int, limit: int, *, offset_is_page: bool) -> list[T]:
    """One page: ``[offset*limit, (offset+1)*limit)`` for a page index, else ``[offset, offset+limit)``."""
    start = offset * limit if offset_is_page and page_index_offsets() else offset
    return list(items[start : start + limit])


def sort_items(items: Sequence[T], key: Callable[[T], Any], order: str) -> list[T]:
    """Sort by ``key``; ties keep creation order (newest first when descending)."""
    ranked = sorted(enumerate(items), key=lambda pair: (key(pair[1]), pair[0]), reverse=order == "desc")
    return [item for _, item in ranked]
