"""Request bodies of the device APIs (seed tables 5-10 to 5-13 and 5-23 to 5-26)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.localcloud.hilens.common import JSON, Description, TagObject, bad_request, distinct_keys

MAX_TAGS = 20


class LogConfig(BaseModel):
    """Table 5-12; the register example sends ``size`` as the string "50", which is read as 50."""

    model_config = ConfigDict(extra="ignore")

    component: Literal["app", "system"]
    level: Literal["error", "warning", "info", "debug"] = "info"
    rotate_num: int = Field(default=5, ge=1, le=30)
    rotate_period: Literal["daily", "monthly", "weekly", "yearly"] | None = None
    size: int = Field(default=50, ge=10, le=1000)
    type: Literal["LTS", "local"]


Tags = list[TagObject]


class NodeReqDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str  # checked against NAME_PATTERN by register(), which answers HIL.0055 (table 7-2)
    batch: int = Field(default=1, ge=1, le=100000)
    description: Description = ""
    enable_gpu: bool = False
    enable_npu: bool = False
    iam_user_id: str | None = None
    log_configs: list[LogConfig] = Field(default_factory=list)
    npu_type: Literal["D310", "D910"] = "D310"
    tags: Tags = Field(default_factory=list, max_length=MAX_TAGS)
    workspace_id: str | None = None
    event_validity_period: int | None = Field(default=None, ge=1)

    _distinct_tags = field_validator("tags")(distinct_keys)


class NodeRequest(BaseModel):
    node: NodeReqDetail


class UpdateNodeReqDetail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: Description | None = None
    log_configs: list[LogConfig] | None = None
    tags: Tags | None = Field(default=None, max_length=MAX_TAGS)
    event_validity_period: int | None = Field(default=None, ge=1)
    enable_gpu: bool | None = None
    enable_npu: bool | None = None
    # Table 5-24 names Ascend 310/710 and "null" when the GPU is used; registration names D310/D910.
    npu_type: Literal["D310", "D910", "Ascend 310", "Ascend 710", "null"] | None = None

    _distinct_tags = field_validator("tags")(distinct_keys)


class UpdateNodeRequest(BaseModel):
    node: UpdateNodeReqDetail


def check_log_configs(configs: list[LogConfig], provider: str) -> None:
    """rotate_num is 1-30 on hilens but 1-10 on ief; rotate_period is ief's only (table 5-12)."""
    for index, config in enumerate(configs):
        if provider == "ief" and config.rotate_num > 10:
            raise bad_request(f"node.log_configs[{index}].rotate_num: ief allows 1-10, not {config.rotate_num}")
        if provider == "hilens" and config.rotate_period is not None:
            raise bad_request(f"node.log_configs[{index}].rotate_period: only ief devices take a rotate period")


def log_configs(configs: list[LogConfig]) -> list[JSON]:
    return [config.model_dump(exclude_none=True) for config in configs]
