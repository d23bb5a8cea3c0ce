"""Property values as the engine holds them: Pulumi's wire form in plain Python.

A value is JSON-like (None, bool, float/int, str, list, dict) where

* an unknown (a preview's not-yet-known output) is the string ``UNKNOWN``;
* a secret is ``{SIG_KEY: SECRET_SIG, "value": <value>}``;
* assets, archives and resource references keep their signature objects as they are.

This is exactly what crosses gRPC in a ``google.protobuf.Struct``, so conversion is lossless both
ways. The secret helpers shared with the checkpoint live in ``checkpoint_values``; this module adds what
only the wire needs: ``Struct`` conversion, re-marking a provider's outputs secret, unknowns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2

from aicompute.engine.resource.checkpoint_values import (
    SIG_KEY,
    UNKNOWN,
    is_secret,
    mask_secrets,
    secret,
    unwrap_secrets,
)

RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
PROVIDER_KEY = "__provider"

PropertyMap = dict[str, Any]


# protobuf --------------------------------------------------------------------------------------
def from_struct(struct: struct_pb2.Struct) -> PropertyMap:
    """A ``Struct`` as a property map.

    Numbers cross gRPC as doubles; whole ones become ints, as Pulumi's engine writes them (``2``,
    not ``2.0``), so state and diffs read the same whichever engine wrote them.
    """
    result = _whole_numbers(json_format.MessageToDict(struct))
    return result if isinstance(result, dict) else {}


def _whole_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def to_struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_for_struct(dict(props)))
    return struct


def _for_struct(value: Any) -> Any:
    """Tuples become lists; everything else is already Struct-shaped."""
    if isinstance(value, dict):
        return {str(k): _for_struct(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_for_struct(v) for v in value]
    return value


# secrets ---------------------------------------------------------------------------------------
def make_secret(value: Any) -> Any:
    """``value`` as a secret (unchanged when it already is one)."""
    return value if is_secret(value) else secret(value)


def contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(contains_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_secrets(v) for v in value)
    return False


reveal = unwrap_secrets
"""The value with every secret wrapper removed (what a provider that refuses secrets gets)."""


def for_provider(value: Any) -> Any:
    """A value as a provider that accepts neither secrets nor resource references gets it (Pulumi's
    engine when ``Configure`` said ``acceptSecrets``/``acceptResources`` false): secrets revealed, a
    resource reference replaced by its id (a custom resource's) or its URN (a component's)."""
    return _downgrade_resources(reveal(value))


def _downgrade_resources(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG_KEY) == RESOURCE_SIG:
            if "id" in value:
                return value["id"] or UNKNOWN  # a custom resource's; empty while it is not created
            return value.get("urn", "")
        return {k: _downgrade_resources(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_downgrade_resources(v) for v in value]
    return value


mask = mask_secrets
"""The value with every secret shown as ``[secret]`` (for previews, logs and JSON)."""


def annotate_secrets(outputs: Mapping[str, Any], inputs: Mapping[str, Any]) -> PropertyMap:
    """Outputs re-marked secret where the inputs they came from were secret.

    A provider that does not accept secrets gets plain values and returns plain values; like
    Pulumi's engine, mark as secret every output whose same-named input (at any depth) was.
    """
    return {k: _annotate(v, inputs[k]) if k in inputs else v for k, v in outputs.items()}


def _annotate(out: Any, inp: Any) -> Any:
    if is_secret(inp):
        return make_secret(out)
    if isinstance(inp, dict) and isinstance(out, dict) and not is_secret(out):
        return {k: _annotate(v, inp[k]) if k in inp else v for k, v in out.items()}
    if isinstance(inp, list) and isinstance(out, list) and len(inp) == len(out):
        return [_annotate(o, i) for o, i in zip(out, inp, strict=True)]
    return out


def secret_keys(props: Mapping[str, Any], keys: list[str] | tuple[str, ...]) -> PropertyMap:
    """``props`` with the named top-level keys made secret (``additional_secret_outputs``)."""
    return {k: make_secret(v) if k in keys and v is not None else v for k, v in props.items()}


# unknowns --------------------------------------------------------------------------------------
def contains_unknowns(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(v) for v in value)
    return False


def without_internal(props: Mapping[str, Any]) -> PropertyMap:
    """The properties a user declared (the dynamic provider's ``__provider`` pickle left out)."""
    return {k: v for k, v in props.items() if k != PROVIDER_KEY}
