"""CentralComputeCluster: a T/BAX central platform cluster, its further node groups, and algorithm
engines on it (``aicompute:stacks:CentralComputeCluster``).

Each part is given as its resource's own Args model, less the fields that link the parts (a node
group's and an engine's ``cluster_code``, an engine's ``name``, which is its key in ``engines``):
the component sets those, so giving one is an error. Every rule of the resources therefore applies
at construction, under the component's field path (``engines.detector.replicas``).

Engines are deployed one of two ways, never both (both would run every engine twice):

* by the platform API (the default): one ``Workload`` each (seed B.2), which the platform turns
  into a Deployment; ``replicas`` scales in place;
* with ``kubernetes: true``: one ``pulumi_kubernetes`` Deployment each, through a Kubernetes
  provider whose kubeconfig is the cluster's ``kubeconfig`` output, passed as a secret. The
  manifest follows the digest's mapping of B.9 (§6.8.1): pod-template labels and selector,
  ``resources.requests`` = ``limits`` = the engine's cpu and memory (Gi), the accelerator in
  ``limits`` under its Kubernetes extended-resource name, and a ``nodeSelector`` on the
  accelerator-type node label of chapter 10.3 (``accelerator_label``; the standard names no key).
  Extended resources are whole numbers, so a fractional ``xpu`` asks for the next whole card and
  keeps the requested share in the ``tbax.io/xpu`` annotation (time slicing, digest §6.8.1).

Engines wait for the node groups, so their pods have somewhere to run.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pulumi
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from aicompute.resources.central import Cluster, ClusterArgs, ClusterNodes, ClusterNodesArgs, Workload, WorkloadArgs
from aicompute.resources.central.workload import WorkloadName, check_labels, container_name_for
from aicompute.stacks._component import Component, ComponentArgs, set_by, validate_args

if TYPE_CHECKING:
    import pulumi_kubernetes as k8s

COMPONENT = "CentralComputeCluster"
DEFAULT_ACCELERATOR_LABEL = "tbax.io/xpu-type"
ANNOTATION_PREFIX = "tbax.io"
# Kubernetes extended-resource names of the accelerator types (T/BAX part 5 appendix I codes), by
# prefix, longest first; the standard names none (digest §6.8.1), these are the vendors' device plugins.
ACCELERATOR_RESOURCES = (
    ("HUAWEI_ASCEND_310P", "huawei.com/Ascend310P"),
    ("HUAWEI_ASCEND_310", "huawei.com/Ascend310"),
    ("HUAWEI_ASCEND_910", "huawei.com/Ascend910"),
    ("NVIDIA_", "nvidia.com/gpu"),
    ("CAMBRICON_", "cambricon.com/mlu"),
)
RESOURCE_NAME_RULE = "a Kubernetes extended resource name <domain>/<name>, e.g. nvidia.com/gpu"
_RESOURCE_NAME = re.compile(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
GroupName = WorkloadName  # node group keys follow the workload name rule: they name resources alike


def accelerator_resource_for(xpu_type: str) -> str | None:
    code = xpu_type.upper()
    return next((name for prefix, name in ACCELERATOR_RESOURCES if code.startswith(prefix)), None)


class NodeGroupSpec(ClusterNodesArgs):
    """A further node group: ClusterNodesArgs without ``cluster_code``; ``region_id`` defaults to the cluster's."""

    cluster_code: str = ""
    _linked = field_validator("cluster_code")(set_by(COMPONENT))


class EngineSpec(WorkloadArgs):
    """An algorithm engine: WorkloadArgs without ``cluster_code`` and ``name`` (the key in ``engines``)."""

    cluster_code: str = ""
    name: str = ""
    accelerator_resource: str | None = Field(
        default=None,
        description="With kubernetes: the extended resource the cards are asked as; default from xpu_type.",
    )
    _linked = field_validator("cluster_code", "name")(set_by(COMPONENT))

    @field_validator("accelerator_resource")
    @classmethod
    def _resource_name(cls, value: str | None) -> str | None:
        if value is not None and not _RESOURCE_NAME.fullmatch(value):
            raise ValueError(f"{value!r} breaks the rule: {RESOURCE_NAME_RULE}")
        return value

    @model_validator(mode="after")
    def _defaults_and_selector(self) -> EngineSpec:
        """Replaces WorkloadArgs' check: its defaults need the name, so the whole engine is checked
        as a Workload under its key (``CentralComputeClusterArgs._engines``)."""
        return self

    def workload(self, name: str, cluster_code: str = "-") -> WorkloadArgs:
        """The engine as the Workload it is: defaults filled (labels ``{app: name}`` …), every rule applied."""
        fields = self.model_dump(exclude={"cluster_code", "name", "accelerator_resource"}, exclude_none=True)
        return WorkloadArgs.model_validate({**fields, "cluster_code": cluster_code, "name": name})


def _label_key(value: str) -> str:
    check_labels({value: ""})
    return value


class CentralComputeClusterArgs(ComponentArgs):
    cluster: ClusterArgs = Field(description="The cluster and its initial node groups (create-only).")
    node_groups: dict[GroupName, NodeGroupSpec] = Field(
        default_factory=dict, description="Further node groups by name; count scales in place."
    )
    kubernetes: bool = Field(
        default=False,
        description="Deploy the engines as Kubernetes Deployments (pulumi_kubernetes), not platform Workloads.",
    )
    accelerator_label: str = Field(
        default=DEFAULT_ACCELERATOR_LABEL, description="With kubernetes: the node label holding the accelerator type."
    )
    engines: dict[WorkloadName, EngineSpec] = Field(
        default_factory=dict, description="Algorithm engines by name; replicas scales in place."
    )

    _label = field_validator("accelerator_label")(_label_key)

    @field_validator("engines")
    @classmethod
    def _engines(cls, engines: dict[str, EngineSpec], info: ValidationInfo) -> dict[str, EngineSpec]:
        """Each engine as the Workload it is, and, with kubernetes, as a Deployment of its own."""
        deployments: dict[tuple[str, str], str] = {}
        for key, spec in engines.items():
            workload = _as_workload(key, spec)
            if info.data.get("kubernetes"):
                _check_deployment(key, spec, workload, deployments)
        return engines


def plain_error(message: str) -> PydanticCustomError:
    """An error whose message is shown as it is (no "Value error, " prefix)."""
    return PydanticCustomError("engine", "{message}", {"message": message})


def _as_workload(key: str, spec: EngineSpec) -> WorkloadArgs:
    try:
        return spec.workload(key)
    except ValidationError as error:
        raise plain_error("; ".join(nested_reason(key, item) for item in error.errors())) from None


def _check_deployment(
    key: str, spec: EngineSpec, workload: WorkloadArgs, deployments: dict[tuple[str, str], str]
) -> None:
    """A Deployment needs a resource name for its cards and a name of its own in its namespace."""
    if spec.resources.xpu > 0 and _accelerator(spec) is None:
        raise plain_error(
            f"{key}.accelerator_resource: no Kubernetes resource name is known for xpu_type {spec.xpu_type!r}: "
            f"set one ({RESOURCE_NAME_RULE})"
        )
    for field in ("command", "args"):
        try:
            shlex.split(getattr(workload, field) or "")
        except ValueError as error:
            raise plain_error(f"{key}.{field}: cannot be split into words as a shell would ({error})") from None
    place = (workload.namespace, container_name_for(key))
    if place in deployments:
        raise plain_error(
            f"{deployments[place]!r} and {key!r} are both Deployment {place[1]!r} in namespace {place[0]!r} "
            "(Kubernetes names are lower-case RFC 1123 labels): rename one"
        )
    deployments[place] = key


def nested_reason(key: str, error: ErrorDetails) -> str:
    loc = ".".join(str(part) for part in error["loc"])
    return f"{key}{'.' + loc if loc else ''}: {error['msg'].removeprefix('Value error, ')}"


def _accelerator(spec: EngineSpec) -> str | None:
    return spec.accelerator_resource or (accelerator_resource_for(spec.xpu_type) if spec.xpu_type else None)


def _quantity(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _requirements(spec: EngineSpec) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Requests, limits and card annotations: requests = limits = cpu and memory, whole cards in limits."""
    requests = {"cpu": _quantity(spec.resources.cpu), "memory": f"{spec.resources.memory}Gi"}
    limits, annotations = dict(requests), {}
    if spec.xpu_type:
        annotations[f"{ANNOTATION_PREFIX}/xpu-type"] = spec.xpu_type
    accelerator = _accelerator(spec)
    if spec.resources.xpu > 0 and accelerator is not None:  # CentralComputeClusterArgs checked it is known
        limits[accelerator] = str(math.ceil(spec.resources.xpu))
        annotations[f"{ANNOTATION_PREFIX}/xpu"] = _quantity(spec.resources.xpu)
    return requests, limits, annotations


def deployment_manifest(
    key: str, spec: EngineSpec, accelerator_label: str, cluster_code: pulumi.Input[str]
) -> tuple[k8s.meta.v1.ObjectMetaArgs, k8s.apps.v1.DeploymentSpecArgs]:
    """The Deployment of an engine (digest §6.8.1 and §6.8.2): metadata and spec."""
    import pulumi_kubernetes as k8s  # only programs that ask for Kubernetes pay for its import

    workload = spec.workload(key)
    labels = dict(workload.labels or {})
    requests, limits, annotations = _requirements(spec)
    container = k8s.core.v1.ContainerArgs(
        name=str(workload.container_name),
        image=workload.image,
        command=shlex.split(workload.command) if workload.command else None,
        args=shlex.split(workload.args) if workload.args else None,
        resources=k8s.core.v1.ResourceRequirementsArgs(requests=requests, limits=limits),
    )
    metadata = k8s.meta.v1.ObjectMetaArgs(
        name=container_name_for(key),
        namespace=workload.namespace,
        labels=labels,
        annotations={f"{ANNOTATION_PREFIX}/cluster-code": cluster_code, **annotations},
    )
    node_selector = {accelerator_label: spec.xpu_type} if spec.xpu_type else None
    deployment = k8s.apps.v1.DeploymentSpecArgs(
        replicas=workload.replicas,
        selector=k8s.meta.v1.LabelSelectorArgs(match_labels=dict(workload.label_selector or labels)),
        template=k8s.core.v1.PodTemplateSpecArgs(
            metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
            spec=k8s.core.v1.PodSpecArgs(containers=[container], node_selector=node_selector),
        ),
    )
    return metadata, deployment


def _inputs(spec: Any, linked: frozenset[str]) -> dict[str, Any]:
    """A spec as resource constructor keywords, without the linking fields and unset options."""
    values: dict[str, Any] = spec.model_dump(mode="json", exclude=set(linked), exclude_none=True)
    return values


def by_key(outputs: Mapping[str, pulumi.Output[Any]]) -> pulumi.Output[dict[str, Any]]:
    """One output of a map of outputs (an empty map when there are none)."""
    return pulumi.Output.all(**outputs).apply(dict) if outputs else pulumi.Output.from_input({})


class CentralComputeCluster(Component, name=COMPONENT):
    """A central platform cluster, its further node groups, and its algorithm engines."""

    cluster: Cluster
    node_groups: dict[str, ClusterNodes]
    workloads: dict[str, Workload]
    kubernetes_provider: pulumi.ProviderResource | None  # a pulumi_kubernetes.Provider
    deployments: dict[str, pulumi.CustomResource]  # pulumi_kubernetes.apps.v1.Deployment each
    cluster_code: pulumi.Output[str]
    status: pulumi.Output[str]
    kubeconfig: pulumi.Output[str]
    node_ids: pulumi.Output[dict[str, list[str]]]
    engine_names: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        args: CentralComputeClusterArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        checked = validate_args(COMPONENT, name, CentralComputeClusterArgs, args)
        super().__init__(name, opts)
        self.cluster = Cluster(f"{name}-cluster", **_inputs(checked.cluster, frozenset()), opts=self.child_opts())
        region = checked.cluster.region_id
        self.node_groups = {
            key: ClusterNodes(
                f"{name}-{key}",
                cluster_code=self.cluster.id,
                **{"region_id": region, **_inputs(spec, frozenset({"cluster_code"}))},
                opts=self.child_opts(),
            )
            for key, spec in checked.node_groups.items()
        }
        self.workloads, self.deployments, self.kubernetes_provider = {}, {}, None
        if checked.kubernetes:
            engine_names = self._deploy_with_kubernetes(name, checked)
        else:
            engine_names = self._deploy_with_platform(name, checked)
        self._register(engine_names)

    def _deploy_with_platform(self, name: str, checked: CentralComputeClusterArgs) -> dict[str, pulumi.Output[str]]:
        """One Workload per engine; the engines' names are the platform's workload names."""
        self.workloads = {
            key: Workload(
                f"{name}-{key}",
                cluster_code=self.cluster.id,
                name=key,
                **_inputs(spec, frozenset({"cluster_code", "name", "accelerator_resource"})),
                opts=self.child_opts(*self.node_groups.values()),
            )
            for key, spec in checked.engines.items()
        }
        return {key: workload.workload_name for key, workload in self.workloads.items()}

    def _deploy_with_kubernetes(self, name: str, checked: CentralComputeClusterArgs) -> dict[str, pulumi.Output[str]]:
        """One Deployment per engine through the cluster's kubeconfig; the engines' names are theirs."""
        import pulumi_kubernetes as k8s

        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(self.cluster.kubeconfig)
        provider = k8s.Provider(f"{name}-kubernetes", kubeconfig=kubeconfig, opts=self.child_opts())
        self.kubernetes_provider = provider
        names: dict[str, pulumi.Output[str]] = {}
        for key, spec in checked.engines.items():
            metadata, deployment = deployment_manifest(key, spec, checked.accelerator_label, self.cluster.id)
            created = k8s.apps.v1.Deployment(
                f"{name}-{key}",
                metadata=metadata,
                spec=deployment,
                opts=self.child_opts(*self.node_groups.values(), provider=provider),
            )
            self.deployments[key] = created
            names[key] = created.metadata.apply(lambda meta: str(meta.name))
        return names

    def _register(self, engine_names: Mapping[str, pulumi.Output[str]]) -> None:
        self.cluster_code = self.cluster.id
        self.status = self.cluster.status
        self.kubeconfig = pulumi.Output.secret(self.cluster.kubeconfig)
        self.node_ids = by_key({key: group.node_ids for key, group in self.node_groups.items()})
        self.engine_names = by_key(engine_names)
        self.register_outputs(
            {
                "cluster_code": self.cluster_code,
                "status": self.status,
                "kubeconfig": self.kubeconfig,
                "node_ids": self.node_ids,
                "engine_names": self.engine_names,
            }
        )


__all__ = [
    "CentralComputeCluster",
    "CentralComputeClusterArgs",
    "EngineSpec",
    "NodeGroupSpec",
    "accelerator_resource_for",
    "deployment_manifest",
]
