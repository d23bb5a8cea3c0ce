"""``aicompute report``: the pull-request comment built from preview digests."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from aicompute.engine.report.comment import (
    DEFAULT_MAX_CHARS,
    ReportError,
    code,
    marker,
    parse_preview,
    report,
    validate_preview,
)
from aicompute.engine.resource.checkpoint_values import MASK, SECRET_SIG, SIG_KEY

THING = "pulumi-python:dynamic/modelarts:ResourcePool"
PROVIDER = "urn:pulumi:dev::infra::pulumi:providers:pulumi-python::default::0b1c"


def urn(name: str, stack: str = "dev", project: str = "infra") -> str:
    return f"urn:pulumi:{stack}::{project}::{THING}::{name}"


def state(name: str, inputs: dict[str, Any], *, id_: str | None = None) -> dict[str, Any]:
    props = {"__provider": MASK, **inputs}
    shown: dict[str, Any] = {"urn": urn(name), "custom": True, "type": THING, "inputs": props, "outputs": props}
    if id_:
        shown["id"] = id_
    return shown


def step(
    op: str,
    name: str,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    *,
    diff: dict[str, str] | None = None,
    replace: list[str] | None = None,
) -> dict[str, Any]:
    shown: dict[str, Any] = {"op": op, "urn": urn(name), "provider": PROVIDER}
    if old is not None:
        shown["oldState"] = state(name, old, id_=f"id-{name}")
    if new is not None:
        shown["newState"] = state(name, new, id_=f"id-{name}" if old is not None else None)
    if diff:
        shown["diffReasons"] = sorted({path.split(".")[0] for path in diff})
        shown["detailedDiff"] = {path: {"kind": kind, "inputDiff": True} for path, kind in diff.items()}
    if replace:
        shown["replaceReasons"] = replace
    return shown


def digest(*steps: dict[str, Any], same: int = 1, **extra: Any) -> dict[str, Any]:
    summary: dict[str, int] = {"same": same} if same else {}
    for s in steps:
        summary[s["op"]] = summary.get(s["op"], 0) + 1
    document = {"config": {}, "steps": list(steps), "duration": 1_000_000, "changeSummary": summary, **extra}
    validate_preview(document)
    return document


def sigil(**content: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, **content}


def shown_secret(value: Any) -> dict[str, Any]:
    """A secret as Pulumi's ``--show-secrets`` checkpoint form writes it."""
    return sigil(plaintext=json.dumps(value))


def table_counts(text: str) -> dict[str, int]:
    rows = re.findall(r"^\| \S* ?([a-z-]+) \| (\d+) \|$", text, re.MULTILINE)
    return {op: int(n) for op, n in rows}


def test_creates_have_a_summary_and_added_properties_and_no_warning() -> None:
    text = report(
        digest(
            step("create", "pool", new={"name": "pool-a", "flavor": "modelarts.vm.gpu.t4", "nodes": 2}),
            step("create", "net", new={"name": "net-a", "cidr": "192.168.0.0/16"}),
        )
    )
    assert text.splitlines()[0] == "<!-- aicompute-report:infra/dev -->"
    assert "### :tropical_drink: aicompute preview on `infra/dev`" in text
    assert table_counts(text) == {"create": 2, "update": 0, "replace": 0, "delete": 0, "same": 1}
    assert "**Plan:** 2 to create, 1 unchanged." in text
    assert "[!CAUTION]" not in text
    assert text.count("<details>") == 2
    assert '+ flavor: "modelarts.vm.gpu.t4"' in text and "+ nodes : 2" in text
    assert '+ cidr: "192.168.0.0/16"' in text
    assert "__provider" not in text


def test_updates_show_old_and_new_values_at_their_paths() -> None:
    text = report(
        digest(
            step(
                "update",
                "pool",
                old={"name": "pool-a", "nodes": 2, "labels": {"team": "cv"}},
                new={"name": "pool-a", "nodes": 4, "labels": {"team": "nlp"}},
                diff={"nodes": "update", "labels.team": "update"},
            ),
            same=3,
        )
    )
    assert table_counts(text)["update"] == 1 and table_counts(text)["same"] == 3
    assert "**Plan:** 1 to update, 3 unchanged." in text
    assert "~ nodes      : 2 => 4" in text
    assert '~ labels.team: "cv" => "nlp"' in text
    assert "[!CAUTION]" not in text and "### :tropical_drink:" in text


def test_replaces_are_warned_about_with_their_reasons() -> None:
    text = report(
        digest(
            step(
                "replace",
                "pool",
                old={"name": "pool-a", "flavor": "gpu.t4", "nodes": 2},
                new={"name": "pool-a", "flavor": "gpu.a100", "nodes": 3},
                diff={"flavor": "update-replace", "nodes": "update"},
                replace=["flavor"],
            )
        )
    )
    assert "### :warning:" in text
    caution = text.split("> [!CAUTION]", 1)[1].split("\n\n", 1)[0]
    assert "**1 resource will be replaced.**" in caution
    # A lone replace step does not tell which goes first: the report does not guess.
    assert f"> - :repeat: **replace** `pool` (`{THING}`): `flavor` changed\n" in caution + "\n"
    assert '~ flavor: "gpu.t4" => "gpu.a100" (forces replacement)' in text
    assert "~ nodes : 2 => 3" in text
    assert "Replaced because of `flavor`.\n" in text


@pytest.mark.parametrize(
    ("order", "short", "long"),
    [
        (
            ("delete-replaced", "create-replacement"),
            "deleted before its replacement is created",
            "the old one is deleted",
        ),
        (("create-replacement", "delete-replaced"), "replacement created first", "the new one is created"),
    ],
)
def test_a_pulumi_replacement_triplet_is_one_replace_whose_order_is_said(
    order: tuple[str, str], short: str, long: str
) -> None:
    old, new = {"name": "a", "zone": "z1"}, {"name": "a", "zone": "z2"}
    diff, reasons = {"zone": "update-replace"}, ["zone"]
    steps = [step(op, "ws", old, new, diff=diff, replace=reasons) for op in (order[0], "replace", order[1])]
    document = digest(*steps)
    document["changeSummary"] = {"replace": 1, "same": 1}
    text = report(document)
    assert text.count("<details>") == 1
    assert table_counts(text)["replace"] == 1
    assert f"**replace** `ws` (`{THING}`): `zone` changed, {short}" in text
    assert f"Replaced because of `zone`; {long}" in text


def test_deletes_are_warned_about_and_show_the_old_values() -> None:
    text = report(
        digest(
            step("delete", "old-pool", old={"name": "pool-old", "nodes": 2}),
            step("delete", "old-net", old={"name": "net-old"}),
            step("create", "net", new={"name": "net-a"}),
        )
    )
    caution = text.split("> [!CAUTION]", 1)[1].split("\n\n", 1)[0]
    assert "**2 resources will be deleted.**" in caution
    assert "**delete** `old-pool`" in caution and "**delete** `old-net`" in caution
    assert "`net`" not in caution
    assert '- name : "pool-old"' in text and "- nodes: 2" in text
    assert text.index("old-pool</code>") < text.index("<code>net</code>")  # destructive details first


def test_deletes_and_replaces_together_count_both() -> None:
    text = report(
        digest(
            step("delete", "a", old={"name": "a"}),
            step("replace", "b", {"name": "b"}, {"name": "b2"}, diff={"name": "update-replace"}, replace=["name"]),
        )
    )
    assert "**1 resource will be deleted and 1 resource will be replaced.**" in text
    assert "**Plan:** 1 to replace, 1 to delete, 1 unchanged." in text


def test_secret_values_are_never_shown_whatever_form_they_take() -> None:
    old = {
        "name": "svc",
        "password": sigil(ciphertext="v1:abc:def"),
        "token": MASK,
        "env": shown_secret({"DB_PASSWORD": "hunter2"}),
        "nested": {"key": shown_secret("nested-plain-1")},
    }
    new = {
        "name": "svc",
        "password": shown_secret("plain-new-password"),
        "token": MASK,
        "env": shown_secret({"DB_PASSWORD": "hunter3"}),
        "nested": {"key": shown_secret("nested-plain-2")},
    }
    text = report(
        digest(
            step(
                "update",
                "svc",
                old,
                new,
                diff={"password": "update", "token": "update", "env.DB_PASSWORD": "update", "nested.key": "update"},
            ),
            step("create", "other", new={"name": "x", "apiKey": shown_secret("plain-api-key")}),
        )
    )
    for plaintext in ("hunter2", "hunter3", "plain-new-password", "nested-plain", "plain-api-key", "v1:abc"):
        assert plaintext not in text
    assert "~ password  : [secret] => [secret]" in text
    assert "~ token     : [secret] => [secret]" in text
    assert "~ nested.key: [secret] => [secret]" in text
    # A path into a secret is cut at the secret: not even its keys are shown.
    assert "~ env       : [secret] => [secret]" in text and "DB_PASSWORD" not in text
    assert "+ apiKey: [secret]" in text


def test_a_plaintext_provider_pickle_is_not_taken_for_show_secrets() -> None:
    """The pickled provider is stored as it is (it holds no credential), so it is no sign."""
    document = digest(step("create", "pool", new={"name": "p"}))
    document["steps"][0]["newState"]["inputs"]["__provider"] = "gASVplaintextpickle"
    assert "pool" in report(json.loads(json.dumps(document)))


def test_a_digest_made_with_show_secrets_is_refused() -> None:
    document = digest(step("create", "pool", new={"name": "p"}))
    document["showSecrets"] = True
    with pytest.raises(ReportError, match=r"showSecrets is true.*--show-secrets"):
        report(json.loads(json.dumps(document)))
    with pytest.raises(ReportError, match="--show-secrets"):
        parse_preview(json.dumps(document), "preview.json")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"changeSummary": {}}, r"at \(root\): 'steps' is a required property"),
        ({"steps": [], "changeSummary": {"create": -1}}, r"at changeSummary/create: -1 is less than the minimum"),
        ({"steps": [{"op": "explode", "urn": urn("a")}], "changeSummary": {}}, r"at steps/0/op: 'explode' is not"),
        ({"steps": [{"op": "create", "urn": "pool"}], "changeSummary": {}}, r"at steps/0/urn: 'pool' does not match"),
        (
            {
                "steps": [{"op": "create", "urn": urn("a"), "newState": {"urn": urn("a"), "bogus": 1}}],
                "changeSummary": {},
            },
            r"at steps/0/newState",
        ),
        ([], r"at \(root\): \[\] is not of type 'object'"),
    ],
)
def test_invalid_digests_name_the_path_and_the_rule(document: Any, message: str) -> None:
    with pytest.raises(ReportError, match=message):
        parse_preview(json.dumps(document), "preview.json")


def test_text_that_is_not_json_is_an_error_naming_the_source() -> None:
    with pytest.raises(ReportError, match=r"preview.json is not JSON \(Expecting value at line 1 column 1\)"):
        parse_preview("Previewing update (dev):", "preview.json")


def test_project_and_stack_come_from_the_urns_or_the_options() -> None:
    document = digest(step("create", "pool", new={"name": "p"}))
    assert report(document, stack="dev").startswith(marker("infra", "dev"))
    with pytest.raises(ReportError, match=r"--stack: 'prod' does not match the preview's 'dev'"):
        report(document, stack="prod")
    empty = digest(same=1)
    with pytest.raises(ReportError, match="pass --project"):
        report(empty)
    with pytest.raises(ReportError, match="--stack: 'x-->y' must be letters"):
        report(empty, project="infra", stack="x-->y")
    text = report(empty, project="infra", stack="prod")
    assert text.startswith("<!-- aicompute-report:infra/prod -->\n")
    assert "**No changes.** 1 unchanged." in text and "<details>" not in text


def test_a_preview_without_steps_takes_its_project_from_the_project_file() -> None:
    """A preview that failed before any step names no project: Pulumi.yaml's is used (issue #14 item 7)."""
    empty = digest(same=1)
    assert report(empty, stack="dev", project_file="infra").startswith(marker("infra", "dev"))
    assert report(empty, project="given", stack="dev", project_file="infra").startswith(marker("given", "dev"))
    with_steps = digest(step("create", "pool", new={"name": "p"}))
    assert report(with_steps, stack="dev", project_file="elsewhere").startswith(marker("infra", "dev"))


def test_names_are_escaped_in_html_and_code_spans() -> None:
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("two\nlines") == "`two lines`"
    document = digest(step("create", "pool", new={"name": "p"}))
    document["steps"][0]["urn"] = urn("<img src=x onerror=alert(1)>")
    text = report(document)
    assert "<img" not in text and "<code>&lt;img src=x onerror=alert(1)&gt;</code>" in text


def test_errors_of_a_failed_preview_are_shown_loudly() -> None:
    failing = step("create", "pool", new={"name": "p"})
    document = digest(
        failing,
        diagnostics=[
            {"prefix": "error: ", "message": "\x1b[31mflavor: must be one of ...\x1b[0m\n", "severity": "error"},
            {"prefix": "warning: ", "message": "deprecated\n", "severity": "warning"},
        ],
    )
    text = report(document)
    assert "### :x:" in text and "#### :x: Errors" in text
    assert "**The preview failed.** Planned before it stopped: 1 to create, 1 unchanged." in text
    assert "```\nflavor: must be one of ...\n```" in text and "deprecated" not in text and "\x1b" not in text


def _big_preview(creates: int, deletes: int) -> dict[str, Any]:
    steps = [step("delete", f"old-{i:04d}", old={"name": f"old-{i}", "nodes": i}) for i in range(deletes)]
    steps += [
        step("create", f"new-{i:04d}", new={"name": f"new-{i}", "script": "echo start; " * 40, "nodes": i})
        for i in range(creates)
    ]
    return digest(*steps, same=7)


def test_a_report_over_the_limit_keeps_summary_and_warnings_and_trims_details() -> None:
    document = _big_preview(creates=400, deletes=60)
    untrimmed = report(document, max_chars=10**7)
    assert len(untrimmed) > DEFAULT_MAX_CHARS
    text = report(document)
    assert len(text) <= DEFAULT_MAX_CHARS
    assert text.startswith(marker("infra", "dev") + "\n")
    assert table_counts(text) == {"create": 400, "update": 0, "replace": 0, "delete": 60, "same": 7}
    caution = text.split("> [!CAUTION]", 1)[1].split("\n\n", 1)[0]
    assert all(f"**delete** `old-{i:04d}`" in caution for i in range(60))
    assert "more (left out" not in caution
    note = re.search(r"Trimmed to fit 65,000 characters: the details of (\d+) of 460 changed resources", text)
    assert note is not None
    kept = text.count("<details>")
    assert kept + int(note.group(1)) == 460 and 60 < kept < 460
    assert all(f"<code>old-{i:04d}</code>" in text for i in range(60))  # deletes' details kept first
    assert text.rstrip().endswith("to see every change.")


def test_warnings_are_shortened_only_when_they_alone_exceed_the_limit() -> None:
    document = _big_preview(creates=5, deletes=400)
    text = report(document, max_chars=5_000)
    assert len(text) <= 5_000
    assert table_counts(text)["delete"] == 400
    assert "**400 resources will be deleted.**" in text
    more = re.search(r"> - … and (\d+) more \(left out to fit the size limit\)", text)
    assert more is not None
    listed = len(re.findall(r"^> - :wastebasket: \*\*delete\*\*", text, re.MULTILINE))
    assert listed > 0 and listed + int(more.group(1)) == 400
    assert "<details>" not in text and "the details of 405 of 405" in text


def test_limits_and_title_are_checked() -> None:
    document = digest(step("create", "pool", new={"name": "p"}))
    with pytest.raises(ReportError, match="--max-chars: must be at least 2000"):
        report(document, max_chars=100)
    with pytest.raises(ReportError, match="--title"):
        report(document, title="x" * 500)
    assert "### :tropical_drink: Preview (production) on `infra/dev`" in report(document, title="Preview (production)")


def test_long_values_are_clipped() -> None:
    text = report(digest(step("create", "pool", new={"name": "p", "blob": "x" * 5_000})))
    assert "characters left out" in text and "x" * 5_000 not in text


def test_a_refreshing_preview_shows_each_resource_once_as_planned() -> None:
    # `preview --refresh` lists the refresh's records first: b was deleted out of band, a drifted.
    refreshed_a = step("update", "a", {"name": "a", "size": 1}, {"name": "a", "size": 2}, diff={"size": "update"})
    gone_b = step("delete", "b", old={"name": "b"})
    planned_a = step("update", "a", {"name": "a", "size": 2}, {"name": "a", "size": 1}, diff={"size": "update"})
    planned_b = step("create", "b", new={"name": "b"})
    document = digest(refreshed_a, gone_b, planned_a, planned_b)
    document["changeSummary"] = {"update": 1, "create": 1, "same": 1}
    text = report(document)
    assert text.count("<details>") == 2
    assert "~ size: 2 => 1" in text and "1 => 2" not in text
    assert "[!CAUTION]" not in text and "**delete**" not in text


def test_the_root_stack_resource_is_counted_but_not_listed() -> None:
    root = "urn:pulumi:dev::infra::pulumi:pulumi:Stack::infra-dev"
    document = digest(
        {"op": "delete", "urn": root, "oldState": {"urn": root, "custom": False, "type": "pulumi:pulumi:Stack"}},
        step("delete", "pool", old={"name": "p"}),
        same=0,
    )
    text = report(document)
    assert table_counts(text)["delete"] == 2
    assert "**1 resource will be deleted.**" in text and "infra-dev" not in text
