"""localcloud's OpenAPI document: FastAPI's, completed where handlers read the request by hand.

Most platform routes read their JSON body through a dependency (to answer bad JSON with the
platform's own error code) and the central platform's routes read their path parameters from
``request.path_params``; FastAPI's document then shows neither. Here every such operation gets an
optional JSON request body and its undeclared path parameters, so clients and fuzzers (see
``tests/integration/localcloud/test_openapi_fuzz.py``) can reach them. The document is built once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from aicompute.localcloud.central.common import Params
from aicompute.localcloud.hilens.common import JsonBody as HiLensBody
from aicompute.localcloud.modelarts.bodies import ClassicBody
from aicompute.localcloud.modelarts.kube import JsonBody as ModelArtsBody
from aicompute.localcloud.modelarts.kube import MergePatch
from aicompute.localcloud.routing import app_routes

JSON = dict[str, Any]


def _reader(annotated: Any) -> Callable[..., Any]:
    """The dependency function of an ``Annotated[..., Depends(fn)]`` parameter type."""
    dependency: Callable[..., Any] = get_args(annotated)[1].dependency
    return dependency


_ANY_OBJECT: JSON = {"schema": {"type": "object"}}
# The dependencies that read a JSON body, and the media types each accepts.
_BODY_READERS: dict[Callable[..., Any], tuple[str, ...]] = {
    _reader(ModelArtsBody): ("application/json",),
    _reader(ClassicBody): ("application/json",),
    _reader(HiLensBody): ("application/json",),
    _reader(Params): ("application/json",),
    _reader(MergePatch): ("application/merge-patch+json", "application/json"),
}
_WITHOUT_BODY = frozenset({"get", "head", "options"})


def _body_media_types(dependant: Dependant) -> tuple[str, ...]:
    media = _BODY_READERS.get(dependant.call) if dependant.call is not None else None
    if media is not None:
        return media
    for child in dependant.dependencies:
        found = _body_media_types(child)
        if found:
            return found
    return ()


def _complete(operation: JSON, path: str, method: str, route: APIRoute) -> None:
    declared = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "path"}
    for name in re.findall(r"{(\w+)", path):
        if name not in declared:
            parameter = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            operation.setdefault("parameters", []).append(parameter)
    if method in _WITHOUT_BODY or "requestBody" in operation:
        return
    media = _body_media_types(route.dependant)
    if media:
        operation["requestBody"] = {"required": False, "content": {name: dict(_ANY_OBJECT) for name in media}}


def build(app: FastAPI) -> JSON:
    document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app_routes(app))
    for context in iter_route_contexts(app_routes(app)):
        route = context.original_route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        path = context.path_format or route.path_format
        for method in context.methods or ():
            operation = document.get("paths", {}).get(path, {}).get(method.lower())
            if operation is not None:
                _complete(operation, path, method.lower(), route)
    return document


def install(app: FastAPI) -> None:
    """Serve the completed document at ``/openapi.json`` (built on first use, then cached)."""

    def openapi() -> JSON:
        if app.openapi_schema is None:
            app.openapi_schema = build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
