"""How a service moves through its states over emulated time (digest §2.2).

::

    deploy/start/config change ──► deploying (progress 0→30→60→90) ──► running ──► (batch) finished
                                          └──► failed (error_msg, an abnormal event)
    stop ──► stopping ──► stopped           delete ──► deleting ──► gone
    running with a schedule ──► stopped when due_time passes

Each operation bumps the record's ``_op`` and schedules all of its steps at once; a step whose
``op`` is no longer current (the service was stopped or deleted meanwhile) does nothing. Before
each transition an armed failure directive is consumed (``take_failure``): the transition then ends
in ``failed`` with the directive's message as ``error_msg`` and as an abnormal event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aicompute.localcloud.directives import take_failure
from aicompute.localcloud.lifecycle import Lifecycle, step
from aicompute.localcloud.modelarts.common import Transaction, epoch_ms, rfc3339_now
from aicompute.localcloud.modelarts.records import JSON, SERVICE_KIND
from aicompute.localcloud.modelarts.service_history import close_update_log, record_event

DEPLOY_STEP = "modelarts.service.deploy"
STOPPED_STEP = "modelarts.service.stopped"
DELETED_STEP = "modelarts.service.deleted"
AUTO_STOP_STEP = "modelarts.service.auto_stop"
FINISHED_STEP = "modelarts.service.finished"

STOP_SECONDS = 5.0
DELETE_SECONDS = 3.0
BATCH_RUN_SECONDS = 30.0
SCHEDULE_UNITS = {"MINUTES": 60, "HOURS": 3600, "DAYS": 86400}


@dataclass(frozen=True)
class Phase:
    """One stage of a deployment: its delay after the previous stage, progress and events.

    ``{model}`` expands to ``<model_name> <model_version>`` once per config entry, as in the 9.11
    example ("[TF 3.0.0] pull image success"); the five stages are the ones 9.11 names.
    """

    delay: float
    progress: int
    events: tuple[str, ...]


PHASES = (
    Phase(0.0, 0, ("building image for model [{model}]",)),
    Phase(5.0, 30, ("model ({model}) build image success", "preparing environment")),
    Phase(
        20.0,
        60,
        (
            "[{model}] prepare environment success",
            "[{model}] schedule resource success",
            "[{model}] pulling model image",
        ),
    ),
    Phase(30.0, 90, ("[{model}] pull image success", "[{model}] starting model")),
)
READY_DELAY = 10.0  # from "starting model" to running
DEPLOY_SECONDS = sum(phase.delay for phase in PHASES) + READY_DELAY


# record helpers ---------------------------------------------------------------------------------
def _set_instances(service: JSON, status: str, node_status: str, message: str | None = None) -> None:
    """Every config entry's status, and every edge node instance's."""
    for entry in service["config"]:
        entry["status"] = status
        for node in entry.get("nodes", []):
            node.update(instance_status=node_status, updated_at=rfc3339_now())
            if message is None:
                node.pop("message", None)
            else:
                node["message"] = message


def _transition(service: JSON, status: str) -> None:
    service.update(status=status, transition_at=epoch_ms())


def _next_op(service: JSON) -> int:
    service["_op"] = int(service.get("_op", 0)) + 1
    return int(service["_op"])


def _emit(service: JSON, phase: Phase) -> None:
    for template in phase.events:
        if "{model}" not in template:
            record_event(service, template)
            continue
        for entry in service["config"]:
            record_event(service, template.format(model=f"{entry['model_name']} {entry['model_version']}"))
    service["progress"] = phase.progress


def _end_upgrade(service: JSON, succeeded: bool) -> None:
    upgrade = service.pop("_upgrade", None)
    if upgrade is not None:
        close_update_log(service, upgrade, succeeded)
        if succeeded:
            service["update_time"] = upgrade


def fail(service: JSON, message: str) -> None:
    _transition(service, "failed")
    service["error_msg"] = message
    service.pop("_due_time", None)
    _set_instances(service, "failed", "failed", message)
    record_event(service, message, "abnormal")
    _end_upgrade(service, succeeded=False)


def _failure(tx: Transaction, project_id: str, service: JSON) -> str | None:
    pending = service.pop("_pending_failure", None)
    return str(pending) if pending else take_failure(tx, project_id, SERVICE_KIND, service["service_id"])


def _current(tx: Transaction, project_id: str, args: dict[str, Any], *statuses: str) -> JSON | None:
    """The service, if the step's operation is still the current one and it is in ``statuses``."""
    service = tx.get(SERVICE_KIND, project_id, args["service"])
    if service is None or service.get("_op") != args["op"] or service["status"] not in statuses:
        return None
    return service


# operations --------------------------------------------------------------------------------------
def begin_deploy(lifecycle: Lifecycle, tx: Transaction, project_id: str, service: JSON, upgrade: int | None) -> None:
    """deploying from progress 0; ``upgrade`` is the update-log entry a config change rolls out."""
    op = _next_op(service)
    _transition(service, "deploying")
    service.pop("error_msg", None)
    service.pop("due_time", None)
    _end_upgrade(service, succeeded=False)  # a rollout that was cut short by this one
    if upgrade is not None:
        service["_upgrade"] = upgrade
    _set_instances(service, "deploying", "notReady")
    record_event(service, "start to update service" if upgrade is not None else "start to deploy service")
    _emit(service, PHASES[0])
    args = {"service": service["service_id"], "op": op}
    elapsed = 0.0
    for index, phase in enumerate(PHASES[1:], start=1):
        elapsed += phase.delay
        lifecycle.schedule(tx, project_id, elapsed, DEPLOY_STEP, {**args, "phase": index})
    lifecycle.schedule(tx, project_id, DEPLOY_SECONDS, DEPLOY_STEP, {**args, "phase": len(PHASES)})
    _plan_after_deploy(lifecycle, tx, project_id, service, args)


def _plan_after_deploy(
    lifecycle: Lifecycle, tx: Transaction, project_id: str, service: JSON, args: dict[str, Any]
) -> None:
    """A batch run's end, or a real-time schedule's auto-stop (due_time counts from the start)."""
    if service["infer_type"] == "batch":
        lifecycle.schedule(tx, project_id, DEPLOY_SECONDS + BATCH_RUN_SECONDS, FINISHED_STEP, args)
    for item in service.get("schedule", []):
        seconds = DEPLOY_SECONDS + item["duration"] * SCHEDULE_UNITS[item["time_unit"]]
        # due_time is when the stop really happens, on the server's scaled clock.
        service["_due_time"] = epoch_ms() + int(seconds * lifecycle.time_scale * 1000)
        lifecycle.schedule(tx, project_id, seconds, AUTO_STOP_STEP, args)


def begin_stop(lifecycle: Lifecycle, tx: Transaction, project_id: str, service: JSON) -> None:
    op = _next_op(service)
    _end_upgrade(service, succeeded=False)
    _transition(service, "stopping")
    record_event(service, "start to stop service")
    lifecycle.schedule(tx, project_id, STOP_SECONDS, STOPPED_STEP, {"service": service["service_id"], "op": op})


def begin_delete(lifecycle: Lifecycle, tx: Transaction, project_id: str, service: JSON) -> None:
    op = _next_op(service)
    _end_upgrade(service, succeeded=False)
    _transition(service, "deleting")
    record_event(service, "start to delete service")
    lifecycle.schedule(tx, project_id, DELETE_SECONDS, DELETED_STEP, {"service": service["service_id"], "op": op})


def _stop_now(service: JSON, event: str) -> None:
    _transition(service, "stopped")
    service.pop("due_time", None)
    _set_instances(service, "stopped", "stopped")
    record_event(service, event)


# steps -------------------------------------------------------------------------------------------
def _finish_deploy(service: JSON) -> None:
    _transition(service, "running")
    service["progress"] = 100
    _set_instances(service, "running", "running")
    if "_due_time" in service:
        service["due_time"] = service.pop("_due_time")
    if service["infer_type"] == "batch":
        for entry in service["config"]:
            entry["start_time"] = epoch_ms()
            entry.pop("finished_time", None)
    _end_upgrade(service, succeeded=True)


def _settle(tx: Transaction, project_id: str, service: JSON, succeed: Callable[[JSON], None]) -> None:
    """A step's transition: an armed failure fails the service, else ``succeed`` moves it on; stored."""
    if (failure := _failure(tx, project_id, service)) is not None:
        fail(service, failure)
    else:
        succeed(service)
    tx.put(SERVICE_KIND, project_id, service["service_id"], service)


@step(DEPLOY_STEP)
def _deploy_phase(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    service = _current(tx, project_id, args, "deploying")
    if service is not None:
        phase = args["phase"]
        advance = (lambda s: _emit(s, PHASES[phase])) if phase < len(PHASES) else _finish_deploy
        _settle(tx, project_id, service, advance)


@step(STOPPED_STEP)
def _stopped(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    service = _current(tx, project_id, args, "stopping")
    if service is not None:
        _settle(tx, project_id, service, lambda s: _stop_now(s, "service stopped"))


@step(AUTO_STOP_STEP)
def _auto_stop(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    service = _current(tx, project_id, args, "running", "concerning")
    if service is not None and "due_time" in service:  # else the schedule was changed meanwhile
        _settle(tx, project_id, service, lambda s: _stop_now(s, "service stopped as scheduled"))


def _finish_batch(service: JSON) -> None:
    _transition(service, "finished")
    for entry in service["config"]:
        entry.update(status="finished", finished_time=epoch_ms())
    record_event(service, "batch service finished")


@step(FINISHED_STEP)
def _finished(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    service = _current(tx, project_id, args, "running")
    if service is not None:
        _settle(tx, project_id, service, _finish_batch)


@step(DELETED_STEP)
def _deleted(tx: Transaction, project_id: str, args: dict[str, Any]) -> None:
    service = _current(tx, project_id, args, "deleting")
    if service is None:
        return
    if (failure := _failure(tx, project_id, service)) is not None:
        fail(service, failure)
        tx.put(SERVICE_KIND, project_id, service["service_id"], service)
    else:
        tx.delete(SERVICE_KIND, project_id, service["service_id"])
