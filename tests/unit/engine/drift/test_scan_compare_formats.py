"""Drift of one resource (the provider's own read and diff, property paths, secrets masked), a
listed value judged exactly like a single read, providers loaded from the state, the resources
drift skips, the backend-wide managed set, and the reports (JSON schema, Markdown, console)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import dill
import pytest
from jsonschema import Draft202012Validator
from pulumi.dynamic import ConfigureRequest, DiffResult, ReadResult, ResourceProvider

from aicompute.engine.backend.base import StackRef
from aicompute.engine.backend.diy import FileBackend
from aicompute.engine.deploy.providers.inprocess import (
    AicomputeLiveProvider,
    ProviderLoader,
    ProviderLoadError,
    live_provider,
)
from aicompute.engine.drift.compare import (
    DriftError,
    DriftReport,
    PropertyDrift,
    ResourceDrift,
    TypeScan,
    Unmanaged,
    compare,
    property_paths,
)
from aicompute.engine.drift.formats import console_lines, markdown, to_json
from aicompute.engine.drift.scan import (
    Managed,
    check_resources,
    find_unmanaged,
    list_types,
    managed_everywhere,
    select_resources,
)
from aicompute.engine.resource.checkpoint_values import secret
from aicompute.engine.resource.state import ResourceState
from aicompute.provider.errors import ApiError
from aicompute.resources.hilens.config_map import ConfigMapProvider
from aicompute.resources.hilens.secret import SecretProvider, revision
from aicompute.resources.modelarts.node_pool import NodePool, NodePoolProvider
from aicompute.resources.modelarts.resource_pool import ResourcePool

SCHEMA = json.loads((Path(__file__).parents[4] / "engine" / "schemas" / "drift.schema.json").read_text())
CM_TYPE = "pulumi-python:dynamic/hilens:ConfigMap"
SECRET_TYPE = "pulumi-python:dynamic/hilens:Secret"
CM_INPUTS = {"name": "settings", "data": {"mode": "fast"}, "tags": {"team": "vision"}, "provider": "hilens"}


def _urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::proj::{type_}::{name}"


def _state(type_: str, name: str, inputs: dict[str, Any], outputs: dict[str, Any] | None = None) -> ResourceState:
    return ResourceState(
        urn=_urn(type_, name),
        type=type_,
        custom=True,
        id=f"hilens-{name}",
        inputs=inputs,
        outputs=outputs if outputs is not None else dict(inputs),
    )


def _configmap_live(**changes: Any) -> dict[str, Any]:
    live = {
        "name": "settings",
        "description": "",
        "data": {"mode": "fast"},
        "tags": {"team": "vision"},
        "workspace_id": "ws-1",
        "project_id": "p",
        "created_at": "t0",
        "updated_at": "t1",
        "provider": "hilens",
        "type": None,
    }
    return {**live, **changes}


def _judge(provider: Any, resource: ResourceState, live: dict[str, Any] | None) -> ResourceDrift | None:
    props = {k: v.get("value") if isinstance(v, dict) and "value" in v else v for k, v in resource.outputs.items()}
    if live is None:
        return compare(live_provider(provider), resource, "", {})
    result = provider.read_result(resource.id, live, props)
    return compare(live_provider(provider), resource, result.id or "", result.outs or {})


def test_server_filled_fields_are_not_drift_and_a_changed_value_is_reported_with_its_path() -> None:
    provider = ConfigMapProvider()
    resource = _state(CM_TYPE, "settings", CM_INPUTS)
    assert _judge(provider, resource, _configmap_live(updated_at="t9", description="")) is None
    drift = _judge(provider, resource, _configmap_live(data={"mode": "slow"}, tags={"team": "vision", "new": "x"}))
    assert drift is not None and drift.kind == "changed" and drift.name == "settings"
    assert drift.properties == (
        PropertyDrift("data.mode", "fast", "slow"),
        PropertyDrift("tags.new", None, "x"),
    )


def test_a_gone_object_is_deleted() -> None:
    drift = _judge(ConfigMapProvider(), _state(CM_TYPE, "settings", CM_INPUTS), None)
    assert drift == ResourceDrift(_urn(CM_TYPE, "settings"), CM_TYPE, "hilens-settings", "deleted")


def test_a_secret_rewritten_out_of_band_is_changed_without_either_value() -> None:
    provider = SecretProvider()
    sealed = "sealed-by-the-platform"
    inputs = {"name": "token", "data": secret({"token": "s3cr3t"}), "provider": "hilens"}
    outputs = {**inputs, "data_revisions": secret({"token": revision(sealed)})}
    resource = _state(SECRET_TYPE, "token", inputs, outputs)
    live = {
        "name": "token",
        "description": "",
        "data": {"token": sealed},
        "tags": {},
        "workspace_id": "ws-1",
        "provider": "hilens",
        "data_revisions": {"token": revision(sealed)},  # read_resource's fingerprint of what is stored
    }
    assert _judge(provider, resource, live) is None
    rewritten = {**live, "data": {"token": "sealed-again"}, "data_revisions": {"token": revision("sealed-again")}}
    drift = _judge(provider, resource, rewritten)
    assert drift is not None
    assert drift.properties == (PropertyDrift("data.token", "[secret]", "[secret]", secret=True),)


def test_a_listed_value_is_judged_as_the_providers_own_read_judges_it() -> None:
    """Drift feeds listed values to ``read_result``: it must answer what ``read`` answers (the
    secret's stale-key marking included)."""
    provider = SecretProvider()
    live = {
        "name": "token",
        "data": {"token": "x"},
        "data_revisions": {"token": "new"},
        "tags": {},
        "provider": "hilens",
    }
    props = {"name": "token", "data": {"token": "mine"}, "data_revisions": {"token": "old"}, "provider": "hilens"}
    provider.open_client = lambda settings: _NoApi()  # type: ignore[method-assign,assignment,return-value]
    provider.read_resource = lambda api, rid: dict(live)  # type: ignore[method-assign]
    alone = provider.read("hilens-token", dict(props))
    listed = SecretProvider().read_result("hilens-token", dict(live), dict(props))
    assert (listed.id, listed.outs, listed.inputs) == (alone.id, alone.outs, alone.inputs)
    assert listed.inputs is not None and listed.inputs["data"]["token"] != "mine"


class _NoApi:
    def close(self) -> None: ...


def test_property_paths_walk_what_the_state_sets_then_the_whole_value() -> None:
    paths = property_paths("spec", {"a": [1, {"b": 2}], "c": "x"}, {"a": [1, {"b": 3}], "d": "y"})
    assert [(p.path, p.state, p.live) for p in paths] == [
        ("spec.a[1].b", 2, 3),
        ("spec.c", "x", None),
    ]  # "d", which the state does not set, is the server's
    assert property_paths("tags", {"a": "1"}, {"a": "1", "b": "2"}) == [PropertyDrift("tags.b", None, "2")]
    assert property_paths("n", 1, 2) == [PropertyDrift("n", 1, 2)]
    assert property_paths("ports", [1, 2], [2, 1], unordered=True) == [PropertyDrift("ports", [1, 2], [2, 1])]


class _OtherProvider(ResourceProvider):
    """A dynamic provider that is not aicompute's: judged by its own diff."""

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        return DiffResult(changes=_olds.get("size") != _news.get("size"))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)


def test_another_dynamic_provider_is_judged_by_its_own_diff() -> None:
    resource = _state("pulumi-python:dynamic:Resource", "thing", {"size": 1, "label": "x"})
    other = live_provider(_OtherProvider())
    assert compare(other, resource, resource.id, {"size": 1, "label": "ignored by its diff"}) is None
    drift = compare(other, resource, resource.id, {"size": 2, "label": "x"})
    assert drift is not None and drift.properties == (PropertyDrift("size", 1, 2),)


class _Unconfigurable(ResourceProvider):
    def configure(self, req: ConfigureRequest) -> None:
        raise KeyError("needs mypkg:token")


def _pickled(provider: ResourceProvider) -> str:
    return base64.b64encode(dill.dumps(provider, recurse=True)).decode()


PROVIDER_CONFIG = {
    "aicompute:endpoint": "http://127.0.0.1:9",
    "aicompute:projectId": "0123456789abcdef0123456789abcdef",
    "aicompute:accessKey": "AK",
    "aicompute:secretKey": "SK",
}


class _NoPlugins:
    """No provider plugin installed."""

    def available(self, package: str) -> bool:
        return False

    def for_reference(self, reference: str) -> Any:
        raise AssertionError("no plugin is installed")


_NO_PLUGINS = _NoPlugins()


def test_a_stack_config_without_credentials_is_one_error_per_type_not_a_skip() -> None:
    """aicompute's providers refuse it in configure (issue #14 item 16): drift says so, exit 1."""
    loader = ProviderLoader({"aicompute:endpoint": "http://127.0.0.1:9"}, "proj")
    provider = {"__provider": _pickled(ConfigMapProvider())}
    resources = [_state(CM_TYPE, name, {**CM_INPUTS, **provider}) for name in ("a", "b")]
    report = DriftReport("proj", "dev")
    assert select_resources(resources, loader, _NO_PLUGINS, report).groups == {} and report.skipped == []
    [error] = report.errors
    assert error.message.startswith(f"reading {CM_TYPE} failed: no credentials: set aicompute:accessKey")
    assert report.exit_code == 1


def test_providers_are_loaded_from_the_state_configured_once_and_unloadable_ones_skipped() -> None:
    loader = ProviderLoader(PROVIDER_CONFIG, "proj")
    serialized = _pickled(ConfigMapProvider())
    provider = loader.load(secret(serialized)["value"])
    assert isinstance(provider, AicomputeLiveProvider) and isinstance(provider.provider, ConfigMapProvider)
    assert loader.load(serialized) is provider
    assert provider.provider.settings().endpoint == "http://127.0.0.1:9"
    with pytest.raises(ProviderLoadError, match="cannot be loaded"):
        loader.load(base64.b64encode(b"not a pickle").decode())
    with pytest.raises(ProviderLoadError, match="refused the stack config"):
        loader.load(_pickled(_Unconfigurable()))

    report = DriftReport("proj", "dev")
    managed = _state(CM_TYPE, "settings", {**CM_INPUTS, "__provider": secret(serialized)})
    kube_type = "kubernetes:apps/v1:Deployment"
    kube_provider = _urn("pulumi:providers:kubernetes", "k") + "::k1"
    kube = ResourceState(_urn(kube_type, "app"), kube_type, True, "ns/app", provider=kube_provider)
    broken = _state(CM_TYPE, "broken", {**CM_INPUTS, "__provider": "bm90IGEgcGlja2xl"})
    got = ResourceState(_urn(CM_TYPE, "got"), CM_TYPE, True, "hilens-got", external=True)
    component = ResourceState(_urn("my:Component", "c"), "my:Component", False)
    groups = select_resources([managed, kube, broken, got, component], loader, _NO_PLUGINS, report).groups
    assert [m.resource.urn for m in groups[CM_TYPE]] == [managed.urn] and report.managed == 1
    reasons = {s.urn.rsplit("::", 1)[1]: s.reason for s in report.skipped}
    assert set(reasons) == {"app", "broken", "got"}
    assert "pulumi-resource-kubernetes is not installed" in reasons["app"] and "Resource.get" in reasons["got"]


def test_every_stack_of_the_backend_counts_as_managing(tmp_path: Path) -> None:
    backend = FileBackend(f"file://{tmp_path}")
    for project, stack, ids in (("a", "dev", ["x1", "x2"]), ("b", "prod", ["y1"])):
        ref = StackRef(project, stack)
        backend.create_stack(ref)
        resources = [{"urn": _urn(CM_TYPE, i), "type": CM_TYPE, "custom": True, "id": i} for i in ids]
        checkpoint = {"stack": ref.fully_qualified_name, "latest": {"manifest": {}, "resources": resources}}
        backend.stack_path(ref).write_text(json.dumps({"version": 3, "checkpoint": checkpoint}))
    assert managed_everywhere(backend) == {(CM_TYPE, "x1"), (CM_TYPE, "x2"), (CM_TYPE, "y1")}


def _report(**extra: Any) -> DriftReport:
    report = DriftReport("proj", "dev", managed=3, checked=3, **extra)
    report.drifts = [
        ResourceDrift(
            _urn(CM_TYPE, "settings"), CM_TYPE, "hilens-1", "changed", (PropertyDrift("data.mode", "a|b", "c"),)
        ),
        ResourceDrift(
            _urn(SECRET_TYPE, "token"),
            SECRET_TYPE,
            "hilens-2",
            "changed",
            (PropertyDrift("data.k", "[secret]", "[secret]", True),),
        ),
        ResourceDrift(_urn(CM_TYPE, "gone"), CM_TYPE, "hilens-3", "deleted"),
    ]
    return report


def test_reports_follow_the_schema_and_show_paths_values_and_masks() -> None:
    report = _report(unmanaged_checked=True)
    report.unmanaged = [Unmanaged(CM_TYPE, "hilens-9", "stray")]
    document = to_json(report)
    Draft202012Validator(SCHEMA).validate(document)
    assert document["summary"] == {
        "total_managed": 3,
        "total_in_sync": 0,
        "total_changed": 2,
        "total_deleted": 1,
        "total_unmanaged": 1,
        "total_skipped": 0,
        "total_errors": 0,
        "drifted": True,
        "coverage": 75,
    }
    assert report.exit_code == 2
    console = "\n".join(console_lines(report))
    assert "Found changed resources:" in console and '~ data.mode: "a|b" => "c"' in console
    assert "~ data.k: [secret] => [secret] (secret value changed)" in console
    assert "Found deleted resources:" in console and "Found resources not covered by IaC:" in console
    assert " - 75% coverage" in console
    text = markdown(report)
    assert text.startswith("## Drift report: `proj/dev`")
    assert '| `data.mode` | `"a\\|b"` | `"c"` |' in text and "| `data.k` | `[secret]` | `[secret]` |" in text
    assert "| `pulumi-python:dynamic/hilens:ConfigMap` | `hilens-9` | `stray` |" in text


def test_errors_win_over_drift_and_an_empty_report_is_in_sync() -> None:
    report = _report()
    report.errors = [DriftError(CM_TYPE, "listing failed: HTTP 503")]
    assert report.exit_code == 1
    Draft202012Validator(SCHEMA).validate(to_json(report))
    assert "### Errors" in markdown(report)
    empty = DriftReport("proj", "dev", managed=2, checked=2)
    assert empty.exit_code == 0 and "in sync" in markdown(empty)
    Draft202012Validator(SCHEMA).validate(to_json(empty))
    assert to_json(empty)["summary"]["total_in_sync"] == 2 and "coverage" not in to_json(empty)["summary"]


class _CountingConfigMaps(ConfigMapProvider):
    """Configmaps on a pretend platform: ``listed`` is what the list answers, ``stored`` what a
    single GET answers; every call is counted."""

    def __init__(self, listed: dict[str, dict[str, Any]], stored: dict[str, dict[str, Any]], fail: bool = False):
        super().__init__()
        self.listed, self.stored, self.fail = listed, stored, fail
        self.calls: list[str] = []

    def client(self) -> Any:
        return nullcontext(None)

    def list_live(self, api: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        self.calls.append("list")
        if self.fail:
            raise ApiError(503, "HIL.0500", "unavailable", method="GET", path="/configmaps")
        return iter(dict(self.listed).items())

    def read_resource(self, api: Any, resource_id: str) -> dict[str, Any] | None:
        self.calls.append(f"get {resource_id}")
        return self.stored.get(resource_id)


def _managed(provider: ResourceProvider, *names: str) -> dict[str, list[Managed]]:
    return {CM_TYPE: [Managed(_state(CM_TYPE, name, dict(CM_INPUTS)), live_provider(provider)) for name in names]}


def test_a_listable_type_costs_one_listing_and_an_absent_id_one_confirming_read() -> None:
    listed = {"hilens-a": _configmap_live(), "hilens-b": _configmap_live(data={"mode": "slow"})}
    provider = _CountingConfigMaps(listed, stored={"hilens-c": _configmap_live()})
    groups = _managed(provider, "a", "b", "c", "d")  # c was moved out of the listing's view; d is gone
    report = DriftReport("proj", "dev", managed=4)
    with ThreadPoolExecutor(4) as pool:
        listings = list_types(groups, pool, report)
        check_resources(groups, listings, pool, report)
    assert sorted(provider.calls) == ["get hilens-c", "get hilens-d", "list"]
    assert [(d.name, d.kind) for d in report.drifts] == [("b", "changed"), ("d", "deleted")]
    assert report.checked == 4 and report.types == [TypeScan(CM_TYPE, 4, "list")] and report.exit_code == 2


def test_a_failed_listing_is_an_error_of_its_type_and_nothing_of_it_is_read() -> None:
    provider = _CountingConfigMaps({}, {}, fail=True)
    groups = _managed(provider, "a", "b")
    report = DriftReport("proj", "dev", managed=2)
    with ThreadPoolExecutor(2) as pool:
        check_resources(groups, list_types(groups, pool, report), pool, report)
    assert provider.calls == ["list"] and report.checked == 0 and report.exit_code == 1
    [error] = report.errors
    assert error.message == f"listing {CM_TYPE} failed: HTTP 503 HIL.0500: unavailable on GET /configmaps"


def test_the_console_names_types_read_by_another_provider_and_caps_the_errors_it_lists() -> None:
    report = DriftReport("proj", "dev", managed=30)
    report.types = [TypeScan("pulumi-python:dynamic:Resource", 5, "provider-read"), TypeScan(CM_TYPE, 25, "list")]
    report.errors = [DriftError(CM_TYPE, f"reading {CM_TYPE} 'id-{n}' failed: HTTP 401") for n in range(25)]
    console = list(console_lines(report))
    assert "Read with their own (non-aicompute) provider's read and diff: pulumi-python:dynamic:Resource" in console
    assert sum("failed: HTTP 401" in line for line in console) == 20
    assert "  … and 5 more (--json lists them all)" in console and console[-1].startswith("Drift check failed")


def test_an_object_a_managed_resource_owns_is_managed_and_one_of_an_unmanaged_owner_is_not() -> None:
    """A resource pool's default node pool is listed with the node pools, but it is the pool's:
    ``--unmanaged`` must not flag it while a stack manages the pool (issue #14 item 6)."""
    node_pool, pool = NodePool.type_token(), ResourcePool.type_token()
    state = ResourceState(urn=_urn(node_pool, "gpu"), type=node_pool, custom=True, id="pool-1/gpu")
    groups = {node_pool: [Managed(state, live_provider(NodePoolProvider()))]}
    cpu = "modelarts.vm.cpu.8u"
    listing = {
        "pool-1/gpu": {"flavor": "modelarts.vm.gpu.t4"},
        f"pool-1/{cpu}-Default": {"flavor": cpu},  # the managed pool's own
        f"pool-1/{cpu}-Default-2": {"flavor": cpu},  # re-created while the old one goes
        "pool-1/spare": {"flavor": cpu},  # made out of band in a managed pool
        f"pool-2/{cpu}-Default": {"flavor": cpu},  # the default node pool of a pool no stack manages
    }
    report = DriftReport("proj", "dev")
    with ThreadPoolExecutor(1) as executor:
        find_unmanaged(groups, {node_pool: listing}, {(node_pool, "pool-1/gpu"), (pool, "pool-1")}, executor, report)
    assert sorted(u.id for u in report.unmanaged) == ["pool-1/spare", f"pool-2/{cpu}-Default"]
