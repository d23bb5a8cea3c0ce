"""What the region offers: resource flavors, plugin templates, the OS configuration and OS quotas.

Seed §10.1 (os-user-config), §10.2 (plugin templates), §10.20 (resource flavors) and §14.1
(quotas). Flavors are a fixed catalogue shaped like the seed's example; a flavor's availability
per AZ is derived from the project's region (``<region>a``, ``b``, ``c``). Pools and node pools
validate their flavors, AZs and driver versions against this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject, modelarts_error
from aicompute.localcloud.modelarts.kube import (
    JSON,
    NETWORK_KIND,
    POOL_KIND,
    ContinueQuery,
    LabelSelectorQuery,
    LimitQuery,
    bad_request,
    label_filter,
    paginate,
    parse_limit,
)
from aicompute.localcloud.store import Project

NETWORK_QUOTA = 15
POOL_QUOTA = 15
# The ranges of seed table 10-35 ("172.16.0.0/12~24", "192.168.0.0/16~24").
NETWORK_CIDRS = ("172.16.0.0/12", "192.168.0.0/16")
AZ_SUFFIXES = ("a", "b", "c")
SCOPE_LABEL = "os.modelarts/scope"


# backend ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Accelerator:
    type: str
    size: int
    resource: str  # the node resource key, e.g. nvidia.com/gpu


@dataclass(frozen=True)
class Flavor:
    name: str
    cpu_arch: str
    cpu: int
    memory_gi: int
    scope: str
    billing_code: str
    gpu: Accelerator | None = None
    npu: Accelerator | None = None
    disk_gi: int = 100
    volume_type: str = "SSD"
    billing_modes: tuple[int, ...] = (0, 1)
    job_flavors: tuple[str, ...] = ()
    soldout_azs: frozenset[str] = field(default_factory=frozenset)  # AZ suffixes

    def phase(self, region: str) -> dict[str, str]:
        return {f"{region}{suffix}": "soldout" if suffix in self.soldout_azs else "normal" for suffix in AZ_SUFFIXES}

    def available_azs(self, region: str) -> list[str]:
        return [az for az, state in self.phase(region).items() if state == "normal"]

    def node_resources(self) -> dict[str, str]:
        """Allocatable resources of a node: the kubelet and system daemons keep 80m CPU and ~23% memory."""
        resources = {"cpu": f"{self.cpu * 1000 - 80}m", "memory": f"{int(self.memory_gi * 1024 * 0.765)}Mi"}
        for accelerator in (self.gpu, self.npu):
            if accelerator is not None:
                resources[accelerator.resource] = str(accelerator.size)
        return resources

    def node_available_resources(self) -> dict[str, str]:
        """What is left for jobs once the pool's own agents run (~950m CPU, ~1.7Gi memory)."""
        resources = self.node_resources()
        resources["cpu"] = f"{max(self.cpu * 1000 - 1030, 100)}m"
        resources["memory"] = f"{max(int(self.memory_gi * 1024 * 0.765) - 1712, 256)}Mi"
        return resources

    def to_api(self, region: str) -> JSON:
        spec: JSON = {
            "type": "Dedicate",
            "cpuArch": self.cpu_arch,
            "cpu": str(self.cpu),
            "memory": f"{self.memory_gi}Gi",
        }
        if self.gpu is not None:
            spec["gpu"] = {"type": self.gpu.type, "size": str(self.gpu.size)}
        if self.npu is not None:
            spec["npu"] = {"type": self.npu.type, "size": str(self.npu.size)}
        spec["dataVolume"] = [{"volumeType": self.volume_type, "size": f"{self.disk_gi}Gi"}]
        spec["billingModes"] = list(self.billing_modes)
        spec["billingCode"] = self.billing_code
        if self.job_flavors:
            spec["jobFlavors"] = list(self.job_flavors)
        return {
            "kind": "ResourceFlavor",
            "apiVersion": "v1",
            "metadata": {"name": self.name, "labels": {SCOPE_LABEL: self.scope}},
            "spec": spec,
            "status": {"phase": self.phase(region)},
        }


_T4 = Accelerator("nvidia-t4", 1, "nvidia.com/gpu")
FLAVORS: tuple[Flavor, ...] = (
    Flavor("modelarts.vm.2u4g.dcc", "x86", 2, 4, "Notebook", "modelarts.vm.2u4g.dcc", disk_gi=50),
    Flavor("modelarts.vm.cpu.4ud", "x86", 4, 8, "Train", "modelarts.vm.cpu.4ud"),
    Flavor("modelarts.vm.cpu.8u", "x86", 8, 32, "Train", "modelarts.vm.cpu.8u"),
    # The seed's example flavor (§10.20), sold out in two of three AZs.
    Flavor(
        "modelarts.vm.cpu8u32g",
        "x86",
        8,
        32,
        "Train",
        "modelarts.vm.cpu.8ud",
        billing_modes=(0,),
        soldout_azs=frozenset({"a", "b"}),
    ),
    Flavor("modelarts.vm.cpu.16u64g", "x86", 16, 64, "Train", "modelarts.vm.cpu.16u64g"),
    Flavor("modelarts.vm.kunpeng.8u32g", "arm64", 8, 32, "Infer", "modelarts.vm.kunpeng.8u32g"),
    Flavor(
        "modelarts.vm.gpu.tnt004",
        "x86",
        8,
        32,
        "Infer",
        "modelarts.vm.gpu.tnt004",
        gpu=Accelerator("tnt004", 1, "nvidia.com/gpu"),
        job_flavors=("modelarts.vm.gpu.tnt004",),
    ),
    Flavor("modelarts.vm.gpu.t4u8", "x86", 8, 32, "Infer", "modelarts.vm.gpu.t4u8", gpu=_T4),
    Flavor(
        "modelarts.vm.gpu.v100",
        "x86",
        8,
        64,
        "Train",
        "modelarts.vm.gpu.v100",
        gpu=Accelerator("nvidia-v100", 1, "nvidia.com/gpu"),
        disk_gi=200,
        soldout_azs=frozenset({"a"}),
    ),
    Flavor(
        "modelarts.bm.gpu.8v100",
        "x86",
        72,
        512,
        "Train",
        "modelarts.bm.gpu.8v100",
        gpu=Accelerator("nvidia-v100", 8, "nvidia.com/gpu"),
        disk_gi=3200,
        billing_modes=(1,),
        soldout_azs=frozenset(AZ_SUFFIXES),
    ),
    Flavor(
        "modelarts.vm.npu.snt3.4u16g",
        "arm64",
        4,
        16,
        "Infer",
        "modelarts.vm.npu.snt3.4u16g",
        npu=Accelerator("ascend-snt3", 1, "huawei.com/ascend-snt3"),
    ),
    Flavor(
        "modelarts.bm.npu.arm.8snt9b3.d",
        "arm64",
        192,
        1536,
        "Train",
        "modelarts.bm.npu.arm.8snt9b3.d",
        npu=Accelerator("ascend-snt9b", 8, "huawei.com/ascend-snt9"),
        disk_gi=7000,
        volume_type="GPSSD",
    ),
)
_BY_NAME = {flavor.name: flavor for flavor in FLAVORS}


def find_flavor(name: str) -> Flavor | None:
    return _BY_NAME.get(name)


def usable_flavor(name: str, where: str) -> Flavor:
    """The flavor, or the platform's 400: unknown (50004000) or sold out everywhere (6716)."""
    flavor = find_flavor(name)
    if flavor is None:
        raise bad_request(f"{where}: unknown flavor {name!r} (see /v1/{{project_id}}/resourceflavors)")
    if len(flavor.soldout_azs) == len(AZ_SUFFIXES):
        raise modelarts_error(400, "ModelArts.6716", f"The specified flavor {name} is already sold out.")
    return flavor


def check_azs(flavor: Flavor, region: str, azs: list[str], where: str) -> None:
    """Each AZ must exist in the region and still have the flavor (``ModelArts.3976`` otherwise)."""
    phase = flavor.phase(region)
    for az in azs:
        if az not in phase:
            raise bad_request(f"{where}: unknown availability zone {az!r} (region {region} has {sorted(phase)})")
        if phase[az] == "soldout":
            raise modelarts_error(
                400,
                "ModelArts.3976",
                f"No resources are available for the selected specification. ({flavor.name} in {az})",
            )


@dataclass(frozen=True)
class PluginTemplate:
    name: str
    type: str
    description: str
    versions: dict[str, str]  # version -> detail

    def to_api(self) -> JSON:
        return {
            "apiVersion": "v1",
            "kind": "PluginTemplate",
            "metadata": {"name": self.name},
            "spec": {
                "type": self.type,
                "description": self.description,
                "versions": {version: {"detail": detail} for version, detail in self.versions.items()},
            },
        }


PLUGIN_TEMPLATES: dict[str, PluginTemplate] = {
    "gpu-driver": PluginTemplate(
        "gpu-driver",
        "gpuDriver",
        "gpu driver",
        {
            "440.31": "NVIDIA Tesla driver 440.31, CUDA 10.2",
            "440.33": "NVIDIA Tesla driver 440.33, CUDA 10.2",
            "470.57.02": "NVIDIA Tesla driver 470.57.02, CUDA 11.4",
            "515.65.01": "NVIDIA Tesla driver 515.65.01, CUDA 11.7",
            "535.54.03": "NVIDIA Tesla driver 535.54.03, CUDA 12.2",
        },
    ),
    "npu-driver": PluginTemplate(
        "npu-driver",
        "npuDriver",
        "npu driver",
        {
            "C78": "Ascend HDK 1.0.RC2 (C78)",
            "C81": "Ascend HDK 22.0.0 (C81)",
            "C83": "Ascend HDK 23.0.RC3 (C83)",
        },
    ),
}


def check_driver_version(template: str, version: str, where: str) -> None:
    versions = PLUGIN_TEMPLATES[template].versions
    if version not in versions:
        raise bad_request(f"{where}: unknown {template} version {version!r} (known: {', '.join(versions)})")


def os_quotas(networks: int, pools: int) -> JSON:
    """Seed §14.1; the table types the numbers as String, the example (followed here) as integers."""
    return {
        "quotas": {
            "resources": [
                {"type": "pool", "quota": POOL_QUOTA, "used": pools},
                {"type": "network", "quota": NETWORK_QUOTA, "used": networks},
            ]
        }
    }


def flavor_list(project: Project, selector: str | None, limit: int | None, token: str | None) -> JSON:
    matches = label_filter(selector)
    items = [flavor.to_api(project.region) for flavor in FLAVORS]
    items = [item for item in items if matches(item["metadata"]["labels"])]
    page, metadata = paginate(items, lambda item: str(item["metadata"]["name"]), limit, token)
    return {"kind": "ResourceFlavorList", "apiVersion": "v1", "metadata": metadata, "items": page}


# routes ----------------------------------------------------------------------------------------
router = InlineRouter()


@router.get("/v1/{project_id}/os-user-config")
def show_os_config(project: ModelArtsProject) -> dict[str, Any]:
    # "pooHighAvailable" is the seed's spelling (table 10-2); the SDK reads "poolHighAvailable", so
    # both are emitted.
    return {
        "networkCidrs": list(NETWORK_CIDRS),
        "networkQuota": NETWORK_QUOTA,
        "poolQuota": POOL_QUOTA,
        "pooHighAvailable": True,
        "poolHighAvailable": True,
    }


@router.get("/v1/{project_id}/quotas")
def show_os_quotas(project: ModelArtsProject, cloud: CloudDep) -> dict[str, Any]:
    # Objects still being deleted count until they are gone (digest §7.3).
    with cloud.store.transaction() as tx:
        networks = len(tx.object_ids(NETWORK_KIND, project.project_id))
        pools = len(tx.object_ids(POOL_KIND, project.project_id))
    return os_quotas(networks, pools)


@router.get("/v1/{project_id}/plugintemplates/{plugintemplate_name}")
def show_plugin_template(plugintemplate_name: str, project: ModelArtsProject) -> dict[str, Any]:
    template = PLUGIN_TEMPLATES.get(plugintemplate_name)
    if template is None:
        raise modelarts_error(404, "ModelArts.50005101", f"Plugintemplate {plugintemplate_name} not found.")
    return template.to_api()


@router.get("/v1/{project_id}/resourceflavors")
def list_resource_flavors(
    project: ModelArtsProject,
    label_selector: LabelSelectorQuery = None,
    limit: LimitQuery = None,
    continue_token: ContinueQuery = None,
) -> dict[str, Any]:
    return flavor_list(project, label_selector, parse_limit(limit), continue_token)
