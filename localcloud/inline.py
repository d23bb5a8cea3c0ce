"""Run localcloud's sync route handlers on the event loop instead of a worker thread.

FastAPI runs a ``def`` endpoint in a worker thread, and then validates its answer in another round
trip to one. localcloud's handlers are short, never wait on I/O and serialise on the store's lock
anyway, so those round trips are pure cost (two per request, the larger part of a simple read).
Every localcloud router is an ``InlineRouter``: its routes (``InlineRoute``) give a sync endpoint an
``async`` wrapper when they are made, before FastAPI builds their handlers. The wrapper keeps the
endpoint's signature (``__wrapped__``), so parameters, dependencies and the OpenAPI document are
unchanged. ``check_inline(app)`` fails at start-up if any route still has a sync endpoint.

No async code in localcloud holds a store transaction across an ``await`` (a handler running on the
loop's thread could otherwise re-enter the store's re-entrant lock in the middle of it).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from aicompute.localcloud.routing import app_routes


def on_the_loop(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` itself when it is async, else an async wrapper that calls it on the loop."""
    if inspect.iscoroutinefunction(endpoint):
        return endpoint

    @functools.wraps(endpoint)
    async def run(*args: Any, **kwargs: Any) -> Any:
        return endpoint(*args, **kwargs)

    return run


class InlineRoute(APIRoute):
    """A route whose sync endpoint runs on the event loop."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, on_the_loop(endpoint), **kwargs)


class InlineRouter(APIRouter):
    """An ``APIRouter`` whose routes are ``InlineRoute`` unless another route class is given."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("route_class", InlineRoute)
        super().__init__(**kwargs)


def check_inline(app: FastAPI) -> None:
    """Fail when a route of ``app`` would run its endpoint in a worker thread: it was made by a plain
    ``APIRouter``."""
    for route in app_routes(app):
        if isinstance(route, APIRoute) and not inspect.iscoroutinefunction(route.endpoint):
            raise RuntimeError(f"{route.path} {sorted(route.methods or ())}: a sync endpoint outside an InlineRouter")
