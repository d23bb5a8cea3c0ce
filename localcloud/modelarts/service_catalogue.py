"""What a project can deploy services onto: flavors (9.5), legacy dedicated clusters (9.10) and the
inference VPC access channel (9.17). All three are read-only catalogues shaped like the seed's
examples; the clusters and the channel are derived from the project, so projects differ.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import Query, Response

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject
from aicompute.localcloud.modelarts.paging import LimitQuery, OffsetQuery, OrderQuery, paginate, sort_items
from aicompute.localcloud.modelarts.records import JSON
from aicompute.localcloud.modelarts.tenancy import ownership
from aicompute.localcloud.store import Project

router = InlineRouter()

NO_GPU = {"unit": "MB", "gpu": 0.0, "memory": 0}
NO_NPU = {"unit": "MB", "npu": 0, "memory": 0}


def _flavor(name: str, category: str, cpu: float, memory_gb: int, **extra: object) -> JSON:
    """A Specification (table 9-43) as in the 9.5 example."""
    flavor: JSON = {
        "specification": name,
        "billing_spec": name,
        "category": category,
        "cpu_info": {"arch": "x86", "cpu": cpu},
        "memory_info": {"unit": "GB", "memory": memory_gb},
        "gpu_info": dict(NO_GPU),
        "npu_info": dict(NO_NPU),
        "is_open": True,
        "spec_status": "normal",
        "is_free": False,
        "over_quota": False,
        "extend_params": 1,
    }
    flavor.update(extra)
    return flavor


# The three flavors of the 9.5 example, plus modelarts.vm.ai1.a310 that the 9.1 example patches in.
SPECIFICATIONS: tuple[JSON, ...] = (
    _flavor("modelarts.vm.cpu.2u", "CPU", 2.0, 8, display_en="CPU: 2 vCPUs | 8 GiB", display_cn="CPU: 2 Core 8 GiB"),
    _flavor(
        "modelarts.vm.gpu.pnt004",
        "GPU",
        8.0,
        32,
        gpu_info={"unit": "GB", "brand": "NVIDIA", "version": "Pnt004", "gpu": 1.0, "memory": 16},
        display_en="CPU: 8 vCPUs | 32 GiB GPU: Pnt004",
        display_cn="CPU: 8 Core 32 GiB GPU: 1 * Pnt004",
    ),
    _flavor(
        "modelarts.vm.ai1.snt3",
        "NPU",
        2.0,
        8,
        npu_info={"unit": "GB", "brand": "Ascend", "version": "Snt3", "npu": 1, "memory": 8},
        display_en="CPU: 2 vCPUs | 8 GiB Ascend: 1 x Ascend snt3",
        display_cn="CPU: 2 Core 8 GiB Ascend: 1 * Ascend snt3",
        is_open=False,
    ),
    _flavor(
        "modelarts.vm.ai1.a310",
        "NPU",
        2.0,
        8,
        npu_info={"unit": "GB", "brand": "Ascend", "version": "A310", "npu": 1, "memory": 8},
        display_en="CPU: 2 vCPUs | 8 GiB Ascend: 1 x Ascend a310",
        display_cn="CPU: 2 Core 8 GiB Ascend: 1 * Ascend a310",
    ),
)
CUSTOM = "custom"


def find_specification(name: str) -> JSON | None:
    return next((flavor for flavor in SPECIFICATIONS if flavor["specification"] == name), None)


def legacy_clusters(project: Project) -> list[JSON]:
    """The project's legacy dedicated clusters: the 9.10 example's cluster, owned by the project."""
    return [
        {
            "cluster_id": "ff808081673fbb3d01673fbb824d0000",
            "cluster_name": "my-cluster",
            "description": "",
            **ownership(project),
            "created_at": 1574923077927,
            "status": "running",
            "nodes": {"specification": "modelarts.vm.cpu.8ud", "count": 1, "available_count": 1},
            "allocatable_cpu_cores": 5.5,
            "allocatable_memory": 4096,
            "allocatable_gpus": 0.5,
        }
    ]


def find_cluster(project: Project, cluster_id: str) -> JSON | None:
    return next((cluster for cluster in legacy_clusters(project) if cluster["cluster_id"] == cluster_id), None)


def internal_channel(project: Project) -> JSON:
    """A VPCEP endpoint service per project, shaped like the 9.17 example."""
    service_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"vpcep/{project.project_id}"))
    return {
        "dns_domain_name": f"infer-modelarts-{project.region}.localcloud",
        "vpcep_info": [
            {
                "vpcep_service_id": service_id,
                "vpcep_service_name": f"{project.region}.vpcepname.{service_id}",
                "service_port": 443,
            }
        ],
    }


# routes ----------------------------------------------------------------------------------------
# Registered before /services/{service_id}, which would otherwise take "specifications" for an id.
@router.get("/v1/{project_id}/services/specifications")
def list_specifications(
    project: ModelArtsProject,
    cloud: CloudDep,
    is_personal_cluster: bool = False,
    infer_type: Literal["real-time", "batch", "edge"] = "real-time",
    offset: OffsetQuery = 0,
    limit: LimitQuery = 1000,
) -> JSON:
    # 9.5's offset is "返回数据的起始偏移量", an item offset. Every flavor serves every infer_type and
    # pool kind here; "custom" is not a flavor but a ServiceConfig keyword.
    page = paginate(SPECIFICATIONS, offset, limit, offset_is_page=False)
    return {"total_count": len(SPECIFICATIONS), "count": len(page), "specifications": page}


@router.get("/v1/{project_id}/clusters")
def list_clusters(
    project: ModelArtsProject,
    cloud: CloudDep,
    cluster_name: str | None = None,
    status: str | None = None,
    offset: OffsetQuery = 0,
    limit: LimitQuery = 1000,
    sort_by: Annotated[Literal["created_at", "cluster_name"], Query()] = "created_at",
    order: OrderQuery = "desc",
) -> JSON:
    clusters = [
        cluster
        for cluster in legacy_clusters(project)
        if (cluster_name is None or cluster["cluster_name"] == cluster_name)
        and (status is None or cluster["status"] == status)
    ]
    ordered = sort_items(clusters, lambda cluster: cluster[sort_by], order)
    page = paginate(ordered, offset, limit, offset_is_page=True)
    return {"total_count": len(clusters), "count": len(page), "clusters": page}


@router.get("/v1/{project_id}/internal-channel-info")
def show_internal_channel(project: ModelArtsProject, cloud: CloudDep, response: Response) -> JSON:
    response.headers["X-Request-Id"] = uuid.uuid4().hex
    return internal_channel(project)
