"""Validation of deployments against Pulumi's published state schemas.

The three schemas (``deployments.json``, ``resources.json``, ``property-values.json`` from Pulumi's
``sdk/go/common/apitype``) ship in this package unchanged under ``schemas/`` and reference each other
by their ``$id`` URLs, so they are registered in one offline ``referencing.Registry``.

``strict=True`` validates against them exactly. The default also accepts the ``ResourceV3`` fields
that Pulumi's own Go type (``apitype.ResourceV3`` of the pinned release, v3.277.0) writes but its
JSON schema has not caught up with (``retainOnDelete``, ``deletedWith``, ``created``, ``modified``,
``sourcePosition``, ``stackTrace``, ``ignoreChanges``, ``replaceOnChanges``, …) — otherwise a state
written by the Pulumi CLI itself would be rejected (as ``stackTrace`` was, found by the handoff test).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_FILES = ("deployments.json", "resources.json", "property-values.json")
DEPLOYMENTS_ID = "https://github.com/pulumi/pulumi/blob/master/sdk/go/common/apitype/deployments.json"
RESOURCES_ID = "https://github.com/pulumi/pulumi/blob/master/sdk/go/common/apitype/resources.json"
RESOURCE_REF = RESOURCES_ID + "#v3"
OPERATION_REF = DEPLOYMENTS_ID + "#/$defs/operationV2"
_URN_REF = {"$ref": "#/$defs/urn"}
_STRINGS = {"type": "array", "items": {"type": "string"}}
GO_TYPE_FIELDS: dict[str, dict[str, Any]] = {
    "retainOnDelete": {"type": "boolean"},
    "deletedWith": _URN_REF,
    "created": {"type": "string", "format": "date-time"},
    "modified": {"type": "string", "format": "date-time"},
    "sourcePosition": {"type": "string"},
    "stackTrace": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"sourcePosition": {"type": "string"}},
            "additionalProperties": False,
        },
    },
    "ignoreChanges": _STRINGS,
    "replaceOnChanges": _STRINGS,
    "hideDiff": _STRINGS,
    "taint": {"type": "boolean"},
    "replaceWith": {"type": "array", "items": _URN_REF},
    "replacementTrigger": {},
    "refreshBeforeUpdate": {"type": "boolean"},
    "viewOf": _URN_REF,
    "resourceHooks": {"type": "object", "additionalProperties": _STRINGS},
    "extensionRef": {},
}


class StateValidationError(ValueError):
    """A deployment does not match Pulumi's state schema."""


def load_schema(name: str) -> dict[str, Any]:
    """One of the packaged schemas, as published."""
    text = resources.files("aicompute.engine").joinpath("schemas", name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


# Likewise for ``DeploymentV3``: the snapshot's metadata, PCL snippets and extension blobs.
GO_DEPLOYMENT_FIELDS: dict[str, dict[str, Any]] = {
    "metadata": {"type": "object"},
    "snippets": {"type": "array"},
    "extensions": {"type": "object"},
}


def _with_go_type_fields(
    schema: dict[str, Any], path: tuple[str, ...], fields: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """``schema`` with ``fields`` added to the ``properties`` of the object at ``path``."""
    extended = copy.deepcopy(schema)
    target = extended
    for key in path:
        target = target[key]
    target["properties"].update(copy.deepcopy(fields))
    return extended


@cache
def _schemas(strict: bool) -> tuple[dict[str, Any], ...]:
    schemas = {name: load_schema(name) for name in SCHEMA_FILES}
    if not strict:
        resource, deployment = ("$defs", "resourceV3"), ("$defs", "deploymentV3", "properties", "deployment")
        schemas["resources.json"] = _with_go_type_fields(schemas["resources.json"], resource, GO_TYPE_FIELDS)
        schemas["deployments.json"] = _with_go_type_fields(
            schemas["deployments.json"], deployment, GO_DEPLOYMENT_FIELDS
        )
    return tuple(schemas.values())


@cache
def schema_registry(strict: bool) -> Registry[Any]:
    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in _schemas(strict)
    )


@cache
def _fast_validator(strict: bool, ref: str) -> jsonschema_rs.Draft202012Validator:
    registry = jsonschema_rs.Registry([(schema["$id"], schema) for schema in _schemas(strict)])
    return jsonschema_rs.Draft202012Validator({"$ref": ref}, registry=registry)


@cache
def _validator(strict: bool, ref: str = DEPLOYMENTS_ID) -> Draft202012Validator:
    """A validator for the schema at ``ref`` (a URL in the registry, with an optional fragment)."""
    return Draft202012Validator({"$ref": ref}, registry=schema_registry(strict))


def validate_deployment(document: Mapping[str, Any], *, strict: bool = False) -> None:
    """Check ``{"version": 3, "deployment": {...}}``; ``StateValidationError`` names the failing path.

    Resources and pending operations are validated one by one by the compiled validator (a few
    microseconds each), so that a failure names the resource.
    """
    deployment = document.get("deployment")
    if document.get("version") != 3 or not isinstance(deployment, Mapping):
        _check(strict, DEPLOYMENTS_ID, document, ())
        return
    resources = deployment.get("resources")
    operations = deployment.get("pending_operations")
    shell = {k: v for k, v in deployment.items() if k not in ("resources", "pending_operations")}
    if not isinstance(resources, list) or not isinstance(operations, (list, type(None))):
        _check(strict, DEPLOYMENTS_ID, document, ())
        return
    _check(strict, DEPLOYMENTS_ID, {"version": 3, "deployment": shell}, ())
    for index, resource in enumerate(resources):
        _check(strict, RESOURCE_REF, resource, ("deployment", "resources", index))
    for index, operation in enumerate(operations or []):
        _check(strict, OPERATION_REF, operation, ("deployment", "pending_operations", index))


def _check(strict: bool, ref: str, value: Any, where: tuple[Any, ...]) -> None:
    """Validate with the compiled (Rust) validator; only a value it rejects is re-checked by the
    reference implementation, whose verdict stands and whose best error is reported."""
    if _fast_validator(strict, ref).is_valid(value):
        return
    validator = _validator(strict, ref)
    if validator.is_valid(value):
        return
    error = best_match(validator.iter_errors(value))
    if error is None:
        return
    path = "/".join(str(part) for part in (*where, *error.absolute_path)) or "(root)"
    raise StateValidationError(f"state does not match Pulumi's deployment schema at {path}: {error.message:.300}")


def is_valid_deployment(document: Mapping[str, Any], *, strict: bool = False) -> bool:
    try:
        validate_deployment(document, strict=strict)
    except StateValidationError:
        return False
    return True
