"""VideoAnalyticsPipeline: an algorithm package, an algorithm service running it, and one analysis
task per video stream, on a central compute cluster (``aicompute:stacks:VideoAnalyticsPipeline``).

Each part is given as its resource's own Args model, less the fields that link the parts (the
service's ``algo_id`` is the package's id, a task's ``algo_service_id`` is the service's and its
``stream`` is one entry of ``streams``): giving one is an error, and every rule of the resources
applies at construction under the component's field path (``task.labels``).

``streams`` is a map (name -> stream) or a list. A stream's task is named after its key, or, in a
list, after its URL, never its position: adding a stream adds one task and touches nothing else,
and reordering the list changes nothing. A stream may override the task's ``rules`` and ``paused``.

The analysis platform's API binds no service to a cluster (seed appendix F), so the cluster the
pipeline runs on is given to the service as its ``clusterCode`` variable, and the service waits for
it; a new cluster therefore replaces the service (services have no update).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Annotated, Any, Literal

import pulumi
from pydantic import Field, ValidationError, field_validator, model_validator

from aicompute.resources.central import (
    AlgorithmPackage,
    AlgorithmPackageArgs,
    AlgorithmService,
    AlgorithmServiceArgs,
    AnalysisTask,
    AnalysisTaskArgs,
    Rule,
    Stream,
)
from aicompute.resources.central.workload import WorkloadName
from aicompute.stacks._component import Component, ComponentArgs, OutputOr, set_by, validate_args
from aicompute.stacks.central_compute_cluster import by_key, nested_reason, plain_error

COMPONENT = "VideoAnalyticsPipeline"
CLUSTER_ENV = "clusterCode"
ONE_TASK = "the platform keeps one task per stream and service"


class ServiceSpec(AlgorithmServiceArgs):
    """The algorithm service: AlgorithmServiceArgs without ``algo_id`` (the package's id)."""

    algo_id: str = ""
    _linked = field_validator("algo_id")(set_by(COMPONENT))

    @field_validator("envs")
    @classmethod
    def _cluster_env(cls, envs: dict[str, str]) -> dict[str, str]:
        if CLUSTER_ENV in envs:
            raise ValueError(f"{CLUSTER_ENV} is set by the {COMPONENT} (the cluster_code input); leave it out")
        return envs


class TaskSpec(AnalysisTaskArgs):
    """What every stream's task shares: AnalysisTaskArgs without ``algo_service_id`` and ``stream``."""

    algo_service_id: str = ""
    stream: Stream | None = None  # type: ignore[assignment]
    restart_policy: Literal["NEVER", "ALWAYS"] = "ALWAYS"
    _linked = field_validator("algo_service_id", "stream")(set_by(COMPONENT))


class StreamSpec(Stream):
    """One video stream, and what its task does differently from ``task``."""

    rules: list[Rule] | None = Field(default=None, min_length=1, description="Rules for this stream only.")
    paused: bool | None = Field(default=None, description="This stream's run state; default task.paused.")


class VideoAnalyticsPipelineArgs(ComponentArgs):
    cluster_code: OutputOr[Annotated[str, Field(min_length=1)]] = Field(
        description="The central compute cluster (Cluster.id, CentralComputeCluster.cluster_code)."
    )
    package: AlgorithmPackageArgs = Field(description="The algorithm (and its encapsulation file) to push.")
    service: ServiceSpec = Field(description="The algorithm service that runs the package.")
    task: TaskSpec = Field(description="Labels, rules and restart policy of every stream's task.")
    streams: dict[WorkloadName, StreamSpec] = Field(
        description="The video streams, by name or as a list (named stream-<hash of the url>): one analysis task each."
    )

    @field_validator("streams", mode="before")
    @classmethod
    def _list_by_url(cls, streams: Any) -> Any:
        """A list becomes a map keyed by each stream's URL, every entry checked under its position."""
        if isinstance(streams, Mapping):
            return streams
        if not isinstance(streams, list):
            raise plain_error(f"a map of name to stream or a list of streams, not {type(streams).__name__}")
        named: dict[str, StreamSpec] = {}
        positions: dict[str, int] = {}
        for index, item in enumerate(streams):
            try:
                stream = StreamSpec.model_validate(item)
            except ValidationError as error:
                raise plain_error("; ".join(nested_reason(f"[{index}]", e) for e in error.errors())) from None
            key = list_key(stream.url)
            if key in named:
                raise plain_error(f"[{positions[key]}] and [{index}] have the same url {stream.url!r}: {ONE_TASK}")
            named[key], positions[key] = stream, index
        return named

    @model_validator(mode="after")
    def _one_task_per_stream(self) -> VideoAnalyticsPipelineArgs:
        seen: dict[str, str] = {}
        for key, stream in self.streams.items():
            if stream.url in seen:
                raise ValueError(f"streams {seen[stream.url]} and {key} have the same url {stream.url!r}: {ONE_TASK}")
            seen[stream.url] = key
        return self


def list_key(url: str) -> str:
    """The task name of a stream given in a list: from its URL, so the list's order does not matter."""
    return f"stream-{hashlib.sha256(url.encode()).hexdigest()[:10]}"


def _task_inputs(task: TaskSpec, stream: StreamSpec) -> dict[str, Any]:
    shared: dict[str, Any] = task.model_dump(mode="json", exclude={"algo_service_id", "stream"}, exclude_none=True)
    own = stream.model_dump(mode="json", exclude_none=True)
    rules, paused = own.pop("rules", None), own.pop("paused", None)
    return {
        **shared,
        "stream": own,
        **({"rules": rules} if rules is not None else {}),
        **({"paused": paused} if paused is not None else {}),
    }


class VideoAnalyticsPipeline(Component, name=COMPONENT):
    """An algorithm package, its service on a central compute cluster, and one analysis task per stream."""

    package: AlgorithmPackage
    service: AlgorithmService
    tasks: dict[str, AnalysisTask]
    cluster_code: pulumi.Output[str]
    package_id: pulumi.Output[str]
    service_id: pulumi.Output[str]
    service_status: pulumi.Output[str]
    task_ids: pulumi.Output[dict[str, str]]
    task_statuses: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        args: VideoAnalyticsPipelineArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        checked = validate_args(COMPONENT, name, VideoAnalyticsPipelineArgs, args)
        super().__init__(name, opts)
        self.cluster_code = pulumi.Output.from_input(checked.cluster_code)
        self.package = AlgorithmPackage(
            f"{name}-package", **checked.package.model_dump(mode="json", exclude_none=True), opts=self.child_opts()
        )
        service = checked.service.model_dump(mode="json", exclude={"algo_id", "envs"}, exclude_none=True)
        envs = self.cluster_code.apply(lambda code: {**checked.service.envs, CLUSTER_ENV: code})
        self.service = AlgorithmService(
            f"{name}-service", algo_id=self.package.package_id, envs=envs, **service, opts=self.child_opts()
        )
        self.tasks = {
            key: AnalysisTask(
                f"{name}-{key}",
                algo_service_id=self.service.id,
                **_task_inputs(checked.task, stream),
                opts=self.child_opts(),
            )
            for key, stream in checked.streams.items()
        }
        self._register()

    def _register(self) -> None:
        self.package_id = self.package.package_id
        self.service_id = self.service.id
        self.service_status = self.service.status
        self.task_ids = by_key({key: task.id for key, task in self.tasks.items()})
        self.task_statuses = by_key({key: task.status for key, task in self.tasks.items()})
        self.register_outputs(
            {
                "cluster_code": self.cluster_code,
                "package_id": self.package_id,
                "service_id": self.service_id,
                "service_status": self.service_status,
                "task_ids": self.task_ids,
                "task_statuses": self.task_statuses,
            }
        )


__all__ = ["ServiceSpec", "StreamSpec", "TaskSpec", "VideoAnalyticsPipeline", "VideoAnalyticsPipelineArgs"]
