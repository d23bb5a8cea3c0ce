"""Resource flavors, plugin templates, OS configuration and OS quotas (seed §10.1, §10.2, §10.20, §14.1)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.localcloud.resource_api import ResourceApi
from tests.support.localcloud import Credentials, LocalCloudProcess


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[ResourceApi]:
    client = ResourceApi(localcloud, project)
    yield client
    client.close()


def test_flavor_catalogue(api: ResourceApi) -> None:
    listed = api.get("v1/resourceflavors")
    assert (listed["kind"], listed["apiVersion"], listed["metadata"]) == ("ResourceFlavorList", "v1", {})
    by_name = {item["metadata"]["name"]: item for item in listed["items"]}
    for name in (
        "modelarts.vm.cpu.8u",
        "modelarts.vm.gpu.t4u8",
        "modelarts.vm.2u4g.dcc",
        "modelarts.vm.cpu.4ud",
        "modelarts.vm.gpu.tnt004",
    ):
        assert name in by_name
    region = api.project.region
    example = by_name["modelarts.vm.cpu8u32g"]  # the seed's example (§10.20)
    assert example["kind"] == "ResourceFlavor"
    assert (example["spec"]["cpuArch"], example["spec"]["cpu"], example["spec"]["memory"]) == ("x86", "8", "32Gi")
    assert (example["spec"]["billingCode"], example["spec"]["billingModes"]) == ("modelarts.vm.cpu.8ud", [0])
    assert example["status"]["phase"] == {f"{region}a": "soldout", f"{region}b": "soldout", f"{region}c": "normal"}
    assert by_name["modelarts.vm.gpu.tnt004"]["spec"]["gpu"] == {"type": "tnt004", "size": "1"}
    npu = by_name["modelarts.bm.npu.arm.8snt9b3.d"]["spec"]
    assert (npu["cpuArch"], npu["npu"]) == ("arm64", {"type": "ascend-snt9b", "size": "8"})
    assert all(item["spec"]["dataVolume"][0]["size"].endswith("Gi") for item in listed["items"])


def test_flavor_paging_and_label_selector(api: ResourceApi) -> None:
    everything = [item["metadata"]["name"] for item in api.get("v1/resourceflavors")["items"]]
    seen: list[str] = []
    token = None
    while True:
        page = api.get("v1/resourceflavors", params={"limit": 5, **({"continue": token} if token else {})})
        seen += [item["metadata"]["name"] for item in page["items"]]
        token = page["metadata"].get("continue")
        if token is None:
            break
        assert page["metadata"]["remainingItemCount"] == len(everything) - len(seen)
    assert seen == everything
    infer = api.get("v1/resourceflavors", params={"labelSelector": "os.modelarts/scope=Infer"})["items"]
    assert infer and all(item["metadata"]["labels"]["os.modelarts/scope"] == "Infer" for item in infer)
    api.error("GET", "v1/resourceflavors", 400, "ModelArts.50004000", params={"continue": "!!"})


def test_plugin_templates(api: ResourceApi) -> None:
    gpu = api.get("v1/plugintemplates/gpu-driver")
    assert (gpu["apiVersion"], gpu["kind"], gpu["metadata"], gpu["spec"]["type"]) == (
        "v1",
        "PluginTemplate",
        {"name": "gpu-driver"},
        "gpuDriver",
    )
    assert "470.57.02" in gpu["spec"]["versions"] and "detail" in gpu["spec"]["versions"]["470.57.02"]
    assert api.get("v1/plugintemplates/npu-driver")["spec"]["type"] == "npuDriver"
    message = api.error("GET", "v1/plugintemplates/helm", 404, "ModelArts.50005101")
    assert message == "Plugintemplate helm not found."


def test_os_config_and_quotas(api: ResourceApi) -> None:
    config = api.get("v1/os-user-config")
    assert config["networkCidrs"] == ["172.16.0.0/12", "192.168.0.0/16"]
    assert (config["networkQuota"], config["poolQuota"], config["pooHighAvailable"]) == (15, 15, True)
    assert api.get("v1/quotas") == {
        "quotas": {"resources": [{"type": "pool", "quota": 15, "used": 0}, {"type": "network", "quota": 15, "used": 0}]}
    }
    api.create_network("net-counted", wait=False)
    assert {"type": "network", "quota": 15, "used": 1} in api.get("v1/quotas")["quotas"]["resources"]


def test_projects_are_isolated(localcloud: LocalCloudProcess, api: ResourceApi) -> None:
    network = api.create_network("net-private", wait=False)
    other = ResourceApi(localcloud, localcloud.new_project())
    try:
        assert other.get("v1/networks")["items"] == []
        assert other.request("GET", f"v1/networks/{network}").status_code == 404
        # Another project's credentials on this project's URL are refused.
        response = other.client.get(f"/v1/{api.project.project_id}/networks")
        assert response.status_code == 403
    finally:
        other.close()
