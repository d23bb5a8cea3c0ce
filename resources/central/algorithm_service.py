"""An algorithm service on the analysis platform (``/CAP/AlgoServices``, seed 004 appendix F).

API facts (digest ``tbax-central-compute.md`` §10 and §14.7):

* ``POST /CAP/AlgoServices`` with ``{algoId, gpuType, replicas, envs}`` (table F.6) answers the new
  service's id as ``data`` (a String by table F.7; its example prints ``{}``, so a create whose
  answer lacks it looks the service up by its four inputs). The id is also the import format.
* ``envs`` is one string of ``k=v`` pairs joined by ``", "`` (the F.2 example): here it is a map,
  sent in key order and read back by splitting, so order and spacing never make a diff. Keys and
  values therefore cannot hold ``,`` and keys cannot hold ``=`` or be blank.
* The standard has no update: every input is create-only, ``replicas`` included — a change replaces
  the service, which interrupts the tasks bound to it.
* The service is ``starting`` until ``runing`` (sic, F.13; ``running`` is accepted too) or
  ``error``; create waits for it to run and fails with the platform's message on ``error``. Delete
  waits until the detail answers not found.
* Outputs: ``status``, ``gpu_quota`` (one instance's share of a card) and ``replicas_detail``
  (``node_host``, ``node_ipv4`` per replica; the example names the host ``node``).
* Default timeouts: 20 minutes, as terraform-provider-huaweicloud's ``huaweicloud_modelarts_service``
  (peers.md §1.4).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.provider.central import PAGE_SIZE, CentralClient, segment
from aicompute.provider.errors import ApiError
from aicompute.provider.generic import Fields
from aicompute.provider.http import reconcile_creates_requested
from aicompute.provider.schema import CreateOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.waiters import Waiter
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.central._base import CentralProvider, first, wait_gone
from aicompute.resources.inputs import TimeoutsDict

SERVICES = "/CAP/AlgoServices"
STARTING, RUNNING, ERROR = "starting", "running", "error"
ENV_RULE = "keys are non-blank without ',', '=' or surrounding spaces; values have no ',' or surrounding spaces"


def format_envs(envs: Mapping[str, str]) -> str:
    return ", ".join(f"{key}={envs[key]}" for key in sorted(envs))


def parse_envs(text: Any) -> dict[str, str]:
    """``"threadCount=8, timeOut=2000"`` → ``{"threadCount": "8", "timeOut": "2000"}``."""
    if isinstance(text, Mapping):
        return {str(k): str(v) for k, v in text.items()}
    envs: dict[str, str] = {}
    for item in str(text or "").split(","):
        key, _, value = item.strip().partition("=")
        if key.strip():
            envs[key.strip()] = value.strip()
    return envs


def _state(service: Mapping[str, Any]) -> str:
    status = str(service.get("status", "")).lower()
    return RUNNING if status == "runing" else status


def _reason(service: Mapping[str, Any]) -> str:
    return str(first(service, "message", "msg", "reason") or "the service is in error")


class AlgorithmServiceArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    algo_id: Annotated[str, CreateOnly()] = Field(
        min_length=1, description="The algorithm's id on the platform, e.g. MEGCITY:3843938347."
    )
    gpu_type: Annotated[str, CreateOnly()] = Field(min_length=1, description="GPU type, e.g. 'NVidia A2'.")
    replicas: Annotated[int, CreateOnly()] = Field(ge=1, description="Instances; a change replaces the service.")
    envs: Annotated[dict[str, str], CreateOnly()] = Field(
        default_factory=dict, description="Variables injected into the service."
    )
    timeouts: TimeoutsInput = None

    @field_validator("envs")
    @classmethod
    def _serialisable(cls, envs: dict[str, str]) -> dict[str, str]:
        for key, value in envs.items():
            bad_key = not key.strip() or key != key.strip() or any(c in key for c in ",=")
            bad_value = "," in value or value != value.strip()
            if bad_key or bad_value:
                raise ValueError(f"{key}={value!r} breaks the rule: {ENV_RULE} (envs is sent as 'k=v, k=v')")
        return envs


class AlgorithmServiceOutputs(BaseModel):
    """What a central platform algorithm service reports besides its inputs."""

    service_id: str
    status: str = Field(description="starting, running (the platform's ``runing``) or error.")
    gpu_quota: float | None
    replicas_detail: list[dict[str, Any]]


class AlgorithmServiceProvider(CentralProvider[AlgorithmServiceArgs]):
    kind = "central platform algorithm service"
    args_model = AlgorithmServiceArgs
    outputs_model = AlgorithmServiceOutputs
    summary = "An algorithm service on the analysis platform; its id is the platform's service id."
    fields = Fields.of(AlgorithmServiceArgs, normalisers={"envs": parse_envs})
    default_timeouts = {"create": 1200, "update": 1200, "delete": 1200}

    def create_resource(self, api: CentralClient, args: AlgorithmServiceArgs, timeout: float) -> str:
        body = {
            "algoId": args.algo_id,
            "gpuType": args.gpu_type,
            "replicas": args.replicas,
            "envs": format_envs(args.envs),
        }
        # Services have no name: one with these inputs that was not there before is ours. When this
        # create repeats one an interrupted deployment left pending, the service it made was there
        # before, so every service counts.
        known: set[str] = (
            set()
            if reconcile_creates_requested()
            else {record["id"] for record in api.search(f"{SERVICES}:search") if record.get("id")}
        )

        def post() -> str:
            data = api.data("POST", SERVICES, body)
            if isinstance(data, str | int) and str(data):
                return str(data)
            found = self._find(api, args, known)
            if found is None:
                raise ApiError(
                    200, "CAP.create", f"the platform created a service for {args.algo_id} without naming it"
                )
            return found

        service_id = api.create_reconciled(post, lambda: self._find(api, args, known))
        self.wait_created(api, service_id, self._running(api, service_id), timeout)
        return service_id

    def read_resource(self, api: CentralClient, resource_id: str) -> dict[str, Any] | None:
        service = self._detail(api, resource_id)
        if service is None:
            return None
        return {
            "algo_id": service.get("algoId"),
            "gpu_type": service.get("gpuType"),
            "replicas": service.get("replicas"),
            "envs": parse_envs(service.get("envs")),
            "service_id": str(service.get("id") or resource_id),
            "status": _state(service),
            "gpu_quota": service.get("gpuQuota"),
            "replicas_detail": [
                {"node_host": first(replica, "nodeHost", "node"), "node_ipv4": replica.get("nodeIpv4")}
                for replica in service.get("replicasDetail") or []
                if isinstance(replica, Mapping)
            ],
        }

    # Search records lack status, gpuQuota and replicasDetail (F.11 against F.13): ids only.
    def list_ids(self, api: CentralClient) -> Iterator[str]:
        listed = api.search(f"{SERVICES}:search", page_size=self.page_size(PAGE_SIZE))
        return (str(record["id"]) for record in listed if record.get("id"))

    def delete_resource(
        self, api: CentralClient, resource_id: str, args: AlgorithmServiceArgs | None, timeout: float
    ) -> None:
        api.call("DELETE", f"{SERVICES}/{segment(resource_id)}")
        wait_gone(
            f"algorithm service {resource_id}", lambda: self._detail(api, resource_id), _state, api.settings, timeout
        )

    def _detail(self, api: CentralClient, service_id: str) -> dict[str, Any] | None:
        data = api.data_or_none(f"{SERVICES}/{segment(service_id)}")
        return data if isinstance(data, dict) else None

    def _find(self, api: CentralClient, args: AlgorithmServiceArgs, known: set[str]) -> str | None:
        """A service with these inputs that was not there before this create (F.11 records)."""
        for record in api.search(f"{SERVICES}:search"):
            matches = (
                record.get("algoId") == args.algo_id
                and record.get("gpuType") == args.gpu_type
                and record.get("replicas") == args.replicas
                and parse_envs(record.get("envs")) == args.envs
            )
            if matches and record.get("id") and record["id"] not in known:
                return str(record["id"])
        return None

    def _running(self, api: CentralClient, service_id: str) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"algorithm service {service_id}",
            fetch=lambda: self._detail(api, service_id),
            state=_state,
            target={RUNNING},
            pending={STARTING, ""},
            failure={ERROR},
            reason=_reason,
        )


# --- generated by `make generate` from AlgorithmServiceProvider: do not edit below this line ---
class AlgorithmService(DynamicResource, module="central", name="AlgorithmService"):
    """An algorithm service on the analysis platform; its id is the platform's service id."""

    _provider_class = AlgorithmServiceProvider
    _outputs, _secret_outputs = output_names(AlgorithmServiceProvider)

    algo_id: pulumi.Output[str]
    gpu_type: pulumi.Output[str]
    replicas: pulumi.Output[int]
    envs: pulumi.Output[dict[str, str]]
    timeouts: pulumi.Output[dict[str, Any] | None]
    service_id: pulumi.Output[str]
    status: pulumi.Output[str]
    gpu_quota: pulumi.Output[float | None]
    replicas_detail: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        resource_name: str,
        *,
        algo_id: pulumi.Input[str],
        gpu_type: pulumi.Input[str],
        replicas: pulumi.Input[int],
        envs: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "algo_id": algo_id,
            "gpu_type": gpu_type,
            "replicas": replicas,
            "envs": envs,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---
