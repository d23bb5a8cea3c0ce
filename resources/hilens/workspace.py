"""HiLens workspace (``/v3/{project_id}/ai-mgr/workspaces``, seed §5.8, digest §9.1).

* ``POST`` answers only ``{workspace_id}`` (the id); the object is read back with a GET. Names are
  unique ("工作空间名不能与已有的重复"), so a lost create response is reconciled by listing by
  name, and a replace that keeps the name deletes first.
* Only the description can change ("暂时只能更改描述"): ``PUT {description}``. The name and the
  enterprise project are create-only.
* ``DELETE`` fails while the workspace still holds devices, configmaps or secrets; the error is
  the platform's. Delete waits until a GET answers 404.
* The default workspace (``"0"``, named ``default``) exists implicitly, so ``default`` is refused
  as a name in check.
* Default timeouts: 10 minutes each. HiLens has no Terraform resource (peers.md §1.1); the
  nearest peer, ``huaweicloud_modelarts_workspace``, waits 10 minutes for its delete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.provider.api_path import live_values
from aicompute.provider.generic import Fields
from aicompute.provider.hilens import PAGE_SIZE, HiLensClient
from aicompute.provider.schema import ApiPath, CreateOnly, Updatable
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.hilens._base import DEFAULT_WORKSPACE, HiLensProvider, list_workspaces, present
from aicompute.resources.inputs import TimeoutsDict
from aicompute.resources.rules import matching

# The API states no rule for workspace names; the device-name rule (seed table 5-11) is used.
NAME_RULE = "1-64 characters: letters, digits, Chinese, '-' and '_'"
WorkspaceName = Annotated[str, matching(r"[\u4e00-\u9fa5A-Za-z0-9_-]{1,64}", NAME_RULE)]


UPDATE = "PUT /v3/{project_id}/ai-mgr/workspaces/{id}"


class WorkspaceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[WorkspaceName, ApiPath("name"), CreateOnly()] = Field(
        description=f"{NAME_RULE}; unique; 'default' is the built-in workspace."
    )
    description: Annotated[str, ApiPath("description"), Updatable(via=UPDATE)] = Field(
        default="", max_length=255, description="The only field that can change in place."
    )
    enterprise_project_id: Annotated[str, CreateOnly()] = Field(
        default="0", min_length=1, description="Create-only; '0' is default."
    )
    enterprise_project_name: Annotated[str, CreateOnly()] = Field(
        default="default", min_length=1, description="Create-only."
    )
    timeouts: TimeoutsInput = None

    @field_validator("name")
    @classmethod
    def _not_default(cls, value: str) -> str:
        if value.lower() == "default":
            raise ValueError("'default' is the name of the built-in default workspace")
        return value

    @field_validator("enterprise_project_id", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        """The seed's example sends the number 0; the field is a String."""
        return str(int(value)) if isinstance(value, int | float) and not isinstance(value, bool) else value


class WorkspaceOutputs(BaseModel):
    """What a HiLens workspace reports besides its inputs."""

    workspace_id: str
    ma_workspace_id: str | None
    project_id: str
    owner: str | None
    user_id: str | None
    used_flag: str | None
    create_time: int
    update_time: int


def _live(workspace: Mapping[str, Any], resource_id: str) -> dict[str, Any]:
    """A workspace (a GET answer or a list item) as this resource's outputs."""
    return {
        **live_values(WorkspaceArgs, workspace),
        "enterprise_project_id": _text(workspace.get("enterprise_project_id")),
        "enterprise_project_name": workspace.get("enterprise_project_name"),
        "workspace_id": _text(workspace.get("workspace_id")) or resource_id,
        "ma_workspace_id": workspace.get("ma_workspace_id"),
        "project_id": workspace.get("project_id"),
        "owner": _text(workspace.get("owner")),
        "user_id": workspace.get("user_id"),
        "used_flag": workspace.get("used_flag"),
        "create_time": workspace.get("create_time"),
        "update_time": workspace.get("update_time"),
    }


class WorkspaceProvider(HiLensProvider[WorkspaceArgs]):
    kind = "HiLens workspace"
    args_model = WorkspaceArgs
    outputs_model = WorkspaceOutputs
    summary = "A HiLens workspace; its id is the ``workspace_id``."
    fields = Fields.of(WorkspaceArgs, unique_key=frozenset({"name"}))
    default_timeouts = {"create": 600, "update": 600, "delete": 600}

    def create_resource(self, api: HiLensClient, args: WorkspaceArgs, timeout: float) -> str:
        body = args.model_dump(exclude={"timeouts"})
        if not body["description"]:
            body.pop("description")

        def post() -> str:
            return str(api.send_once("POST", api.path("ai-mgr/workspaces"), json=body)["workspace_id"])

        workspace_id = api.create_reconciled(post, lambda: self._find(api, args.name))
        self.wait_created(
            api, workspace_id, present(f"workspace {workspace_id}", self._fetch(api, workspace_id)), timeout
        )
        return workspace_id

    def read_resource(self, api: HiLensClient, resource_id: str) -> dict[str, Any] | None:
        live = api.get_or_none(f"ai-mgr/workspaces/{resource_id}")
        return None if live is None else _live(live, resource_id)

    def list_live(self, api: HiLensClient) -> Iterator[tuple[str, dict[str, Any]]]:
        """The list's items are the workspace detail (§5.8.1); the default workspace is the
        platform's own, not an object a program could manage, and is left out."""
        for workspace in list_workspaces(api, self.page_size(PAGE_SIZE)):
            workspace_id = _text(workspace.get("workspace_id"))
            if workspace_id and workspace_id != DEFAULT_WORKSPACE:
                yield workspace_id, _live(workspace, workspace_id)

    @makes(UPDATE)
    def _put(self, api: HiLensClient, update: Update[WorkspaceArgs]) -> None:
        api.request("PUT", api.path(f"ai-mgr/workspaces/{update.resource_id}"), json=update.body)

    def delete_resource(self, api: HiLensClient, resource_id: str, args: WorkspaceArgs | None, timeout: float) -> None:
        api.request("DELETE", api.path(f"ai-mgr/workspaces/{resource_id}"), ok=(200, 204))
        wait_until_gone(
            f"workspace {resource_id}", self._fetch(api, resource_id), lambda _: "present", api.settings, timeout
        )

    def _fetch(self, api: HiLensClient, workspace_id: str) -> Callable[[], dict[str, Any] | None]:
        return lambda: api.get_or_none(f"ai-mgr/workspaces/{workspace_id}")

    def _find(self, api: HiLensClient, name: str) -> str | None:
        for workspace in api.pages(api.path("ai-mgr/workspaces"), "workspaces"):
            if workspace.get("name") == name:
                return str(workspace["workspace_id"])
        return None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


# --- generated by `make generate` from WorkspaceProvider: do not edit below this line ---
class Workspace(DynamicResource, module="hilens", name="Workspace"):
    """A HiLens workspace; its id is the ``workspace_id``."""

    _provider_class = WorkspaceProvider
    _outputs, _secret_outputs = output_names(WorkspaceProvider)

    name: pulumi.Output[str]
    description: pulumi.Output[str]
    enterprise_project_id: pulumi.Output[str]
    enterprise_project_name: pulumi.Output[str]
    timeouts: pulumi.Output[dict[str, Any] | None]
    workspace_id: pulumi.Output[str]
    ma_workspace_id: pulumi.Output[str | None]
    project_id: pulumi.Output[str]
    owner: pulumi.Output[str | None]
    user_id: pulumi.Output[str | None]
    used_flag: pulumi.Output[str | None]
    create_time: pulumi.Output[int]
    update_time: pulumi.Output[int]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        description: pulumi.Input[str] | None = None,
        enterprise_project_id: pulumi.Input[str] | None = None,
        enterprise_project_name: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "description": description,
            "enterprise_project_id": enterprise_project_id,
            "enterprise_project_name": enterprise_project_name,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = ["Workspace", "WorkspaceArgs", "WorkspaceProvider"]
