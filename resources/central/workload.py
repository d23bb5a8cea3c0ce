"""An algorithm engine deployed on a central platform cluster (``/CCP/algoservice/workloads``, seed 004 B.2–B.8).

API facts (digest ``tbax-central-compute.md`` §6 and §14.4):

* ``POST /CCP/algoservice/workloads`` (table B.9) deploys one container image as a Kubernetes
  Deployment: ``clusterCode``, ``nameSpace`` (sic, only here), ``name``, pod-template ``labels``,
  ``labelSelector``, ``replicas``, ``containerName``, ``image``, ``cpu`` (logical cores),
  ``memory`` (Gi), ``xpuType`` and ``xpu`` (cards, one decimal for virtualised cards), optional
  ``command`` and ``args`` (strings; absent means the image's ENTRYPOINT and CMD). The platform
  schedules the pods onto nodes that carry the chapter 10.3 accelerator-type label of ``xpuType``.
* The answer's ``workloadName`` is chosen by the platform and may differ from ``name`` (the example
  answers ``human_detect-deployment-dxxds``): it names the workload in every later call. The id
  is ``<clusterCode>/<namespace>/<workloadName>``, also the import format.
* The one update is ``PUT …/workloads/{workloadName}`` with ``replicas`` (B.4): ``replicas`` changes
  in place; every other input replaces the workload.
* The detail (B.6) returns ``replicas`` and, in its example, ``image``, ``cpu``, ``memory``, ``xpu``
  and ``xpuType``: their drift is detected when the platform returns them. ``labels``,
  ``label_selector``, ``container_name``, ``command`` and ``args`` are never returned, so they are
  kept from the program and their drift cannot be detected.
* Create and scale return at once. A wait ends when the pods (B.7) are exactly ``replicas``, all
  ``Running`` and ready; a ``Failed`` pod fails it with the pod's ``statusDesc``. Delete waits until
  the detail answers not found.
* Default timeouts: 10 minutes, the await timeout pulumi-kubernetes gives a Deployment.
* localcloud refuses a second workload of the same ``name`` in a namespace, as Kubernetes would a
  Deployment, so a replace that keeps cluster, namespace and name deletes first.
* Checks [not in standard]: Kubernetes' rules for the namespace and the container name (RFC 1123
  labels) and for label keys and values, ``label_selector`` ⊆ ``labels`` (Kubernetes rejects a
  selector that does not match its template), at most one decimal in ``xpu`` (B.9 row 11), and an
  ``xpu_type`` whenever ``xpu`` is above zero.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

import pulumi
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from aicompute.provider.central import CentralClient, as_list, segment
from aicompute.provider.errors import ApiError
from aicompute.provider.generic import Fields
from aicompute.provider.schema import ApiPath, CreateOnly, ServerDefault, Updatable, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.update_calls import Update, makes
from aicompute.provider.waiters import Waiter, wait_for
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.central._base import CentralProvider, first, wait_gone
from aicompute.resources.central.cluster import cluster_codes
from aicompute.resources.inputs import TimeoutsDict, WorkloadResourcesDict
from aicompute.resources.rules import matching

WORKLOADS = "/CCP/algoservice/workloads"
PODS = "/CCP/algoservice/pods"
DEFAULT_NAMESPACE = "default"
LIST_LIMIT = 1000  # the page size this resource's lookups have always used; B.17 gives no maximum
READY = "ready"

NAME_RULE = "1-63 characters: letters, digits, '-', '_' and '.', starting and ending with a letter or digit"
NAMESPACE_RULE = "an RFC 1123 label: 1-63 lowercase letters, digits and '-', starting and ending alphanumeric"
_LABEL_NAME = r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)"
_LABEL_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?{_LABEL_NAME}$")
_LABEL_VALUE = re.compile(rf"^{_LABEL_NAME}?$")
LABEL_RULE = (
    "Kubernetes labels: keys are [prefix/]name with a name of up to 63 characters [A-Za-z0-9-_.] starting and "
    "ending alphanumeric; values are empty or follow the same rule"
)
_DECORATED = re.compile(r"^(?P<name>.+)-deployment-[a-z0-9]{5}$")

WorkloadName = Annotated[str, matching(r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?", NAME_RULE)]
Namespace = Annotated[str, matching(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", NAMESPACE_RULE)]


def container_name_for(name: str) -> str:
    """A Kubernetes container name (an RFC 1123 label) from a workload name, which may hold '_' and '.'."""
    return re.sub(r"[^a-z0-9-]", "-", name.lower()).strip("-")[:63].rstrip("-") or "main"


def check_labels(labels: dict[str, str] | None) -> dict[str, str] | None:
    for key, value in (labels or {}).items():
        if len(key) > 316 or not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
            raise ValueError(f"{key}={value!r} breaks the rule: {LABEL_RULE}")
    return labels


class WorkloadResources(BaseModel):
    """What each container asks for (table B.9 rows 9, 11, 12)."""

    model_config = ConfigDict(extra="forbid")

    cpu: int = Field(ge=1, description="Logical CPU cores.")
    memory: int = Field(ge=1, description="Memory, Gi.")
    xpu: float = Field(default=0, ge=0, description="Accelerator cards; one decimal for virtualised cards.")

    @field_validator("xpu")
    @classmethod
    def _one_decimal(cls, value: float) -> float:
        if round(value, 1) != value:
            raise ValueError(f"{value} breaks the rule: at most one decimal (e.g. 0.5), seed table B.9 row 11")
        return value


UPDATE = "PUT /CCP/algoservice/workloads/{name}"


class WorkloadArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cluster_code: Annotated[str, CreateOnly()] = Field(
        min_length=1, description="The cluster's clusterCode (Cluster.id)."
    )
    name: Annotated[WorkloadName, CreateOnly()] = Field(
        description="Workload name; the platform may decorate it (see workload_name)."
    )
    image: Annotated[str, CreateOnly()] = Field(min_length=1, pattern=r"^\S+$", description="Container image address.")
    replicas: Annotated[int, ApiPath("replicas"), Updatable(via=UPDATE)] = Field(
        ge=0, description="Pods to run; changes in place."
    )
    resources: Annotated[WorkloadResources, CreateOnly()] = Field(
        description="cpu (cores), memory (Gi) and xpu (cards) per pod."
    )
    xpu_type: Annotated[str | None, CreateOnly()] = Field(
        default=None,
        min_length=1,
        description="Accelerator type (T/BAX part 5 appendix I, e.g. NVIDIA_T4): pods go to nodes labelled with it.",
    )
    namespace: Annotated[Namespace, CreateOnly()] = "default"
    labels: Annotated[dict[str, str] | None, ServerDefault("{app: <name>}"), CreateOnly(), WriteOnly()] = Field(
        default=None, description="Pod-template labels; default {app: <name>}."
    )
    label_selector: Annotated[dict[str, str] | None, ServerDefault("the labels"), CreateOnly(), WriteOnly()] = Field(
        default=None, description="Selector; default: the labels."
    )
    container_name: Annotated[
        Namespace | None,
        ServerDefault("the workload's name, lower-cased, with '_' and '.' as '-'"),
        CreateOnly(),
        WriteOnly(),
    ] = Field(
        default=None,
        description="Container name (an RFC 1123 label); default: the name, lower-cased, '_' and '.' as '-'.",
    )
    command: Annotated[str | None, CreateOnly(), WriteOnly()] = Field(
        default=None, min_length=1, description="Start command; default the ENTRYPOINT."
    )
    args: Annotated[str | None, CreateOnly(), WriteOnly()] = Field(
        default=None, min_length=1, description="Its arguments; default the image's CMD."
    )
    timeouts: TimeoutsInput = None

    _labels = field_validator("labels", "label_selector")(check_labels)

    @model_validator(mode="after")
    def _defaults_and_selector(self) -> WorkloadArgs:
        if self.labels is None:
            self.labels = {"app": self.name}
        if self.label_selector is None:
            self.label_selector = dict(self.labels)
        if self.container_name is None:
            self.container_name = container_name_for(self.name)
        stray = {k: v for k, v in self.label_selector.items() if self.labels.get(k) != v}
        if stray or not self.label_selector:
            raise ValueError(
                f"label_selector {self.label_selector} must be a non-empty subset of labels {self.labels}: "
                "Kubernetes refuses a selector that does not match the pod template"
            )
        if self.resources.xpu > 0 and not self.xpu_type:
            raise ValueError("xpu_type is required when resources.xpu is above zero (which cards to schedule on)")
        return self


class WorkloadOutputs(BaseModel):
    """What a central platform workload reports besides its inputs."""

    workload_name: str = Field(description="The name the platform gave the workload (may differ from ``name``).")
    status: str | None
    created_date: str | None
    cpu_type: str | None
    xpu_memory: float | None
    ready_replicas: int
    pods: list[dict[str, Any]]


def split_id(resource_id: str) -> tuple[str, str, str]:
    parts = resource_id.split("/", 2)
    if len(parts) != 3 or not all(parts):
        raise ApiError(400, "CCP.id", f"{resource_id!r} is not a workload id <clusterCode>/<namespace>/<workloadName>")
    return parts[0], parts[1], parts[2]


def _requested_name(workload_name: str) -> str:
    """The ``name`` a workload was created with, as far as its workloadName shows it (B.2's example
    decorates it as ``<name>-deployment-<5 characters>``)."""
    decorated = _DECORATED.match(workload_name)
    return decorated["name"] if decorated else workload_name


def _pod(pod: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": pod.get("name"),
        "node_name": pod.get("nodeName"),
        "host_ip": pod.get("hostIP"),
        "pod_ip": pod.get("podIP"),
        "port": pod.get("port"),
        "status": pod.get("status"),
        "status_desc": pod.get("statusDesc"),
        "ready": bool(pod.get("ready")),
        "restarts": pod.get("restarts"),
    }


def _is_up(pod: Mapping[str, Any]) -> bool:
    return bool(pod.get("ready")) and str(pod.get("status")) == "Running"


class WorkloadProvider(CentralProvider[WorkloadArgs]):
    kind = "central platform workload"
    args_model = WorkloadArgs
    outputs_model = WorkloadOutputs
    summary = "An algorithm engine (a Deployment) on a cluster; the id is ``<clusterCode>/<namespace>/<workloadName>``."
    fields = Fields.of(
        WorkloadArgs, unique_key=frozenset({"cluster_code", "namespace", "name"})
    )  # one name per namespace (409)
    default_timeouts = {"create": 600, "update": 600, "delete": 600}

    def create_resource(self, api: CentralClient, args: WorkloadArgs, timeout: float) -> str:
        body: dict[str, Any] = {
            "clusterCode": args.cluster_code,
            "nameSpace": args.namespace,
            "name": args.name,
            "labels": args.labels,
            "labelSelector": args.label_selector,
            "replicas": args.replicas,
            "containerName": args.container_name,
            "image": args.image,
            "cpu": args.resources.cpu,
            "memory": args.resources.memory,
            "xpuType": args.xpu_type or "",
            "xpu": args.resources.xpu,
        }
        if args.command is not None:
            body["command"] = args.command
        if args.args is not None:
            body["args"] = args.args

        def post() -> str:
            result = api.data("POST", WORKLOADS, body) or {}
            return f"{args.cluster_code}/{result.get('namespace') or args.namespace}/{result['workloadName']}"

        resource_id = api.create_reconciled(post, lambda: self._find(api, args))
        self.wait_created(api, resource_id, self._replicas_up(api, resource_id, args.replicas), timeout)
        return resource_id

    def read_resource(self, api: CentralClient, resource_id: str) -> dict[str, Any] | None:
        cluster_code, namespace, workload_name = split_id(resource_id)
        detail = self._detail(api, resource_id)
        if detail is None:
            return None
        pods = self._pods(api, resource_id)
        live: dict[str, Any] = {
            "cluster_code": cluster_code,
            "namespace": str(detail.get("namespace") or namespace),
            "name": _requested_name(workload_name),
            "replicas": detail.get("replicas"),
            "workload_name": workload_name,
            "status": detail.get("status") or None,
            "created_date": detail.get("createdDate") or None,
            "cpu_type": detail.get("cpuType") or None,
            "xpu_memory": detail.get("xpuMemory"),
            "ready_replicas": sum(1 for pod in pods if _is_up(pod)),
            "pods": [_pod(pod) for pod in pods],
        }
        if detail.get("image"):
            live["image"] = detail["image"]
        if detail.get("xpuType"):
            live["xpu_type"] = detail["xpuType"]
        resources = {key: detail[key] for key in ("cpu", "memory", "xpu") if detail.get(key) is not None}
        if resources:
            live["resources"] = resources
        return live

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The program's name (the platform reports only the decorated one), its resources where the
        detail leaves one out, and, for an import, the defaults of the inputs no read returns."""
        live = dict(live)
        if inputs.get("name") is not None:
            live["name"] = inputs["name"]
        wanted = inputs.get("resources")
        if isinstance(wanted, Mapping):
            live["resources"] = {**wanted, **(live.get("resources") or {})}
        if "labels" not in inputs:
            labels = {"app": live["name"]}
            live.update(labels=labels, label_selector=dict(labels), container_name=container_name_for(live["name"]))
        return live

    # Workload infos lack the image, resources and pods a read has (B.21 against B.6 and B.7):
    # ids only, per cluster. The list reads one namespace, "default" when none is given (B.16),
    # and namespaces cannot be listed: workloads of other namespaces are not found.
    def list_ids(self, api: CentralClient) -> Iterator[str]:
        for cluster_code in cluster_codes(api):
            for info in self._infos(api, cluster_code, DEFAULT_NAMESPACE):
                yield f"{cluster_code}/{info.get('namespace') or DEFAULT_NAMESPACE}/{info.get('workloadName')}"

    def _infos(self, api: CentralClient, cluster_code: str, namespace: str) -> Iterator[dict[str, Any]]:
        """The namespace's workload infos, page by page (``pageRequest``, 1-based; ``total``)."""
        size, number, seen = self.page_size(LIST_LIMIT), 1, 0
        while True:
            request = {"pageNumber": number, "pageSize": size}
            body = {"clusterCode": cluster_code, "namespace": namespace, "pageRequest": request}
            data = api.data_or_none(WORKLOADS, body)
            page = data if isinstance(data, dict) else {"pageContent": data}
            batch = [info for info in as_list(page.get("pageContent")) if isinstance(info, dict)]
            yield from batch
            seen += len(batch)
            total = page.get("total")
            if len(batch) < size or (isinstance(total, int) and seen >= total):
                return
            number += 1

    @makes(UPDATE)  # the body names the workload by its id's parts; the new replicas are waited for
    def _scale(self, api: CentralClient, update: Update[WorkloadArgs]) -> None:
        body = {**self._params(update.resource_id), **update.body}
        api.call("PUT", f"{WORKLOADS}/{segment(body['workloadName'])}", body)
        wait_for(self._replicas_up(api, update.resource_id, update.new.replicas), api.settings, update.timeout)

    def delete_resource(self, api: CentralClient, resource_id: str, args: WorkloadArgs | None, timeout: float) -> None:
        cluster_code, namespace, workload_name = split_id(resource_id)
        body = {"clusterCode": cluster_code, "namespace": namespace, "workloadName": workload_name}
        api.call("DELETE", f"{WORKLOADS}/{segment(workload_name)}", body)
        wait_gone(
            f"workload {workload_name}",
            lambda: self._detail(api, resource_id),
            lambda detail: str(detail.get("status") or "deleting"),
            api.settings,
            timeout,
        )

    # calls ------------------------------------------------------------------------------------
    def _params(self, resource_id: str) -> dict[str, str]:
        cluster_code, namespace, workload_name = split_id(resource_id)
        return {"clusterCode": cluster_code, "namespace": namespace, "workloadName": workload_name}

    def _detail(self, api: CentralClient, resource_id: str) -> dict[str, Any] | None:
        params = self._params(resource_id)
        data = api.data_or_none(f"{WORKLOADS}/{segment(params['workloadName'])}", params)
        return data if isinstance(data, dict) else None

    def _pods(self, api: CentralClient, resource_id: str) -> list[dict[str, Any]]:
        data = api.data_or_none(PODS, self._params(resource_id))
        pods = data.get("pods") if isinstance(data, dict) else data
        return [pod for pod in as_list(pods) if isinstance(pod, dict)]

    def _find(self, api: CentralClient, args: WorkloadArgs) -> str | None:
        """The workload an unanswered create made: named ``name`` or ``<name>-deployment-xxxxx``."""
        body = {
            "clusterCode": args.cluster_code,
            "namespace": args.namespace,
            "pageRequest": {"pageNumber": 1, "pageSize": 1000},
        }
        data = api.data("GET", WORKLOADS, body) or {}
        listed = data.get("pageContent") if isinstance(data, dict) else data
        names = [
            str(item.get("workloadName"))
            for item in as_list(listed)
            if isinstance(item, dict) and _requested_name(str(item.get("workloadName", ""))) == args.name
        ]
        return f"{args.cluster_code}/{args.namespace}/{names[0]}" if len(names) == 1 else None

    def _replicas_up(self, api: CentralClient, resource_id: str, replicas: int) -> Waiter[list[dict[str, Any]]]:
        def fetch() -> list[dict[str, Any]] | None:
            return self._pods(api, resource_id) if self._detail(api, resource_id) is not None else None

        def state(pods: list[dict[str, Any]]) -> str:
            if any(pod.get("status") == "Failed" for pod in pods):
                return "Failed"
            up = sum(1 for pod in pods if _is_up(pod))
            if up == replicas and len(pods) == replicas:
                return READY
            waiting = next((pod for pod in pods if not _is_up(pod)), None)
            detail = f"; pod {waiting.get('name')} {waiting.get('status')}" if waiting else ""
            reason = f": {waiting.get('statusDesc')}" if waiting and waiting.get("statusDesc") else ""
            return f"{up}/{replicas} pods running of {len(pods)}{detail}{reason}"

        def reason(pods: list[dict[str, Any]]) -> str:
            failed = [pod for pod in pods if pod.get("status") == "Failed"]
            return "; ".join(f"pod {pod.get('name')}: {first(pod, 'statusDesc') or 'failed'}" for pod in failed)

        return Waiter(
            what=f"workload {split_id(resource_id)[2]}",
            fetch=fetch,
            state=state,
            target={READY},
            failure={"Failed"},
            reason=reason,
        )


# --- generated by `make generate` from WorkloadProvider: do not edit below this line ---
class Workload(DynamicResource, module="central", name="Workload"):
    """An algorithm engine (a Deployment) on a cluster; the id is ``<clusterCode>/<namespace>/<workloadName>``."""

    _provider_class = WorkloadProvider
    _outputs, _secret_outputs = output_names(WorkloadProvider)

    cluster_code: pulumi.Output[str]
    name: pulumi.Output[str]
    image: pulumi.Output[str]
    replicas: pulumi.Output[int]
    resources: pulumi.Output[dict[str, Any]]
    xpu_type: pulumi.Output[str | None]
    namespace: pulumi.Output[str]
    labels: pulumi.Output[dict[str, str]]
    label_selector: pulumi.Output[dict[str, str]]
    container_name: pulumi.Output[str]
    command: pulumi.Output[str | None]
    args: pulumi.Output[str | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    workload_name: pulumi.Output[str]
    status: pulumi.Output[str | None]
    created_date: pulumi.Output[str | None]
    cpu_type: pulumi.Output[str | None]
    xpu_memory: pulumi.Output[float | None]
    ready_replicas: pulumi.Output[int]
    pods: pulumi.Output[list[dict[str, Any]]]

    def __init__(
        self,
        resource_name: str,
        *,
        cluster_code: pulumi.Input[str],
        name: pulumi.Input[str],
        image: pulumi.Input[str],
        replicas: pulumi.Input[int],
        resources: pulumi.Input[WorkloadResourcesDict],
        xpu_type: pulumi.Input[str] | None = None,
        namespace: pulumi.Input[str] | None = None,
        labels: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        label_selector: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        container_name: pulumi.Input[str] | None = None,
        command: pulumi.Input[str] | None = None,
        args: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "cluster_code": cluster_code,
            "name": name,
            "image": image,
            "replicas": replicas,
            "resources": resources,
            "xpu_type": xpu_type,
            "namespace": namespace,
            "labels": labels,
            "label_selector": label_selector,
            "container_name": container_name,
            "command": command,
            "args": args,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---
