"""What a service body must agree with in the world: its models, flavors, pools and clusters.

Digest §8.3 gives the order: config cardinality per ``infer_type``, weights summing to 100, each
model existing (404 ``ModelArts.3507``), published (``3515``) and installable as the service's type
(``3589``), distinct model versions (``3516``), a known and available flavor, and the dedicated pool
(``ModelArts.2890`` / ``2887``) or legacy cluster (``3547``) the service names.
"""

from __future__ import annotations

from dataclasses import dataclass

from aicompute.localcloud.modelarts.bodies import SERVICE_ERRORS
from aicompute.localcloud.modelarts.common import PlatformError, Transaction, modelarts_error
from aicompute.localcloud.modelarts.kube import POOL_KIND
from aicompute.localcloud.modelarts.records import JSON, MODEL_KIND
from aicompute.localcloud.modelarts.service_catalogue import CUSTOM, find_cluster, find_specification
from aicompute.localcloud.modelarts.service_schemas import CreateServiceRequest, Schedule, ServiceConfig
from aicompute.localcloud.store import Project

BATCH_FIELDS = ("src_path", "dest_path", "req_uri", "mapping_type")


@dataclass(frozen=True)
class Placement:
    """Where a service's instances run: its type and its service-level dedicated pool, if any."""

    infer_type: str
    pool_name: str | None = None
    cluster_id: str | None = None

    @property
    def dedicated(self) -> bool:
        return bool(self.pool_name or self.cluster_id)


def invalid(field: str, value: object, rule: str) -> PlatformError:
    return SERVICE_ERRORS.invalid(field, value, rule)


# dedicated pools -------------------------------------------------------------------------------
def check_pool(tx: Transaction, project_id: str, pool_name: str) -> None:
    """A new-style pool (seed chapter 10, k8s shape) must exist, be Running and serve inference."""
    pool = tx.get(POOL_KIND, project_id, pool_name)
    if pool is None:
        raise modelarts_error(404, "ModelArts.2890", f"PoolNotFound: the resource pool ({pool_name}) does not exist.")
    phase = pool.get("status", {}).get("phase")
    if phase != "Running":
        raise modelarts_error(
            400, "ModelArts.2887", f"PoolNotRunning: the resource pool ({pool_name}) is not running ({phase})."
        )
    if "Infer" not in pool.get("spec", {}).get("scope", []):
        raise invalid("pool_name", pool_name, "the resource pool's scope does not include Infer")


def check_cluster(project: Project, cluster_id: str) -> None:
    if find_cluster(project, cluster_id) is None:
        raise modelarts_error(400, "ModelArts.3547", f"Cluster {cluster_id} does not exist.")


def check_placement(tx: Transaction, project: Project, placement: Placement) -> None:
    if placement.pool_name:
        if placement.infer_type == "edge":
            raise invalid("pool_name", placement.pool_name, "pool_name is only for real-time and batch services")
        check_pool(tx, project.project_id, placement.pool_name)
    # An edge service's cluster_id is an IEF edge pool, outside localcloud.
    if placement.cluster_id and placement.infer_type != "edge":
        check_cluster(project, placement.cluster_id)


# service-level fields --------------------------------------------------------------------------
def check_schedule(infer_type: str, schedule: list[Schedule] | None) -> None:
    if not schedule:
        return
    if infer_type != "real-time":
        raise invalid("schedule", infer_type, "schedule is only for real-time services")
    for item in schedule:
        if item.duration < 1:
            raise modelarts_error(400, "ModelArts.3562", "The value of field {due_time} must be a future time.")


def check_service_options(infer_type: str, load_balancer_policy: str | None, priority: int | None) -> None:
    if load_balancer_policy is not None and infer_type != "real-time":
        raise invalid("load_balancer_policy", load_balancer_policy, "only for real-time services")
    if priority is not None and infer_type == "edge":
        raise invalid("priority", priority, "only for real-time and batch services")


def check_network(request: CreateServiceRequest) -> None:
    """A custom VPC needs its subnet and security group (table 9-22)."""
    if request.vpc_id:
        for field in ("subnet_network_id", "security_group_id"):
            if not getattr(request, field):
                raise SERVICE_ERRORS.missing(field)


# config ----------------------------------------------------------------------------------------
def _check_shape(infer_type: str, configs: list[ServiceConfig]) -> None:
    if not configs:
        raise SERVICE_ERRORS.missing("config")
    if infer_type != "real-time" and len(configs) != 1:
        raise invalid("config", f"{len(configs)} entries", f"a {infer_type} service deploys exactly one model")
    if infer_type == "real-time":
        for index, entry in enumerate(configs):
            if entry.weight is None:
                raise SERVICE_ERRORS.missing(f"config[{index}].weight")
        total = sum(entry.weight or 0 for entry in configs)
        if total != 100:
            raise invalid("weight", total, "the weights of a real-time service's models must add up to 100")


def _deployable_model(tx: Transaction, project_id: str, model_id: str, infer_type: str) -> JSON:
    model = tx.get(MODEL_KIND, project_id, model_id)
    if model is None:
        raise modelarts_error(404, "ModelArts.3507", f"Model {model_id} does not exist.")
    if model["model_status"] != "published":
        raise modelarts_error(
            400,
            "ModelArts.3515",
            f"The model {model_id} cannot be used for deploying services because it is still being published.",
        )
    if infer_type not in model.get("install_type", []):
        raise modelarts_error(400, "ModelArts.3589", f"Model {model_id} cannot be used to deploy {infer_type} service.")
    return model


def _check_specification(index: int, entry: ServiceConfig, placement: Placement) -> None:
    field = f"config[{index}].specification"
    if entry.specification == CUSTOM:
        if entry.custom_spec is None:
            raise SERVICE_ERRORS.missing(f"config[{index}].custom_spec")
        on_pool = placement.dedicated or entry.pool_name or entry.cluster_id
        if placement.infer_type != "edge" and not on_pool:
            raise invalid(field, CUSTOM, "custom is only available on a dedicated resource pool")
        return
    flavor = find_specification(entry.specification)
    if flavor is None:
        raise modelarts_error(400, "ModelArts.3954", f"AI resource specification {entry.specification} does not exist.")
    if flavor["spec_status"] == "sellout":
        raise modelarts_error(400, "ModelArts.3976", "No resources are available for the selected specification.")


def _check_entry_pools(
    tx: Transaction, project: Project, index: int, entry: ServiceConfig, placement: Placement
) -> None:
    """Config-level pools override the service's, which must be set too (table 9-24)."""
    for field in ("pool_name", "cluster_id"):
        value = getattr(entry, field)
        if value and not placement.dedicated:
            raise invalid(f"config[{index}].{field}", value, "set the service-level pool_name or cluster_id too")
    check_placement(tx, project, Placement(placement.infer_type, entry.pool_name, entry.cluster_id))
    properties = entry.additional_properties
    if properties and properties.log_volume and not placement.dedicated:
        raise invalid(f"config[{index}].additional_properties.log_volume", "", "only on a dedicated resource pool")
    node_affinity = entry.affinity.node_affinity if entry.affinity else None
    pools = {entry.pool_name or placement.pool_name}
    for info in (node_affinity.pool_infos or []) if node_affinity else []:
        if info.pool_name not in pools:
            raise invalid(f"config[{index}].affinity", info.pool_name, "pool_infos must name the service's pool_name")


def _check_entry_kind(index: int, entry: ServiceConfig, infer_type: str) -> None:
    if infer_type == "batch":
        for field in BATCH_FIELDS:
            if getattr(entry, field) is None:
                raise SERVICE_ERRORS.missing(f"config[{index}].{field}")
        if entry.mapping_type == "csv" and entry.mapping_rule is None:
            raise SERVICE_ERRORS.missing(f"config[{index}].mapping_rule")
    if entry.nodes and infer_type != "edge":
        raise invalid(f"config[{index}].nodes", entry.nodes, "nodes are only for edge services")


def check_configs(tx: Transaction, project: Project, placement: Placement, configs: list[ServiceConfig]) -> list[JSON]:
    """Every rule a config array must meet; returns the deployed model of each entry."""
    _check_shape(placement.infer_type, configs)
    models = [_deployable_model(tx, project.project_id, entry.model_id, placement.infer_type) for entry in configs]
    versions = [model["model_version"] for model in models]
    if len(set(versions)) != len(versions):
        raise modelarts_error(
            400,
            "ModelArts.3516",
            "Failed to deploy services because the version of the model that is used for deploying services "
            "is the same.",
        )
    for index, entry in enumerate(configs):
        _check_specification(index, entry, placement)
        _check_entry_pools(tx, project, index, entry, placement)
        _check_entry_kind(index, entry, placement.infer_type)
    return models
