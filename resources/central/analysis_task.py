"""An analysis task on the analysis platform (``/CAP/AlgoTasks``, seed 004 appendix G).

API facts (digest ``tbax-central-compute.md`` §11 and §14.8):

* ``POST /CAP/AlgoTasks`` (table G.8) binds one video stream (``streamOptions.videoStreamOptions``
  {``url``, ``resolution``}) to an algorithm service (``algoServiceId``) with rules
  (``rulesParams[]``: ``areas`` of points, result ``destinations``, ``eventType``, optional
  ``extendParams``, ``labels``, ``masks``), task ``labels`` (``algoCabinName``, ``version``) and a
  ``restartPolicy`` (``NEVER`` | ``ALWAYS``).
* Create is an upsert (G.9): a stream that already has a task on the service comes back in
  ``updatedStreams`` with that task's id. A create that meets one fails, naming the task to
  import (the platform has already applied the new settings to it); only a re-sent create whose
  first answer was lost, or a create repeated after an interrupted deployment
  (``AICOMPUTE_RECONCILE_CREATES``), adopts the task it made.
* The only changes in place are pause and resume (``POST …/{id}:pause`` and ``:resume``, G.4, G.5):
  the ``paused`` input is the desired run state. Everything else is create-only.
* The detail (G.7) returns ``algoServiceId``, ``restartPolicy``, ``taskInfo.labels`` and ``status``
  but never ``rulesParams`` or ``streamOptions``: ``rules`` and ``stream`` are kept from the
  program and their drift cannot be detected.
* States: ``PENDING`` → ``RUNNING``; ``PAUSED``; ``FINISHED``; ``ERROR`` (the platform's message
  surfaces). Create waits for ``RUNNING`` (or ``PAUSED`` when created paused); resume waits for
  ``RUNNING``; ``ERROR`` fails a wait. ``status`` is read from ``taskInfo.status``, else beside it.
* Default timeouts: 10 minutes; a task only binds a stream to a service that already runs.
* Checks: the ``areaType`` enum (G.8 row 10), ``NEVER``/``ALWAYS``, at least 3 points for a polygon,
  exactly 2 for a single tripwire and at least 2 for multiple tripwires, labels ``algoCabinName``
  and ``version`` (G.8 rows 5-6), and a ``destinations`` object naming at least one destination
  (``HTTPDest`` with a ``url``, as the table has it, or another such as the example's ``eventDest``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Annotated, Any, Literal

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicompute.provider.central import PAGE_SIZE, CentralClient, segment
from aicompute.provider.errors import ApiError, ExistingObject
from aicompute.provider.generic import Fields
from aicompute.provider.http import reconcile_creates_requested
from aicompute.provider.schema import CreateOnly, Updatable, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, wait_for
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.central._base import CentralProvider, first, wait_gone
from aicompute.resources.inputs import RuleDict, StreamDict, TimeoutsDict

TASKS = "/CAP/AlgoTasks"
PENDING, RUNNING, PAUSED, FINISHED, ERROR = "PENDING", "RUNNING", "PAUSED", "FINISHED", "ERROR"
AreaType = Literal["POLYGON", "SINGLE_LINE", "SINGLE_LINE_BOTH", "MULTI_LINE", "MULTI_LINE_BOTH"]


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x: float
    y: float


class Area(BaseModel):
    """A region or tripwire(s) of a rule (G.8 rows 8-13)."""

    model_config = ConfigDict(extra="forbid")

    area_id: int = Field(description="Area id (areaid).")
    area_type: AreaType
    points: list[Point]

    @model_validator(mode="after")
    def _enough_points(self) -> Area:
        count = len(self.points)
        if self.area_type == "POLYGON" and count < 3:
            raise ValueError(f"a POLYGON needs at least 3 points, got {count}")
        if self.area_type in ("SINGLE_LINE", "SINGLE_LINE_BOTH") and count != 2:
            raise ValueError(f"a {self.area_type} tripwire is exactly 2 points, got {count}")
        if self.area_type in ("MULTI_LINE", "MULTI_LINE_BOTH") and count < 2:
            raise ValueError(f"{self.area_type} tripwires need at least 2 points, got {count}")
        return self


class Rule(BaseModel):
    """One entry of ``rulesParams`` (G.8 rows 7-20)."""

    model_config = ConfigDict(extra="forbid")

    areas: list[Area] = Field(min_length=1)
    destinations: dict[str, Any] = Field(
        description="Where results go: {'HTTPDest': {'url': …}} (table G.8) or e.g. {'eventDest': {…}} (its example)."
    )
    event_type: str = Field(min_length=1, description="Event type, e.g. ILLEGAL_ADV (eventType).")
    extend_params: dict[str, Any] | None = Field(default=None, description="extendParams, as the algorithm takes.")
    labels: dict[str, str] | None = None
    masks: list[Any] | None = Field(default=None, description="Excluded areas.")

    @field_validator("destinations")
    @classmethod
    def _somewhere(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError("name at least one destination, e.g. {'HTTPDest': {'url': 'https://…'}}")
        http = value.get("HTTPDest")
        if "HTTPDest" in value and not (isinstance(http, Mapping) and isinstance(http.get("url"), str) and http["url"]):
            raise ValueError("HTTPDest needs a url (table G.8 row 16)")
        return value


class Stream(BaseModel):
    """The analysed video stream (G.8 rows 21-24)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, description="Stream URL, e.g. iot://10.0.0.7/?deviceid=…&mode=video.")
    resolution: str = Field(min_length=1, description="Resolution code, e.g. PIXELS_200W.")


UPDATE = "POST /CAP/AlgoTasks/{id}:pause (or :resume)"


class AnalysisTaskArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    algo_service_id: Annotated[str, CreateOnly()] = Field(
        min_length=1, description="The algorithm service (AlgorithmService.id)."
    )
    restart_policy: Annotated[Literal["NEVER", "ALWAYS"], CreateOnly()]
    labels: Annotated[dict[str, str], CreateOnly()] = Field(
        description="Task labels: algoCabinName and version are required."
    )
    rules: Annotated[list[Rule], CreateOnly(), WriteOnly()] = Field(
        min_length=1, description="Rule parameters (rulesParams); drift is not detected."
    )
    stream: Annotated[Stream, CreateOnly(), WriteOnly()] = Field(description="The video stream; drift is not detected.")
    paused: Annotated[bool, Updatable(via=UPDATE)] = Field(
        default=False, description="Desired run state: true pauses the task, false resumes it."
    )
    timeouts: TimeoutsInput = None

    @field_validator("labels")
    @classmethod
    def _required_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        missing = [key for key in ("algoCabinName", "version") if not labels.get(key)]
        if missing:
            raise ValueError(f"labels need {' and '.join(missing)} (table G.8 rows 5-6)")
        return labels


class AnalysisTaskOutputs(BaseModel):
    """What a central platform analysis task reports besides its inputs."""

    task_id: str
    status: str = Field(description="PENDING, RUNNING, PAUSED, FINISHED or ERROR.")
    message: str | None = Field(description="The platform's reason when the task is in ERROR.")


def _rule_body(rule: Rule) -> dict[str, Any]:
    body: dict[str, Any] = {
        "areas": [
            {"areaid": a.area_id, "areaType": a.area_type, "points": [{"x": p.x, "y": p.y} for p in a.points]}
            for a in rule.areas
        ],
        "destinations": rule.destinations,
        "eventType": rule.event_type,
    }
    for key, value in (("extendParams", rule.extend_params), ("labels", rule.labels), ("masks", rule.masks)):
        if value is not None:
            body[key] = value
    return body


def _info(task: Mapping[str, Any]) -> Mapping[str, Any]:
    info = task.get("taskInfo")
    return info if isinstance(info, Mapping) else {}


def _status(task: Mapping[str, Any]) -> str:
    info = _info(task)
    return str(first(info, "status") or task.get("status") or "")


def _live(task: Mapping[str, Any], task_id: str) -> dict[str, Any]:
    """A task record (the detail or a search record) as this resource's outputs."""
    info = _info(task)
    status = _status(task)
    return {
        "algo_service_id": task.get("algoServiceId"),
        "restart_policy": task.get("restartPolicy"),
        "labels": dict(info.get("labels") or {}),
        "paused": status == PAUSED,
        "task_id": str(info.get("id") or task_id),
        "status": status,
        "message": first(task, "message", "msg") if status == ERROR else None,
    }


def _reason(task: Mapping[str, Any]) -> str:
    return str(first(task, "message", "msg", "reason") or f"the task is {_status(task)}")


def _task_id(streams: Any) -> str | None:
    for stream in streams or []:
        info = stream.get("taskInfo") if isinstance(stream, Mapping) else None
        if isinstance(info, Mapping) and info.get("id"):
            return str(info["id"])
    return None


class AnalysisTaskProvider(CentralProvider[AnalysisTaskArgs]):
    kind = "central platform analysis task"
    args_model = AnalysisTaskArgs
    outputs_model = AnalysisTaskOutputs
    summary = "A video stream analysed by an algorithm service; its id is the platform's task id."
    fields = Fields.of(
        AnalysisTaskArgs, unique_key=frozenset({"algo_service_id", "stream"})
    )  # one task per stream and service (G.9 upsert)
    default_timeouts = {"create": 600, "update": 600, "delete": 600}

    def create_resource(self, api: CentralClient, args: AnalysisTaskArgs, timeout: float) -> str:
        body = {
            "algoServiceId": args.algo_service_id,
            "restartPolicy": args.restart_policy,
            "taskInfo": {
                "labels": args.labels,
                "rulesParams": [_rule_body(rule) for rule in args.rules],
                "streamOptions": {"videoStreamOptions": {"url": args.stream.url, "resolution": args.stream.resolution}},
            },
        }
        attempts = 0

        def post() -> str:
            nonlocal attempts
            attempts += 1
            data = api.data("POST", TASKS, body) or {}
            created = _task_id(data.get("createdStreams"))
            if created is not None:
                return created
            updated = _task_id(data.get("updatedStreams") or data.get("updateStreams"))
            if updated is not None and (attempts > 1 or reconcile_creates_requested()):
                # The task of a lost first answer, or of the create an interrupted deployment left
                # pending: the re-sent create updated it in place.
                return updated
            if updated is not None:
                raise ExistingObject(
                    200,
                    "CAP.409",
                    f"stream {args.stream.url} already has task {updated} on service {args.algo_service_id}; "
                    f"the platform applied these settings to it (create is an upsert): import task {updated}",
                )
            raise ApiError(200, "CAP.create", "the platform answered the task create without a task id")

        # Nothing but a re-send finds a lost task: the search returns no stream (G.17).
        task_id = api.create_reconciled(post, lambda: None)
        if args.paused:
            self._pause(api, task_id)
            self.wait_created(api, task_id, self._waiter(api, task_id, PAUSED), timeout)
        else:
            self.wait_created(api, task_id, self._waiter(api, task_id, RUNNING), timeout)
        return task_id

    def read_resource(self, api: CentralClient, resource_id: str) -> dict[str, Any] | None:
        task = self._detail(api, resource_id)
        return None if task is None else _live(task, resource_id)

    def list_live(self, api: CentralClient) -> Iterator[tuple[str, dict[str, Any]]]:
        """A G.17 record has the shape of the G.19 detail; ``:search`` pages them."""
        for task in api.search(f"{TASKS}:search", page_size=self.page_size(PAGE_SIZE)):
            task_id = str(_info(task).get("id") or "")
            if task_id:
                yield task_id, _live(task, task_id)

    @makes(UPDATE)  # the new value picks the call (:pause or :resume) and the state waited for
    def _pause_or_resume(self, api: CentralClient, update: Update[AnalysisTaskArgs]) -> None:
        task_id = update.resource_id
        if update.new.paused:
            self._pause(api, task_id)
            wait_for(self._waiter(api, task_id, PAUSED), api.settings, update.timeout)
        else:
            api.call("POST", f"{TASKS}/{segment(task_id)}:resume", safe=True)
            wait_for(self._waiter(api, task_id, RUNNING), api.settings, update.timeout)

    def delete_resource(
        self, api: CentralClient, resource_id: str, args: AnalysisTaskArgs | None, timeout: float
    ) -> None:
        api.call("DELETE", f"{TASKS}/{segment(resource_id)}")
        wait_gone(
            f"analysis task {resource_id}", lambda: self._detail(api, resource_id), _status, api.settings, timeout
        )

    def _pause(self, api: CentralClient, task_id: str) -> None:
        api.call("POST", f"{TASKS}/{segment(task_id)}:pause", {}, safe=True)  # pausing twice is harmless

    def _detail(self, api: CentralClient, task_id: str) -> dict[str, Any] | None:
        data = api.data_or_none(f"{TASKS}/{segment(task_id)}")
        return data if isinstance(data, dict) else None

    def _waiter(self, api: CentralClient, task_id: str, target: str) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"analysis task {task_id}",
            fetch=lambda: self._detail(api, task_id),
            state=_status,
            target={target, FINISHED} if target == RUNNING else {target},
            pending={PENDING, RUNNING, PAUSED, ""} - {target},
            failure={ERROR},
            reason=_reason,
        )


# --- generated by `make generate` from AnalysisTaskProvider: do not edit below this line ---
class AnalysisTask(DynamicResource, module="central", name="AnalysisTask"):
    """A video stream analysed by an algorithm service; its id is the platform's task id."""

    _provider_class = AnalysisTaskProvider
    _outputs, _secret_outputs = output_names(AnalysisTaskProvider)

    algo_service_id: pulumi.Output[str]
    restart_policy: pulumi.Output[Literal["NEVER", "ALWAYS"]]
    labels: pulumi.Output[dict[str, str]]
    rules: pulumi.Output[list[dict[str, Any]]]
    stream: pulumi.Output[dict[str, Any]]
    paused: pulumi.Output[bool]
    timeouts: pulumi.Output[dict[str, Any] | None]
    task_id: pulumi.Output[str]
    status: pulumi.Output[str]
    message: pulumi.Output[str | None]

    def __init__(
        self,
        resource_name: str,
        *,
        algo_service_id: pulumi.Input[str],
        restart_policy: pulumi.Input[Literal["NEVER", "ALWAYS"]],
        labels: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        rules: pulumi.Input[Sequence[pulumi.Input[RuleDict]]],
        stream: pulumi.Input[StreamDict],
        paused: pulumi.Input[bool] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "algo_service_id": algo_service_id,
            "restart_policy": restart_policy,
            "labels": labels,
            "rules": rules,
            "stream": stream,
            "paused": paused,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---
