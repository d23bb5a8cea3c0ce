"""Drift of provider plugins' resources (``kubernetes:*``): what ``refresh`` would change in the
inputs, the plugin's configuration taken from the provider resource in the state (secrets revealed
to the plugin, masked in errors), the resources skipped when the plugin is not installed — first
with a plugin faked in memory, then with a real plugin process speaking Pulumi's protocol."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.providers.base import ProviderError, ReadResult
from aicompute.engine.deploy.providers.external import PluginProviders
from aicompute.engine.deploy.providers.inprocess import ProviderLoader
from aicompute.engine.drift.compare import DriftReport, PropertyDrift, ResourceDrift, TypeScan, compare_read
from aicompute.engine.drift.formats import console_lines, markdown, to_json
from aicompute.engine.drift.plugin_reads import (
    check_plugin_resources,
    error_text,
    plugin_skip_reason,
    provider_inputs,
    secret_texts,
)
from aicompute.engine.drift.scan import select_resources
from aicompute.engine.resource.checkpoint_values import MASK, secret
from aicompute.engine.resource.state import ResourceState
from tests.support.fake_plugin import FakePlatform

SCHEMA = json.loads((Path(__file__).parents[4] / "engine" / "schemas" / "drift.schema.json").read_text())
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
PROVIDER_URN = "urn:pulumi:dev::proj::pulumi:providers:kubernetes::cluster"
PROVIDER_REF = f"{PROVIDER_URN}::0b8e1c1e-5d3f-4c43-9a57-2a8f6f0e1d11"
KUBECONFIG = "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: s3cr3t-t0ken-value\n"


def _inputs(replicas: int = 3, app: str = "detector") -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "detector", "namespace": "vision", "labels": {"app": app}},
        "spec": {"replicas": replicas, "template": {"spec": {"nodeSelector": {"accelerator": "nvidia-t4"}}}},
    }


def _deployment(name: str = "detector", inputs: dict[str, Any] | None = None) -> ResourceState:
    inputs = inputs if inputs is not None else _inputs()
    outputs = {**inputs, "status": {"readyReplicas": 3}}
    return ResourceState(
        f"urn:pulumi:dev::proj::{DEPLOYMENT}::{name}",
        DEPLOYMENT,
        True,
        f"vision/{name}",
        inputs,
        outputs,
        provider=PROVIDER_REF,
    )


def _provider_resource(kubeconfig: str = KUBECONFIG) -> ResourceState:
    inputs = {"kubeconfig": secret(kubeconfig), "version": "4.18.0"}
    return ResourceState(PROVIDER_URN, "pulumi:providers:kubernetes", True, PROVIDER_REF.rsplit("::", 1)[1], inputs)


# comparison --------------------------------------------------------------------------------------
def test_in_sync_when_the_read_inputs_equal_the_state_s_numbers_as_floats_included() -> None:
    resource = _deployment()
    read = {**_inputs(), "spec": {**_inputs()["spec"], "replicas": 3.0}}
    assert compare_read(resource, ReadResult(resource.id, {**read, "status": {"readyReplicas": 1}}, read)) is None


def test_replicas_scaled_and_a_label_changed_are_reported_by_path() -> None:
    resource = _deployment()
    live = _inputs(replicas=2, app="someone-else")
    drift = compare_read(resource, ReadResult(resource.id, live, live))
    assert drift == ResourceDrift(
        resource.urn,
        DEPLOYMENT,
        "vision/detector",
        "changed",
        (
            PropertyDrift("metadata.labels.app", "detector", "someone-else"),
            PropertyDrift("spec.replicas", 3, 2),
        ),
    )


def test_a_deleted_object_is_deleted() -> None:
    resource = _deployment()
    assert compare_read(resource, ReadResult("", {})) == ResourceDrift(resource.urn, DEPLOYMENT, resource.id, "deleted")


def test_inputs_the_state_leaves_unset_are_not_drift_as_refresh_does_not_record_them() -> None:
    resource = _deployment(inputs={**_inputs(), "immutable": None})
    live = {**_inputs(), "immutable": False, "status": {"observedGeneration": 4}}
    assert compare_read(resource, ReadResult(resource.id, live, live)) is None


def test_a_removed_input_is_drift() -> None:
    resource = _deployment()
    live = {key: value for key, value in _inputs().items() if key != "spec"}
    [prop] = compare_read(resource, ReadResult(resource.id, live, live)).properties  # type: ignore[union-attr]
    assert prop.path == "spec" and prop.live is None


def test_a_plugin_that_answers_no_inputs_is_judged_by_its_outputs_where_the_state_sets_them() -> None:
    resource = _deployment()
    outputs = {**_inputs(replicas=5), "status": {"readyReplicas": 5}, "metadata": {**_inputs()["metadata"], "uid": "u"}}
    drift = compare_read(resource, ReadResult(resource.id, outputs, None))
    assert drift is not None and drift.properties == (PropertyDrift("spec.replicas", 3, 5),)


def test_a_secret_input_that_changed_is_masked() -> None:
    inputs = {"apiVersion": "v1", "kind": "Secret", "stringData": secret({"token": "old-token"})}
    resource = ResourceState(
        "urn:pulumi:dev::proj::kubernetes:core/v1:Secret::s", "kubernetes:core/v1:Secret", True, "ns/s", inputs, inputs
    )
    live = {**inputs, "stringData": secret({"token": "new-token"})}
    drift = compare_read(resource, ReadResult("ns/s", live, live))
    assert drift is not None and drift.properties == (PropertyDrift("stringData.token", MASK, MASK, secret=True),)
    document = json.dumps(to_json(_report([drift])))
    assert "new-token" not in document and "old-token" not in document


# what is read, what is skipped ---------------------------------------------------------------------
class _Plugins:
    """Plugins faked in memory: installed packages, and one fake provider per provider reference."""

    def __init__(self, installed: set[str], live: dict[str, dict[str, Any]], broken: str = "") -> None:
        self.installed = installed
        self.live = live
        self.broken = broken
        self.configured: list[str] = []

    def available(self, package: str) -> bool:
        return package in self.installed

    def for_reference(self, reference: str) -> _FakeProvider:
        """As ``PluginProviders``: the process is started and configured on first use, then kept."""
        if self.broken:
            raise ProviderError("configure", reference, self.broken)
        if reference not in self.configured:
            self.configured.append(reference)
        return _FakeProvider(self.live)


class _FakeProvider:
    def __init__(self, live: dict[str, dict[str, Any]]) -> None:
        self.live = live

    def read(self, urn: str, type_: str, name: str, id_: str, outputs: Any, inputs: Any) -> ReadResult:
        if id_ == "vision/broken":
            raise ProviderError("read", urn, f"the API server refused token {KUBECONFIG.splitlines()[-1].strip()}")
        found = self.live.get(id_)
        return ReadResult(id_, found, found) if found is not None else ReadResult("", {})


def _report(drifts: list[ResourceDrift]) -> DriftReport:
    report = DriftReport("proj", "dev", managed=len(drifts), checked=len(drifts))
    report.drifts = drifts
    return report


def test_plugin_skip_reasons() -> None:
    plugins = _Plugins({"kubernetes"}, {})
    assert plugin_skip_reason(DEPLOYMENT, plugins) is None
    none = _Plugins(set(), {})
    kubernetes = plugin_skip_reason(DEPLOYMENT, none)
    assert kubernetes is not None and "pulumi-resource-kubernetes" in kubernetes
    assert "make pulumi-kubernetes" in kubernetes
    aws = plugin_skip_reason("aws:s3/bucket:Bucket", none)
    assert aws is not None and "pulumi-resource-aws" in aws and "PATH" in aws
    reference = plugin_skip_reason("pulumi:pulumi:StackReference", none)
    assert reference is not None and "stack reference" in reference


def test_plugin_resources_are_selected_when_their_plugin_is_installed_else_skipped_with_the_reason() -> None:
    loader = ProviderLoader({}, "proj")
    resources = [_provider_resource(), _deployment()]
    installed = DriftReport("proj", "dev")
    selection = select_resources(resources, loader, _Plugins({"kubernetes"}, {}), installed)
    assert [r.urn for r in selection.plugin_resources] == [resources[1].urn] and selection.groups == {}
    assert installed.managed == 1 and installed.skipped == []
    missing = DriftReport("proj", "dev")
    assert select_resources(resources, loader, _Plugins(set(), {}), missing).plugin_resources == []
    [skipped] = missing.skipped
    assert skipped.urn == resources[1].urn and "make pulumi-kubernetes" in skipped.reason
    assert missing.managed == 0 and missing.exit_code == 0


def test_the_provider_s_inputs_come_from_the_state() -> None:
    lookup = provider_inputs([_provider_resource(), _deployment()])
    assert lookup(PROVIDER_URN) == {"kubeconfig": secret(KUBECONFIG), "version": "4.18.0"}
    assert lookup(_deployment().urn) is None


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(4) as executor:
        yield executor


def test_each_resource_is_read_through_the_plugin_of_its_provider(pool: ThreadPoolExecutor) -> None:
    scaled, gone, same = _deployment("detector"), _deployment("gone"), _deployment("same")
    live = {"vision/detector": _inputs(replicas=2), "vision/same": _inputs()}
    plugins = _Plugins({"kubernetes"}, live)
    report = DriftReport("proj", "dev", managed=3)
    check_plugin_resources([scaled, gone, same], plugins, set(), pool, report)
    assert plugins.configured == [PROVIDER_REF]
    assert report.types == [TypeScan(DEPLOYMENT, 3, "plugin-read")] and report.checked == 3
    kinds = {d.name: d.kind for d in report.drifts}
    assert kinds == {"detector": "changed", "gone": "deleted"} and report.exit_code == 2
    Draft202012Validator(SCHEMA).validate(to_json(report))
    text = "\n".join(console_lines(report))
    assert "Read with their provider plugin's Read, as refresh reads them: kubernetes:apps/v1:Deployment" in text
    assert "spec.replicas: 3 => 2" in text and "gone" in markdown(report)


def test_a_provider_that_cannot_be_configured_is_one_error_with_its_secrets_masked(pool: ThreadPoolExecutor) -> None:
    secrets = secret_texts([_provider_resource().inputs])
    plugins = _Plugins({"kubernetes"}, {}, broken=f"invalid kubeconfig:\n{KUBECONFIG}")
    report = DriftReport("proj", "dev", managed=2)
    check_plugin_resources([_deployment("a"), _deployment("b")], plugins, secrets, pool, report)
    [error] = report.errors
    assert error.urn == PROVIDER_URN and error.message.startswith(f"configuring the provider {PROVIDER_URN} failed")
    assert report.checked == 0 and report.exit_code == 1


def test_a_failed_read_is_an_error_of_its_resource_without_the_secret_it_quotes(pool: ThreadPoolExecutor) -> None:
    broken = _deployment("broken")
    secrets = secret_texts([_provider_resource().inputs])
    report = DriftReport("proj", "dev", managed=1)
    check_plugin_resources([broken], _Plugins({"kubernetes"}, {}), secrets, pool, report)
    [error] = report.errors
    assert error.urn == broken.urn and "s3cr3t-t0ken-value" not in error.message and MASK in error.message


def test_error_text_masks_whole_secrets_and_their_lines_then_keeps_the_first_line() -> None:
    secrets = secret_texts({"kubeconfig": secret(KUBECONFIG), "plain": "not-a-secret", "short": secret("ab")})
    assert "token: s3cr3t-t0ken-value" in secrets and "not-a-secret" not in secrets and "ab" not in secrets
    assert error_text(ProviderError("configure", "", f"bad config {KUBECONFIG}"), secrets) == f"bad config {MASK}"
    assert error_text(ValueError("\n  line one\nline two"), set()) == "line one"


# a real plugin process --------------------------------------------------------------------------
def _fake_resources(token: str) -> list[ResourceState]:
    provider_urn = "urn:pulumi:dev::proj::pulumi:providers:fake::default"
    provider = ResourceState(provider_urn, "pulumi:providers:fake", True, "p1", {"token": secret(token)})
    inputs = {"size": 3, "labels": {"app": "detector"}}
    thing = ResourceState(
        "urn:pulumi:dev::proj::fake:index:Thing::thing",
        "fake:index:Thing",
        True,
        "thing-1",
        inputs,
        inputs,
        provider=f"{provider_urn}::p1",
    )
    return [provider, thing]


def _scan_with_plugin(tmp_path: Path, wanted_token: str, state_token: str, live: dict[str, Any]) -> DriftReport:
    FakePlatform(tmp_path, wanted_token).objects = live
    resources = _fake_resources(state_token)
    plugins = PluginProviders(EventStream(), search=(tmp_path,))
    plugins.lookup = provider_inputs(resources)
    report = DriftReport("proj", "dev")
    try:
        selection = select_resources(resources, ProviderLoader({}, "proj"), plugins, report)
        with ThreadPoolExecutor(2) as executor:
            secrets = secret_texts([r.inputs for r in resources])
            check_plugin_resources(selection.plugin_resources, plugins, secrets, executor, report)
    finally:
        plugins.close()
    return report


def test_a_real_plugin_process_configured_from_the_state_reads_the_drift(tmp_path: Path) -> None:
    live = {"thing-1": {"size": 4, "labels": {"app": "detector"}, "status": "ready"}}
    report = _scan_with_plugin(tmp_path, "tok-2468", "tok-2468", live)
    assert report.errors == [] and report.checked == 1
    [drift] = report.drifts
    assert drift.kind == "changed" and drift.properties == (PropertyDrift("size", 3, 4),)


def test_a_real_plugin_refusing_its_configuration_never_shows_the_secret(tmp_path: Path) -> None:
    report = _scan_with_plugin(tmp_path, "tok-2468", "wrong-token-1357", {})
    [error] = report.errors
    assert "unauthorized token [secret]" in error.message and "wrong-token-1357" not in error.message
    assert report.exit_code == 1
