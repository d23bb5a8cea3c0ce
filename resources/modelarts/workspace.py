"""ModelArts workspace (``/v1/{project_id}/workspaces``, seed §13).

Created synchronously (``NORMAL``); name, description, auth type and grants update in place with
a PUT; the enterprise project is create-only. Deletion is asynchronous: ``DELETING`` until a GET
answers 400 ``ModelArts.7005``. ``auth_type`` is compared case-insensitively (the seed's examples
use both cases).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicompute.provider.api_path import live_values
from aicompute.provider.errors import WaitFailed
from aicompute.provider.generic import Fields
from aicompute.provider.modelarts import ModelArtsClient
from aicompute.provider.paging import offset_pages
from aicompute.provider.schema import ApiPath, CreateOnly, SetLike, Updatable
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.inputs import GrantDict, TimeoutsDict
from aicompute.resources.modelarts._base import ModelArtsProvider

AuthType = Literal["PUBLIC", "PRIVATE", "INTERNAL"]
DEFAULT_WORKSPACE = "0"  # the platform's own workspace: no program creates or deletes it
WORKSPACE_LIST_LIMIT = 1000  # §13.6: the default page size, and so one every deployment accepts


class Grant(BaseModel):
    """An IAM user allowed into an INTERNAL workspace (``user_id`` wins over ``user_name``)."""

    model_config = ConfigDict(extra="forbid")

    user_id: str | None = None
    user_name: str | None = None

    @model_validator(mode="after")
    def _one_given(self) -> Grant:
        if not self.user_id and not self.user_name:
            raise ValueError("a grant needs user_id or user_name")
        return self


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


UPDATE = "PUT /v1/{project_id}/workspaces/{id}"


class WorkspaceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, ApiPath("name"), Updatable(via=UPDATE)] = Field(
        min_length=4,
        max_length=64,
        pattern=r"^[\w\-\u4e00-\u9fa5]+$",
        description="4-64 characters: letters, digits, Chinese, '-' and '_'; 'default' is reserved.",
    )
    description: Annotated[str, ApiPath("description"), Updatable(via=UPDATE)] = Field(default="", max_length=256)
    auth_type: Annotated[AuthType, ApiPath("auth_type"), Updatable(via=UPDATE)] = Field(
        default="PUBLIC", description="PUBLIC, PRIVATE or INTERNAL (any case)."
    )
    grants: Annotated[list[Grant], ApiPath("grants"), Updatable(via=UPDATE), SetLike()] = Field(
        default_factory=list, description="Users of an INTERNAL workspace."
    )
    enterprise_project_id: Annotated[str | None, CreateOnly()] = Field(default=None, description="Create-only.")
    timeouts: TimeoutsInput = None

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value.lower() == "default":
            raise ValueError("'default' is the reserved name of the default workspace")
        return value

    _upper_auth_type = field_validator("auth_type", mode="before")(_upper)


class WorkspaceOutputs(BaseModel):
    """What a ModelArts workspace reports besides its inputs."""

    enterprise_project_name: str | None
    owner: str
    status: str
    status_info: str
    create_time: int
    update_time: int


def workspace_ids(api: ModelArtsClient, limit: int) -> list[str]:
    """The ids of every workspace but the default (``offset`` is the start page, table 13-24)."""
    listed = offset_pages(
        partial(api.get, "v1", "workspaces"), "workspaces", limit, total="total_count", page_index=True
    )
    return [str(w.get("id")) for w in listed if str(w.get("id")) != DEFAULT_WORKSPACE]


class WorkspaceProvider(ModelArtsProvider[WorkspaceArgs]):
    kind = "ModelArts workspace"
    args_model = WorkspaceArgs
    outputs_model = WorkspaceOutputs
    summary = "A ModelArts workspace; its id is the 32-hex workspace id."
    fields = Fields.of(WorkspaceArgs, normalisers={"auth_type": _upper})
    default_timeouts = {"create": 600, "update": 600, "delete": 600}

    def create_resource(self, api: ModelArtsClient, args: WorkspaceArgs, timeout: float) -> str:
        body = args.model_dump(exclude={"timeouts"}, exclude_none=True)

        def post() -> str:
            return str(api.send_once("POST", api.path("v1", "workspaces"), json=body)["id"])

        workspace_id = api.create_reconciled(post, lambda: self._find_by_name(api, args.name))
        self.wait_created(api, workspace_id, self._waiter(api, workspace_id), timeout)
        return workspace_id

    def read_resource(self, api: ModelArtsClient, resource_id: str) -> dict[str, Any] | None:
        live = api.get_or_none("v1", f"workspaces/{resource_id}")
        if live is None:
            return None
        return {
            **live_values(WorkspaceArgs, live),
            "auth_type": _upper(live.get("auth_type")),
            "grants": [
                {k: v for k, v in grant.items() if k in ("user_id", "user_name")} for grant in live.get("grants") or []
            ],
            "enterprise_project_id": live.get("enterprise_project_id"),
            "enterprise_project_name": live.get("enterprise_project_name"),
            "owner": live.get("owner"),
            "status": live.get("status"),
            "status_info": live.get("status_info", ""),
            "create_time": live.get("create_time"),
            "update_time": live.get("update_time"),
        }

    # The list's items have no grants (§13.6): ids only, each read one by one.
    def list_ids(self, api: ModelArtsClient) -> Iterator[str]:
        return iter(workspace_ids(api, self.page_size(WORKSPACE_LIST_LIMIT)))

    @makes(UPDATE, sends="all")  # a PUT of the workspace's four updatable fields
    def _put(self, api: ModelArtsClient, update: Update[WorkspaceArgs]) -> None:
        api.request("PUT", api.path("v1", f"workspaces/{update.resource_id}"), json=update.body)

    def delete_resource(
        self, api: ModelArtsClient, resource_id: str, args: WorkspaceArgs | None, timeout: float
    ) -> None:
        api.request("DELETE", api.path("v1", f"workspaces/{resource_id}"))

        def fetch() -> dict[str, Any] | None:
            live: dict[str, Any] | None = api.get_or_none("v1", f"workspaces/{resource_id}")
            if live is not None and live.get("status") == "DELETE_FAILED":
                raise WaitFailed(f"workspace {resource_id}", "DELETE_FAILED", str(live.get("status_info", "")))
            return live

        wait_until_gone(f"workspace {resource_id}", fetch, lambda w: str(w.get("status")), api.settings, timeout)

    def _find_by_name(self, api: ModelArtsClient, name: str) -> str | None:
        listing = api.get("v1", "workspaces", params={"name": name})
        for workspace in listing.get("workspaces", []):
            if workspace.get("name") == name:
                return str(workspace["id"])
        return None

    def _waiter(self, api: ModelArtsClient, workspace_id: str) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"workspace {workspace_id}",
            fetch=lambda: api.get_or_none("v1", f"workspaces/{workspace_id}"),
            state=lambda w: str(w.get("status")),
            target={"NORMAL"},
            failure={"CREATE_FAILED"},
            reason=lambda w: str(w.get("status_info", "")),
        )


# --- generated by `make generate` from WorkspaceProvider: do not edit below this line ---
class Workspace(DynamicResource, module="modelarts", name="Workspace"):
    """A ModelArts workspace; its id is the 32-hex workspace id."""

    _provider_class = WorkspaceProvider
    _outputs, _secret_outputs = output_names(WorkspaceProvider)

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    auth_type: pulumi.Output[Literal["PUBLIC", "PRIVATE", "INTERNAL"]]
    grants: pulumi.Output[list[dict[str, Any]]]
    enterprise_project_id: pulumi.Output[str | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    enterprise_project_name: pulumi.Output[str | None]
    owner: pulumi.Output[str]
    status: pulumi.Output[str]
    status_info: pulumi.Output[str]
    create_time: pulumi.Output[int]
    update_time: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        description: pulumi.Input[str] | None = None,
        auth_type: pulumi.Input[Literal["PUBLIC", "PRIVATE", "INTERNAL"]] | None = None,
        grants: pulumi.Input[Sequence[pulumi.Input[GrantDict]]] | None = None,
        enterprise_project_id: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "description": description,
            "auth_type": auth_type,
            "grants": grants,
            "enterprise_project_id": enterprise_project_id,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = ["Grant", "Workspace", "WorkspaceArgs", "WorkspaceProvider"]
