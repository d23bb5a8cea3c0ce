"""Reading a whole list endpoint page by page, in the two paging styles the platforms use.

* **continue** (ModelArts ``/v1|v2`` Kubernetes-style lists): ``limit`` and an opaque ``continue``
  token; the next token is ``metadata.continue``, absent or empty on the last page.
* **offset/limit** (ModelArts ``/v1`` classic lists, HiLens, the central platform): ``offset`` is an
  item offset or, for some endpoints, a page index; the total is in the answer.

``fetch`` sends one GET with the given query parameters and answers its JSON body.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

Fetch = Callable[[dict[str, Any]], Any]


def continue_pages(fetch: Fetch, limit: int, params: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """Every item of a ``limit``/``continue`` list (``items`` of each page)."""
    token: str | None = None
    while True:
        query = {**(params or {}), "limit": limit}
        if token:
            query["continue"] = token
        page = fetch(query) or {}
        yield from page.get("items") or []
        token = (page.get("metadata") or {}).get("continue") or None
        if not token:
            return


def offset_pages(
    fetch: Fetch,
    items: str,
    limit: int,
    *,
    total: str,
    page_index: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every item of an ``offset``/``limit`` list: ``items`` is the page's list key, ``total`` the
    key of the total count; ``page_index`` when ``offset`` counts pages rather than items."""
    seen = 0
    page_number = 0
    while True:
        offset = page_number if page_index else seen
        page = fetch({**(params or {}), "offset": offset, "limit": limit}) or {}
        batch = page.get(items) or []
        yield from batch
        seen += len(batch)
        page_number += 1
        known = _count(page.get(total))
        if not batch or (seen >= known if known is not None else len(batch) < limit):
            return


def _count(value: Any) -> int | None:
    """A total as a number (some examples send it as a string); None when absent."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
