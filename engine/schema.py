"""Validation of deployments against Pulumi's published state schemas.

The three schemas (``deployments.json``, ``resources.json``, ``property-values.json`` from Pulumi's
``sdk/go/common/apitype``) ship in this package unchanged under ``schemas/`` and reference each other
by their ``$id`` URLs, so they are registered in one offline ``referencing.Registry``.

``strict=True`` validates against them exactly. The default also accepts the ``ResourceV3`` fields
that Pulumi's own Go type writes but its JSON schema has not caught up with (``retainOnDelete``,
``deletedWith``, ``created``, ``modified``, ``sourcePosition``, ``ignoreChanges``,
``replaceOnChanges``) — otherwise a state written by the Pulumi CLI itself would be rejected.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_FILES = ("deployments.json", "resources.json", "property-values.json")
DEPLOYMENTS_ID = "https://github.com/pulumi/pulumi/blob/master/sdk/go/common/apitype/deployments.json"
RESOURCES_ID = "https://github.com/pulumi/pulumi/blob/master/sdk/go/common/apitype/resources.json"
_URN_REF = {"$ref": "#/$defs/urn"}
_STRINGS = {"type": "array", "items": {"type": "string"}}
GO_TYPE_FIELDS: dict[str, dict[str, Any]] = {
    "retainOnDelete": {"type": "boolean"},
    "deletedWith": _URN_REF,
    "created": {"type": "string", "format": "date-time"},
    "modified": {"type": "string", "format": "date-time"},
    "sourcePosition": {"type": "string"},
    "ignoreChanges": _STRINGS,
    "replaceOnChanges": _STRINGS,
}


class StateValidationError(ValueError):
    """A deployment does not match Pulumi's state schema."""


def load_schema(name: str) -> dict[str, Any]:
    """One of the packaged schemas, as published."""
    text = resources.files("aicompute.engine").joinpath("schemas", name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _with_go_type_fields(schema: dict[str, Any]) -> dict[str, Any]:
    extended = copy.deepcopy(schema)
    extended["$defs"]["resourceV3"]["properties"].update(copy.deepcopy(GO_TYPE_FIELDS))
    return extended


@cache
def _validator(strict: bool) -> Draft202012Validator:
    schemas = {name: load_schema(name) for name in SCHEMA_FILES}
    if not strict:
        schemas["resources.json"] = _with_go_type_fields(schemas["resources.json"])
    registry: Registry[Any] = Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema, default_specification=DRAFT202012))
        for schema in schemas.values()
    )
    return Draft202012Validator(schemas["deployments.json"], registry=registry)


def validate_deployment(document: Mapping[str, Any], *, strict: bool = False) -> None:
    """Check ``{"version": 3, "deployment": {...}}``; ``StateValidationError`` names the failing path."""
    error = best_match(_validator(strict).iter_errors(document))
    if error is None:
        return
    path = "/".join(str(part) for part in error.absolute_path) or "(root)"
    raise StateValidationError(f"state does not match Pulumi's deployment schema at {path}: {error.message:.300}")


def is_valid_deployment(document: Mapping[str, Any], *, strict: bool = False) -> bool:
    return _validator(strict).is_valid(document)
