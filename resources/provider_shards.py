"""Spreading aicompute's resources over several ``pulumi-python`` provider processes.

The Pulumi CLI runs every dynamic resource of a provider *instance* through one
``pulumi-resource-pulumi-python`` process, whose server (the SDK's ``pulumi/dynamic/__main__.py``)
handles 4 operations at a time: with the default provider, ``pulumi up --parallel 32`` of slow
resources still makes 4 platform calls at once. Each explicit ``pulumi-python`` provider resource is
a process of its own, so the resource base can deal resources out to several providers in blocks of
``BLOCK`` in the order the program declares them: the first block keeps the default provider, the
next ones get ``pulumi:providers:pulumi-python::aicompute-shard-<k>``, and after the last shard the
deal starts again. A program of up to ``BLOCK`` resources is what it was; resources declared
together (what a run can create at the same time) land on different processes.

An explicit provider is configured with its inputs, not the stack config the default one receives,
so each shard's inputs are the stack config (secret keys as secrets): the platform credentials reach
the provider exactly as they reach the default one. Pulumi diffs a resource whose provider changed
with the new provider's ``DiffConfig``, which the dynamic provider does not implement: no
replacement, and with unchanged inputs no step at all — so stacks deployed before sharding, and
resources that move to another shard when one is added before them, change provider silently.

It is opt-in: ``aicompute:providerShards`` sets how many providers there are (unset or ``1``: the
default provider alone; bench/README.md says why it is not the default). A resource given a provider
(``opts.provider``, or a ``pulumi-python`` entry in its own or its parent's providers) keeps it. The
embedded engine runs dynamic resources in its own pool whatever provider
they name, so there the shards cost one provider registration each.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings

PACKAGE = "pulumi-python"
SHARDS = 1
"""Providers when ``aicompute:providerShards`` is unset: the default provider alone (opt in with 8 for
32 operations at once under the Pulumi CLI; why it is not the default: bench/README.md)."""
BLOCK = 4
"""Resources dealt to one provider at a time: the operations one provider process runs at once."""
SHARDS_KEY = "aicompute:providerShards"


@dataclass
class _Deal:
    """One run's shard providers, and how many resources it has dealt out."""

    dealt: int = 0
    providers: dict[int, pulumi.ProviderResource] = field(default_factory=dict)


_deals: weakref.WeakKeyDictionary[Any, _Deal] = weakref.WeakKeyDictionary()
"""By the run's RPC manager (a new one per run: a process running several programs, as the Automation
API or the SDK's mocks do, deals each run's resources to its own providers)."""


def shard_count() -> int:
    value = runtime_config.get_config(SHARDS_KEY)
    if value is None:
        return SHARDS
    try:
        count = int(value)
    except ValueError:
        raise ValueError(f"{SHARDS_KEY} must be a whole number of providers (1 or more), not {value!r}") from None
    if count < 1:
        raise ValueError(f"{SHARDS_KEY} must be a whole number of providers (1 or more), not {value!r}")
    return count


def shard_of(position: int, count: int) -> int:
    """The shard of the resource declared at ``position`` (0 keeps the default provider)."""
    return (position // BLOCK) % count


def stack_config() -> dict[str, Any]:
    """The stack config as Pulumi gives it to the default ``pulumi-python`` provider: every key
    namespaced, the secret ones secret."""
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    env_secrets = set(runtime_config.get_config_secret_keys_env())

    def secret(key: str) -> bool:
        return key in env_secrets or runtime_config.is_config_secret(key)

    return {key: pulumi.Output.secret(value) if secret(key) else value for key, value in values.items()}


def _provider(deal: _Deal, shard: int) -> pulumi.ProviderResource:
    provider = deal.providers.get(shard)
    if provider is None:
        provider = pulumi.ProviderResource(PACKAGE, f"aicompute-shard-{shard}", stack_config())
        deal.providers[shard] = provider
    return provider


def _has_provider(opts: pulumi.ResourceOptions | None) -> bool:
    if opts is None:
        return False
    if opts.provider is not None:
        return True
    providers = opts.providers
    if isinstance(providers, pulumi.ProviderResource):
        return providers.package == PACKAGE
    if isinstance(providers, dict):
        return PACKAGE in providers
    if isinstance(providers, list):
        return any(p.package == PACKAGE for p in providers)
    parent = opts.parent
    inherited = getattr(parent, "_providers", {}) if parent is not None else {}
    return PACKAGE in inherited


def with_shard(opts: pulumi.ResourceOptions | None) -> pulumi.ResourceOptions | None:
    """``opts`` with the next resource's shard provider, unless it has a provider or sharding is off."""
    count = shard_count()
    if count == 1 or _has_provider(opts):
        return opts
    deal = _deals.setdefault(runtime_settings.SETTINGS.rpc_manager, _Deal())
    shard = shard_of(deal.dealt, count)
    deal.dealt += 1
    if shard == 0:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(provider=_provider(deal, shard)))
