"""The ``--render-kubernetes`` renderer: file layout and names as pulumi-kubernetes' renderYamlToDirectory."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from aicompute.engine.deploy.providers.kubernetes import (
    KubernetesRenderer,
    is_kubernetes,
    manifest_path,
    object_id,
    render_manifest,
)
from aicompute.engine.resource.checkpoint_values import secret

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "vision", "labels": {"b": "2", "a": "1"}},
    "spec": {"replicas": 2.0, "paused": None, "template": {"spec": {"containers": [{"name": "c", "ports": []}]}}},
}


def test_file_names_and_folders_follow_render_path_for_resource(tmp_path: Path) -> None:
    assert manifest_path(tmp_path, DEPLOYMENT) == tmp_path / "1-manifest" / "apps_v1-deployment-vision-web.yaml"
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}}
    assert manifest_path(tmp_path, config_map) == tmp_path / "1-manifest" / "v1-configmap-default-settings.yaml"
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": {"name": "x.y"}}
    assert manifest_path(tmp_path, crd).relative_to(tmp_path).as_posix() == (
        "0-crd/apiextensions.k8s.io_v1-customresourcedefinition-default-x.y.yaml"
    )
    assert object_id(DEPLOYMENT) == "vision/web" and object_id(config_map) == "settings"


def test_yaml_is_sorted_plain_and_deterministic() -> None:
    text = render_manifest(DEPLOYMENT)
    assert text == render_manifest(dict(reversed(list(DEPLOYMENT.items()))))
    assert text.splitlines()[:3] == ["apiVersion: apps/v1", "kind: Deployment", "metadata:"]
    document = yaml.safe_load(text)
    assert document["spec"]["replicas"] == 2 and "replicas: 2\n" in text  # whole floats back to integers
    assert "paused" not in document["spec"]
    assert list(document["metadata"]["labels"]) == ["a", "b"]


def test_secrets_are_plaintext_in_the_manifest_only(tmp_path: Path) -> None:
    inputs = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "token", "namespace": "vision"},
        "stringData": {"token": secret("hunter2")},
    }
    renderer = KubernetesRenderer(tmp_path)
    resource_id, outputs = renderer.create("urn", "kubernetes:core/v1:Secret", "token", inputs)
    assert resource_id == "vision/token"
    assert outputs["stringData"]["token"] == secret("hunter2")  # still a secret: the state encrypts it
    path = tmp_path / "1-manifest" / "v1-secret-vision-token.yaml"
    # As the provider renders a Secret: stringData folded into data, base64
    assert yaml.safe_load(path.read_text())["data"] == {"token": base64.b64encode(b"hunter2").decode()}
    assert path.stat().st_mode & 0o777 == 0o600
    renderer.delete("urn", "kubernetes:core/v1:Secret", "token", resource_id, outputs, inputs)
    assert not path.exists()
    renderer.delete("urn", "kubernetes:core/v1:Secret", "token", resource_id, outputs, inputs)  # gone is fine


def test_check_autonames_diff_replaces_on_identity_and_the_provider_is_recorded(tmp_path: Path) -> None:
    renderer = KubernetesRenderer(tmp_path)
    news = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "1"}}
    checked, failures = renderer.check("urn", "kubernetes:core/v1:ConfigMap", "cfg", {}, news)
    assert not failures and checked["metadata"]["name"].startswith("cfg-")
    again, _ = renderer.check("urn", "kubernetes:core/v1:ConfigMap", "cfg", checked, news)
    assert again["metadata"]["name"] == checked["metadata"]["name"]
    _, failures = renderer.check("urn", "kubernetes:core/v1:ConfigMap", "cfg", {}, {"metadata": {"name": "x"}})
    assert {f.property for f in failures} == {"apiVersion", "kind"}

    renamed = {**checked, "metadata": {"name": "other"}}
    diff = renderer.diff("urn", "kubernetes:core/v1:ConfigMap", "cfg", "id", checked, renamed, checked, [])
    assert diff.replaces == ("metadata",) and not diff.delete_before_replace
    edited = {**checked, "data": {"a": "2"}}
    in_place = renderer.diff("urn", "kubernetes:core/v1:ConfigMap", "cfg", "id", checked, edited, checked, [])
    assert in_place.replaces == ()

    provider_id, outputs = renderer.create("urn", "pulumi:providers:kubernetes", "cluster", {"kubeconfig": "x"})
    assert provider_id and outputs == {"kubeconfig": "x"} and list(tmp_path.iterdir()) == []
    assert is_kubernetes("pulumi:providers:kubernetes") and is_kubernetes("kubernetes:apps/v1:Deployment")
    assert not is_kubernetes("pulumi:providers:aws") and not is_kubernetes("kubernetesx:a:B")
