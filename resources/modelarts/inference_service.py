"""ModelArts inference service (``/v1/{project_id}/services``, seed chapter 9).

API facts (seed 002 §9.1–9.9, digest ``modelarts-services-api.md`` §2 and §9):

* ``POST /services`` answers ``{service_id, resource_ids}`` at once; the service is ``deploying``
  (with ``progress``) until ``running`` (real-time, edge), ``finished`` (batch) or ``failed``
  (``error_msg``); ``concerning`` is running with some instances unhealthy. The id is ``service_id``.
  ``service_name`` is unique (409 ``ModelArts.3503``), so a replace that keeps the name deletes first
  and one that renames creates first (``Fields.unique_key``).
* Create-only (not in the PUT body): ``service_name``, ``infer_type``, ``workspace_id``, ``vpc_id``,
  ``subnet_network_id``, ``security_group_id`` and the service-level ``pool_name`` / ``cluster_id``.
  ``additional_properties.log_report_channels`` cannot change once enabled and
  ``additional_properties.websocket_upgrade`` cannot be turned off once on: such changes replace.
* ``PUT /services/{id}`` updates ``description``, ``config`` (the whole array), ``schedule``,
  ``additional_properties``, ``load_balancer_policy``, ``priority`` and ``service_secrets``. When it
  also carries ``status``, only the status is applied, so the desired run state (``status`` input,
  ``running`` | ``stopped``) goes through its own ``PUT {status}``. A change of nothing but
  ``instance_count`` on a running real-time service uses ``PUT /services/{id}/property``
  (``changed_property: instance_count``), the call meant for scaling.
* Updates are refused while ``deploying``, ``stopping`` or ``deleting`` (``ModelArts.3519``), so
  an update first waits for the service to settle. Stopping a service goes
  ``running → stopping → stopped``; starting goes ``stopped|failed → deploying → running``.
* ``GET`` returns the config entries with server fields (``model_name``, ``model_version``,
  ``status``, ``scaling``, …) and ``nodes`` as objects; those are reported in ``config_status``
  and ``config`` keeps the input fields only (``nodes`` as ids). ``deploy_timeout_in_seconds`` and
  ``service_secrets`` are never returned: the first keeps the program's value per model
  (``reconcile_live``), the second is write-only.
* ``DELETE`` answers ``{}``; the service is ``deleting`` until a GET answers 404 ``ModelArts.3502``.
* Default timeouts: 20 minutes, as terraform-provider-huaweicloud's ``huaweicloud_modelarts_service``
  (peers.md §1.4; digest §9).
* ``description`` must avoid the characters forbidden on create (``!<>+&"``) and on update
  (``!<>=&"``), since the same input is used for both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from functools import partial
from typing import Annotated, Any, Literal

import pulumi
from pulumi.dynamic import ReadResult
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from aicompute.provider.generic import Fields, prune, restrict
from aicompute.provider.modelarts import ModelArtsClient
from aicompute.provider.paging import offset_pages
from aicompute.provider.schema import CreateOnly, ReplaceWhen, Updatable, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, time_left, wait_for, wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.inputs import (
    ScheduleDict,
    ServiceAdditionalPropertiesDict,
    ServiceConfigDict,
    ServiceSecretDict,
    TimeoutsDict,
)
from aicompute.resources.modelarts._base import ModelArtsProvider
from aicompute.resources.modelarts._rules import Name
from aicompute.resources.rules import matching

InferType = Literal["real-time", "batch", "edge"]
DesiredStatus = Literal["running", "stopped"]

# Up to 100 characters, without the characters forbidden on create (!<>+&") or update (!<>=&").
Description = Annotated[str, matching(r"[^!<>+=&\"]{0,100}", 'up to 100 characters, none of ! < > + = & "')]
MAX_INSTANCES = 128
LIST_LIMIT = 1000  # §9.3: the default page size; offset is a page index

# Service states (seed §9.3/9.6) grouped by what they mean for the desired run state.
UP = frozenset({"running", "concerning", "finished"})
STARTING = frozenset({"deploying", "pending", "waiting"})
STOPPING = frozenset({"stopping"})
BUSY = frozenset({"deploying", "stopping"})  # no config or status update until they end (3519)
SCALABLE = frozenset({"running", "concerning"})  # PUT /property preconditions (real-time)

ECHOED_AS_SENT = ("description", "schedule", "additional_properties", "load_balancer_policy", "priority")
CONFIG_OUTPUT_KEYS = (
    "model_id",
    "model_name",
    "model_version",
    "status",
    "scaling",
    "support_debug",
    "source_type",
    "start_time",
    "finished_time",
    "nodes",
)


class CustomSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cpu: float = Field(ge=0.01, description="CPU cores, at least 0.01 (2 decimals).")
    memory: int = Field(ge=1, description="Memory in MB.")
    gpu_p4: float | None = Field(default=None, ge=0, description="GPUs (2 decimals).")
    ascend_a310: int | None = Field(default=None, ge=0, description="Ascend chips; not together with GPUs.")

    @field_validator("ascend_a310")
    @classmethod
    def _not_with_gpu(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value and info.data.get("gpu_p4"):
            raise ValueError("ascend_a310 cannot be combined with gpu_p4")
        return value


class LogVolume(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host_path: str = Field(min_length=1)
    mount_path: str = Field(min_length=1)


class PersistentVolume(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    mount_path: str = Field(min_length=1, description="Not a system directory such as / or /var/run.")
    storage_type: str | None = Field(default=None, description="sfs_turbo.")
    source_address: str | None = Field(
        default=None,
        serialization_alias="source_addresses",
        description="The SFS Turbo id (sent as the request spelling source_addresses).",
    )


class ModelAdditionalProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    log_volume: list[LogVolume] | None = Field(default=None, description="Dedicated pools only.")
    max_surge: float | None = Field(default=None, gt=0, description="Rolling update surge (<1: fraction).")
    max_unavailable: float | None = Field(default=None, ge=0, description="Rolling update unavailability.")
    termination_grace_period_seconds: int | None = Field(default=None, ge=0)
    persistent_volumes: list[PersistentVolume] | None = None


class AffinityNode(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, description="The node's private IP.")


class AffinityPoolInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pool_name: str = Field(min_length=1, description="Must be the service's pool_name.")
    nodes: list[AffinityNode] = Field(min_length=1)


class NodeAffinity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["required", "preferred"]
    pool_infos: list[AffinityPoolInfo] | None = None


class ServiceAffinity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    node_affinity: NodeAffinity | None = None


class ServiceConfig(BaseModel):
    """One deployed model (seed table 9-24)."""

    model_config = ConfigDict(extra="forbid", protected_namespaces=())

    model_id: str = Field(min_length=1, description="A published model's id.")
    specification: str = Field(
        min_length=1, description="A flavor (GET services/specifications) or custom (dedicated pools)."
    )
    custom_spec: CustomSpec | None = Field(
        default=None, validate_default=True, description="Required exactly when specification is custom."
    )
    instance_count: int = Field(ge=1, le=MAX_INSTANCES, description=f"1-{MAX_INSTANCES} instances.")
    weight: int | None = Field(
        default=None, ge=0, le=100, description="Traffic percentage; real-time only, all weights sum to 100."
    )
    envs: dict[str, str] | None = None
    deploy_timeout_in_seconds: int | None = Field(
        default=None, ge=1, description="Per-instance deploy timeout (never returned: the program's value is kept)."
    )
    src_path: str | None = Field(default=None, description="batch: OBS input path.")
    req_uri: str | None = Field(default=None, description="batch: inference path in the model image.")
    mapping_type: Literal["file", "csv"] | None = Field(default=None, description="batch: file or csv.")
    mapping_rule: dict[str, Any] | None = Field(default=None, description="batch + csv: field to column index.")
    src_type: Literal["", "ManifestFile"] | None = Field(default=None, description="batch: empty or ManifestFile.")
    dest_path: str | None = Field(default=None, description="batch: OBS output path.")
    cluster_id: str | None = Field(default=None, description="Overrides the service-level pool.")
    pool_name: str | None = Field(default=None, description="Overrides the service-level pool.")
    nodes: list[str] | None = Field(default=None, description="edge: IEF node ids.")
    additional_properties: ModelAdditionalProperties | None = None
    affinity: ServiceAffinity | None = None

    @field_validator("custom_spec")
    @classmethod
    def _custom_spec(cls, value: CustomSpec | None, info: ValidationInfo) -> CustomSpec | None:
        specification = info.data.get("specification")
        if specification == "custom" and value is None:
            raise ValueError("required when specification is custom")
        if specification is not None and specification != "custom" and value is not None:
            raise ValueError("only allowed when specification is custom")
        return value


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["stop"] = Field(default="stop", description="Only stop: stop after the duration.")
    time_unit: Literal["DAYS", "HOURS", "MINUTES"]
    duration: int = Field(ge=1)


class SmnNotification(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic_urn: str = Field(min_length=1)
    events: list[Literal[1, 3, 7, 11]] = Field(
        min_length=1, description="1 failed, 3 running, 7 concerning, 11 pending."
    )


class LtsConfiguration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    log_group_id: str = Field(min_length=1, max_length=64)
    log_stream_id: str = Field(min_length=1, max_length=64)


class LogReportChannel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["LTS"] = "LTS"
    configuration: LtsConfiguration | None = None


class ServiceAdditionalProperties(BaseModel):
    model_config = ConfigDict(extra="forbid")

    smn_notification: SmnNotification = Field(description="Required by the API (seed table 9-33).")
    log_report_channels: list[LogReportChannel] | None = Field(
        default=None, description="LTS log channels; cannot change once enabled (a change replaces)."
    )
    websocket_upgrade: bool | None = Field(
        default=None, description="Cannot be turned off once on (turning it off replaces)."
    )


class ServiceSecret(BaseModel):
    """A secret mounted into an edge service ``(tag:hcs)``: write-only, never returned."""

    model_config = ConfigDict(extra="forbid")

    secret_id: str = Field(min_length=1)
    mount_path: str = Field(min_length=1)


def _one_way_change(old: Any, new: Any) -> bool:
    """A change the API forbids once enabled: LTS channels, or turning websocket_upgrade off."""
    if not isinstance(old, Mapping) or not isinstance(new, Mapping):
        return False
    if old.get("websocket_upgrade") is True and new.get("websocket_upgrade") is False:
        return True
    old_channels, new_channels = old.get("log_report_channels"), new.get("log_report_channels")
    if old_channels and new_channels is not None:
        return bool(restrict(old_channels, prune(new_channels)) != prune(new_channels))
    return False


PUT_CONFIG = "PUT /v1/{project_id}/services/{id} (config)"

PUT_STATUS = "PUT /v1/{project_id}/services/{id} (status: start or stop)"


class InferenceServiceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    service_name: Annotated[Name, CreateOnly()] = Field(
        description="1-64 characters: letters, Chinese, digits, '-' and '_'."
    )
    infer_type: Annotated[InferType, CreateOnly()] = Field(description="real-time, batch or edge.")
    workspace_id: Annotated[str, CreateOnly()] = Field(
        default="0", min_length=1, description="Workspace id; '0' is the default."
    )
    pool_name: Annotated[str | None, CreateOnly()] = Field(
        default=None, description="Dedicated resource pool id (wins over cluster_id)."
    )
    cluster_id: Annotated[str | None, CreateOnly()] = Field(
        default=None, description="Legacy dedicated pool id, or the edge pool id."
    )
    vpc_id: Annotated[str | None, CreateOnly()] = Field(default=None, description="Custom VPC; cannot change once set.")
    subnet_network_id: Annotated[str | None, CreateOnly()] = Field(
        default=None, validate_default=True, description="The subnet's network id; required with vpc_id."
    )
    security_group_id: Annotated[str | None, CreateOnly()] = Field(
        default=None, validate_default=True, description="Must allow TCP 8080 from 0.0.0.0/0; required with vpc_id."
    )
    description: Annotated[Description | None, Updatable(via=PUT_CONFIG)] = Field(
        default=None, description='Up to 100 characters, none of ! < > + = & ".'
    )
    config: Annotated[list[ServiceConfig], Updatable(via=PUT_CONFIG)] = Field(
        min_length=1, description="One entry per deployed model."
    )
    schedule: Annotated[list[Schedule] | None, Updatable(via=PUT_CONFIG)] = Field(
        default=None, description="real-time only: auto-stop."
    )
    additional_properties: Annotated[
        ServiceAdditionalProperties | None,
        Updatable(via=PUT_CONFIG),
        ReplaceWhen(
            _one_way_change, "LTS log channels change, or websocket_upgrade is turned off: the API forbids both"
        ),
    ] = None
    load_balancer_policy: Annotated[
        Literal["ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP"] | None, Updatable(via=PUT_CONFIG)
    ] = Field(default=None, description="real-time only.")
    priority: Annotated[int | None, Updatable(via=PUT_CONFIG)] = Field(
        default=None, ge=1, le=3, description="Preemption priority 1-3; real-time and batch."
    )
    service_secrets: Annotated[list[ServiceSecret] | None, Updatable(via=PUT_CONFIG), WriteOnly()] = Field(
        default=None, description="(tag:hcs) secrets; write-only."
    )
    status: Annotated[DesiredStatus, Updatable(via=PUT_STATUS)] = Field(
        default="running",
        description=(
            "Desired run state, running or stopped; a service that stopped on its own (a schedule's "
            "auto-stop, a failure) is started again by the next update while this is running."
        ),
    )
    timeouts: TimeoutsInput = None

    @field_validator("subnet_network_id", "security_group_id")
    @classmethod
    def _with_vpc(cls, value: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("vpc_id") and not value:
            raise ValueError("required when vpc_id is set")
        return value

    @field_validator("config")
    @classmethod
    def _config_rules(cls, value: list[ServiceConfig], info: ValidationInfo) -> list[ServiceConfig]:
        infer_type = info.data.get("infer_type")
        if infer_type in ("batch", "edge") and len(value) != 1:
            raise ValueError(f"a {infer_type} service deploys exactly one model (got {len(value)})")
        ids = [entry.model_id for entry in value]
        if len(ids) != len(set(ids)):
            raise ValueError("each model may appear once (ModelArts.3516)")
        if infer_type == "real-time":
            missing = [index for index, entry in enumerate(value) if entry.weight is None]
            if missing:
                raise ValueError(f"config[{missing[0]}].weight is required for a real-time service")
            total = sum(entry.weight or 0 for entry in value)
            if total != 100:
                raise ValueError(f"the weights must sum to 100 (they sum to {total})")
        service_pool = info.data.get("pool_name") or info.data.get("cluster_id")
        for index, entry in enumerate(value):
            if (entry.pool_name or entry.cluster_id) and not service_pool:
                raise ValueError(f"config[{index}] names a pool: set the service-level pool_name or cluster_id too")
            if entry.specification == "custom" and not (service_pool or entry.pool_name or entry.cluster_id):
                raise ValueError(f"config[{index}].specification custom needs a dedicated pool")
            if infer_type == "batch":
                absent = [k for k in ("src_path", "req_uri", "mapping_type", "dest_path") if getattr(entry, k) is None]
                if absent:
                    raise ValueError(f"config[{index}].{absent[0]} is required for a batch service")
                if entry.mapping_type == "csv" and entry.mapping_rule is None:
                    raise ValueError(f"config[{index}].mapping_rule is required when mapping_type is csv")
            if entry.nodes is not None and infer_type != "edge":
                raise ValueError(f"config[{index}].nodes is only for edge services")
        return value

    @field_validator("schedule", "load_balancer_policy")
    @classmethod
    def _real_time_only(cls, value: Any, info: ValidationInfo) -> Any:
        infer_type = info.data.get("infer_type")
        if value is not None and infer_type is not None and infer_type != "real-time":
            raise ValueError("only for real-time services")
        return value

    @field_validator("priority")
    @classmethod
    def _not_edge(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("infer_type") == "edge":
            raise ValueError("only for real-time and batch services")
        return value


class InferenceServiceOutputs(BaseModel):
    """What a ModelArts inference service reports besides its inputs."""

    config_status: list[dict[str, Any]]
    service_id: str
    progress: int | None
    error_msg: str | None
    access_address: str | None
    bind_access_addresses: str | None
    invocation_times: int | None
    failed_times: int | None
    is_shared: bool | None
    shared_count: int | None
    is_free: bool | None
    debug_url: str | None
    due_time: int | None
    publish_at: int | None
    update_time: int | None
    transition_at: int | None
    operation_time: int | None
    owner: str | None
    tenant: str | None
    project: str | None


def _desired(state: Any) -> Any:
    """A live state as the desired run state it satisfies (others, e.g. failed, stay as they are)."""
    if state in UP or state in STARTING:
        return "running"
    if state == "stopped" or state in STOPPING:
        return "stopped"
    return state


def _run_state(state: Any) -> DesiredStatus:
    """A live state as a valid ``status`` input: stopped (or stopping), else running."""
    return "stopped" if _desired(state) == "stopped" else "running"


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _config_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A config entry as the inputs spell it: integers, node ids."""
    result = dict(entry)
    for key in ("weight", "instance_count"):
        if key in result:
            result[key] = _number(result[key])
    if isinstance(result.get("nodes"), list):
        result["nodes"] = sorted(node.get("id") if isinstance(node, dict) else node for node in result["nodes"])
    return result


def _normalise_config(value: Any) -> Any:
    if isinstance(value, list):
        return [_config_entry(entry) if isinstance(entry, Mapping) else entry for entry in value]
    return value


def _live_config(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The GET's config entries cut to the input fields (custom_spec only when it is set)."""
    wanted = set(ServiceConfig.model_fields)
    result = []
    for entry in entries:
        item = _config_entry({k: v for k, v in entry.items() if k in wanted and v is not None})
        for key in ("custom_spec", "affinity", "mapping_rule"):
            if item.get(key) in ({}, []):
                item.pop(key)
        volumes = (item.get("additional_properties") or {}).get("persistent_volumes")
        for volume in volumes or []:
            if "source_addresses" in volume:  # the request spelling, should the server echo it
                volume.setdefault("source_address", volume.pop("source_addresses"))
        result.append(item)
    return result


def _status(service: dict[str, Any]) -> str:
    return str(service.get("status", ""))


def _error(service: dict[str, Any]) -> str:
    return str(service.get("error_msg") or f"the service is {_status(service)}")


class InferenceServiceProvider(ModelArtsProvider[InferenceServiceArgs]):
    kind = "ModelArts inference service"
    args_model = InferenceServiceArgs
    outputs_model = InferenceServiceOutputs
    summary = "A ModelArts inference service; its id is the ``service_id``."
    fields = Fields.of(
        InferenceServiceArgs,
        normalisers={"config": _normalise_config, "status": _desired},
        unique_key=frozenset({"service_name"}),
    )
    default_timeouts = {"create": 1200, "update": 1200, "delete": 1200}

    # Pulumi's provider methods, where this resource differs -----------------------------------
    @classmethod
    def parse_lenient(cls, props: Mapping[str, Any]) -> InferenceServiceArgs | None:
        """Old outputs carry the live state (e.g. ``concerning``) under ``status``."""
        if "status" in props:
            props = {**props, "status": _run_state(props["status"])}
        return super().parse_lenient(props)

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """GET never returns ``deploy_timeout_in_seconds``: keep the program's value, per model."""
        wanted = {
            entry.get("model_id"): entry.get("deploy_timeout_in_seconds")
            for entry in inputs.get("config") or []
            if isinstance(entry, Mapping) and entry.get("deploy_timeout_in_seconds") is not None
        }
        if not wanted or not isinstance(live.get("config"), list):
            return live
        config = [
            {**entry, "deploy_timeout_in_seconds": wanted[entry.get("model_id")]}
            if entry.get("model_id") in wanted
            else entry
            for entry in live["config"]
        ]
        return {**live, "config": config}

    def read_result(self, id_: str, live: dict[str, Any] | None, props: Mapping[str, Any]) -> ReadResult:
        result = super().read_result(id_, live, props)
        if result.inputs and "status" in result.inputs:
            result.inputs["status"] = _run_state(result.inputs["status"])
        return result

    # hooks ------------------------------------------------------------------------------------
    def create_resource(self, api: ModelArtsClient, args: InferenceServiceArgs, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        body = _create_body(args)

        def post() -> str:
            return str(api.send_once("POST", api.path("v1", "services"), json=body)["service_id"])

        service_id = api.create_reconciled(post, lambda: self._find(api, args))
        self.wait_created(api, service_id, self._up(api, service_id), time_left(deadline))
        if args.status == "stopped":
            self._set_status(api, service_id, "stopped", deadline)
        return service_id

    def read_resource(self, api: ModelArtsClient, resource_id: str) -> dict[str, Any] | None:
        live = api.get_or_none("v1", f"services/{resource_id}")
        if live is None:
            return None
        echoed = {
            key: live[key]
            for key in (*sorted(self.fields.create_only), *ECHOED_AS_SENT)
            if live.get(key) not in (None, "")
        }
        if echoed.get("additional_properties") == {}:
            echoed.pop("additional_properties")
        if "workspace_id" in echoed:
            echoed["workspace_id"] = str(echoed["workspace_id"])
        entries = live.get("config") or []
        return {
            **echoed,
            "config": _live_config(entries),
            "config_status": [{k: entry[k] for k in CONFIG_OUTPUT_KEYS if k in entry} for entry in entries],
            "status": live.get("status"),
            "service_id": live.get("service_id", resource_id),
            "progress": live.get("progress"),
            "error_msg": live.get("error_msg"),
            "access_address": live.get("access_address"),
            "bind_access_addresses": live.get("bind_access_addresses"),
            "invocation_times": live.get("invocation_times"),
            "failed_times": live.get("failed_times"),
            "is_shared": live.get("is_shared"),
            "shared_count": live.get("shared_count"),
            "is_free": live.get("is_free"),
            "debug_url": live.get("debug_url"),
            "due_time": live.get("due_time"),
            "publish_at": live.get("publish_at"),
            "update_time": live.get("update_time"),
            "transition_at": live.get("transition_at"),
            "operation_time": live.get("operation_time"),
            "owner": live.get("owner"),
            "tenant": live.get("tenant"),
            "project": live.get("project"),
        }

    # List items have no config (§9.3, table 9-18): ids only, read one by one.
    def list_ids(self, api: ModelArtsClient) -> Iterator[str]:
        fetch = partial(api.get, "v1", "services")
        listed = offset_pages(fetch, "services", self.page_size(LIST_LIMIT), total="total_count", page_index=True)
        return (str(service["service_id"]) for service in listed)

    def call_order(self, new: InferenceServiceArgs) -> Sequence[str]:
        """Stopping comes before a config change (a stopped service stores it without a rollout);
        starting comes after it (the start deploys the new config once)."""
        return (PUT_STATUS, PUT_CONFIG) if new.status == "stopped" else (PUT_CONFIG, PUT_STATUS)

    @makes(PUT_STATUS)  # unless the service is already there; then its new state is waited for
    def _start_or_stop(self, api: ModelArtsClient, update: Update[InferenceServiceArgs]) -> None:
        self._set_status(api, update.resource_id, update.new.status, update.deadline)

    @makes(PUT_CONFIG)  # a scaling alone is a PUT /property; the new config is waited for
    def _put_config(self, api: ModelArtsClient, update: Update[InferenceServiceArgs]) -> None:
        live = wait_for(self._settled(api, update.resource_id), api.settings, update.timeout)
        self._update_config(api, update.resource_id, live, update.new, update.changed, update.deadline)

    def delete_resource(
        self, api: ModelArtsClient, resource_id: str, args: InferenceServiceArgs | None, timeout: float
    ) -> None:
        api.request("DELETE", api.path("v1", f"services/{resource_id}"))
        wait_until_gone(
            f"service {resource_id}",
            lambda: api.get_or_none("v1", f"services/{resource_id}"),
            _status,
            api.settings,
            timeout,
        )

    # steps ------------------------------------------------------------------------------------
    def _update_config(
        self,
        api: ModelArtsClient,
        service_id: str,
        live: dict[str, Any],
        new: InferenceServiceArgs,
        fields: frozenset[str],
        deadline: float,
    ) -> None:
        """PUT the changed fields (or PUT /property for a scaling), then wait until the config is live."""
        path = api.path("v1", f"services/{service_id}")
        scaling = _scaling_only(live, new) if fields == {"config"} else None
        if scaling:
            body: dict[str, Any] = {
                "changed_property": "instance_count",
                "configs": [{"model_id": model_id, "changed_value": str(count)} for model_id, count in scaling.items()],
            }
            api.request("PUT", f"{path}/property", json=body)
        elif scaling is None:
            api.request("PUT", path, json=_update_body(new, fields))
        waiter = self._settled(api, service_id)
        if "config" in fields:
            waiter.failure = {"failed", "deleting"}
            waiter.reason = _error
            waiter.done = lambda service: _config_applied(service, new)
        wait_for(waiter, api.settings, time_left(deadline))

    def _set_status(self, api: ModelArtsClient, service_id: str, status: DesiredStatus, deadline: float) -> None:
        """PUT {status} unless the settled service is already there, then wait for the new state."""
        live = wait_for(self._settled(api, service_id), api.settings, time_left(deadline))
        if _desired(_status(live)) == status:
            return
        api.request("PUT", api.path("v1", f"services/{service_id}"), json={"status": status})
        if status == "stopped":
            waiter = self._waiter(api, service_id, {"stopped"}, UP | STARTING | STOPPING, {"failed"}, _error)
        else:
            waiter = self._up(api, service_id)
            waiter.pending = {*STARTING, "stopped"}
        wait_for(waiter, api.settings, time_left(deadline))

    def _find(self, api: ModelArtsClient, args: InferenceServiceArgs) -> str | None:
        listing = api.get(
            "v1", "services", params={"service_name": args.service_name, "workspace_id": args.workspace_id}
        )
        for service in listing.get("services") or []:
            if service.get("service_name") == args.service_name:
                return str(service["service_id"])
        return None

    def _waiter(
        self,
        api: ModelArtsClient,
        service_id: str,
        target: Collection[str],
        pending: Collection[str],
        failure: Collection[str],
        reason: Callable[[dict[str, Any]], str],
    ) -> Waiter[dict[str, Any]]:
        """A wait on the service's ``status`` (seed §9.3/9.6)."""
        return Waiter(
            what=f"service {service_id}",
            fetch=lambda: api.get_or_none("v1", f"services/{service_id}"),
            state=_status,
            target=target,
            pending=pending,
            failure=failure,
            reason=reason,
        )

    def _up(self, api: ModelArtsClient, service_id: str) -> Waiter[dict[str, Any]]:
        """Deployed: running (concerning counts, with a warning state) or, for batch, finished."""
        return self._waiter(api, service_id, UP, STARTING, {"failed"}, _error)

    def _settled(self, api: ModelArtsClient, service_id: str) -> Waiter[dict[str, Any]]:
        """Not deploying or stopping, so the API accepts an update (ModelArts.3519)."""
        settled = {"running", "concerning", "finished", "stopped", "failed", "pending", "waiting"}
        return self._waiter(api, service_id, settled, BUSY, {"deleting"}, lambda _: "the service is being deleted")


def _config_body(args: InferenceServiceArgs) -> list[dict[str, Any]]:
    return [entry.model_dump(exclude_none=True, by_alias=True) for entry in args.config]


def _secrets(args: InferenceServiceArgs, mount_key: str) -> list[dict[str, str]]:
    return [{"secretId": s.secret_id, mount_key: s.mount_path} for s in args.service_secrets or []]


def _create_body(args: InferenceServiceArgs) -> dict[str, Any]:
    body = args.model_dump(
        exclude={"timeouts", "status", "config", "service_secrets"}, exclude_none=True, by_alias=True
    )
    body["config"] = _config_body(args)
    if args.service_secrets is not None:
        body["service_secrets"] = _secrets(args, "mouthPath")  # sic: the create spelling (seed table 9-37)
    return body


def _update_body(args: InferenceServiceArgs, fields: frozenset[str]) -> dict[str, Any]:
    body = args.model_dump(include=set(fields - {"config", "service_secrets"}), exclude_none=True, by_alias=True)
    if "config" in fields:
        body["config"] = _config_body(args)
    if "service_secrets" in fields:
        body["service_secrets"] = _secrets(args, "mountPath")  # the update spelling (seed table 9-79)
    return body


def _scaling_only(live: dict[str, Any], new: InferenceServiceArgs) -> dict[str, int] | None:
    """The new instance counts by model, when nothing but instance counts of a running real-time
    service differ (then PUT /property applies); None when a full PUT is needed."""
    if new.infer_type != "real-time" or _status(live) not in SCALABLE:
        return None
    entries = _live_config(live.get("config") or [])
    if len(entries) != len(new.config):
        return None
    counts: dict[str, int] = {}
    for have, wanted in zip(entries, new.config, strict=True):
        template = _returned(wanted)
        count = template.pop("instance_count")
        if restrict(have, template) != template:
            return None
        if have.get("instance_count") != count:
            counts[wanted.model_id] = count
    return counts


def _config_applied(service: dict[str, Any], new: InferenceServiceArgs) -> bool:
    """The GET shows the new config (the update is not still rolling out)."""
    entries = _live_config(service.get("config") or [])
    template = [_returned(entry) for entry in new.config]
    return bool(restrict(entries, template) == template)


def _returned(entry: ServiceConfig) -> dict[str, Any]:
    """A config entry as the GET will show it once applied (``deploy_timeout_in_seconds`` is never shown)."""
    return _config_entry(prune(entry.model_dump(mode="json", exclude_none=True, exclude={"deploy_timeout_in_seconds"})))


# --- generated by `make generate` from InferenceServiceProvider: do not edit below this line ---
class InferenceService(DynamicResource, module="modelarts", name="InferenceService"):
    """A ModelArts inference service; its id is the ``service_id``."""

    _provider_class = InferenceServiceProvider
    _outputs, _secret_outputs = output_names(InferenceServiceProvider)

    service_name: pulumi.Output[str]
    infer_type: pulumi.Output[Literal["real-time", "batch", "edge"]]
    workspace_id: pulumi.Output[str]
    pool_name: pulumi.Output[str | None]
    cluster_id: pulumi.Output[str | None]
    vpc_id: pulumi.Output[str | None]
    subnet_network_id: pulumi.Output[str | None]
    security_group_id: pulumi.Output[str | None]
    description: pulumi.Output[str | None]
    config: pulumi.Output[list[dict[str, Any]]]
    schedule: pulumi.Output[list[dict[str, Any]] | None]
    additional_properties: pulumi.Output[dict[str, Any] | None]
    load_balancer_policy: pulumi.Output[Literal["ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP"] | None]
    priority: pulumi.Output[int | None]
    service_secrets: pulumi.Output[list[dict[str, Any]] | None]
    status: pulumi.Output[Literal["running", "stopped"]]
    timeouts: pulumi.Output[dict[str, Any] | None]
    config_status: pulumi.Output[list[dict[str, Any]]]
    service_id: pulumi.Output[str]
    progress: pulumi.Output[int | None]
    error_msg: pulumi.Output[str | None]
    access_address: pulumi.Output[str | None]
    bind_access_addresses: pulumi.Output[str | None]
    invocation_times: pulumi.Output[int | None]
    failed_times: pulumi.Output[int | None]
    is_shared: pulumi.Output[bool | None]
    shared_count: pulumi.Output[int | None]
    is_free: pulumi.Output[bool | None]
    debug_url: pulumi.Output[str | None]
    due_time: pulumi.Output[int | None]
    publish_at: pulumi.Output[int | None]
    update_time: pulumi.Output[int | None]
    transition_at: pulumi.Output[int | None]
    operation_time: pulumi.Output[int | None]
    owner: pulumi.Output[str | None]
    tenant: pulumi.Output[str | None]
    project: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        service_name: pulumi.Input[str],
        infer_type: pulumi.Input[Literal["real-time", "batch", "edge"]],
        config: pulumi.Input[Sequence[pulumi.Input[ServiceConfigDict]]],
        workspace_id: pulumi.Input[str] | None = None,
        pool_name: pulumi.Input[str] | None = None,
        cluster_id: pulumi.Input[str] | None = None,
        vpc_id: pulumi.Input[str] | None = None,
        subnet_network_id: pulumi.Input[str] | None = None,
        security_group_id: pulumi.Input[str] | None = None,
        description: pulumi.Input[str] | None = None,
        schedule: pulumi.Input[Sequence[pulumi.Input[ScheduleDict]]] | None = None,
        additional_properties: pulumi.Input[ServiceAdditionalPropertiesDict] | None = None,
        load_balancer_policy: pulumi.Input[Literal["ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP"]] | None = None,
        priority: pulumi.Input[int] | None = None,
        service_secrets: pulumi.Input[Sequence[pulumi.Input[ServiceSecretDict]]] | None = None,
        status: pulumi.Input[Literal["running", "stopped"]] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "service_name": service_name,
            "infer_type": infer_type,
            "workspace_id": workspace_id,
            "pool_name": pool_name,
            "cluster_id": cluster_id,
            "vpc_id": vpc_id,
            "subnet_network_id": subnet_network_id,
            "security_group_id": security_group_id,
            "description": description,
            "config": config,
            "schedule": schedule,
            "additional_properties": additional_properties,
            "load_balancer_policy": load_balancer_policy,
            "priority": priority,
            "service_secrets": service_secrets,
            "status": status,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = [
    "AffinityNode",
    "AffinityPoolInfo",
    "CustomSpec",
    "InferenceService",
    "InferenceServiceArgs",
    "InferenceServiceProvider",
    "LogReportChannel",
    "LogVolume",
    "LtsConfiguration",
    "ModelAdditionalProperties",
    "NodeAffinity",
    "PersistentVolume",
    "Schedule",
    "ServiceAdditionalProperties",
    "ServiceAffinity",
    "ServiceConfig",
    "ServiceSecret",
    "SmnNotification",
]
