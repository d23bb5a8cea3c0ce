"""HiLens application deployment (``/v3/{project_id}/ai-mgr/deployments``, seed §5.3, digest §9.3).

* Targets: ``node_ids`` (device ids — pass ``Device`` resources' ``id`` outputs) or a
  ``cluster_id``. The deployment runs one instance per device and is ``RUNNING`` once every
  instance runs, so create and every update wait for ``RUNNING`` with all target devices in its
  ``node_ids`` (pending ``CREATING``/``STARTING``/``UNFREEZE``; ``CREATE_FAILED`` and
  ``START_FAILED`` fail with ``reason`` and each node's ``error_message``). A device that is not
  online keeps it ``CREATING``: the wait ends at the ``timeouts`` deadline with that last state, and
  an unfinished create is deleted (``wait_created``).
* Adding devices uses batch deploy (``PUT …/{id}/nodes``); removing one replaces the deployment
  (the API has no call to take a device out, digest §8.5.10), as does a change of name, source,
  provider, cluster, license quota or service order. Names are unique per provider, so a replace
  that keeps the name deletes first.
* ``PUT`` with a ``deployment`` replaces replicas and the whole template (``configs``, ``apps``,
  ``affinity``); ``PUT {description}`` changes only the description. When nothing but the single
  app's ``version`` and new or changed environment variables differ, ``PATCH {version,
  patch: {envs}}`` is used (it upserts variables by name, so a removed variable needs the PUT).
* Environment variables take ``value``, ``value_from`` (a ConfigMap's or Secret's entry, by the
  object's ``name`` and the entry's ``key``) or ``field_path`` (``status.hostIP``). The seed's
  descriptions of the configmap reference's ``key`` and ``name`` are swapped relative to the secret
  reference's (digest §10.9); both are sent as the secret reference reads: ``name`` is the object,
  ``key`` the entry.
* The GET never returns ``tags``, ``affinity``, ``license_quota`` or ``svc_order_id``. Tags are
  written and read back through the tag API (``/v3/{project_id}/deployment/{id}/tags``), so their
  drift shows; the other three are kept from the inputs (write-only: their drift cannot be seen).
* Environment variables and message variables are compared by name, in any order (a PATCH
  appends new variables).
* Default timeouts: 20 minutes each, as terraform-provider-huaweicloud's
  ``huaweicloud_modelarts_service`` (peers.md §1), the nearest peer that deploys an application
  and waits for it to run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

import pulumi
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from aicompute.provider.errors import WaitFailed
from aicompute.provider.generic import Fields, is_unknown, prune, restrict
from aicompute.provider.hilens import PAGE_SIZE, HiLensClient
from aicompute.provider.schema import CreateOnly, ReplaceWhen, SetLike, Updatable, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, time_left, wait_for, wait_until_gone
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.hilens._base import (
    Description,
    HiLensProvider,
    Platform,
    as_pairs,
    list_items,
    platform_of,
    tag_list,
    tag_map,
)
from aicompute.resources.hilens.config_map import KEY_RULE as CONFIG_KEY_RULE
from aicompute.resources.hilens.config_map import ConfigMapName
from aicompute.resources.hilens.secret import KEY_RULE as SECRET_KEY_RULE
from aicompute.resources.hilens.secret import SecretName
from aicompute.resources.inputs import AffinityDict, AppDict, PodConfigDict, TimeoutsDict
from aicompute.resources.rules import matching

NAME_RULE = "1-32 characters: lowercase letters, digits and '-', starting and ending with a letter or digit"
NAME_PATTERN = r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?"
AppName = Annotated[str, matching(NAME_PATTERN, NAME_RULE)]
VersionText = Annotated[str, matching(r"[A-Za-z0-9_.-]{1,128}", "1-128 letters, digits, '_', '.' and '-'")]
TAG_TYPE = "deployment"
MAX_REPLICAS = 99  # "小于100"
# args, command and probe commands may not contain these (seed tables 5-95, 5-103).
FORBIDDEN_IN_COMMANDS = "^#~$%&*<>()'\"[]{}"

RUNNING = "RUNNING"
ROLLING = frozenset({"CREATING", "STARTING", "UNFREEZE"})
FAILED = frozenset({"CREATE_FAILED", "START_FAILED"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _command_text(value: str) -> str:
    if any(char in FORBIDDEN_IN_COMMANDS for char in value):
        raise ValueError("must not contain any of ^ # ~ $ % & * < > ( ) ' \" [ ] { }")
    return value


def _command_list(values: list[str]) -> list[str]:
    if sum(len(value) for value in values) > 65536:
        raise ValueError("may hold at most 65536 characters in all")
    return [_command_text(value) for value in values]


Commands = Annotated[list[str], AfterValidator(_command_list)]


def _amount_text(value: Any) -> Any:
    """Amounts are strings holding numbers; a number (Pulumi sends 128 as 128.0) becomes its text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value) if isinstance(value, int | float) else value


def _amount(low: float, high: float) -> AfterValidator:
    def check(value: str) -> str:
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g} (got {value})")
        return value

    return AfterValidator(check)


Cpu = Annotated[str, BeforeValidator(_amount_text), _amount(0.01, 1000)]
Gpu = Annotated[str, BeforeValidator(_amount_text), _amount(0, 1000)]
Memory = Annotated[str, BeforeValidator(_amount_text), _amount(0.01, 1024000)]
Npu = Annotated[str, BeforeValidator(_amount_text), _amount(0, 1000)]


class Res(_Strict):
    """Resource amounts (seed table 5-107), as numbers or numeric strings."""

    cpu: Cpu | None = None
    gpu: Gpu | None = None
    memory: Memory | None = Field(default=None, description="MB.")
    npu: Npu | None = None


class ResRequest(_Strict):
    limits: Res | None = Field(default=None, description="At most this much (limits.memory 4-1024000).")
    requests: Res | None = Field(default=None, description="At least this much.")

    @model_validator(mode="after")
    def _memory_limit(self) -> ResRequest:
        if self.limits is not None and self.limits.memory is not None and float(self.limits.memory) < 4:
            raise ValueError("limits.memory must be between 4 and 1024000")
        return self


class ConfigMapKeyRef(_Strict):
    name: ConfigMapName = Field(description="The ConfigMap's name.")
    key: Annotated[str, matching(r"[A-Za-z0-9_-]{1,63}", CONFIG_KEY_RULE)] = Field(description="The entry's key.")


class SecretKeyRef(_Strict):
    name: SecretName = Field(description="The Secret's name.")
    key: Annotated[str, matching(r"[A-Za-z-][A-Za-z0-9._-]{0,62}", SECRET_KEY_RULE)] = Field(
        description="The entry's key."
    )


class ValueFrom(_Strict):
    configmap: ConfigMapKeyRef | None = None
    secret: SecretKeyRef | None = None

    @model_validator(mode="after")
    def _one(self) -> ValueFrom:
        if (self.configmap is None) == (self.secret is None):
            raise ValueError("exactly one of configmap and secret")
        return self


class Env(_Strict):
    """An environment (or message) variable: exactly one of value, value_from, field_path."""

    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=2048)
    value: str | None = Field(default=None, max_length=20480)
    value_from: ValueFrom | None = None
    field_path: Literal["status.hostIP"] | None = None

    @model_validator(mode="after")
    def _one(self) -> Env:
        if sum(x is not None for x in (self.value, self.value_from, self.field_path)) != 1:
            raise ValueError("exactly one of value, value_from and field_path")
        return self


def _distinct_names(items: list[Any]) -> list[Any]:
    names = [item.name for item in items]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"each name may appear once (repeated: {', '.join(repeated)})")
    return items


Envs = Annotated[list[Env], AfterValidator(_distinct_names)]
Port = Annotated[int, Field(ge=1, le=65535)]


class HostPortRange(_Strict):
    min_port: Port
    max_port: Port

    @model_validator(mode="after")
    def _ordered(self) -> HostPortRange:
        if self.max_port <= self.min_port:
            raise ValueError("max_port must be greater than min_port")
        return self


class PortMapping(_Strict):
    container_port: Port
    host_ip: str | None = None
    host_port: Port | None = None
    host_port_range: HostPortRange | None = None

    @model_validator(mode="after")
    def _one_host_port(self) -> PortMapping:
        if self.host_port is not None and self.host_port_range is not None:
            raise ValueError("host_port and host_port_range exclude each other")
        return self


class Exec(_Strict):
    command: Annotated[str, Field(max_length=10240), AfterValidator(_command_text)]


class HttpGet(_Strict):
    path: str = Field(pattern=r"^/", description="Starts with /.")
    port: Port
    host: str | None = None
    scheme: Literal["HTTP", "HTTPS"] | None = None


class Probe(_Strict):
    exec: Exec | None = None
    http_get: HttpGet | None = None
    initial_delay_seconds: int | None = Field(default=None, ge=1, le=3600)
    timeout_seconds: int | None = Field(default=None, ge=1, le=3600)

    @model_validator(mode="after")
    def _one(self) -> Probe:
        if (self.exec is None) == (self.http_get is None):
            raise ValueError("exactly one of exec and http_get")
        return self


class Volume(_Strict):
    name: str = Field(pattern=r"^[a-z0-9]{1,63}$", description="1-63 lowercase letters or digits.")
    type: Literal["configMap", "secret", "emptyDir", "hostPath"]
    source: str = Field(
        min_length=1, description="configMap/secret: its name; emptyDir: disk or memory; hostPath: a path."
    )
    destination: str = Field(min_length=1, description="The mount path.")
    key: str = Field(min_length=1, description="The configMap/secret entry to mount (required by the API).")
    read_only: bool = Field(description="configMap and secret volumes are read-only.")

    @model_validator(mode="after")
    def _fits_type(self) -> Volume:
        if self.type in ("configMap", "secret") and not self.read_only:
            raise ValueError(f"a {self.type} volume must be read_only")
        if self.type == "emptyDir" and self.source not in ("disk", "memory"):
            raise ValueError("an emptyDir volume's source is disk or memory")
        if self.type == "hostPath" and not self.source.startswith("/"):
            raise ValueError("a hostPath volume's source is a path starting with /")
        return self


class App(_Strict):
    """A container or skill package (seed table 5-95, AppDef)."""

    name: AppName = Field(description=f"{NAME_RULE}; also the skill's name.")
    app_url: str = Field(min_length=1, description="Image address or OBS address.")
    resources: ResRequest
    version: VersionText | None = Field(default=None, description="The skill version.")
    command: Commands | None = None
    args: Commands | None = None
    envs: Envs | None = None
    msgs: Envs | None = Field(default=None, description="Message variables (shaped like envs).")
    ports: list[PortMapping] | None = None
    volumes: list[Volume] | None = None
    privileged: bool | None = None
    is_modelbox: bool | None = None
    npu_type: Literal["D310", "D910"] | None = None
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    app_order_id: str | None = Field(default=None, description="Market order; the default order when unset.")
    channel_limit: int | None = Field(default=None, ge=0, le=1000)
    channel_upper_limit: int | None = Field(default=None, ge=0, le=1000)
    start_resources: ResRequest | None = None
    channel_resources: ResRequest | None = None
    skill_project_id: str | None = None


class PodConfig(_Strict):
    host_network: bool = Field(description="Use the host network (else port mappings).")
    restart_policy: Literal["Always", "OnFailure", "Never"]
    host_pid: bool | None = None
    migration: bool | None = None
    toleration_seconds: int | None = Field(default=None, ge=0)


class MatchExpression(_Strict):
    key: str | None = None
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] | None = None
    values: list[str] | None = None

    @model_validator(mode="after")
    def _values_fit(self) -> MatchExpression:
        values = self.values or []
        if self.operator in ("In", "NotIn") and not values:
            raise ValueError(f"{self.operator} needs values")
        if self.operator in ("Exists", "DoesNotExist") and values:
            raise ValueError(f"{self.operator} takes no values")
        if self.operator in ("Gt", "Lt") and (len(values) != 1 or not values[0].lstrip("-").isdigit()):
            raise ValueError(f"{self.operator} takes exactly one integer value")
        return self


class Affinity(_Strict):
    node_affinity: list[MatchExpression] | None = None
    pod_affinity: list[MatchExpression] | None = None


DeploymentTags = Annotated[
    dict[str, str],
    tag_map(
        r"[A-Za-z0-9_-]{1,36}",
        r"[A-Za-z0-9_.-]{0,43}",
        "key 1-36 letters, digits, '-' and '_'; value 0-43 letters, digits, '_', '.' and '-'; at most 20 tags",
    ),
]


def _removes_devices(old: Any, new: Any) -> bool:
    """Whether ``node_ids`` loses a device: the API can only add devices, so that replaces."""
    if not isinstance(old, list) or not isinstance(new, list):
        return False
    removed = set(old) - set(new)
    return len(removed) > sum(map(is_unknown, new))  # each unknown new id may be one of the removed


TAG_CALLS = "POST/DELETE /v3/{project_id}/deployments/{id}/tags"

PUT_DESCRIPTION = "PUT /v3/{project_id}/ai-mgr/deployments/{id}"

PUT_TEMPLATE = "PUT /v3/{project_id}/ai-mgr/deployments/{id} (PATCH when only one app's version or variables change)"

PUT_NODES = "PUT /v3/{project_id}/ai-mgr/deployments/{id}/nodes (adds devices)"


class DeploymentArgs(_Strict):
    name: Annotated[AppName, CreateOnly()] = Field(description=f"{NAME_RULE}; unique per provider.")
    source: Annotated[Literal["hlm", "aig", "userdefined", "skill"], CreateOnly()] = Field(
        description="hlm (HiLens market), aig (AI Gallery), userdefined, or skill (digest §10.18)."
    )
    apps: Annotated[list[App], AfterValidator(_distinct_names), Updatable(via=PUT_TEMPLATE)] = Field(min_length=1)
    configs: Annotated[PodConfig, Updatable(via=PUT_TEMPLATE)]
    node_ids: Annotated[
        list[str] | None,
        Updatable(via=PUT_NODES),
        SetLike(),
        ReplaceWhen(_removes_devices, "a device leaves node_ids: the API can only add devices"),
    ] = Field(default=None, min_length=1, description="Target device ids.")
    cluster_id: Annotated[str | None, CreateOnly()] = Field(
        default=None, min_length=1, validate_default=True, description="Target cluster (instead of node_ids)."
    )
    replicas: Annotated[int, Updatable(via=PUT_TEMPLATE)] = Field(default=1, ge=1, le=MAX_REPLICAS)
    affinity: Annotated[Affinity | None, Updatable(via=PUT_TEMPLATE), WriteOnly()] = Field(
        default=None, description="Never returned: drift cannot be seen."
    )
    description: Annotated[Description, Updatable(via=PUT_DESCRIPTION)] = ""
    tags: Annotated[DeploymentTags, Updatable(via=TAG_CALLS)] = Field(default_factory=dict)
    provider: Annotated[Platform, CreateOnly()] = "hilens"
    license_quota: Annotated[int | None, CreateOnly(), WriteOnly()] = Field(
        default=None, ge=1, description="Create-only; never returned."
    )
    svc_order_id: Annotated[str | None, CreateOnly(), WriteOnly()] = Field(
        default=None, min_length=1, description="Create-only; never returned."
    )
    timeouts: TimeoutsInput = None

    @field_validator("node_ids")
    @classmethod
    def _distinct_nodes(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("each device may appear once")
        return value

    @field_validator("cluster_id")
    @classmethod
    def _one_target(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "node_ids" in info.data and (info.data["node_ids"] is None) == (value is None):
            raise ValueError("give exactly one of node_ids and cluster_id")
        return value


class DeploymentOutputs(BaseModel):
    """What a HiLens deployment reports besides its inputs."""

    state: str = Field(description="CREATING, RUNNING, CREATE_FAILED, … (seed table 5-110).")
    reason: str | None
    ready_replicas: int
    node_num: int
    result: list[dict[str, Any]]
    api_version: str | None
    project_id: str
    created_at: str
    updated_at: str


def _state(deployment: Mapping[str, Any]) -> str:
    return str(deployment.get("state") or "")


def _reason(deployment: Mapping[str, Any]) -> str:
    failures = [
        f"{r.get('node_id')}: {r.get('error_message') or r.get('error_code')}"
        for r in deployment.get("result") or []
        if r.get("error_code") or r.get("error_message")
    ]
    return "; ".join([str(deployment.get("reason") or f"the deployment is {_state(deployment)}"), *failures])


def _by_name(items: Any) -> Any:
    return sorted(items, key=lambda item: str(item.get("name"))) if isinstance(items, list) else items


def _normalise_apps(apps: Any) -> Any:
    """Variables compared by name, in any order (a PATCH appends new ones)."""
    if not isinstance(apps, list):
        return apps
    result = []
    for app in apps:
        if isinstance(app, Mapping):
            app = {**app, **{k: _by_name(app[k]) for k in ("envs", "msgs") if isinstance(app.get(k), list)}}
        result.append(app)
    return result


def _apps_body(apps: list[App]) -> list[dict[str, Any]]:
    return [app.model_dump(exclude_none=True) for app in apps]


def _template_body(args: DeploymentArgs) -> dict[str, Any]:
    template: dict[str, Any] = {"configs": args.configs.model_dump(exclude_none=True), "apps": _apps_body(args.apps)}
    if args.affinity is not None:
        template["affinity"] = args.affinity.model_dump(exclude_none=True)
    return {"replicas": args.replicas, "template": template}


def _same(live: Any, wanted: Any) -> bool:
    template = prune(wanted)
    return bool(restrict(live, template) == template)


def _patch_body(live: Mapping[str, Any], new: DeploymentArgs) -> dict[str, Any] | None:
    """The PATCH that turns the live apps into the new ones, if only the one app's version and new
    or changed variables differ; None when a full PUT is needed."""
    live_apps = (live.get("template") or {}).get("apps") or []
    if len(live_apps) != 1 or len(new.apps) != 1:
        return None
    have, want = live_apps[0], new.apps[0].model_dump(mode="json", exclude_none=True)
    rest = {k: v for k, v in want.items() if k not in ("version", "envs")}
    if have.get("name") != want["name"] or not _same(have, rest):
        return None
    have_envs = {env.get("name"): env for env in have.get("envs") or []}
    want_envs = {env["name"]: env for env in want.get("envs") or []}
    if set(have_envs) - set(want_envs):
        return None  # a removed variable: PATCH only upserts
    body: dict[str, Any] = {}
    if want.get("version") is not None and want["version"] != have.get("version"):
        body["version"] = want["version"]
    upserts = [env for name, env in want_envs.items() if not _same(have_envs.get(name), env)]
    if upserts:
        body["patch"] = {"envs": upserts}
    return body or None


class DeploymentProvider(HiLensProvider[DeploymentArgs]):
    kind = "HiLens deployment"
    args_model = DeploymentArgs
    outputs_model = DeploymentOutputs
    summary = "A HiLens application deployment; its id is the deployment id (``hilens-…``)."
    fields = Fields.of(
        DeploymentArgs, normalisers={"tags": as_pairs, "apps": _normalise_apps}, unique_key=frozenset({"name"})
    )
    default_timeouts = {"create": 1200, "update": 1200, "delete": 1200}

    # hooks -------------------------------------------------------------------------------------
    def create_resource(self, api: HiLensClient, args: DeploymentArgs, timeout: float) -> str:
        body: dict[str, Any] = {
            "name": args.name,
            "source": args.source,
            "deployment": _template_body(args),
            "tags": tag_list(args.tags),
            **args.model_dump(
                include={"description", "node_ids", "cluster_id", "license_quota", "svc_order_id"}, exclude_none=True
            ),
        }
        params = {"provider": args.provider}

        def post() -> str:
            return str(api.send_once("POST", api.path("ai-mgr/deployments"), json=body, params=params)["id"])

        deployment_id = api.create_reconciled(post, lambda: self._find(api, args))
        self.wait_created(api, deployment_id, self._running(api, deployment_id, args), timeout)
        return deployment_id

    def read_resource(self, api: HiLensClient, resource_id: str) -> dict[str, Any] | None:
        live = api.get_or_none(f"ai-mgr/deployments/{resource_id}")
        if live is None:
            return None
        template = live.get("template") or {}
        result: dict[str, Any] = {
            "name": live.get("name"),
            "source": live.get("source"),
            "description": live.get("description") or "",
            "replicas": live.get("replicas"),
            "configs": template.get("configs"),
            "apps": template.get("apps"),
            "node_ids": live.get("node_ids") or [],
            "cluster_id": live.get("cluster_id") or None,
            "tags": api.tags(TAG_TYPE, resource_id),
            "state": _state(live),
            "reason": live.get("reason"),
            "ready_replicas": live.get("ready_replicas"),
            "node_num": live.get("node_num"),
            "result": live.get("result") or [],
            "api_version": live.get("api_version"),
            "project_id": live.get("project_id"),
            "created_at": live.get("created_at"),
            "updated_at": live.get("updated_at"),
        }
        if result["cluster_id"] is not None:
            result.pop("node_ids")  # a cluster deployment's nodes are the platform's choice
        platform = platform_of(resource_id)
        if platform is not None:
            result["provider"] = platform
        return result

    # Tags come from a call per deployment and list items may lack node_num and result (§5.3.1):
    # ids only, each read one by one.
    def list_ids(self, api: HiLensClient) -> Iterator[str]:
        listed = list_items(api, "ai-mgr/deployments", "deployments", self.page_size(PAGE_SIZE))
        return (str(deployment["id"]) for deployment in listed)

    def update_resource(
        self,
        api: HiLensClient,
        resource_id: str,
        old: DeploymentArgs,
        new: DeploymentArgs,
        changed: frozenset[str],
        timeout: float,
    ) -> None:
        """The declared calls, then one wait for the rollout a template or device change starts."""
        deadline = time.monotonic() + timeout
        self.make_calls(api, resource_id, old, new, changed, deadline)
        if changed & self.fields.inputs_via(PUT_TEMPLATE) or ("node_ids" in changed and new.node_ids is not None):
            wait_for(self._running(api, resource_id, new), api.settings, time_left(deadline))

    def call_order(self, new: DeploymentArgs) -> Sequence[str]:
        return (PUT_TEMPLATE, PUT_DESCRIPTION, PUT_NODES, TAG_CALLS)

    # A template change is a PATCH when only one app's version or variables change, else a PUT of
    # the whole template that also carries a changed description; a description alone is its own PUT.
    @makes(PUT_TEMPLATE, PUT_DESCRIPTION)
    def _put_template(self, api: HiLensClient, update: Update[DeploymentArgs]) -> None:
        new, changed = update.new, update.changed
        path, params = api.path(f"ai-mgr/deployments/{update.resource_id}"), {"provider": new.provider}
        template_put = False
        template = changed & self.fields.inputs_via(PUT_TEMPLATE)
        if template:
            live = api.get(f"ai-mgr/deployments/{update.resource_id}")
            patch = _patch_body(live, new) if template == {"apps"} else None
            if patch is not None:
                api.request("PATCH", path, json=patch)
            else:
                body: dict[str, Any] = {"deployment": _template_body(new)}
                if "description" in changed:
                    body["description"] = new.description
                api.request("PUT", path, json=body, params=params)
                template_put = True
        if "description" in changed and not template_put:
            api.request("PUT", path, json={"description": new.description}, params=params)

    @makes(PUT_NODES)  # adds the devices the deployment is not on yet (the API has no removal)
    def _add_nodes(self, api: HiLensClient, update: Update[DeploymentArgs]) -> None:
        if update.new.node_ids is None:
            return
        live = api.get(f"ai-mgr/deployments/{update.resource_id}")
        present = set(live.get("node_ids") or [])
        added = [node for node in update.new.node_ids if node not in present]
        if added:
            body = {"deployment_id": update.resource_id, "node_num": len(added), "node_ids": added}
            path = api.path(f"ai-mgr/deployments/{update.resource_id}/nodes")
            api.request("PUT", path, json=body, params={"provider": update.new.provider})

    @makes(TAG_CALLS)  # tags are added and removed one call each, from the live set
    def _tag(self, api: HiLensClient, update: Update[DeploymentArgs]) -> None:
        api.set_tags(TAG_TYPE, update.resource_id, api.tags(TAG_TYPE, update.resource_id), update.new.tags)

    def delete_resource(self, api: HiLensClient, resource_id: str, args: DeploymentArgs | None, timeout: float) -> None:
        params = {"provider": args.provider} if args is not None else None
        api.request("DELETE", api.path(f"ai-mgr/deployments/{resource_id}"), params=params)

        def fetch() -> dict[str, Any] | None:
            live: dict[str, Any] | None = api.get_or_none(f"ai-mgr/deployments/{resource_id}")
            if live is not None and _state(live) == "DELETE_FAILED":
                raise WaitFailed(f"deployment {resource_id}", "DELETE_FAILED", _reason(live))
            return live

        wait_until_gone(f"deployment {resource_id}", fetch, _state, api.settings, timeout)

    # waits and lookups ---------------------------------------------------------------------------
    def _running(self, api: HiLensClient, deployment_id: str, args: DeploymentArgs) -> Waiter[dict[str, Any]]:
        """Running on every target device, with the program's template."""
        wanted_nodes = set(args.node_ids or [])
        apps = _normalise_apps([app.model_dump(mode="json", exclude_none=True) for app in args.apps])

        def done(live: dict[str, Any]) -> bool:
            live_apps = _normalise_apps((live.get("template") or {}).get("apps") or [])
            return wanted_nodes <= set(live.get("node_ids") or []) and _same(live_apps, apps)

        return Waiter(
            what=f"deployment {deployment_id}",
            fetch=lambda: api.get_or_none(f"ai-mgr/deployments/{deployment_id}"),
            state=_state,
            target={RUNNING},
            pending=ROLLING,
            failure=FAILED,
            reason=_reason,
            done=done,
        )

    def _find(self, api: HiLensClient, args: DeploymentArgs) -> str | None:
        params = {"name": args.name, "provider": args.provider}
        for deployment in api.pages(api.path("ai-mgr/deployments"), "deployments", params):
            if deployment.get("name") == args.name:
                return str(deployment["id"])
        return None


OUTPUTS = (
    "state",
    "reason",
    "ready_replicas",
    "node_num",
    "result",
    "api_version",
    "project_id",
    "created_at",
    "updated_at",
)


# --- generated by `make generate` from DeploymentProvider: do not edit below this line ---
class Deployment(DynamicResource, module="hilens", name="Deployment"):
    """A HiLens application deployment; its id is the deployment id (``hilens-…``)."""

    _provider_class = DeploymentProvider
    _outputs, _secret_outputs = output_names(DeploymentProvider)

    name: pulumi.Output[str]
    source: pulumi.Output[Literal["hlm", "aig", "userdefined", "skill"]]
    apps: pulumi.Output[list[dict[str, Any]]]
    configs: pulumi.Output[dict[str, Any]]
    node_ids: pulumi.Output[list[str] | None]
    cluster_id: pulumi.Output[str | None]
    replicas: pulumi.Output[int]
    affinity: pulumi.Output[dict[str, Any] | None]
    description: pulumi.Output[str]
    tags: pulumi.Output[dict[str, str]]
    provider: pulumi.Output[Literal["hilens", "ief"]]
    license_quota: pulumi.Output[int | None]
    svc_order_id: pulumi.Output[str | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    state: pulumi.Output[str]
    reason: pulumi.Output[str | None]
    ready_replicas: pulumi.Output[int]
    node_num: pulumi.Output[int]
    result: pulumi.Output[list[dict[str, Any]]]
    api_version: pulumi.Output[str | None]
    project_id: pulumi.Output[str]
    created_at: pulumi.Output[str]
    updated_at: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        source: pulumi.Input[Literal["hlm", "aig", "userdefined", "skill"]],
        apps: pulumi.Input[Sequence[pulumi.Input[AppDict]]],
        configs: pulumi.Input[PodConfigDict],
        node_ids: pulumi.Input[Sequence[pulumi.Input[str]]] | None = None,
        cluster_id: pulumi.Input[str] | None = None,
        replicas: pulumi.Input[int] | None = None,
        affinity: pulumi.Input[AffinityDict] | None = None,
        description: pulumi.Input[str] | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        provider: pulumi.Input[Literal["hilens", "ief"]] | None = None,
        license_quota: pulumi.Input[int] | None = None,
        svc_order_id: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "source": source,
            "apps": apps,
            "configs": configs,
            "node_ids": node_ids,
            "cluster_id": cluster_id,
            "replicas": replicas,
            "affinity": affinity,
            "description": description,
            "tags": tags,
            "provider": provider,
            "license_quota": license_quota,
            "svc_order_id": svc_order_id,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---


__all__ = [
    "Affinity",
    "App",
    "ConfigMapKeyRef",
    "Deployment",
    "DeploymentArgs",
    "DeploymentProvider",
    "Env",
    "PodConfig",
    "Probe",
    "SecretKeyRef",
    "ValueFrom",
    "Volume",
]
