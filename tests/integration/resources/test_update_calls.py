"""The call an input declares (``Updatable(via=…)``) is the call its change makes.

Per resource and per declared call: an object is made through its provider, inputs of that one
call are changed, and localcloud's request log must show exactly that call's writes — no other
call, none twice. The cases cover every call these resources declare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from aicompute.provider.generic import GenericProvider
from aicompute.resources.hilens import config_map, device, secret
from aicompute.resources.hilens import workspace as hilens_workspace
from aicompute.resources.modelarts import network, workspace
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq, mutating_calls

Provider = GenericProvider[Any, Any]


@dataclass(frozen=True)
class Case:
    provider: type[Provider]
    call: str
    base: dict[str, Any]
    change: dict[str, Any]
    writes: list[tuple[str, str]]
    """``(method, path after the project id)``, ``{id}`` standing for the object's id."""
    made_with: dict[str, Any] = field(default_factory=dict)


DEVICE = {"name": "calls-dev", "tags": {"site": "a"}}
CASES = [
    Case(
        hilens_workspace.WorkspaceProvider,
        hilens_workspace.UPDATE,
        {"name": "calls-ws", "description": "one"},
        {"description": "two"},
        [("PUT", "ai-mgr/workspaces/{id}")],
    ),
    Case(
        workspace.WorkspaceProvider,
        workspace.UPDATE,
        {"name": "calls-ws"},
        {"description": "two", "auth_type": "PRIVATE"},
        [("PUT", "workspaces/{id}")],
    ),
    Case(
        network.NetworkProvider,
        network.UPDATE,
        {"name": "calls-net", "cidr": "192.168.20.0/24"},
        {"description": "two"},
        [("PATCH", "networks/{id}")],
    ),
    Case(
        config_map.ConfigMapProvider,
        config_map.UPDATE,
        {"name": "calls-cm", "data": {"a": "1"}},
        {"data": {"a": "2"}, "tags": {"k": "v"}},
        [("PUT", "ai-mgr/configmaps/{id}")],
    ),
    Case(
        secret.SecretProvider,
        secret.UPDATE,
        {"name": "calls-secret", "data": {"a": "1"}},
        {"description": "two"},
        [("PUT", "ai-mgr/secrets/{id}")],
    ),
    Case(device.DeviceProvider, device.PUT_NODE, DEVICE, {"enable_gpu": True}, [("PUT", "ai-mgr/nodes/{id}")]),
    Case(
        device.DeviceProvider,
        device.TAG_CALLS,
        DEVICE,
        {"tags": {"zone": "b"}},
        [("POST", "node/{id}/tags"), ("DELETE", "node/{id}/tags/site")],
    ),
    Case(
        device.DeviceProvider,
        device.START_STOP,
        DEVICE,
        {"enabled": False},
        [("POST", "ai-mgr/nodes/{id}/action/stop")],
    ),
]


def _calls(localcloud: LocalCloudProcess, since: int, project: Credentials) -> list[tuple[str, str]]:
    prefix = f"/{project.project_id}/"
    return [(c["method"], str(c["path"]).split(prefix, 1)[-1]) for c in mutating_calls(localcloud, since)]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.provider.__name__}:{c.call.split(' ')[0]}" for c in CASES])
def test_a_change_makes_exactly_its_declared_call(
    case: Case, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    provider = configured(case.provider, localcloud, project)
    assert {provider.fields.calls[name] for name in case.change} == {case.call}
    created = provider.create(checked(provider, case.base))
    since = last_seq(localcloud)
    updated = provider.update(created.id, created.outs, checked(provider, {**case.base, **case.change}))
    assert _calls(localcloud, since, project) == [(m, p.format(id=created.id)) for m, p in case.writes]
    for name, value in case.change.items():
        assert checked(provider, {**case.base, name: value})[name] == updated.outs[name]
    provider.delete(created.id, updated.outs)


def test_the_cases_cover_every_call_of_their_resources() -> None:
    covered: dict[type[Provider], set[str]] = {}
    for case in CASES:
        covered.setdefault(case.provider, set()).add(case.call)
    # The device's activation and firmware upgrade need an agent online: test_hilens_device.py counts them.
    elsewhere = {device.ACTIVATE, device.UPGRADE}
    for provider, calls in covered.items():
        declared = {via for via in provider.fields.calls.values() if via} - elsewhere
        assert calls == declared, provider.__name__
