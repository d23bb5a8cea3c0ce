"""A stack handed back and forth between the real Pulumi CLI and aicompute, on one file backend with
one passphrase: ``pulumi up`` → ``aicompute preview --expect-no-changes`` → ``aicompute up`` of a
change → ``pulumi preview --expect-no-changes`` → ``pulumi refresh`` → ``aicompute drift`` (in sync)
→ ``pulumi destroy``. Secret config set by either CLI is read by the other; ``pulumi stack export``
reads the state aicompute wrote and ``aicompute stack import`` takes Pulumi's export.

Run on the quickstart and on the multi-stack platform, two programs that use all three platforms.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.central import central_writes
from tests.support.engine_cli import EXAMPLES, EngineCli
from tests.support.examples import provider_env
from tests.support.inventory import everything
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import last_seq
from tests.support.pulumi_cli import PulumiCli

PULUMI_SECRET = "set-by-pulumi-6d1f"
AICOMPUTE_SECRET = "set-by-aicompute-94ce"


@dataclass(frozen=True)
class Handoff:
    example: str
    secret_by_pulumi: str  # a secret config key the program reads, set with `pulumi config set --secret`
    change: tuple[str, str]  # the change aicompute makes (config key, value) and ...
    output: tuple[str, object]  # ... the stack output it shows in


HANDOFFS = [
    Handoff("quickstart", "quickstart:apiToken", ("quickstart:replicas", "2"), ("detector_replicas", 2)),
    Handoff(
        "multi-stack/platform",
        "multi-stack-platform:registryPassword",
        ("multi-stack-platform:imageRegistry", "registry.local/handoff"),
        ("image_registry", "registry.local/handoff"),
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("handoff", HANDOFFS, ids=[h.example for h in HANDOFFS])
def test_a_stack_moves_between_pulumi_and_aicompute(
    handoff: Handoff, tmp_path: Path, localcloud: LocalCloudProcess, project: Credentials, pulumi_bin: Path
) -> None:
    env = provider_env(localcloud, project)
    pulumi = PulumiCli(tmp_path, handoff.example, pulumi_bin, source=EXAMPLES, env=env)
    aicompute = EngineCli(tmp_path, handoff.example, source=EXAMPLES, env=env)  # the same copy and backend
    pulumi.init()
    pulumi.set_secret(handoff.secret_by_pulumi, PULUMI_SECRET)
    aicompute.run("config", "set", "--secret", "handoffNote", AICOMPUTE_SECRET)

    pulumi.run("up", "--yes", "--skip-preview", timeout=300)
    aicompute.run("preview", "--expect-no-changes", timeout=300)
    # Each CLI decrypts what the other encrypted.
    assert aicompute.run("config", "get", handoff.secret_by_pulumi, "--show-secrets").stdout.strip() == PULUMI_SECRET
    assert pulumi.run("config", "get", "handoffNote").stdout.strip() == AICOMPUTE_SECRET

    key, value = handoff.change
    aicompute.set_config(**{key: value})
    aicompute.run("up", "--yes", "--skip-preview", timeout=300)
    name, expected = handoff.output
    assert json.loads(pulumi.run("stack", "output", name, "--json").stdout) == expected
    pulumi.run("preview", "--expect-no-changes", timeout=300)

    since = last_seq(localcloud)
    pulumi.run("refresh", "--yes", "--skip-preview", timeout=300)
    assert central_writes(localcloud, since) == []  # a refresh only reads (token requests aside)
    aicompute.run("drift", timeout=300)  # exit 0: in sync

    # Pulumi exports aicompute's state; aicompute imports Pulumi's export unchanged.
    export = pulumi.run("stack", "export").stdout
    assert json.loads(export)["deployment"]["resources"]
    (tmp_path / "export.json").write_text(export)
    aicompute.run("stack", "import", "--file", str(tmp_path / "export.json"))
    aicompute.run("preview", "--expect-no-changes", timeout=300)
    for text in (pulumi.state_text(), export):
        assert PULUMI_SECRET not in text and AICOMPUTE_SECRET not in text and project.secret_key not in text

    pulumi.run("destroy", "--yes", "--skip-preview", timeout=300)
    assert everything(localcloud, project) == {}
    assert aicompute.resources() == {}
