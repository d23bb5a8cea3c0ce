"""Run localcloud's sync route handlers on the event loop instead of a worker thread.

FastAPI runs a ``def`` endpoint in a worker thread, and then validates its answer in another round
trip to one. localcloud's handlers are short, never wait on I/O and serialise on the store's lock
anyway, so those round trips are pure cost (two per request, the larger part of a simple read).
``run_inline(app)`` gives each sync endpoint an ``async`` wrapper before the app serves its first
request, when FastAPI builds the handlers of included routes. The wrapper keeps the endpoint's
signature (``__wrapped__``), so parameters, dependencies and the OpenAPI document are unchanged.

No async code in localcloud holds a store transaction across an ``await`` (a handler running on the
loop's thread could otherwise re-enter the store's re-entrant lock in the middle of it).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute


def _on_the_loop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return endpoint(*args, **kwargs)

    return run


def _routes(routes: Iterable[BaseRoute]) -> Iterable[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        included = getattr(route, "original_router", None)  # a router included in another
        if included is not None:
            yield from _routes(included.routes)


def run_inline(app: FastAPI) -> None:
    """Wrap every sync endpoint of ``app`` (call before the first request: handlers are built then)."""
    for route in _routes(app.router.routes):
        if not inspect.iscoroutinefunction(route.endpoint):
            route.endpoint = _on_the_loop(route.endpoint)
