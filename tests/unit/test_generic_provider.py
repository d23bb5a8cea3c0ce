"""The generic provider's check/diff/read logic, on the real Network and Workspace declarations."""

from __future__ import annotations

import base64
from typing import Any

import dill
import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.output import Unknown

from aicompute.provider.config import ConfigError
from aicompute.provider.generic import UNKNOWN, prune, restrict
from aicompute.resources.modelarts.network import NetworkProvider
from aicompute.resources.modelarts.workspace import WorkspaceProvider

NETWORK = {
    "name": "net-one",
    "cidr": "192.168.0.0/16",
    "workspace_id": "0",
    "description": "",
    "peer_connections": [],
}


def test_restrict_keeps_only_what_the_template_sets() -> None:
    live = {"flavor": "f", "count": 2, "azs": [{"az": "a", "count": 2}]}
    assert restrict(live, {"flavor": "f", "count": 2}) == {"flavor": "f", "count": 2}
    assert restrict([live, live], [{"count": 1}, {"flavor": "x"}]) == [{"count": 2}, {"flavor": "f"}]


def test_restrict_unordered_pairs_matching_elements() -> None:
    live = [{"a": 1, "extra": True}, {"a": 2, "extra": False}]
    assert restrict(live, [{"a": 2}, {"a": 1}], unordered=True) == [{"a": 2}, {"a": 1}]


def test_prune_drops_none_at_every_depth() -> None:
    assert prune({"a": None, "b": [{"c": None, "d": 1}]}) == {"b": [{"d": 1}]}


def test_no_diff_when_server_adds_fields_and_numbers_arrive_as_floats() -> None:
    provider = NetworkProvider()
    olds = {
        **NETWORK,
        "status": "Active",
        "peer_connections": [{"vpc_id": "v", "subnet_id": "s", "default_gateway": False}],
    }
    news = {**NETWORK, "peer_connections": [{"vpc_id": "v", "subnet_id": "s"}]}
    result = provider.diff("id", olds, news)
    assert result.changes is False
    assert result.replaces == []


def test_set_like_lists_ignore_order() -> None:
    provider = WorkspaceProvider()
    grants = [{"user_name": "a", "user_id": "1"}, {"user_name": "b", "user_id": "2"}]
    olds = {"name": "ws-one", "description": "", "auth_type": "INTERNAL", "grants": grants}
    news = {"name": "ws-one", "auth_type": "internal", "grants": [{"user_name": "b"}, {"user_name": "a"}]}
    assert provider.diff("id", olds, news).changes is False


def test_create_only_change_is_a_replace_and_updatable_change_is_not() -> None:
    provider = NetworkProvider()
    replace = provider.diff("id", NETWORK, {**NETWORK, "cidr": "172.16.0.0/16"})
    assert replace.changes is True
    assert replace.replaces == ["cidr"]
    assert replace.delete_before_replace is True
    update = provider.diff("id", NETWORK, {**NETWORK, "description": "new"})
    assert update.changes is True
    assert update.replaces == []


def test_unknown_values_are_changes_and_not_judged_by_check() -> None:
    provider = NetworkProvider()
    assert provider.diff("id", NETWORK, {**NETWORK, "workspace_id": UNKNOWN}).replaces == ["workspace_id"]
    result = provider.check({}, {"name": "net-one", "cidr": UNKNOWN, "__provider": "x"})
    assert result.failures == []


def test_unknown_objects_of_the_sdk_provider_server_are_unknowns_too() -> None:
    """``python -m pulumi.dynamic`` deserialises a preview's unknowns as ``pulumi.output.Unknown``."""
    provider = NetworkProvider()
    news = {"name": "net-one", "cidr": "192.168.0.0/16", "workspace_id": Unknown(), "__provider": "x"}
    assert provider.check({}, news).failures == []
    assert provider.diff("id", NETWORK, {**NETWORK, "workspace_id": Unknown()}).replaces == ["workspace_id"]


@pytest.mark.parametrize(
    ("props", "field", "words"),
    [
        ({"name": "Net", "cidr": "192.168.0.0/16"}, "name", "at least 4"),
        ({"name": "net-" + "x" * 40, "cidr": "192.168.0.0/16"}, "name", "at most 32"),
        ({"name": "net-one", "cidr": "10.0.0.0/8"}, "cidr", "172.16.0.0/12"),
        ({"name": "net-one", "cidr": "192.168.0.0/25"}, "cidr", "/24"),
        ({"name": "net-one", "cidr": "not-a-cidr"}, "cidr", "not a CIDR"),
        ({"cidr": "192.168.0.0/16"}, "name", "required"),
        (
            {"name": "net-one", "cidr": "192.168.0.0/16", "peer_connections": [{"vpc_id": "v"}]},
            "peer_connections[0].subnet_id",
            "required",
        ),
        ({"name": "net-one", "cidr": "192.168.0.0/16", "colour": "blue"}, "colour", "not an input"),
    ],
)
def test_check_names_the_field_and_the_rule(props: dict[str, Any], field: str, words: str) -> None:
    failures = NetworkProvider().check({}, {**props, "__provider": "x"}).failures
    assert failures, "expected a failure"
    assert failures[0].property == field
    assert words.lower() in failures[0].reason.lower()


def test_check_fills_defaults_and_coerces_floats() -> None:
    result = WorkspaceProvider().check({}, {"name": "ws-one", "auth_type": "private", "__provider": "p"})
    assert result.failures == []
    assert result.inputs["auth_type"] == "PRIVATE"
    assert result.inputs["description"] == ""
    assert result.inputs["__provider"] == "p"


def test_a_configured_provider_pickles_without_credentials() -> None:
    provider = NetworkProvider()
    secret = "SK-that-must-not-leak-0123456789"
    values = {"aicompute:endpoint": "http://127.0.0.1:9", "aicompute:projectId": "0123456789abcdef0123456789abcdef"}
    config = Config({**values, "aicompute:secretKey": secret, "aicompute:accessKey": "AKLEAK"}, "proj")
    provider.configure(ConfigureRequest(config))
    assert provider.settings().secret_key is not None
    pickled = base64.b64encode(dill.dumps(provider, recurse=True)).decode()
    assert secret not in dill.dumps(provider, recurse=True).decode("latin-1")
    assert "AKLEAK" not in dill.dumps(provider, recurse=True).decode("latin-1")
    restored = dill.loads(base64.b64decode(pickled))
    assert restored.settings().secret_key is None or restored.settings().secret_key.get_secret_value() != secret


def test_configure_refuses_a_stack_config_without_credentials() -> None:
    """Pulumi configures providers at preview: a missing credential fails there (issue #14 item 16)."""
    config = Config({"aicompute:endpoint": "http://127.0.0.1:9", "aicompute:projectId": "0" * 32}, "proj")
    with pytest.raises(ConfigError, match="no credentials: set aicompute:accessKey and aicompute:secretKey"):
        NetworkProvider().configure(ConfigureRequest(config))


def test_read_projects_live_values_onto_the_old_inputs() -> None:
    provider = NetworkProvider()

    class FakeApi:
        def close(self) -> None: ...

    live = {
        **NETWORK,
        "peer_connections": [{"vpc_id": "v", "subnet_id": "s", "default_gateway": False}],
        "status": "Active",
    }
    provider.open_client = lambda settings: FakeApi()  # type: ignore[method-assign,assignment,return-value]
    provider.read_resource = lambda api, rid: live  # type: ignore[method-assign]
    old = {**NETWORK, "peer_connections": [{"vpc_id": "v", "subnet_id": "s"}], "timeouts": {"create": "5m"}}
    result = provider.read("net-id", old)
    assert result.id == "net-id"
    assert result.inputs is not None
    assert result.inputs["peer_connections"] == [{"vpc_id": "v", "subnet_id": "s"}]
    assert result.inputs["timeouts"] == {"create": "5m"}
    assert result.outs["status"] == "Active"
