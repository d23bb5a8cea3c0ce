"""``config`` and ``stack output`` against the real Pulumi CLI: the same ``config set --path`` /
``--type`` commands write the same ``Pulumi.<stack>.yaml`` config, and ``config get``, ``config``,
``stack output`` print the same text, sorted (issue #14 items 12 and 18)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from tests.support.engine_cli import EngineCli
from tests.support.pulumi_cli import PulumiCli

SETS: list[tuple[str, ...]] = [
    ("--path", "server.port", "80"),
    ("--path", "server.tls", "true"),
    ("--path", "server.off", "false"),
    ("--path", "server.zip", "0123"),  # a leading zero stays text
    ("--path", "server.ratio", "0.5"),  # untyped floats stay text
    ("--path", "server.ports[0]", "8080"),
    ("--path", "server.label", "--type", "string", "80"),
    ("--path", "server.weight", "--type", "float", "2"),
    ("--path", "server.debug", "--type", "bool", "1"),
    ("--path", "server.workers", "--type", "int", "+4"),
    ("--path", "top", "80"),  # the top of a key stays text
    ("plain", "80"),
    ("--type", "int", "count", "80"),
    ("--type", "bool", "enabled", "True"),
    ("--type", "float", "scale", "0.50"),
    ("--type", "string", "name", "80"),
]


def _config(cli: EngineCli) -> dict[str, Any]:
    """The stack's config, each ciphertext (random per encryption) as ``secure``."""
    settings = yaml.safe_load((cli.project_dir / f"Pulumi.{cli.stack}.yaml").read_text())
    return _without_ciphertexts(settings["config"])


def _without_ciphertexts(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "secure" if k == "secure" else _without_ciphertexts(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_ciphertexts(v) for v in value]
    return value


def test_config_set_types_values_and_get_prints_secrets_as_pulumi_does(tmp_path: Path, pulumi_bin: Path) -> None:
    pulumi = PulumiCli(tmp_path / "pulumi", "filestate", pulumi_bin)
    aicompute = EngineCli(tmp_path / "aicompute", "filestate")
    for cli in (pulumi, aicompute):
        cli.init(via_cli=True)
        for args in SETS:
            cli.run("config", "set", *args)
        cli.run("config", "set", "--secret", "token", stdin="s3cret")
        cli.run("config", "set", "--path", "--secret", "vault.key", stdin="0")
    assert _config(aicompute) == _config(pulumi)
    assert _config(aicompute)["filestate:server"]["port"] == 80 and _config(aicompute)["filestate:count"] == "80"
    for key in ("token", "vault", "server", "scale"):
        assert aicompute.run("config", "get", key).stdout == pulumi.run("config", "get", key).stdout, key
    assert aicompute.run("config", "get", "token").stdout == "s3cret\n"
    for bad in (("--type", "int", "n", "abc"), ("--type", "float", "n", "x"), ("--type", "nope", "n", "1")):
        assert pulumi.run("config", "set", *bad, expect=1).returncode == 1
        refused = aicompute.run("config", "set", *bad, expect=1)
        assert "error: " in refused.stderr and "Traceback" not in refused.stderr


def test_stack_outputs_and_config_listings_print_as_pulumi_prints_them(tmp_path: Path, pulumi_bin: Path) -> None:
    spec, objects = tmp_path / "spec.json", tmp_path / "objects"
    objects.mkdir()
    outputs = {"zeta": 1, "alpha": {"z": 1, "a": [2, {"y": True, "b": None}]}, "mid": "x"}
    spec.write_text(json.dumps({"things": [], "outputs": outputs}))
    pulumi = PulumiCli(tmp_path / "pulumi", "filestate", pulumi_bin)
    aicompute = EngineCli(tmp_path / "aicompute", "filestate")
    for cli in (pulumi, aicompute):
        cli.init(via_cli=True)
        for key, value in (("spec", str(spec)), ("dir", str(objects)), ("zz", "1"), ("aa", "2")):
            cli.run("config", "set", key, value)
        cli.run("config", "set", "--path", "obj.b", "1")
        cli.run("config", "set", "--path", "obj.a", "x")
        cli.run("up", "--yes", "--skip-preview", timeout=300)
    for command in (("stack", "output", "--json"), ("stack", "output"), ("stack", "output", "alpha"), ("config",)):
        assert aicompute.run(*command).stdout == pulumi.run(*command).stdout, command
    listed = json.loads(aicompute.run("config", "--json").stdout)
    assert list(listed) == sorted(listed) == sorted(json.loads(pulumi.run("config", "--json").stdout))
