"""Service request bodies (seed 9.4 tables 9-22…9-37, 9.7 tables 9-64…9-79, 9.1, 9.9, 9.12, 9.14, 9.15)."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator, model_validator

# "支持1-64位字符，可包含字母、中文、数字、中划线、下划线" (table 9-22).
SERVICE_NAME = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fa5]{1,64}$")
# The forbidden description characters differ between create (table 9-22) and update (table 9-64).
CREATE_FORBIDDEN = '!<>+&"'
UPDATE_FORBIDDEN = '!<>=&"'
MAX_INSTANCES = 128
InferType = Literal["real-time", "batch", "edge"]


def check_description(value: str | None, forbidden: str) -> str | None:
    if value is not None and set(forbidden) & set(value):
        raise ValueError(f"description must not contain any of {' '.join(forbidden)}")
    return value


class _Body(BaseModel):
    model_config = ConfigDict(protected_namespaces=())


class Schedule(_Body):
    duration: int
    time_unit: Literal["DAYS", "HOURS", "MINUTES"]
    type: Literal["stop"]


class CustomSpec(_Body):
    cpu: float = Field(ge=0.01)
    memory: int = Field(ge=1)
    gpu_p4: float | None = Field(default=None, ge=0)
    ascend_a310: int | None = Field(default=None, ge=0)

    @field_validator("cpu", "gpu_p4")
    @classmethod
    def _two_decimals(cls, value: float | None) -> float | None:
        # "最多支持2位小数，小数点后第3位做四舍五入处理" (table 9-25).
        if value is None:
            return None
        return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    @model_validator(mode="after")
    def _one_accelerator(self) -> CustomSpec:
        if self.gpu_p4 and self.ascend_a310:
            raise ValueError("ascend_a310 cannot be combined with gpu_p4")
        return self


class LogVolume(_Body):
    host_path: str
    mount_path: str


class PersistentVolume(_Body):
    name: str | None = None
    mount_path: str
    storage_type: str | None = None
    # The request tables spell it source_addresses; GET, logs and the 9.1 example source_address.
    source_address: str | None = Field(
        default=None, validation_alias=AliasChoices("source_address", "source_addresses")
    )


class ModelAdditionalProperties(_Body):
    log_volume: list[LogVolume] | None = None
    max_surge: float | None = Field(default=None, gt=0)
    # "必须大于0，不配置默认值为0" contradicts itself; 0 is accepted.
    max_unavailable: float | None = Field(default=None, ge=0)
    termination_grace_period_seconds: int | None = Field(default=None, ge=0)
    persistent_volumes: list[PersistentVolume] | None = None


class AffinityNodeInfo(_Body):
    name: str


class AffinityPoolInfo(_Body):
    pool_name: str
    nodes: list[AffinityNodeInfo]


class NodeAffinity(_Body):
    mode: Literal["required", "preferred"]
    pool_infos: list[AffinityPoolInfo] | None = None


class ServiceAffinity(_Body):
    node_affinity: NodeAffinity | None = None


class ServiceConfig(_Body):
    model_id: str
    specification: str
    instance_count: int = Field(ge=1, le=MAX_INSTANCES)
    # An Integer in the table; the examples send "70", which lax validation turns into 70.
    weight: int | None = Field(default=None, ge=0, le=100)
    custom_spec: CustomSpec | None = None
    envs: dict[str, str] | None = None
    deploy_timeout_in_seconds: int | None = Field(default=None, ge=1)
    src_path: str | None = None
    req_uri: str | None = None
    mapping_type: Literal["file", "csv"] | None = None
    cluster_id: str | None = None
    pool_name: str | None = None
    nodes: list[str] | None = None
    mapping_rule: dict[str, Any] | None = None
    src_type: Literal["", "ManifestFile"] | None = None
    dest_path: str | None = None
    additional_properties: ModelAdditionalProperties | None = None
    affinity: ServiceAffinity | None = None


class SmnNotification(_Body):
    topic_urn: str
    events: list[Literal[1, 3, 7, 11]]


class LtsConfiguration(_Body):
    log_group_id: str = Field(max_length=64)
    log_stream_id: str = Field(max_length=64)


class LogReportPipeline(_Body):
    type: Literal["LTS"]
    configuration: LtsConfiguration | None = None


class ServiceAdditionalProperties(_Body):
    # Table 9-33 marks smn_notification required, but that would forbid enabling only websocket_upgrade
    # or LTS; it is optional here.
    smn_notification: SmnNotification | None = None
    log_report_channels: list[LogReportPipeline] | None = None
    websocket_upgrade: bool | None = None


class ServiceSecret(_Body):
    secretId: str
    # "mouthPath" (sic) on create (table 9-37), "mountPath" on update (table 9-79): both accepted.
    mountPath: str = Field(validation_alias=AliasChoices("mountPath", "mouthPath"))


LoadBalancerPolicy = Literal["ROUND_ROBIN", "LEAST_CONNECTIONS", "SOURCE_IP"]


class _ServiceFields(_Body):
    """What create and update share."""

    schedule: list[Schedule] | None = None
    config: list[ServiceConfig] | None = None
    additional_properties: ServiceAdditionalProperties | None = None
    load_balancer_policy: LoadBalancerPolicy | None = None
    service_secrets: list[ServiceSecret] | None = None
    priority: int | None = Field(default=None, ge=1, le=3)


class CreateServiceRequest(_ServiceFields):
    service_name: str
    infer_type: InferType
    config: list[ServiceConfig]
    workspace_id: str = "0"
    cluster_id: str | None = None
    pool_name: str | None = None
    vpc_id: str | None = None
    subnet_network_id: str | None = None
    security_group_id: str | None = None
    description: str | None = Field(default=None, max_length=100)

    @field_validator("service_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not SERVICE_NAME.match(value):
            raise ValueError("1-64 characters: letters, Chinese, digits, - and _")
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return check_description(value, CREATE_FORBIDDEN)


class UpdateServiceRequest(_ServiceFields):
    description: str | None = Field(default=None, max_length=100)
    status: Literal["running", "stopped"] | None = None

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return check_description(value, UPDATE_FORBIDDEN)


class PatchOperation(_Body):
    """PatchServiceV2RequestBody (table 9-4): only ``replace`` under ``/config/``."""

    op: str | None = None
    path: str | None = None
    value: Any = None


class PropertyConfig(_Body):
    model_id: str
    # A String holding an integer in table 9-85; the example sends the number 2.
    changed_value: int | str


class UpdatePropertyRequest(_Body):
    changed_property: str
    configs: list[PropertyConfig] | None = None


class NodeStatusRequest(_Body):
    status: Literal["running", "stopped"]


class TmsTag(_Body):
    key: str = Field(min_length=1, max_length=128)
    value: str = Field(max_length=255)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if value != value.strip():
            raise ValueError("a tag key must not start or end with a space")
        if value.startswith("_sys_"):
            raise ValueError("a tag key must not start with _sys_")
        return value


class TagsRequest(_Body):
    tags: list[TmsTag]


class TmsTagForDelete(_Body):
    key: str
    value: str | None = None


class DeleteTagsRequest(_Body):
    tags: list[TmsTagForDelete]
