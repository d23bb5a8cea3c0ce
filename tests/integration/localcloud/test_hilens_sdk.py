"""The official Huawei SDK (huaweicloudsdkhilens v3) against localcloud, unchanged.

It signs with its own SDK-HMAC-SHA256 signer, sends its own bodies and parses the answers into its
models: workspaces, devices, secrets, configmaps, deployments (and their instances and jobs) are
created, read, listed, updated and deleted through it; the global firmware and skill catalogues too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkhilens.v3 import (
    AddDeploymentNodesRequest,
    AppDef,
    Config,
    ConfigMap,
    ConfigMapModelBoxDTO,
    CreateConfigMapRequest,
    CreateDeploymentRequest,
    CreateNodeRequest,
    CreateResourceTagsRequest,
    CreateSecretRequest,
    CreateTaskRequest,
    CreateWorkSpaceRequest,
    DeleteConfigMapRequest,
    DeleteDeploymentRequest,
    DeleteNodeRequest,
    DeleteSecretRequest,
    DeleteWorkSpaceRequest,
    DeploymentAddNodesRequest,
    DeploymentCreateRequest,
    DeploymentPatchRequest,
    DeploymentRequest,
    DeploymentUpdateRequest,
    Env,
    HiLensClient,
    ListConfigMapsRequest,
    ListFirmwaresRequest,
    ListSecretsRequest,
    ListWorkSpacesRequest,
    LogConfig,
    NodeReqDetail,
    NodeRequest,
    Patch,
    PodConfig,
    PodRequest,
    RequestWorkspace,
    Res,
    ResQuest,
    Secret,
    SecretObjectInSecretRequestBody,
    SecretRequestBody,
    ShowConfigMapRequest,
    ShowDeploymentPodsRequest,
    ShowDeploymentRequest,
    ShowDeploymentsRequest,
    ShowNodeRequest,
    ShowNodesRequest,
    ShowResourceTagsRequest,
    ShowSecretRequest,
    ShowSkillListRequest,
    ShowTaskRequest,
    ShowUpgradeProgressRequest,
    ShowWorkSpaceRequest,
    SwitchNodeConnectionRequest,
    Tag,
    TagObject,
    TagRequestDetail,
    TaskData,
    TaskInput,
    TaskOutputs,
    TaskRequest,
    TaskStream,
    UpdateConfigMapRequest,
    UpdateDeploymentRequest,
    UpdateDeploymentUsingPatchRequest,
    UpdateDescription,
    UpdateNodeCertRequest,
    UpdateNodeFirmwareRequest,
    UpdateNodeReqDetail,
    UpdateNodeRequest,
    UpdateNodeRequestBody,
    UpdateSecretRequest,
    UpdateWorkSpaceRequest,
)

from tests.integration.localcloud.hilens_api import HiLensApi, eventually
from tests.support.localcloud import Credentials, LocalCloudProcess


@pytest.fixture
def sdk(project: Credentials, localcloud: LocalCloudProcess) -> Any:
    config = HttpConfig.get_default_config()
    config.ignore_ssl_verification = True
    return (
        HiLensClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(project.access_key, project.secret_key, project.project_id))
        .with_endpoints([localcloud.url])
        .build()
    )


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[HiLensApi]:
    with HiLensApi(localcloud, project) as client:
        yield client


def missing(call: Any) -> bool:
    try:
        call()
    except ClientRequestException as error:
        return bool(error.status_code == 404)
    return False


def test_sdk_workspace_crud(sdk: Any) -> None:
    body = RequestWorkspace(name="sdk-space", enterprise_project_id="0", enterprise_project_name="default")
    workspace_id = sdk.create_work_space(CreateWorkSpaceRequest(body=body)).workspace_id
    shown = sdk.show_work_space(ShowWorkSpaceRequest(workspace_id=workspace_id))
    assert (shown.name, shown.enterprise_project_id, shown.description) == ("sdk-space", "0", None)
    update = UpdateDescription(description="edge fleet")
    assert sdk.update_work_space(UpdateWorkSpaceRequest(workspace_id=workspace_id, body=update)).workspace_id
    listed = sdk.list_work_spaces(ListWorkSpacesRequest(limit=10))
    assert listed.count == 2 and [w.description for w in listed.workspaces] == [None, "edge fleet"]
    sdk.delete_work_space(DeleteWorkSpaceRequest(workspace_id=workspace_id))
    assert missing(lambda: sdk.show_work_space(ShowWorkSpaceRequest(workspace_id=workspace_id)))


def test_sdk_device_crud(sdk: Any, api: HiLensApi) -> None:
    node = NodeReqDetail(
        name="sdk-edge",
        description="via the SDK",
        tags=[TagObject(key="site", value="a1")],
        log_configs=[LogConfig(component="app", type="LTS", size=50, rotate_num=10)],
    )
    created = sdk.create_node(CreateNodeRequest(provider="hilens", body=NodeRequest(node=node)))
    assert created.id.startswith("hilens-") and created.package
    shown = sdk.show_node(ShowNodeRequest(node_id=created.id))
    assert (shown.state, shown.description, shown.log_configs[0].rotate_num) == ("UNCONNECTED", "via the SDK", 10)

    api.connect(created.id, arch="x86_64")
    listed = sdk.show_nodes(ShowNodesRequest(limit=10, offset=0, provider="hilens"))
    assert listed.count == 1 and (listed.nodes[0].state, listed.nodes[0].type) == ("RUNNING", "General x86 Device")

    change = UpdateNodeReqDetail(description="renamed", tags=[TagObject(key="site", value="b2")])
    sdk.update_node(UpdateNodeRequest(node_id=created.id, body=UpdateNodeRequestBody(node=change)))
    assert sdk.show_node(ShowNodeRequest(node_id=created.id)).description == "renamed"
    assert api.node(created.id)["tags"] == {"site": "b2"}

    sdk.switch_node_connection(SwitchNodeConnectionRequest(node_id=created.id, action="stop"))
    assert sdk.show_node(ShowNodeRequest(node_id=created.id)).state == "STOPPED"
    sdk.switch_node_connection(SwitchNodeConnectionRequest(node_id=created.id, action="start"))
    assert sdk.show_node(ShowNodeRequest(node_id=created.id)).state == "RUNNING"
    assert sdk.update_node_cert(UpdateNodeCertRequest(node_id=created.id)).package != created.package

    sdk.delete_node(DeleteNodeRequest(node_id=created.id))
    assert missing(lambda: sdk.show_node(ShowNodeRequest(node_id=created.id)))


def test_sdk_firmware_upgrade(sdk: Any, api: HiLensApi) -> None:
    node_id = api.online_device("sdk-upgrade")
    firmwares = sdk.list_firmwares(ListFirmwaresRequest(device_type="General ARM Device", arch="aarch64"))
    latest = firmwares.firmwares[-1]
    assert firmwares.count == 3 and latest.version == "2.0.0"
    started = sdk.update_node_firmware(UpdateNodeFirmwareRequest(node_id=node_id, firmware_id=latest.id))
    assert (started.firmware_id, started.firmware_name) == (latest.id, "HiLens_Device_Agent")
    done = eventually(
        lambda: sdk.show_upgrade_progress(ShowUpgradeProgressRequest(node_id=node_id)), lambda p: p.status == 3
    )
    assert (done.version, done.progress) == ("2.0.0", "100")


def test_sdk_secret_crud(sdk: Any) -> None:
    body = SecretRequestBody(
        secret=SecretObjectInSecretRequestBody(
            name="db-cred", secrets=[Secret(key="password", value="s3cret")], tags=[Tag(key="team", value="edge")]
        )
    )
    created = sdk.create_secret(CreateSecretRequest(body=body))
    secret_id = created.secret.id
    assert created.workspace_id == "0" and created.secret.secrets[0].value != "s3cret"
    shown = sdk.show_secret(ShowSecretRequest(secret_id=secret_id)).secret
    assert (shown.name, shown.workspace_id, shown.secrets[0].key) == ("db-cred", "0", "password")
    assert shown.secrets[0].value == created.secret.secrets[0].value

    body.secret.secrets = [Secret(key="password", value="n3w")]
    updated = sdk.update_secret(UpdateSecretRequest(secret_id=secret_id, body=body)).secret
    assert updated.secrets[0].value not in ("n3w", shown.secrets[0].value)
    assert [s.name for s in sdk.list_secrets(ListSecretsRequest(limit=5)).secrets] == ["db-cred"]
    assert sdk.delete_secret(DeleteSecretRequest(secret_id=secret_id)).secret.id == secret_id
    assert missing(lambda: sdk.show_secret(ShowSecretRequest(secret_id=secret_id)))


def test_sdk_configmap_crud(sdk: Any) -> None:
    configmap = ConfigMap(name="app-config", configs=[Config(key="threshold", value="0.8")], tags=[])
    created = sdk.create_config_map(CreateConfigMapRequest(body=ConfigMapModelBoxDTO(configmap=configmap)))
    configmap_id = created.configmap.id
    assert (created.workspace_id, created.configmap.configs[0].value) == ("0", "0.8")

    configmap.configs = [Config(key="threshold", value="0.9")]
    configmap.tags = [Tag(key="team", value="edge")]
    body = ConfigMapModelBoxDTO(configmap=configmap)
    sdk.update_config_map(UpdateConfigMapRequest(config_map_id=configmap_id, body=body))
    shown = sdk.show_config_map(ShowConfigMapRequest(config_map_id=configmap_id)).configmap
    assert (shown.configs[0].value, shown.tags[0].key) == ("0.9", "team")
    assert sdk.list_config_maps(ListConfigMapsRequest(sort="name")).count == 1
    sdk.delete_config_map(DeleteConfigMapRequest(config_map_id=configmap_id))
    assert missing(lambda: sdk.show_config_map(ShowConfigMapRequest(config_map_id=configmap_id)))


def _deployment_body(node_id: str) -> DeploymentCreateRequest:
    app = AppDef(
        name="detector",
        app_url="swr.cn-north-4.myhuaweicloud.com/edge/detector:1.0",
        resources=ResQuest(limits=Res(cpu="0.25", memory="128")),
        envs=[Env(name="MODE", value="fast")],
    )
    template = PodRequest(apps=[app], configs=PodConfig(host_network=False, restart_policy="Always"))
    return DeploymentCreateRequest(
        name="sdk-deploy",
        source="userdefined",
        deployment=DeploymentRequest(replicas=1, template=template),
        node_ids=[node_id],
    )


def test_sdk_deployment_crud(sdk: Any, api: HiLensApi) -> None:
    first = api.online_device("sdk-dep-1")
    body = _deployment_body(first)
    created = sdk.create_deployment(CreateDeploymentRequest(body=body, x_expired_time=60))
    assert (created.state, created.node_ids, created.result[0].node_id) == ("CREATING", [first], first)
    running = eventually(
        lambda: sdk.show_deployment(ShowDeploymentRequest(deployment_id=created.id)), lambda d: d.state == "RUNNING"
    )
    assert running.ready_replicas == 1 and running.template.apps[0].envs[0].value == "fast"

    patch = DeploymentPatchRequest(patch=Patch(envs=[Env(name="MODE", value="accurate")]))
    patched = sdk.update_deployment_using_patch(UpdateDeploymentUsingPatchRequest(deployment_id=created.id, body=patch))
    assert patched.template.apps[0].envs[0].value == "accurate" and patched.state == "CREATING"
    update = DeploymentUpdateRequest(description="v2", deployment=body.deployment)
    updated = sdk.update_deployment(UpdateDeploymentRequest(deployment_id=created.id, body=update))
    assert updated.description == "v2"

    second = api.online_device("sdk-dep-2")
    add = DeploymentAddNodesRequest(deployment_id=created.id, node_ids=[second], node_num=1)
    grown = sdk.add_deployment_nodes(AddDeploymentNodesRequest(deployment_id=created.id, body=add))
    assert grown.node_ids == [first, second] and grown.node_num == 2
    eventually(lambda: sdk.show_deployment(ShowDeploymentRequest(deployment_id=created.id)).state == "RUNNING")
    pods = sdk.show_deployment_pods(ShowDeploymentPodsRequest(deployment_id=created.id))
    assert pods.count == 2 and {pod.status for pod in pods.pods} == {"Running"}

    stream = TaskStream(
        input=TaskInput(type="camera", data={"rtsp": "rtsp://cam"}), outputs=[TaskOutputs(type="dis", data={})]
    )
    task = TaskRequest(name="count-cars", data=TaskData(streams=[stream], task_id="user-1"))
    task_id = sdk.create_task(CreateTaskRequest(deployment_id=created.id, body=task)).task_id
    shown_task = sdk.show_task(ShowTaskRequest(deployment_id=created.id, task_id=task_id))
    assert (shown_task.user_task_id, shown_task.sum_pod_number, shown_task.cur_pod_number) == ("user-1", 2, 2)

    tags = TagRequestDetail(tags=[TagObject(key="app", value="cars")])
    sdk.create_resource_tags(CreateResourceTagsRequest(resource_type="deployment", resource_id=created.id, body=tags))
    assert (
        sdk.show_resource_tags(ShowResourceTagsRequest(resource_type="deployment", resource_id=created.id)).count == 1
    )

    assert sdk.show_deployments(ShowDeploymentsRequest(name="sdk")).count == 1
    sdk.delete_deployment(DeleteDeploymentRequest(deployment_id=created.id))
    eventually(lambda: missing(lambda: sdk.show_deployment(ShowDeploymentRequest(deployment_id=created.id))))


def test_sdk_reads_the_skill_market(sdk: Any) -> None:
    skills = sdk.show_skill_list(ShowSkillListRequest(limit=2, charge_model=0))
    assert skills.total == 2 and [s.charge_model for s in skills.data] == [0, 0]
