"""Known secret values planted in a stack — the access and secret keys, an IAM password, the central
platform's client secret (all secret config), HiLens secret values, and the clusters' kubeconfig
credentials — never appear in anything a run produces: the state and its backups and history, every
file under the project, backend and PULUMI_HOME, the output of up / preview --json / preview --diff
/ a failing up / refresh / stack output / stack export / drift (JSON and Markdown) / report /
destroy, and localcloud's server log. Each value is looked for in plaintext, base64 (standard and
URL-safe, at every alignment) and URL-encoded forms."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.reliability.stack import DESTROY, PLANTED_SECRET, UP, reliability_stack
from tests.support.central import central_api
from tests.support.engine_cli import PASSPHRASE, EngineCli
from tests.support.localcloud import Credentials, LocalCloudProcess

CHANGED_SECRET = "second-planted-value-Zr4Nw8Tq"
PASSWORD = "planted-iam-password-Hy6Vb3Lp"


def encodings(value: str) -> set[str]:
    """``value`` and the forms it takes when encoded: URL-encoded, and the base64 characters that
    every encoding of it contains, whatever its byte offset in the encoded text."""
    forms = {value, quote(value, safe=""), quote_plus(value)}
    raw = value.encode()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(b"\0" * offset + raw).decode()
            start, end = -(-offset // 3) * 4, (offset + len(raw)) // 3 * 4
            forms.add(encoded[start:end])
    return {form for form in forms if len(form) >= 12}


def findings(secrets: dict[str, str], texts: dict[str, str]) -> list[str]:
    """``<where>: <which secret>`` for every text that holds any form of any secret."""
    found = []
    for label, value in secrets.items():
        forms = encodings(value)
        found += [f"{where}: {label}" for where, text in texts.items() if any(form in text for form in forms)]
    return found


def files_under(*roots: Path) -> dict[str, str]:
    return {
        str(path): path.read_text(errors="replace")
        for root in roots
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def kubeconfig_secrets(localcloud: LocalCloudProcess, project: Credentials, cluster_codes: list[str]) -> dict[str, str]:
    """Each cluster's client key as the platform hands it out, and the PEM body inside it."""
    planted = {}
    with central_api(localcloud, project) as api:
        for code in cluster_codes:
            key = str(api.data("GET", f"/CCP/clusters/{code}/license", {"clusterCode": code})["clientKeyData"])
            pem = base64.b64decode(key).decode() if not key.startswith("-----") else key
            planted[f"kubeconfig client key of {code}"] = key
            body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
            planted[f"kubeconfig key body of {code}"] = body[:64]
    return planted


@pytest.fixture
def logged_localcloud(tmp_path: Path) -> Iterator[LocalCloudProcess]:
    """A localcloud of this test, logging at info level, whose server log the test can read."""
    server = LocalCloudProcess(time_scale=0.01, extra_args=["--log-level", "info"]).start()
    try:
        yield server
    finally:
        server.stop()


class Recorder:
    """Runs CLI commands and keeps every output."""

    def __init__(self, cli: EngineCli) -> None:
        self.cli = cli
        self.outputs: dict[str, str] = {}

    def run(self, *args: str, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        result = self.cli.run(*args, expect=expect, timeout=600)
        label = " ".join(args)
        self.outputs[f"stdout of {label}"] = result.stdout
        self.outputs[f"stderr of {label}"] = result.stderr
        return result


def test_no_planted_secret_in_anything_a_run_produces(tmp_path: Path, logged_localcloud: LocalCloudProcess) -> None:
    server = logged_localcloud
    project = server.new_project()
    cli = reliability_stack(tmp_path, server, project, size=2)
    cli.set_secret("aicompute:accessKey", project.access_key)
    cli.set_secret("aicompute:password", PASSWORD)
    runs = Recorder(cli)
    reports = tmp_path / "reports"
    reports.mkdir()

    runs.run(*UP, "--json")
    runs.run("preview", "--json")
    clusters = [r["id"] for r in cli.resources().values() if r["type"].endswith("central:Cluster")]
    secrets = {
        "secret key": project.secret_key,
        "access key": project.access_key,
        "central client secret": project.central_client_secret,
        "IAM password": PASSWORD,
        "HiLens secret value": PLANTED_SECRET,
        "changed HiLens secret value": CHANGED_SECRET,
        "passphrase": PASSPHRASE,
        **kubeconfig_secrets(server, project, clusters),
    }

    cli.set_secret("reliability:secretValue", CHANGED_SECRET)
    runs.run("preview", "--diff")
    runs.run("preview", "--diff", "--json")
    server.add_fault(method="PUT", path="/ai-mgr/secrets/", status=400, error_code="HIL.10400000", count=100)
    try:
        failed = runs.run(*UP, expect=1)
    finally:
        server.clear_faults()
    assert "hl-secret-" in failed.stdout  # the update failed, and said so
    runs.run(*UP)
    runs.run("refresh", "--yes", "--skip-preview")
    runs.run("stack", "output")
    # The control: asked to show secrets, the CLI prints the kubeconfigs, and the scan finds them.
    shown = cli.run("stack", "output", "--show-secrets", timeout=300).stdout
    assert any("kubeconfig" in found for found in findings(secrets, {"shown": shown}))
    runs.run("stack", "export")
    runs.run(
        "drift", "--stack", cli.stack, "--json", str(reports / "drift.json"), "--markdown", str(reports / "drift.md")
    )
    runs.run("report", "--stack", cli.stack, "--output", str(reports / "report.md"))
    runs.run(*DESTROY)

    history = cli.state_dir / ".pulumi" / "history"
    backups = cli.state_dir / ".pulumi" / "backups"
    assert any(history.rglob("*.json")) and any(backups.rglob("*.json"))  # the scan sees them
    assert json.loads((reports / "drift.json").read_text()) is not None
    texts = {
        **runs.outputs,
        **files_under(cli.root),
        "localcloud server log": Path(server.stderr.name).read_text(errors="replace"),
    }
    assert len(texts) > 40 and texts["localcloud server log"]
    assert findings(secrets, texts) == []


def test_the_scanner_finds_every_form_it_looks_for() -> None:
    """The scan cannot pass by looking in the wrong way: each form of a value is found."""
    value = "planted-value-0123456789"
    secrets = {"planted": value}
    for prefix in ("", "a", "ab"):
        for text in (
            prefix + value,
            base64.b64encode((prefix + value).encode()).decode(),
            base64.urlsafe_b64encode((prefix + "~~" + value).encode()).decode(),
            quote(prefix + "/" + value + "?", safe=""),
        ):
            assert findings(secrets, {"text": text}) == ["text: planted"], text
    assert findings(secrets, {"text": "planted-value-012345678"}) == []
