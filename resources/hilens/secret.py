"""HiLens secret (``/v3/{project_id}/ai-mgr/secrets``, seed §5.6, digest §9.5).

* ``data`` (the API's ``secrets``, a list of ``{key, value}``) is a Pulumi secret end to end: the
  resource wraps the input with ``pulumi.Output.secret`` and lists ``data`` as a secret output,
  so the engine encrypts it in the state and masks it in previews and diffs; the provider declares
  it in ``Fields.secret``, so no check failure or error text quotes a value; and this module's
  validators name the key and the rule, never the value. A changed value is an in-place update
  (the ``PUT`` replaces the whole object), which the diff reports without either value.
* The GET returns each value sealed (localcloud: AES-GCM ciphertext, stable until the value is
  written again; the seed says values are decrypted only inside the container, §5.6.2), so values
  cannot be compared (digest §9.5: "keep the configured values in state"). ``data`` keeps the
  program's values, and ``data_revisions`` (a secret output too) records a fingerprint of what the
  platform stores for each key after every write. A read that finds a key whose stored value
  changed since — rewritten outside the stack — or a key the state never wrote (an import) reports
  that key's value as ``UNREADABLE``, so the next update writes the program's value again. Keys
  added or removed outside show as drift like any other change.
* The name is create-only (the API's PUT carries it, but deployments find secrets by name); a
  replace that keeps it deletes first, as a second secret of that name would collide.
* Tags are inline (the ``PUT`` needs them) and read back from the GET with the object.
* Default timeouts: 5 minutes each. The API is synchronous (no Terraform peer exists for HiLens,
  peers.md §1.1); the deadline bounds the retries and the wait for a GET to see the object.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
from pulumi.dynamic import ReadResult
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from aicompute.provider.generic import Fields
from aicompute.provider.hilens import HiLensClient
from aicompute.provider.schema import CreateOnly, Updatable
from aicompute.provider.schema import Secret as SecretValue
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.hilens._base import (
    Description,
    EntriesArgs,
    EntriesProvider,
    as_pairs,
    tag_map,
)
from aicompute.resources.inputs import TimeoutsDict
from aicompute.resources.rules import matching

NAME_RULE = "4-64 characters: lowercase letters, digits and '-', starting with a letter, not ending with '-'"
SecretName = Annotated[str, matching(r"[a-z][a-z0-9-]{2,62}[a-z0-9]", NAME_RULE)]
MAX_ENTRIES = 100
MAX_VALUE = 20480
# Seed table 5-389: keys start with a letter or '-'; values must avoid these characters.
_KEY = re.compile(r"[A-Za-z-][A-Za-z0-9._-]{0,62}")
KEY_RULE = "1-63 characters: letters, digits, '.', '-' and '_', starting with a letter or '-'"
FORBIDDEN_IN_VALUE = "^~#$%&<>()[]{}'\"\\"
VALUE_RULE = f"1-{MAX_VALUE} characters, none of ^ ~ # $ % & < > ( ) [ ] {{ }} ' \" \\"


def _entries(data: dict[str, str]) -> dict[str, str]:
    """Keys and values by seed table 5-389. The messages name the key, never the value."""
    if not data:
        raise ValueError("at least one entry is required")
    if len(data) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES} entries (got {len(data)})")
    for key, value in data.items():
        if _KEY.fullmatch(key) is None:
            raise ValueError(f"key {key!r} breaks the rule: {KEY_RULE}")
        if not value or len(value) > MAX_VALUE or any(char in FORBIDDEN_IN_VALUE for char in value):
            raise ValueError(f"the value of {key!r} breaks the rule: {VALUE_RULE}")
    return data


SecretData = Annotated[dict[str, str], AfterValidator(_entries)]
# Seed table 5-389: secrets' tags also allow '.' (keys and values) and '/' (values).
SecretTags = Annotated[
    dict[str, str],
    tag_map(
        r"[A-Za-z0-9._-]{1,36}",
        r"[A-Za-z0-9._/-]{1,43}",
        "key 1-36 characters (letters, digits, '.', '-', '_'), value 1-43 (also '/'); at most 20 tags",
    ),
]


UPDATE = "PUT /v3/{project_id}/ai-mgr/secrets/{id} (the whole object)"


class SecretArgs(EntriesArgs):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[SecretName, CreateOnly()] = Field(description=NAME_RULE)
    data: Annotated[SecretData, Updatable(via=UPDATE), SecretValue()] = Field(
        description=f"Keys to secret values; 1-{MAX_ENTRIES} entries. A Pulumi secret."
    )
    description: Annotated[Description, Updatable(via=UPDATE)] = ""
    tags: Annotated[SecretTags, Updatable(via=UPDATE)] = Field(default_factory=dict)
    timeouts: TimeoutsInput = None


class SecretOutputs(BaseModel):
    """What a HiLens secret reports besides its inputs."""

    data_revisions: Annotated[dict[str, str], SecretValue()] = Field(
        description="A fingerprint per key of the value as stored, after this stack's last write."
    )
    project_id: str | None
    created_at: str | None
    updated_at: str | None


UNREADABLE = "(unreadable: not written by this stack)"
"""The value reported for a key whose stored value this stack did not write."""


def revision(stored: str) -> str:
    """A fingerprint of the value as the platform stores (and returns) it."""
    return hashlib.sha256(stored.encode()).hexdigest()[:16]


class SecretProvider(EntriesProvider[SecretArgs]):
    kind = "HiLens secret"
    args_model = SecretArgs
    outputs_model = SecretOutputs
    summary = "A HiLens secret; its id is the secret id (``hilens-…``). ``data`` is a Pulumi secret."
    collection, envelope, entries = "secrets", "secret", "secrets"
    list_limit = 100  # §5.6.1: 1~100
    list_platforms = (None,)  # without provider the list shows both platforms' secrets
    fields = Fields.of(SecretArgs, normalisers={"data": as_pairs, "tags": as_pairs}, unique_key=frozenset({"name"}))
    default_timeouts = {"create": 300, "update": 300, "delete": 300}

    @makes(UPDATE)
    def _put(self, api: HiLensClient, update: Update[SecretArgs]) -> None:
        self.put_whole(api, update)

    def extra_live(self, live: Mapping[str, Any]) -> dict[str, Any]:
        stored = {str(e.get("key")): str(e.get("value") or "") for e in live.get(self.entries) or []}
        return {"data_revisions": {key: revision(value) for key, value in stored.items()}}

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Values read back sealed: keep the inputs' value of every key they have."""
        given = inputs.get("data")
        known: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        data = {key: known.get(key, UNREADABLE) for key in live.get("data") or {}}
        return {**live, "data": data}

    def read_result(self, id_: str, live: dict[str, Any] | None, props: Mapping[str, Any]) -> ReadResult:
        """A key whose stored value changed since this stack wrote it is ``UNREADABLE``."""
        result = super().read_result(id_, live, props)
        if not result.id or result.outs is None:
            return result
        recorded = props.get("data_revisions")
        written: Mapping[str, Any] = recorded if isinstance(recorded, Mapping) else {}
        now: Mapping[str, Any] = result.outs.get("data_revisions") or {}
        stale = [key for key, rev in now.items() if written.get(key) != rev]
        for values in (result.outs, result.inputs):
            data = values.get("data") if values is not None else None
            if values is not None and isinstance(data, dict):
                values["data"] = {**data, **{key: UNREADABLE for key in stale if key in data}}
        return result


# --- generated by `make generate` from SecretProvider: do not edit below this line ---
class Secret(DynamicResource, module="hilens", name="Secret"):
    """A HiLens secret; its id is the secret id (``hilens-…``). ``data`` is a Pulumi secret."""

    _provider_class = SecretProvider
    _outputs, _secret_outputs = output_names(SecretProvider)

    name: pulumi.Output[str]
    provider: pulumi.Output[Literal["hilens", "ief"]]
    workspace_id: pulumi.Output[str]
    description: pulumi.Output[str]
    data: pulumi.Output[dict[str, str]]
    tags: pulumi.Output[dict[str, str]]
    timeouts: pulumi.Output[dict[str, Any] | None]
    data_revisions: pulumi.Output[dict[str, str]]
    project_id: pulumi.Output[str | None]
    created_at: pulumi.Output[str | None]
    updated_at: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        data: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        provider: pulumi.Input[Literal["hilens", "ief"]] | None = None,
        workspace_id: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "provider": provider,
            "workspace_id": workspace_id,
            "description": description,
            "data": pulumi.Output.secret(data),
            "tags": tags,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = ["Secret", "SecretArgs", "SecretProvider"]
