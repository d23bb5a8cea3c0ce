"""Request bodies of the application-deployment APIs (seed §5.3, tables 5-89 to 5-109), with the
constraints the tables state, and the template echo the answers carry.

The seed's own examples send ``"replicas": "1"`` and ``"privileged": "false"`` as strings; they
are read as the declared integer and boolean (digest §10.15). The answer echoes the request's
template with the documented defaults filled in (``args``/``command``/``envs``/``msgs``/``ports``/
``volumes`` ``[]``, ``privileged``/``is_modelbox`` ``false``, ``requests: {}``, and the PodConfig
defaults); it does not inject the ModelBox defaults the seed's example shows (digest §8.5.2).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from aicompute.localcloud.hilens.common import JSON, Description, distinct_keys

APP_NAME = r"^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$"
VERSION = r"^[A-Za-z0-9_.-]{0,128}$"
MAX_REPLICAS = 99  # "小于100"
# args, command and probe commands may not contain these (tables 5-95, 5-103).
_FORBIDDEN_IN_COMMANDS = frozenset("^#~$%&*<>()'\"[]{}")


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _command_text(value: str) -> str:
    found = "".join(sorted(_FORBIDDEN_IN_COMMANDS & set(value)))
    if found:
        raise ValueError(f"must not contain any of {found}")
    return value


def _command_list(values: list[str]) -> list[str]:
    if sum(len(value) for value in values) > 65536:
        raise ValueError("may hold at most 65536 characters in all")
    return [_command_text(value) for value in values]


def _number_between(low: float, high: float) -> AfterValidator:
    """Resource amounts are strings holding numbers (table 5-80)."""

    def check(value: str) -> str:
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a number") from None
        if not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return value

    return AfterValidator(check)


def _exactly_one(model: BaseModel, fields: tuple[str, ...]) -> None:
    if sum(getattr(model, field) is not None for field in fields) != 1:
        raise ValueError(f"exactly one of {', '.join(fields)} must be given")


# templates ---------------------------------------------------------------------------------------
class ConfigsMap(_Body):
    # The seed's descriptions of key and name look swapped (digest §10.9): both are read as 1-64 characters.
    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)


class DeploymentSecrets(_Body):
    name: str | None = Field(default=None, min_length=4, max_length=64)
    key: str | None = Field(default=None, min_length=1, max_length=63)


class ValueFrom(_Body):
    configmap: ConfigsMap | None = None
    secret: DeploymentSecrets | None = None

    @model_validator(mode="after")
    def _one_source(self) -> ValueFrom:
        _exactly_one(self, ("configmap", "secret"))
        return self


class Env(_Body):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=2048)
    value: str | None = Field(default=None, max_length=20480)
    value_from: ValueFrom | None = None
    field_path: Literal["status.hostIP"] | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Env:
        _exactly_one(self, ("value", "value_from", "field_path"))
        return self


def _distinct_names(envs: list[Any]) -> list[Any]:
    names = [env.name for env in envs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"repeated name {', '.join(repeated)}")
    return envs


Port = Annotated[int, Field(ge=1, le=65535)]


class HostPortRange(_Body):
    max_port: Port
    min_port: Port

    @model_validator(mode="after")
    def _ordered(self) -> HostPortRange:
        if self.max_port <= self.min_port:
            raise ValueError("max_port must be greater than min_port")
        return self


class HostContainerPortMapping(_Body):
    container_port: Port
    host_ip: str | None = None
    host_port: Port | None = None
    host_port_range: HostPortRange | None = None

    @model_validator(mode="after")
    def _one_host_port(self) -> HostContainerPortMapping:
        if self.host_port is not None and self.host_port_range is not None:
            raise ValueError("host_port and host_port_range exclude each other")
        return self


class Exec(_Body):
    command: Annotated[str, Field(max_length=10240), AfterValidator(_command_text)]


class HttpGet(_Body):
    host: str | None = None
    path: str = Field(pattern=r"^/")
    port: Port
    scheme: Literal["HTTP", "HTTPS"] = "HTTP"


class Probe(_Body):
    exec: Exec | None = None
    http_get: HttpGet | None = None
    initial_delay_seconds: int = Field(default=10, ge=1, le=3600)
    timeout_seconds: int = Field(default=1, ge=1, le=3600)

    @model_validator(mode="after")
    def _one_check(self) -> Probe:
        _exactly_one(self, ("exec", "http_get"))
        return self


class Volume(_Body):
    destination: str = Field(min_length=1)
    key: str = Field(min_length=1)
    name: str = Field(pattern=r"^[a-z0-9]{1,63}$")
    read_only: bool
    source: str = Field(min_length=1)
    type: Literal["configMap", "secret", "emptyDir", "hostPath"]

    @model_validator(mode="after")
    def _source_fits_type(self) -> Volume:
        if self.type in ("configMap", "secret") and not self.read_only:
            raise ValueError(f"a {self.type} volume is read-only")
        if self.type == "emptyDir" and self.source not in ("disk", "memory"):
            raise ValueError("an emptyDir volume's source is disk or memory")
        if self.type == "hostPath" and not self.source.startswith("/"):
            raise ValueError("a hostPath volume's source is a path starting with /")
        return self


class Res(_Body):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    cpu: Annotated[str, _number_between(0.01, 1000)] | None = None
    gpu: Annotated[str, _number_between(0, 1000)] | None = None
    memory: Annotated[str, _number_between(0.01, 1024000)] | None = None
    npu: Annotated[str, _number_between(0, 1000)] | None = None


class ResRequest(_Body):
    limits: Res = Field(default_factory=Res)
    requests: Res = Field(default_factory=Res)

    @model_validator(mode="after")
    def _memory_limit(self) -> ResRequest:
        if self.limits.memory is not None and float(self.limits.memory) < 4:
            raise ValueError("limits.memory must be between 4 and 1024000")
        return self


Commands = Annotated[list[str], AfterValidator(_command_list)]


class AppDef(_Body):
    name: str = Field(pattern=APP_NAME)
    app_url: str = Field(min_length=1)
    resources: ResRequest
    app_order_id: str | None = None
    channel_limit: int | None = Field(default=None, ge=0, le=1000)
    channel_upper_limit: int | None = Field(default=None, ge=0, le=1000)
    args: Commands = Field(default_factory=list)
    command: Commands = Field(default_factory=list)
    envs: list[Env] = Field(default_factory=list)
    msgs: list[Env] = Field(default_factory=list)
    ports: list[HostContainerPortMapping] = Field(default_factory=list)
    volumes: list[Volume] = Field(default_factory=list)
    privileged: bool = False
    is_modelbox: bool = False
    npu_type: Literal["D310", "D910"] | None = None
    liveness_probe: Probe | None = None
    readiness_probe: Probe | None = None
    version: str | None = Field(default=None, pattern=VERSION)
    start_resources: ResRequest | None = None
    channel_resources: ResRequest | None = None
    skill_project_id: str | None = None

    _distinct_envs = field_validator("envs", "msgs")(_distinct_names)


class MatchExpression(_Body):
    key: str | None = None
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] | None = None
    values: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _values_fit_operator(self) -> MatchExpression:
        if self.operator in ("In", "NotIn") and not self.values:
            raise ValueError(f"{self.operator} needs values")
        if self.operator in ("Exists", "DoesNotExist") and self.values:
            raise ValueError(f"{self.operator} takes no values")
        if self.operator in ("Gt", "Lt") and (len(self.values) != 1 or not self.values[0].lstrip("-").isdigit()):
            raise ValueError(f"{self.operator} takes exactly one integer value")
        return self


class PodAffinity(_Body):
    node_affinity: list[MatchExpression] = Field(default_factory=list)
    pod_affinity: list[MatchExpression] = Field(default_factory=list)


class PodConfig(_Body):
    host_network: bool
    restart_policy: Literal["Always", "OnFailure", "Never"]
    host_pid: bool = False
    migration: bool = False
    toleration_seconds: int = Field(default=0, ge=0)


def _distinct_apps(apps: list[AppDef]) -> list[AppDef]:
    return _distinct_names(apps)


class PodRequest(_Body):
    apps: Annotated[list[AppDef], AfterValidator(_distinct_apps)] = Field(min_length=1)
    configs: PodConfig
    affinity: PodAffinity | None = None
    init_containers: list[AppDef] | None = None

    @field_validator("init_containers")
    @classmethod
    def _reserved(cls, value: list[AppDef] | None) -> list[AppDef] | None:
        if value:
            raise ValueError("init containers are reserved and not supported yet (预留，暂不支持)")
        return value


class DeploymentRequest(_Body):
    replicas: int = Field(ge=1, le=MAX_REPLICAS)
    template: PodRequest


class DeploymentTag(_Body):
    key: str = Field(pattern=r"^[A-Za-z0-9_-]{1,36}$")
    value: str = Field(pattern=r"^[A-Za-z0-9_.-]{0,43}$")


DeploymentTags = Annotated[list[DeploymentTag], AfterValidator(distinct_keys)]


# request bodies ----------------------------------------------------------------------------------
class DeploymentCreate(_Body):
    name: str = Field(pattern=APP_NAME)
    # "skill" is not in the enum, but AppDef.skill_project_id is "for source skill" (digest §10.18).
    source: Literal["hlm", "aig", "userdefined", "skill"]
    deployment: DeploymentRequest
    description: Description | None = None
    cluster_id: str | None = None
    node_ids: list[str] | None = None
    node_tags: DeploymentTags | None = None
    node_num: int | None = Field(default=None, ge=1)
    license_quota: int | None = Field(default=None, ge=1)
    svc_order_id: str | None = None
    tags: DeploymentTags = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _one_target(self) -> DeploymentCreate:
        targets = [name for name in ("node_ids", "cluster_id", "node_tags") if getattr(self, name)]
        if len(targets) != 1:
            raise ValueError("deploy to node_ids, cluster_id or node_tags: exactly one of them")
        if self.node_tags and self.node_num is None:
            raise ValueError("node_num: required when deploying by node_tags")
        return self


class DeploymentUpdate(_Body):
    """PUT: ``deployment`` replaces replicas and template whole; ``description`` alone just renames."""

    deployment: DeploymentRequest | None = None
    description: Description | None = None
    tags: DeploymentTags | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def _something(self) -> DeploymentUpdate:
        if self.deployment is None and self.description is None and self.tags is None:
            raise ValueError("give deployment, description or tags")
        return self


class Patch(_Body):
    envs: Annotated[list[Env], AfterValidator(_distinct_names)] | None = None


class DeploymentPatch(_Body):
    version: str | None = Field(default=None, pattern=VERSION)
    patch: Patch | None = None


class DeploymentAddNodes(_Body):
    deployment_id: str = Field(min_length=1)
    node_num: int = Field(ge=1)
    node_ids: list[str] | None = None
    node_tags: DeploymentTags | None = None

    @model_validator(mode="after")
    def _some_target(self) -> DeploymentAddNodes:
        if not self.node_ids and not self.node_tags:
            raise ValueError("give node_ids or node_tags")
        return self


# the template the answers echo -----------------------------------------------------------------------
def app_view(app: AppDef) -> JSON:
    return app.model_dump(exclude_none=True)


def template_view(template: PodRequest) -> JSON:
    """Table 5-111: only ``configs`` and ``apps`` (``affinity`` is carried by the pods)."""
    return {"configs": template.configs.model_dump(), "apps": [app_view(app) for app in template.apps]}


def upsert_envs(envs: list[JSON], changes: list[Env]) -> list[JSON]:
    """PATCH ``patch.envs``: each named variable is replaced or added, the others kept (digest §10.19)."""
    by_name = {env["name"]: env for env in envs}
    for change in changes:
        by_name[change.name] = change.model_dump(exclude_none=True)
    return list(by_name.values())
