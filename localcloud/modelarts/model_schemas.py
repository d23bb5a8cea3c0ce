"""The create-model body (seed 7.3, tables 7-18…7-28) as pydantic models with the seed's rules."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# "1-64位可见字符（含中文），名称可以包含字母、中文、数字、中划线、下划线" (table 7-18).
MODEL_NAME = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fa5]{1,64}$")
# "数值.数值.数值 … 1-2位正整数 … 不可以出现例如01.01.01等以0开头的版本号" — yet 9.13's example deploys
# "0.0.1", so a lone 0 is accepted (digest §8.2).
MODEL_VERSION = re.compile(r"^(0|[1-9]\d?)\.(0|[1-9]\d?)\.(0|[1-9]\d?)$")
MODEL_TYPES = ("TensorFlow", "Image", "PyTorch", "Template", "MindSpore")
INSTALL_TYPES = ("real-time", "edge", "batch")
# Descriptions and package names must not contain &!"'<>= (tables 7-18, 7-23).
FORBIDDEN = set("&!\"'<>=")
DOC_NAME = re.compile(r"^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9_\-\u4e00-\u9fa5]{0,47}$")


def _without_forbidden(value: str | None, what: str) -> str | None:
    if value is not None and FORBIDDEN & set(value):
        raise ValueError(f"{what} must not contain any of & ! \" ' < > =")
    return value


class _Body(BaseModel):
    # Field names such as ``model_name`` are the API's own, not pydantic's namespace.
    model_config = ConfigDict(protected_namespaces=())


class GuideDoc(_Body):
    doc_url: str
    doc_name: str

    @field_validator("doc_url")
    @classmethod
    def _http_link(cls, value: str) -> str:
        if not re.match(r"^https?://", value):
            raise ValueError("doc_url must be an http(s) link")
        return value

    @field_validator("doc_name")
    @classmethod
    def _doc_name(cls, value: str) -> str:
        if not DOC_NAME.match(value):
            raise ValueError("1-48 letters, Chinese, digits, - or _, starting with a letter or Chinese")
        return value


class TemplateInput(_Body):
    input: str
    input_id: str


class ModelTemplate(_Body):
    # Optional here so that its absence answers ModelArts.3029 rather than the generic 3036.
    template_id: str | None = None
    template_inputs: list[TemplateInput]
    infer_format: str | None = None


class Package(_Body):
    package_name: str
    package_version: str | None = None
    restraint: str | None = None

    @field_validator("package_name", "package_version")
    @classmethod
    def _plain(cls, value: str | None) -> str | None:
        if value is not None and re.search(r"[\u4e00-\u9fa5]", value):
            raise ValueError("must not contain Chinese characters")
        return _without_forbidden(value, "package names and versions")


class ModelDependency(_Body):
    installer: Literal["pip"]
    packages: list[Package]


class InferParam(_Body):
    protocol: str
    method: str
    url: str
    param_name: str
    # The seed's own example sends "box", outside the documented int/string/float/timestamp/date/file.
    param_type: str
    min: float | None = None
    max: float | None = None
    param_desc: str | None = None

    @field_validator("protocol")
    @classmethod
    def _protocol(cls, value: str) -> str:
        if value.lower() not in ("http", "https"):
            raise ValueError("protocol must be HTTP or HTTPS")
        return value

    @field_validator("method")
    @classmethod
    def _method(cls, value: str) -> str:
        if value.lower() not in ("post", "get"):
            raise ValueError("method must be post or get")
        return value


class InOutParams(_Body):
    type: str | None = None
    properties: dict[str, Any] | None = None


class ModelApi(_Body):
    protocol: str | None = None
    method: str | None = None
    url: str | None = None
    input_params: InOutParams | None = None
    output_params: InOutParams | None = None


class ModelSecurity(_Body):
    model_key: str | None = None
    rootKey: str | None = None
    security_policy: str | None = None
    is_verify_app: bool | None = None


class DeploymentConstraints(_Body):
    request_mode: str | None = None
    cpu_type: str | None = None
    input_types: list[str] | None = None
    outputTypes: list[str] | None = None  # sic, camelCase in table 7-27
    service_config: str | None = None
    task_config: str | None = None
    model_security: ModelSecurity | None = None


class CreateModelRequest(_Body):
    model_name: str
    model_version: str
    model_type: str
    source_location: str | None = None
    template: ModelTemplate | None = None
    source_copy: str | None = None
    initial_config: str | None = None
    execution_code: str | None = None
    source_job_id: str | None = None
    source_job_version: str | None = None
    output_params: list[InferParam] | None = None
    input_params: list[InferParam] | None = None
    description: str | None = Field(default=None, min_length=1, max_length=100)
    runtime: str | None = None
    model_metrics: str | None = None
    source_type: Literal["auto"] | None = None
    dependencies: list[ModelDependency] | None = None
    workspace_id: str = "0"
    model_algorithm: str | None = None
    apis: list[ModelApi] | None = None
    install_type: list[str] | None = None
    model_docs: list[GuideDoc] | None = Field(default=None, max_length=3)
    cmd: str | None = None
    deployment_constraints: DeploymentConstraints | None = None

    @field_validator("model_name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not MODEL_NAME.match(value):
            raise ValueError("1-64 characters: letters, Chinese, digits, - and _")
        return value

    @field_validator("model_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not MODEL_VERSION.match(value):
            raise ValueError("the format is N.N.N with 1-2 digit numbers and no leading 0, e.g. 1.0.0")
        return value

    @field_validator("model_type")
    @classmethod
    def _type(cls, value: str) -> str:
        if value not in MODEL_TYPES:
            raise ValueError(f"model_type must be one of {', '.join(MODEL_TYPES)}")
        return value

    @field_validator("source_copy", mode="before")
    @classmethod
    def _source_copy(cls, value: object) -> object:
        # A String "true"/"false" in the seed; booleans are accepted and kept as that string.
        if isinstance(value, bool):
            return str(value).lower()
        if value is not None and value not in ("true", "false"):
            raise ValueError("source_copy must be true or false")
        return value

    @field_validator("description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return _without_forbidden(value, "description")

    @field_validator("install_type")
    @classmethod
    def _install_type(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or any(item not in INSTALL_TYPES for item in value)):
            raise ValueError(f"install_type must be a non-empty subset of {', '.join(INSTALL_TYPES)}")
        return value
