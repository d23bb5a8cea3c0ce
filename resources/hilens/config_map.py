"""HiLens configmap, "配置项" (``/v3/{project_id}/ai-mgr/configmaps``, seed §5.4, digest §9.4).

* ``data`` maps keys to values (the API's ``configs``, a list of ``{key, value}``): keys 1-63
  letters, digits, '-' and '_'; values 1-10000 characters (the table's character rule for values
  is boilerplate copied from the tag rules, digest §10.11, so only the length is checked).
* ``PUT`` replaces the whole object (name, configs and tags are required in it): every change of
  data, description, tags or type is one PUT.
* The name is create-only and referenced by deployments (environment variables and volumes); the
  API states no rule for it, so the rule of those references is used (seed table 5-98: 4-64
  characters, starting with a lowercase letter, not ending with '-'). A replace that keeps the name
  deletes first.
* Default timeouts: 5 minutes each; the API is synchronous (see secret.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

import pulumi
from pydantic import AfterValidator, ConfigDict, Field

from aicompute.provider.generic import Fields
from aicompute.provider.schema import CreateOnly, Updatable
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.resources.base import DynamicResource
from aicompute.resources.hilens._base import PLATFORMS, EntriesArgs, EntriesProvider, Platform, Tags, as_pairs
from aicompute.resources.rules import matching

NAME_RULE = (
    "4-64 characters: letters, digits, Chinese, '_' and '-', starting with a lowercase letter, not ending with '-'"
)
ConfigMapName = Annotated[str, matching(r"[a-z][\u4e00-\u9fa5A-Za-z0-9_-]{2,62}[\u4e00-\u9fa5A-Za-z0-9_]", NAME_RULE)]
MAX_VALUE = 10000
_KEY = re.compile(r"[A-Za-z0-9_-]{1,63}")
KEY_RULE = "1-63 characters: letters, digits, '-' and '_'"


def _entries(data: dict[str, str]) -> dict[str, str]:
    if not data:
        raise ValueError("at least one entry is required")
    for key, value in data.items():
        if _KEY.fullmatch(key) is None:
            raise ValueError(f"key {key!r} breaks the rule: {KEY_RULE}")
        if not value or len(value) > MAX_VALUE:
            raise ValueError(f"the value of {key!r} must have 1-{MAX_VALUE} characters (it has {len(value)})")
    return data


ConfigData = Annotated[dict[str, str], AfterValidator(_entries)]


UPDATE = "PUT /v3/{project_id}/ai-mgr/configmaps/{id} (the whole object)"


class ConfigMapArgs(EntriesArgs):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[ConfigMapName, CreateOnly()] = Field(description=NAME_RULE)
    data: Annotated[ConfigData, Updatable(via=UPDATE)] = Field(description="Keys to values, at least one entry.")
    description: Annotated[str, Updatable(via=UPDATE)] = Field(default="", max_length=255)
    tags: Annotated[Tags, Updatable(via=UPDATE)] = Field(default_factory=dict)
    type: Annotated[str | None, Updatable(via=UPDATE)] = Field(
        default=None, min_length=1, description="The API's 'type' (its meaning is undocumented)."
    )
    workspace_id: Annotated[str | None, CreateOnly()] = Field(
        default=None, min_length=1, description="Create-only; default workspace."
    )
    provider: Annotated[Platform, CreateOnly()] = Field(
        default="hilens", description="The platform: hilens or ief. Create-only."
    )
    timeouts: TimeoutsInput = None


class ConfigMapProvider(EntriesProvider[ConfigMapArgs]):
    kind = "HiLens configmap"
    args_model = ConfigMapArgs
    collection, envelope, entries = "configmaps", "configmap", "configs"
    list_limit = 1000  # §5.4.1: 1~1000
    list_platforms = PLATFORMS  # the list shows one platform's configmaps, hilens when not given
    fields = Fields.of(ConfigMapArgs, normalisers={"data": as_pairs, "tags": as_pairs}, unique_key=frozenset({"name"}))
    default_timeouts = {"create": 300, "update": 300, "delete": 300}

    def extra_fields(self, args: ConfigMapArgs) -> dict[str, Any]:
        return {} if args.type is None else {"type": args.type}

    def extra_live(self, live: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": live.get("type") or None}


class ConfigMap(DynamicResource, module="hilens", name="ConfigMap"):
    """A HiLens configmap; its id is the configmap id (``hilens-…``)."""

    _provider_class = ConfigMapProvider
    _outputs = (*ConfigMapArgs.model_fields, "project_id", "created_at", "updated_at")

    name: pulumi.Output[str]
    data: pulumi.Output[dict[str, str]]
    description: pulumi.Output[str]
    tags: pulumi.Output[dict[str, str]]
    type: pulumi.Output[str | None]
    workspace_id: pulumi.Output[str]
    provider: pulumi.Output[str]
    project_id: pulumi.Output[str | None]
    created_at: pulumi.Output[str | None]
    updated_at: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        data: pulumi.Input[dict[str, str]],
        description: pulumi.Input[str] | None = None,
        tags: pulumi.Input[dict[str, str]] | None = None,
        type: pulumi.Input[str] | None = None,
        workspace_id: pulumi.Input[str] | None = None,
        provider: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[dict[str, Any]] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            resource_name,
            {
                "name": name,
                "data": data,
                "description": description,
                "tags": tags,
                "type": type,
                "workspace_id": workspace_id,
                "provider": provider,
                "timeouts": timeouts,
            },
            opts,
        )


__all__ = ["ConfigMap", "ConfigMapArgs", "ConfigMapProvider"]
