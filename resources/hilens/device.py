"""HiLens edge device, a "node" (``/v3/{project_id}/ai-mgr/nodes``, seed §5.1, digest §9.2).

* Registration (``POST``) is synchronous and answers ``{id, name, package}``. ``package`` — the
  base64 tar of ``node.conf``, the certificate and its private key the edge agent installs — is
  given **only then** and can never be read back: it is a secret output kept from the previous
  outputs on every read and update. An imported device, or one adopted after a lost create
  response, has no package (``None``).
* A new device is ``UNCONNECTED`` until its agent connects; creation does not wait for that unless
  ``wait_for_state`` is ``RUNNING`` (the state is the ``state`` output: ``UNCONNECTED``,
  ``RUNNING``, ``FAIL``, ``STOPPED``, ``UPGRADING``, ``FREEZE``).
* ``PUT {node}`` updates description, log configs, GPU/NPU settings and the event validity period;
  tags go through the tag API (``/v3/{project_id}/node/{id}/tags``) and are read back through it.
* Declarative actions, each waiting for its outcome:
  ``enabled`` → ``POST action/stop|start`` (until ``STOPPED`` / not ``STOPPED``);
  ``activation`` → ``POST activate`` with the orders, or ``POST deactivate`` (until
  ``active_status`` is ``ACTIVATED`` / ``INACTIVE``);
  ``firmware_version`` → the firmware catalogue (``GET /v3/ai-mgr/firmwares`` for the device's type
  and architecture) names the firmware of that version, ``PUT …/firmware/{firmware_id}`` starts the
  upgrade and ``GET …/firmware/upgrade-progress`` is polled until ``status`` 3 (succeeded; 2 is
  failed, with its ``cause``). Only an online device can be upgraded, so ``firmware_version``
  requires ``wait_for_state: RUNNING``.
* Never returned by a GET, so kept from the inputs (drift cannot be detected): ``workspace_id``,
  ``iam_user_id``, the activation order ids, and ``wait_for_state`` (a local instruction).
* ``DELETE`` is refused (409) while application instances run on the device; deployments that
  reference it are deleted first by the engine. Delete waits until a GET answers 404.
* Default timeouts: create 10 minutes (it may wait for the agent), update 30 minutes (a firmware
  upgrade), delete 10 minutes. HiLens has no Terraform resource (peers.md §1.1); the update
  deadline follows the 30 minutes terraform-provider-huaweicloud gives CCE node updates, the
  closest long-running edge-node operation among the peers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

import pulumi
from pulumi.dynamic import CreateResult, ReadResult, UpdateResult
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from aicompute.provider.errors import ApiError
from aicompute.provider.generic import Fields
from aicompute.provider.hilens import PAGE_SIZE, HiLensClient
from aicompute.provider.schema import ApiPath, CreateOnly, Secret, SetLike, Updatable, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, time_left, wait_for, wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.hilens._base import (
    Description,
    HiLensProvider,
    Platform,
    Tags,
    as_pairs,
    list_items,
    list_workspaces,
    platform_of,
    present,
    tag_list,
)
from aicompute.resources.inputs import ActivationDict, LogConfigDict, TimeoutsDict
from aicompute.resources.rules import matching

log = logging.getLogger("aicompute.resources.hilens")

NAME_RULE = "1-64 characters: letters, digits, Chinese, '_' and '-'"
DeviceName = Annotated[str, matching(r"[\u4e00-\u9fa5A-Za-z0-9_-]{1,64}", NAME_RULE)]
VERSION_RULE = "X.Y.Z, each part a number of up to 3 digits without leading zeros"
FirmwareVersion = Annotated[str, matching(r"(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})", VERSION_RULE)]
TAG_TYPE = "node"  # the tag API's resource type for devices (seed §5.7.1 example)
ONLINE = "RUNNING"
# While waiting for the agent: not connected yet, briefly lost, or upgrading.
CONNECTING = frozenset({"UNCONNECTED", "FAIL", "UPGRADING"})
UPGRADE_RUNNING, UPGRADE_FAILED, UPGRADE_DONE = "1", "2", "3"


class LogConfig(BaseModel):
    """Seed table 5-12; unset fields take the platform's defaults (info, 5 files, 50 MB)."""

    model_config = ConfigDict(extra="forbid")

    component: Literal["app", "system"] = Field(description="app or system logs.")
    type: Literal["LTS", "local"] = Field(description="LTS (Log Tank Service) or local.")
    level: Literal["error", "warning", "info", "debug"] | None = None
    rotate_num: int | None = Field(default=None, ge=1, le=30, description="1-30 (hilens), 1-10 (ief).")
    rotate_period: Literal["daily", "monthly", "weekly", "yearly"] | None = Field(default=None, description="ief.")
    size: int | None = Field(default=None, ge=10, le=1000, description="MB.")


class Activation(BaseModel):
    """Activation with running-service-fee orders (seed §5.1.7/5.1.8)."""

    model_config = ConfigDict(extra="forbid")

    active: bool = Field(default=True, description="ACTIVATED (true) or INACTIVE (false).")
    order_id: str | None = Field(default=None, description="Order for small and light devices.")
    cpu_order_id: str | None = Field(default=None, description="Order for large devices using CPU.")
    npu_gpu_order_id: str | None = Field(default=None, description="Order for large devices using GPU/NPU.")

    def orders(self) -> dict[str, str]:
        return self.model_dump(exclude={"active"}, exclude_none=True)


START_STOP = "POST /v3/{project_id}/ai-mgr/nodes/{id}/action/start (or /stop)"

ACTIVATE = "POST /v3/{project_id}/ai-mgr/nodes/{id}/activate (or /deactivate)"

TAG_CALLS = "POST/DELETE /v3/{project_id}/nodes/{id}/tags"

PUT_NODE = "PUT /v3/{project_id}/ai-mgr/nodes/{id}"

UPGRADE = "PUT /v3/{project_id}/node-manager/node/{id}/firmware/{firmware_id}"


class DeviceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[DeviceName, CreateOnly()] = Field(description=NAME_RULE)
    provider: Annotated[Platform, CreateOnly()] = Field(
        default="hilens", description="The platform managing it: hilens or ief."
    )
    workspace_id: Annotated[str | None, CreateOnly(), WriteOnly()] = Field(
        default=None, min_length=1, description="Create-only; never returned."
    )
    iam_user_id: Annotated[str | None, CreateOnly(), WriteOnly()] = Field(
        default=None, min_length=1, description="Register for this sub-account."
    )
    description: Annotated[Description, ApiPath("description"), Updatable(via=PUT_NODE)] = ""
    tags: Annotated[Tags, Updatable(via=TAG_CALLS)] = Field(default_factory=dict)
    log_configs: Annotated[list[LogConfig], ApiPath("log_configs"), Updatable(via=PUT_NODE), SetLike()] = Field(
        default_factory=list
    )
    enable_gpu: Annotated[bool, ApiPath("enable_gpu"), Updatable(via=PUT_NODE)] = False
    enable_npu: Annotated[bool, ApiPath("enable_npu"), Updatable(via=PUT_NODE)] = False
    npu_type: Annotated[Literal["D310", "D910"] | None, ApiPath("npu_type"), Updatable(via=PUT_NODE)] = None
    event_validity_period: Annotated[int | None, ApiPath("event_validity_period"), Updatable(via=PUT_NODE)] = Field(
        default=None, ge=1, description="Minutes."
    )
    enabled: Annotated[bool, Updatable(via=START_STOP)] = Field(
        default=True, description="false stops (disables) the device."
    )
    wait_for_state: Annotated[Literal["RUNNING"] | None, Updatable(via=""), WriteOnly()] = Field(
        default=None, description="Wait for the device to come online (RUNNING) on create and update."
    )
    activation: Annotated[Activation | None, Updatable(via=ACTIVATE)] = None
    firmware_version: Annotated[FirmwareVersion | None, Updatable(via=UPGRADE)] = Field(
        default=None, description="Upgrade to this version."
    )
    timeouts: TimeoutsInput = None

    @field_validator("log_configs")
    @classmethod
    def _per_platform(cls, value: list[LogConfig], info: ValidationInfo) -> list[LogConfig]:
        provider = info.data.get("provider")
        for index, config in enumerate(value):
            if provider == "hilens" and config.rotate_period is not None:
                raise ValueError(f"[{index}].rotate_period is only for ief devices")
            if provider == "ief" and (config.rotate_num or 0) > 10:
                raise ValueError(f"[{index}].rotate_num must be 1-10 for ief devices")
        return value

    @field_validator("wait_for_state")
    @classmethod
    def _can_come_online(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value == ONLINE and info.data.get("enabled") is False:
            raise ValueError("RUNNING needs enabled: a stopped device never comes online")
        return value

    @field_validator("firmware_version")
    @classmethod
    def _online_to_upgrade(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and "wait_for_state" in info.data and info.data["wait_for_state"] != ONLINE:
            raise ValueError("needs wait_for_state RUNNING: only an online device can be upgraded")
        return value


class DeviceOutputs(BaseModel):
    """What a HiLens device reports besides its inputs."""

    package: Annotated[str | None, Secret()] = Field(
        description="The one-time registration package (base64 .tar.gz for the edge agent); a secret."
    )
    state: str = Field(description="UNCONNECTED, RUNNING, FAIL, STOPPED, UPGRADING or FREEZE.")
    firmware_status: str | None
    active_status: str
    active_content: list[str]
    firmware_name: str | None
    upgrade_firmware_version: str | None
    firmware_upgrade_record: list[dict[str, Any]] | None
    type: str | None
    arch: str | None
    memory: int
    cpu: int
    gpu_num: int
    npu_num: int
    os_name: str | None
    os_type: str | None
    os_version: str | None
    host_ips: list[str]
    enable_container: bool
    npu_info: dict[str, Any]
    user_name: str | None
    cluster_id: str | None
    cluster_node_state: str | None
    cluster_node_type: str | None
    created_at: str
    updated_at: str


def _state(device: Mapping[str, Any]) -> str:
    return str(device.get("state") or "")


class DeviceProvider(HiLensProvider[DeviceArgs]):
    kind = "HiLens device"
    args_model = DeviceArgs
    outputs_model = DeviceOutputs
    summary = "A HiLens edge device; its id is the node id (``hilens-…``)."
    fields = Fields.of(DeviceArgs, normalisers={"tags": as_pairs})
    default_timeouts = {"create": 600, "update": 1800, "delete": 600}

    def __init__(self) -> None:
        super().__init__()
        self._packages: dict[str, str | None] = {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._packages = {}

    # Pulumi's provider methods: the package is only ever given by the registration -------------
    def create(self, props: dict[str, Any]) -> CreateResult:
        result = super().create(props)
        package = self._packages.pop(str(result.id), None)
        return CreateResult(result.id, {**(result.outs or {}), "package": package})

    def read_result(self, id_: str, live: dict[str, Any] | None, props: Mapping[str, Any]) -> ReadResult:
        result = super().read_result(id_, live, props)
        if result.id:
            result.outs = {**(result.outs or {}), "package": props.get("package")}
        return result

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        result = super().update(id_, olds, news)
        return UpdateResult({**(result.outs or {}), "package": olds.get("package")})

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The activation orders are never returned: keep the program's, with the live activeness."""
        wanted = inputs.get("activation")
        if isinstance(live.get("activation"), Mapping) and isinstance(wanted, Mapping):
            orders = {k: v for k, v in wanted.items() if k != "active" and v is not None}
            return {**live, "activation": {**orders, **live["activation"]}}
        return live

    # hooks ---------------------------------------------------------------------------------------
    def create_resource(self, api: HiLensClient, args: DeviceArgs, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        node = args.model_dump(
            include={
                "name",
                "workspace_id",
                "iam_user_id",
                "description",
                "enable_gpu",
                "enable_npu",
                "npu_type",
                "event_validity_period",
            },
            exclude_none=True,
        )
        node["log_configs"] = [config.model_dump(exclude_none=True) for config in args.log_configs]
        node["tags"] = tag_list(args.tags)
        params = {"provider": args.provider}

        def post() -> tuple[str, str | None]:
            created = api.send_once("POST", api.path("ai-mgr/nodes"), json={"node": node}, params=params)
            return str(created["id"]), created.get("package")

        def find() -> tuple[str, str | None] | None:
            node_id = self._find(api, args)
            if node_id is None:
                return None
            log.warning("adopting device %s: its registration package cannot be read back", node_id)
            return node_id, None

        node_id, package = api.create_reconciled(post, find)
        self._packages[node_id] = package
        try:
            self.undo_create(api, node_id, lambda: self._settle_switches(api, node_id, None, args, deadline))
            waiter = (
                self._online(api, node_id)
                if args.wait_for_state == ONLINE
                else present(f"device {node_id}", lambda: api.get_or_none(f"ai-mgr/nodes/{node_id}"))
            )
            self.wait_created(api, node_id, waiter, time_left(deadline))
            if args.firmware_version is not None:
                version = args.firmware_version
                self.undo_create(api, node_id, lambda: self._upgrade(api, node_id, version, deadline))
        except BaseException:
            self._packages.pop(node_id, None)
            raise
        return node_id

    def read_resource(self, api: HiLensClient, resource_id: str) -> dict[str, Any] | None:
        live = api.get_or_none(f"ai-mgr/nodes/{resource_id}")
        if live is None:
            return None
        state = _state(live)
        result: dict[str, Any] = {
            "name": live.get("name"),
            "description": live.get("description") or "",
            "tags": api.tags(TAG_TYPE, resource_id),
            "log_configs": live.get("log_configs") or [],
            "enable_gpu": bool(live.get("enable_gpu")),
            "enable_npu": bool(live.get("enable_npu")),
            "npu_type": live.get("npu_type"),
            "event_validity_period": live.get("event_validity_period"),
            "enabled": state != "STOPPED",
            "activation": {"active": live.get("active_status") == "ACTIVATED"},
            "firmware_version": live.get("firmware_version"),
            "state": state,
        }
        platform = platform_of(resource_id)
        if platform is not None:
            result["provider"] = platform
        for key in OUTPUT_KEYS:
            result[key] = live.get(key)
        result["firmware_status"] = None if live.get("firmware_status") is None else str(live["firmware_status"])
        return result

    # List items lack log_configs, enable_gpu/npu, event_validity_period and the tags (§5.1.1):
    # ids only (the list is per workspace, the default one when none is given), each read one by one.
    def list_ids(self, api: HiLensClient) -> Iterator[str]:
        limit = self.page_size(PAGE_SIZE)
        for workspace in list_workspaces(api, limit):
            params = {"workspace_id": str(workspace.get("workspace_id"))}
            yield from (str(node["id"]) for node in list_items(api, "ai-mgr/nodes", "nodes", limit, params))

    def update_resource(
        self,
        api: HiLensClient,
        resource_id: str,
        old: DeviceArgs,
        new: DeviceArgs,
        changed: frozenset[str],
        timeout: float,
    ) -> None:
        """The declared calls, with the wait for the device to come online (``wait_for_state``)
        between the switches and a firmware upgrade."""
        deadline = time.monotonic() + timeout
        self.make_calls(api, resource_id, old, new, changed - {"firmware_version"}, deadline)
        if new.wait_for_state == ONLINE and changed & {"wait_for_state", "enabled", "firmware_version"}:
            wait_for(self._online(api, resource_id), api.settings, time_left(deadline))
        self.make_calls(api, resource_id, old, new, changed & {"firmware_version"}, deadline)

    @makes(PUT_NODE)
    def _put_node(self, api: HiLensClient, update: Update[DeviceArgs]) -> None:
        path = api.path(f"ai-mgr/nodes/{update.resource_id}")
        api.request("PUT", path, json={"node": update.body}, ok=(200, 201, 204))

    @makes(TAG_CALLS)  # tags are added and removed one call each, from the live set
    def _tag(self, api: HiLensClient, update: Update[DeviceArgs]) -> None:
        api.set_tags(TAG_TYPE, update.resource_id, api.tags(TAG_TYPE, update.resource_id), update.new.tags)

    @makes(START_STOP, ACTIVATE)  # each only where the live device differs; one read settles both
    def _switch(self, api: HiLensClient, update: Update[DeviceArgs]) -> None:
        self._settle_switches(api, update.resource_id, update.old, update.new, update.deadline)

    @makes(UPGRADE)  # unless the device runs the version; the upgrade is waited for
    def _upgrade_firmware(self, api: HiLensClient, update: Update[DeviceArgs]) -> None:
        if update.new.firmware_version is not None:
            self._upgrade(api, update.resource_id, update.new.firmware_version, update.deadline)

    def delete_resource(self, api: HiLensClient, resource_id: str, args: DeviceArgs | None, timeout: float) -> None:
        api.request("DELETE", api.path(f"ai-mgr/nodes/{resource_id}"), ok=(200, 204))
        wait_until_gone(
            f"device {resource_id}",
            lambda: api.get_or_none(f"ai-mgr/nodes/{resource_id}"),
            _state,
            api.settings,
            timeout,
        )

    # steps ---------------------------------------------------------------------------------------
    def _settle_switches(
        self, api: HiLensClient, node_id: str, old: DeviceArgs | None, new: DeviceArgs, deadline: float
    ) -> None:
        """Bring ``enabled`` and ``activation`` to what the program says, as far as they differ."""
        live = api.get(f"ai-mgr/nodes/{node_id}")
        if (_state(live) == "STOPPED") == new.enabled:
            action = "start" if new.enabled else "stop"
            api.request(
                "POST",
                api.path(f"ai-mgr/nodes/{node_id}/action/{action}"),
                params={"provider": new.provider},
                ok=(200, 201, 204),
            )
            waiter = self._watch(api, node_id)
            waiter.done = lambda device: (_state(device) == "STOPPED") != new.enabled
            wait_for(waiter, api.settings, time_left(deadline))
        if new.activation is None:
            return
        active = live.get("active_status") == "ACTIVATED"
        orders_changed = (
            old is not None and old.activation is not None and old.activation.orders() != new.activation.orders()
        )
        if active and (not new.activation.active or orders_changed):
            api.request("POST", api.path(f"ai-mgr/nodes/{node_id}/deactivate"), json={})
            active = False
        if new.activation.active and not active:
            api.request("POST", api.path(f"ai-mgr/nodes/{node_id}/activate"), json=new.activation.orders())
        wanted = "ACTIVATED" if new.activation.active else "INACTIVE"
        waiter = self._watch(api, node_id)
        waiter.done = lambda device: device.get("active_status") == wanted
        wait_for(waiter, api.settings, time_left(deadline))

    def _upgrade(self, api: HiLensClient, node_id: str, version: str, deadline: float) -> None:
        """Upgrade to ``version`` unless the device runs it, and wait until the upgrade finishes."""
        device = api.get(f"ai-mgr/nodes/{node_id}")
        if device.get("firmware_version") == version:
            return
        firmware_id = self._firmware_id(api, device, version)
        api.request("PUT", api.path(f"node-manager/node/{node_id}/firmware/{firmware_id}"), ok=(200, 201, 204))
        progress = Waiter(
            what=f"firmware upgrade of device {node_id} to {version}",
            fetch=lambda: api.get(f"node-manager/node/{node_id}/firmware/upgrade-progress"),
            state=_upgrade_status,
            target={UPGRADE_DONE},
            pending={UPGRADE_RUNNING, ""},
            failure={UPGRADE_FAILED},
            reason=lambda p: str(p.get("cause") or "the upgrade failed"),
            done=lambda p: str(p.get("version") or version) == version,
        )
        wait_for(progress, api.settings, time_left(deadline))
        waiter = self._online(api, node_id)
        waiter.done = lambda d: d.get("firmware_version") == version
        wait_for(waiter, api.settings, time_left(deadline))

    def _firmware_id(self, api: HiLensClient, device: Mapping[str, Any], version: str) -> str:
        """The catalogue id of the firmware of ``version`` for this device's type and architecture."""
        node_id = device.get("id")
        if not device.get("type"):
            raise ApiError(400, "aicompute.FirmwareUnknown", f"device {node_id} has not reported its type yet")
        firmwares = api.firmwares(str(device["type"]), device.get("arch"))
        for firmware in firmwares:
            if firmware.get("version") == version:
                return str(firmware["id"])
        known = ", ".join(sorted({str(f.get("version")) for f in firmwares})) or "none"
        raise ApiError(
            400,
            "aicompute.FirmwareUnknown",
            f"the firmware catalogue has no version {version} for {device['type']} ({device.get('arch')}) "
            f"to upgrade device {node_id} to; versions: {known}",
        )

    def _watch(self, api: HiLensClient, node_id: str) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"device {node_id}",
            fetch=lambda: api.get_or_none(f"ai-mgr/nodes/{node_id}"),
            state=_state,
            target={"UNCONNECTED", "RUNNING", "FAIL", "STOPPED", "UPGRADING", "FREEZE"},
        )

    def _online(self, api: HiLensClient, node_id: str) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"device {node_id}",
            fetch=lambda: api.get_or_none(f"ai-mgr/nodes/{node_id}"),
            state=_state,
            target={ONLINE},
            pending=CONNECTING,
            failure={"STOPPED", "FREEZE"},
            reason=lambda d: f"the device is {_state(d)}",
        )

    def _find(self, api: HiLensClient, args: DeviceArgs) -> str | None:
        params = {"name": args.name, "provider": args.provider, "workspace_id": args.workspace_id}
        for node in api.pages(api.path("ai-mgr/nodes"), "nodes", params):
            if node.get("name") == args.name:
                return str(node["id"])
        return None


def _upgrade_status(progress: Mapping[str, Any]) -> str:
    status = progress.get("status")
    return "" if status is None else str(status)


OUTPUT_KEYS = (
    "active_status",
    "active_content",
    "firmware_name",
    "upgrade_firmware_version",
    "firmware_upgrade_record",
    "type",
    "arch",
    "memory",
    "cpu",
    "gpu_num",
    "npu_num",
    "os_name",
    "os_type",
    "os_version",
    "host_ips",
    "enable_container",
    "npu_info",
    "user_name",
    "cluster_id",
    "cluster_node_state",
    "cluster_node_type",
    "created_at",
    "updated_at",
)


# --- generated by `make generate` from DeviceProvider: do not edit below this line ---
class Device(DynamicResource, module="hilens", name="Device"):
    """A HiLens edge device; its id is the node id (``hilens-…``)."""

    _provider_class = DeviceProvider
    _outputs, _secret_outputs = output_names(DeviceProvider)

    name: pulumi.Output[str]
    provider: pulumi.Output[Literal["hilens", "ief"]]
    workspace_id: pulumi.Output[str | None]
    iam_user_id: pulumi.Output[str | None]
    description: pulumi.Output[str]
    tags: pulumi.Output[dict[str, str]]
    log_configs: pulumi.Output[list[dict[str, Any]]]
    enable_gpu: pulumi.Output[bool]
    enable_npu: pulumi.Output[bool]
    npu_type: pulumi.Output[Literal["D310", "D910"] | None]
    event_validity_period: pulumi.Output[int | None]
    enabled: pulumi.Output[bool]
    wait_for_state: pulumi.Output[Literal["RUNNING"] | None]
    activation: pulumi.Output[dict[str, Any] | None]
    firmware_version: pulumi.Output[str | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    package: pulumi.Output[str | None]
    state: pulumi.Output[str]
    firmware_status: pulumi.Output[str | None]
    active_status: pulumi.Output[str]
    active_content: pulumi.Output[list[str]]
    firmware_name: pulumi.Output[str | None]
    upgrade_firmware_version: pulumi.Output[str | None]
    firmware_upgrade_record: pulumi.Output[list[dict[str, Any]] | None]
    type: pulumi.Output[str | None]
    arch: pulumi.Output[str | None]
    memory: pulumi.Output[int]
    cpu: pulumi.Output[int]
    gpu_num: pulumi.Output[int]
    npu_num: pulumi.Output[int]
    os_name: pulumi.Output[str | None]
    os_type: pulumi.Output[str | None]
    os_version: pulumi.Output[str | None]
    host_ips: pulumi.Output[list[str]]
    enable_container: pulumi.Output[bool]
    npu_info: pulumi.Output[dict[str, Any]]
    user_name: pulumi.Output[str | None]
    cluster_id: pulumi.Output[str | None]
    cluster_node_state: pulumi.Output[str | None]
    cluster_node_type: pulumi.Output[str | None]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        provider: pulumi.Input[Literal["hilens", "ief"]] | None = None,
        workspace_id: pulumi.Input[str] | None = None,
        iam_user_id: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        log_configs: pulumi.Input[Sequence[pulumi.Input[LogConfigDict]]] | None = None,
        enable_gpu: pulumi.Input[bool] | None = None,
        enable_npu: pulumi.Input[bool] | None = None,
        npu_type: pulumi.Input[Literal["D310", "D910"]] | None = None,
        event_validity_period: pulumi.Input[int] | None = None,
        enabled: pulumi.Input[bool] | None = None,
        wait_for_state: pulumi.Input[Literal["RUNNING"]] | None = None,
        activation: pulumi.Input[ActivationDict] | None = None,
        firmware_version: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "provider": provider,
            "workspace_id": workspace_id,
            "iam_user_id": iam_user_id,
            "description": description,
            "tags": tags,
            "log_configs": log_configs,
            "enable_gpu": enable_gpu,
            "enable_npu": enable_npu,
            "npu_type": npu_type,
            "event_validity_period": event_validity_period,
            "enabled": enabled,
            "wait_for_state": wait_for_state,
            "activation": activation,
            "firmware_version": firmware_version,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = ["Activation", "Device", "DeviceArgs", "DeviceProvider", "LogConfig"]
