"""What aicompute's resource base does beyond ``pulumi.dynamic.Resource``: the pickled provider is
not a secret, and the SDK's pickler patching does not pile up across resources."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import pulumi
import pytest

from aicompute.resources.hilens import ConfigMap


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: list[dict[str, Any]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if not args.typ.startswith("pulumi:providers:"):  # the shard providers (``provider_shards``)
            self.inputs.append(dict(args.inputs))
        return f"{args.name}-id", {}

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, preview=False)
    yield recorder


def config_map(name: str) -> ConfigMap:
    return ConfigMap(name, name=f"cm-{name}", workspace_id="ws", data={"LOG_LEVEL": "info"})


def test_a_thousand_and_more_resources_pickle_their_providers(recorder: Recorder) -> None:
    before = pickle._Pickler.__dict__["_batch_setitems"]

    @pulumi.runtime.test
    def program() -> None:
        for index in range(1200):  # the SDK alone fails near 1,000: RecursionError while pickling
            config_map(f"r{index}")

    program()
    assert pickle._Pickler.__dict__["_batch_setitems"] is before
    assert len(recorder.inputs) == 1200


def test_the_pickled_provider_is_stored_as_it_is_not_as_a_secret(recorder: Recorder) -> None:
    captured: list[Any] = []

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        pickled: pulumi.Output[Any] = getattr(config_map("one"), "__provider")
        secret = pulumi.Output.from_input(pickled.is_secret())
        return pulumi.Output.all(secret, pickled).apply(captured.extend)

    program()
    is_secret, pickled = captured
    assert is_secret is False
    assert pickle.loads(__import__("base64").b64decode(pickled)).__class__.__name__ == "ConfigMapProvider"
