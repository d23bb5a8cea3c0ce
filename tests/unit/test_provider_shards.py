"""Sharding aicompute's resources over explicit ``pulumi-python`` providers (``resources.provider_shards``):
who gets which provider, what the shard providers are configured with, and when nothing changes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pulumi
import pytest
from pulumi.runtime import config as runtime_config
from pulumi.runtime.rpc import _special_secret_sig as SECRET_VALUE_SIG
from pulumi.runtime.rpc import _special_sig_key as SECRET_SIG

from aicompute.resources.hilens import ConfigMap
from aicompute.resources.provider_shards import BLOCK, SHARDS_KEY, shard_of


class Recorder(pulumi.runtime.Mocks):
    """Every registration: its type, name, inputs and provider reference."""

    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None

    def providers_of(self, prefix: str) -> dict[str, str]:
        """Resource name → the name of the provider it names ('' for the default)."""
        return {
            args.name: (args.provider or "").split("::")[-2] if args.provider else ""
            for args in self.registered
            if args.name.startswith(prefix)
        }

    def shard_providers(self) -> dict[str, dict[str, Any]]:
        shards = [args for args in self.registered if args.typ == "pulumi:providers:pulumi-python"]
        return {args.name: dict(args.inputs) for args in shards}


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorder = Recorder()
    pulumi.runtime.set_mocks(recorder, preview=False)
    saved = dict(runtime_config.CONFIG.get())
    runtime_config.set_config(SHARDS_KEY, "8")
    yield recorder
    runtime_config.set_all_config(saved, [])


def _config_maps(count: int, opts: pulumi.ResourceOptions | None = None) -> None:
    for index in range(count):
        ConfigMap(f"cm{index}", name=f"cm-{index}", workspace_id="ws", data={"K": "v"}, opts=opts)


def test_resources_are_dealt_in_blocks_the_first_keeping_the_default_provider(recorder: Recorder) -> None:
    pulumi.runtime.test(lambda: _config_maps(2 * BLOCK + 2))()
    providers = recorder.providers_of("cm")
    assert [providers[f"cm{i}"] for i in range(BLOCK)] == [""] * BLOCK
    assert [providers[f"cm{i}"] for i in range(BLOCK, 2 * BLOCK)] == ["aicompute-shard-1"] * BLOCK
    assert providers[f"cm{2 * BLOCK}"] == providers[f"cm{2 * BLOCK + 1}"] == "aicompute-shard-2"
    assert sorted(recorder.shard_providers()) == ["aicompute-shard-1", "aicompute-shard-2"]


def test_the_deal_wraps_around_after_the_last_shard() -> None:
    assert [shard_of(position, 3) for position in range(0, 5 * BLOCK, BLOCK)] == [0, 1, 2, 0, 1]


def test_a_small_program_is_what_it_was(recorder: Recorder) -> None:
    pulumi.runtime.test(lambda: _config_maps(BLOCK))()
    assert set(recorder.providers_of("cm").values()) == {""}
    assert recorder.shard_providers() == {}


@pytest.mark.parametrize("setting", ["1", None])
def test_one_shard_or_none_set_is_the_default_provider_alone(recorder: Recorder, setting: str | None) -> None:
    if setting is None:
        runtime_config.CONFIG.get().pop(SHARDS_KEY)
    else:
        runtime_config.set_config(SHARDS_KEY, setting)
    pulumi.runtime.test(lambda: _config_maps(3 * BLOCK))()
    assert set(recorder.providers_of("cm").values()) == {""}


def test_a_bad_shard_count_names_the_key_and_the_rule(recorder: Recorder) -> None:
    runtime_config.set_config(SHARDS_KEY, "0")
    with pytest.raises(ValueError, match=r"aicompute:providerShards must be a whole number of providers \(1 or more\)"):
        _config_maps(1)


def test_a_resource_given_a_provider_keeps_it(recorder: Recorder) -> None:
    def program() -> None:
        mine = pulumi.ProviderResource("pulumi-python", "mine")
        _config_maps(2 * BLOCK, pulumi.ResourceOptions(provider=mine))

    pulumi.runtime.test(program)()
    assert set(recorder.providers_of("cm").values()) == {"mine"}
    assert list(recorder.shard_providers()) == ["mine"]


def test_shard_providers_are_configured_with_the_stack_config_secrets_secret(recorder: Recorder) -> None:
    runtime_config.set_all_config(
        {"aicompute:region": "cn-north-4", "aicompute:secretKey": "sk-value", SHARDS_KEY: "8"},
        ["aicompute:secretKey"],
    )
    pulumi.runtime.test(lambda: _config_maps(BLOCK + 1))()
    inputs = recorder.shard_providers()["aicompute-shard-1"]
    assert inputs["aicompute:region"] == "cn-north-4"
    # As the SDK sends a secret to the engine: wrapped in its secret signature, never a plain input.
    assert inputs["aicompute:secretKey"] == {SECRET_SIG: SECRET_VALUE_SIG, "value": "sk-value"}
