"""GenericProvider.reconcile_live: a resource projects the live object onto its inputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aicompute.resources.modelarts.network import NetworkProvider

NETWORK = {"name": "net-one", "cidr": "192.168.0.0/16", "workspace_id": "0", "description": "", "peer_connections": []}


class KeepsDescription(NetworkProvider):
    """Pretends the API never returns the description: the program's value is kept."""

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        return {**live, "description": inputs.get("description", "")}


def test_read_passes_the_old_inputs_to_reconcile_live() -> None:
    provider = KeepsDescription()

    class FakeApi:
        def close(self) -> None: ...

    provider.open_client = lambda settings: FakeApi()  # type: ignore[method-assign,assignment,return-value]
    provider.read_resource = lambda api, rid: {**NETWORK, "description": None}  # type: ignore[method-assign]
    result = provider.read("net-id", {**NETWORK, "description": "kept"})
    assert result.outs["description"] == "kept"
    assert result.inputs is not None and result.inputs["description"] == "kept"
    assert provider.diff("net-id", result.outs, {**NETWORK, "description": "kept"}).changes is False


def test_outputs_after_a_write_are_reconciled_with_the_new_inputs() -> None:
    provider = KeepsDescription()
    provider.read_resource = lambda api, rid: {**NETWORK, "description": None}  # type: ignore[method-assign]
    outs = provider.outputs(object(), "net-id", {**NETWORK, "description": "new"})  # type: ignore[arg-type]
    assert outs["description"] == "new"
