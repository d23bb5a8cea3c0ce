"""localcloud's route index picks, for any path and method, the route a plain walk of the table picks."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Match

from aicompute.localcloud.app import create_app
from aicompute.localcloud.routing import RouteIndex, app_routes
from aicompute.localcloud.settings import LocalCloudSettings

APP = create_app(LocalCloudSettings(time_scale=0))
ROUTES = app_routes(APP)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _walk(routes: list[BaseRoute], scope: dict[str, object]) -> tuple[Match, BaseRoute | None]:
    """What Starlette's router does: the first full match, else the first partial one."""
    partial = None
    for route in routes:
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return match, route
        if match == Match.PARTIAL and partial is None:
            partial = route
    return (Match.PARTIAL, partial) if partial is not None else (Match.NONE, None)


def _paths() -> list[str]:
    """Every route's template filled in several ways, in other cases, with a trailing slash, and
    some paths no route has."""
    fills = ("abc", "tags", "0", "a/b", "x:pause")
    paths = {"/", "", "/v1", "/unknown/x/y", "/v1/p/" + "deep/" * 40}
    for route in ROUTES:
        template = str(getattr(route, "path_format", "") or getattr(route, "path", ""))
        for fill in fills:
            path = re.sub(r"{[^}]+}", fill, template)
            paths |= {path, path.upper(), path.lower(), path + "/", path + "/extra"}
    return sorted(paths)


def test_every_route_is_indexed_and_runs_on_the_loop() -> None:
    assert len(APP.router.routes) == 1 and isinstance(APP.router.routes[0], RouteIndex)
    assert len(ROUTES) > 150 and all(not isinstance(route, RouteIndex) for route in ROUTES)
    assert any(isinstance(route, APIRoute) for route in ROUTES)


@pytest.mark.parametrize("method", METHODS)
def test_the_index_picks_what_a_walk_picks(method: str) -> None:
    index = APP.router.routes[0]
    assert isinstance(index, RouteIndex)
    for path in _paths():
        scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
        expected = _walk(ROUTES, dict(scope))
        match, child = index.matches(dict(scope))
        assert (match, child.get("localcloud.route")) == expected, f"{method} {path}"
