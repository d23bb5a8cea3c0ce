"""How a request finds its route: one flat table, indexed by the shape of the path.

FastAPI keeps an included router as one lazily resolved entry; a request then walks every route of
each router twice (to find the router, and again inside it), with scope bookkeeping per route. And
even a flat table is walked route by route, a regular expression each: localcloud has ~200 routes
and a request tried ~80 of them (a quarter of a signed write's time, bench/localcloud_load.py).

``index_routes(app)`` puts every route at the top level, in the order it matched in (no localcloud
router is included with a prefix, dependencies or other options, so its routes are the same routes
there), behind one ``RouteIndex``. The index tries only the routes that can match the path: the
same first segment (case-folded: the central platform's paths are case-insensitive), the same
number of segments (at least as many for a ``{…:path}`` parameter) and, where a route's third
segment is a literal, the same third segment. Those are tried in the table's order with each
route's own ``matches``, so the first full match wins and a path that only matches with another
method answers 405 from the first such route, exactly as a plain walk would.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from fastapi import FastAPI
from starlette._utils import get_route_path
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

_SELECTED = "localcloud.route"


@dataclass(frozen=True)
class _Shape:
    """What a route's path template says about the paths it can match."""

    first: str | None  # the first segment, case-folded (None: a parameter)
    segments: int
    third: str | None  # the third segment when it is a literal
    spans: bool  # a {…:path} parameter: any number of segments from ``segments`` on

    @classmethod
    def of(cls, template: str) -> _Shape:
        parts = template.split("/")
        literal = [("{" not in part) for part in parts]
        third = parts[3].casefold() if len(parts) > 3 and literal[3] else None
        first = parts[1].casefold() if len(parts) > 1 and literal[1] else None
        return cls(first, len(parts), third, ":path}" in template)

    def admits(self, first: str | None, segments: int | None, third: str | None) -> bool:
        if self.first is not None and self.first != first:
            return False
        if self.spans:
            return segments is None or segments >= self.segments
        return segments == self.segments and (self.third is None or self.third == third)


def _template(route: BaseRoute) -> str:
    """The route's path template with its convertors (``path_format`` drops ``:path``)."""
    return str(getattr(route, "path", None) or getattr(route, "path_format", ""))


class RouteIndex(BaseRoute):
    """All of an app's routes as one route that tries only those that can match (see the module)."""

    def __init__(self, routes: list[BaseRoute]) -> None:
        self.routes = routes
        self._shapes = [_Shape.of(_template(route)) for route in routes]
        self._firsts = {shape.first for shape in self._shapes if shape.first is not None}
        self._thirds = {shape.third for shape in self._shapes if shape.third is not None}
        self._longest = max((shape.segments for shape in self._shapes), default=0)
        # Keyed by the path's normalised shape, of which there are few: the cache stays small
        # whatever paths clients send.
        self._candidates: dict[tuple[str | None, int | None, str | None], list[BaseRoute]] = {}

    def candidates(self, path: str) -> list[BaseRoute]:
        parts = path.split("/")
        first = parts[1].casefold() if len(parts) > 1 else None
        if first not in self._firsts:
            first = None
        third = parts[3].casefold() if len(parts) > 3 else None
        if third not in self._thirds:
            third = None
        segments: int | None = len(parts) if len(parts) <= self._longest else None
        key = (first, segments, third)
        found = self._candidates.get(key)
        if found is None:
            found = [route for route, shape in zip(self.routes, self._shapes, strict=True) if shape.admits(*key)]
            self._candidates[key] = found
        return found

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        routes = self.candidates(get_route_path(scope)) if scope["type"] == "http" else self.routes
        partial: tuple[BaseRoute, Scope] | None = None
        for route in routes:
            match, child_scope = route.matches(scope)
            if match == Match.FULL:
                return Match.FULL, {**child_scope, _SELECTED: route}
            if match == Match.PARTIAL and partial is None:
                partial = (route, child_scope)
        if partial is not None:
            route, child_scope = partial
            return Match.PARTIAL, {**child_scope, _SELECTED: route}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        route: BaseRoute = scope.pop(_SELECTED)
        await route.handle(scope, receive, send)


def _leaves(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes of included routers, depth first in inclusion order (the order they match in)."""
    for route in routes:
        included = getattr(route, "original_router", None)  # a router included in another
        if included is not None:
            yield from _leaves(included.routes)
        elif isinstance(route, RouteIndex):
            yield from route.routes
        else:
            yield route


def index_routes(app: FastAPI) -> None:
    """Make ``app``'s routes one flat, indexed table (call after every router is included)."""
    app.router.routes[:] = [RouteIndex(list(_leaves(app.router.routes)))]


def app_routes(app: FastAPI) -> list[BaseRoute]:
    """Every route of ``app``, flat, in matching order (for the OpenAPI document and checks)."""
    return list(_leaves(app.router.routes))
