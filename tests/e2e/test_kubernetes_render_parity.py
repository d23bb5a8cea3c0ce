"""aicompute's ``--render-kubernetes`` against pulumi-kubernetes' own ``renderYamlToDirectory`` (the
provider plugin, ``make pulumi-kubernetes``, run by the Pulumi CLI) on the same program: the same
files with the same objects."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.engine_cli import EngineCli
from tests.support.pulumi_cli import PulumiCli

pytestmark = pytest.mark.slow

PROJECT = "k8srendercompare"


def _manifests(directory: Path) -> dict[str, Any]:
    return {
        str(path.relative_to(directory)): yaml.safe_load(path.read_text()) for path in sorted(directory.rglob("*.yaml"))
    }


def test_the_rendered_manifests_equal_the_providers(tmp_path: Path, pulumi_bin: Path) -> None:
    if not (pulumi_bin / "pulumi-resource-kubernetes").is_file():
        pytest.fail("the pulumi-kubernetes provider plugin is not built: run `make pulumi-kubernetes`")
    ours, theirs = tmp_path / "aicompute-render", tmp_path / "pulumi-render"
    aicompute = EngineCli(tmp_path / "a", PROJECT)
    aicompute.run("stack", "init", "dev")
    aicompute.run("up", "--yes", "--skip-preview", "--render-kubernetes", str(ours))
    pulumi = PulumiCli(tmp_path / "p", PROJECT, pulumi_bin)
    pulumi.init()
    pulumi.run("config", "set", "kubernetes:renderYamlToDirectory", str(theirs))
    pulumi.run("up", "--yes", "--skip-preview")
    assert _manifests(ours) == _manifests(theirs)
