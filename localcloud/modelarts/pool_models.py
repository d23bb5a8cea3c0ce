"""The request bodies of the pool APIs (seed tables 10-129ff. for create, 10-182ff. for PATCH).

Pydantic models with the API's verbatim keys as aliases; ``kube.parse`` turns their errors into the
platform's 400 ``ModelArts.50004000`` naming the field.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicompute.localcloud.modelarts.kube import (
    DESCRIPTION_ANNOTATION,
    NAME_LABEL,
    NODE_PREFIX_LABEL,
    WORKSPACE_LABEL,
    Description,
    DisplayName,
)

BILLING_MODE_ANNOTATION = "os.modelarts/billing.mode"
ORDER_ID_ANNOTATION = "os.modelarts/order.id"
TMS_TAGS_ANNOTATION = "os.modelarts/tms.tags"

Scope = Literal["Train", "Infer", "Notebook"]


def parse_tms_tags(text: str) -> list[tuple[str, str]]:
    """The pool's TMS tags: undocumented format (digest §7.2), read as a JSON list of {key, value}."""
    try:
        items = json.loads(text)
    except ValueError:
        raise ValueError('must be a JSON list of {"key": ..., "value": ...}') from None
    tags = []
    for item in items if isinstance(items, list) else [None]:
        if not isinstance(item, dict) or not isinstance(item.get("key"), str) or not item["key"]:
            raise ValueError('must be a JSON list of {"key": ..., "value": ...} with non-empty keys')
        tags.append((item["key"], str(item.get("value", ""))))
    return tags


class AzCount(BaseModel):
    az: str = Field(min_length=1)
    count: int = Field(ge=0)


def check_counts(count: int, max_count: int | None, azs: list[AzCount] | None) -> None:
    """``maxCount`` (when given) equals ``count`` in a physical pool; the AZ counts add up to ``count``."""
    if max_count is not None and max_count != count:
        raise ValueError(f"maxCount {max_count} must equal count {count} in a physical pool")
    if azs and sum(item.count for item in azs) != count:
        raise ValueError(f"the counts of azs add up to {sum(item.count for item in azs)}, not count {count}")


class PoolLabelsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: DisplayName = Field(alias=NAME_LABEL)
    workspace_id: str = Field(default="0", alias=WORKSPACE_LABEL, min_length=1)
    node_prefix: str | None = Field(default=None, alias=NODE_PREFIX_LABEL, pattern=r"^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$")


class PoolAnnotationsIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: Description = Field(default="", alias=DESCRIPTION_ANNOTATION)
    billing_mode: Literal["0", "1"] = Field(default="0", alias=BILLING_MODE_ANNOTATION)
    period_num: str | None = Field(default=None, alias="os.modelarts/period.num", pattern=r"^[1-9][0-9]*$")
    period_type: Literal["2", "3"] | None = Field(default=None, alias="os.modelarts/period.type")
    auto_renew: Literal["0", "1"] | None = Field(default=None, alias="os.modelarts/auto.renew")
    auto_pay: Literal["true", "false"] | None = Field(default=None, alias="os.modelarts/auto.pay")
    promotion_info: str | None = Field(default=None, alias="os.modelarts/promotion.info")
    service_console_url: str | None = Field(default=None, alias="os.modelarts/service.console.url")
    order_id: str | None = Field(default=None, alias=ORDER_ID_ANNOTATION)
    tms_tags: str | None = Field(default=None, alias=TMS_TAGS_ANNOTATION)

    @model_validator(mode="after")
    def _prepaid_needs_period(self) -> PoolAnnotationsIn:
        if self.billing_mode == "1" and (self.period_num is None or self.period_type is None):
            raise ValueError("a yearly/monthly pool (billing.mode 1) needs period.num and period.type")
        return self

    @field_validator("tms_tags")
    @classmethod
    def _tags_json(cls, value: str | None) -> str | None:
        if value is not None:
            parse_tms_tags(value)
        return value


class PoolMetadataIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    labels: PoolLabelsIn
    annotations: PoolAnnotationsIn = Field(default_factory=lambda: PoolAnnotationsIn.model_validate({}))


class PoolResourceIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    flavor: str = Field(min_length=1)
    count: int = Field(ge=1)
    max_count: int | None = Field(default=None, alias="maxCount")
    azs: list[AzCount] | None = None
    extend_params: dict[str, Any] | None = Field(default=None, alias="extendParams")

    @model_validator(mode="after")
    def _consistent(self) -> PoolResourceIn:
        check_counts(self.count, self.max_count, self.azs)
        return self


class PoolDriverIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    gpu_version: str | None = Field(default=None, alias="gpuVersion", min_length=1)
    npu_version: str | None = Field(default=None, alias="npuVersion", min_length=1)
    update_strategy: Literal["force", "idle"] | None = Field(default=None, alias="updateStrategy")


class PoolNetworkIn(BaseModel):
    name: str = Field(min_length=1)


def _distinct(scopes: list[Scope]) -> list[Scope]:
    if len(set(scopes)) != len(scopes):
        raise ValueError("job types must not repeat")
    return scopes


class PoolSpecIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["Dedicate"]
    scope: list[Scope] = Field(min_length=1)
    resources: list[PoolResourceIn] = Field(min_length=1)
    network: PoolNetworkIn
    job_flavors: list[str] | None = Field(default=None, alias="jobFlavors")
    driver: PoolDriverIn | None = None

    _distinct_scope = field_validator("scope")(_distinct)


class PoolCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")

    api_version: Literal["v2"] = Field(alias="apiVersion")
    kind: Literal["Pool"]
    metadata: PoolMetadataIn
    spec: PoolSpecIn  # marked optional in table 10-129, but its children are required (digest §12.12)


class PoolResourcePatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    flavor: str = Field(min_length=1)
    count: int = Field(ge=0)
    azs: list[AzCount] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> PoolResourcePatch:
        check_counts(self.count, None, self.azs)
        return self


class PoolSpecPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    scope: list[Scope] = Field(min_length=1)
    resources: list[PoolResourcePatch] = Field(min_length=1)
    job_flavors: list[str] | None = Field(default=None, alias="jobFlavors")
    driver: PoolDriverIn | None = None

    _distinct_scope = field_validator("scope")(_distinct)


class PoolAnnotationsPatch(BaseModel):
    model_config = ConfigDict(extra="ignore")

    description: Description | None = Field(default=None, alias=DESCRIPTION_ANNOTATION)
