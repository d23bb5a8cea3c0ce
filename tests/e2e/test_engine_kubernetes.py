"""``--render-kubernetes DIR``: pulumi-kubernetes objects rendered as YAML manifests by the engine."""

from __future__ import annotations

import base64
from pathlib import Path

import yaml

from aicompute.engine.resource.schema import validate_deployment
from tests.support.engine_cli import EngineCli

SECRET = "k8s-t0ken-value"


def test_preview_up_no_change_preview_and_destroy_of_rendered_kubernetes_objects(tmp_path: Path) -> None:
    cli = EngineCli(tmp_path, "k8srender")
    cli.init()
    out = tmp_path / "rendered"
    render = ("--render-kubernetes", str(out))

    # Without the provider plugin a preview is refused naming the type, the plugin, the Pulumi CLI and
    # --render-kubernetes (tests/unit/engine/deploy/test_external_providers.py); with it (CI builds it)
    # the objects would go to a cluster: here they are rendered.
    preview = cli.run("preview", *render)
    assert "+  kubernetes:apps/v1:Deployment detector create" in preview.stdout and "+ 5 to create" in preview.stdout
    assert not out.exists()

    up = cli.run("up", "--yes", *render)
    assert "+ 5 created" in up.stdout and 'config_map: "detector-settings"' in up.stdout
    manifests = out / "1-manifest"
    assert sorted(p.name for p in manifests.iterdir()) == [
        "apps_v1-deployment-vision-detector.yaml",
        "v1-configmap-vision-detector-settings.yaml",
        "v1-secret-vision-detector-token.yaml",
    ]
    assert (out / "0-crd").is_dir()
    deployment = yaml.safe_load((manifests / "apps_v1-deployment-vision-detector.yaml").read_text())
    assert deployment["spec"]["replicas"] == 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"configMapRef": {"name": "detector-settings"}}]
    secret = yaml.safe_load((manifests / "v1-secret-vision-detector-token.yaml").read_text())
    # As the provider renders a Secret: stringData folded into data, base64 (the manifest needs the value)
    encoded = base64.b64encode(SECRET.encode()).decode()
    assert secret["data"] == {"token": encoded} and "stringData" not in secret
    for value in (SECRET, encoded):
        assert value not in up.stdout + up.stderr + preview.stdout and value not in cli.state_text()

    resources = cli.resources()
    assert resources["detector"]["id"] == "vision/detector"
    assert resources["detector"]["outputs"]["metadata"]["name"] == "detector"
    assert resources["token"]["provider"].startswith(resources["cluster"]["urn"] + "::")
    assert resources["settings"]["provider"].split("::")[-2] == "default"
    validate_deployment({"version": 3, "deployment": cli.state()["checkpoint"]["latest"]}, strict=True)

    same = cli.run("preview", "--expect-no-changes", *render)
    assert "5 unchanged" in same.stdout

    destroyed = cli.run("destroy", "--yes", *render)
    assert "- 5 deleted" in destroyed.stdout  # the explicit provider counts, as in Pulumi (only default ones do not)
    assert list(manifests.iterdir()) == []
    assert cli.resources() == {}
