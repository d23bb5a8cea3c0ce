"""Three fixes to the Pulumi Python SDK for the program process, each guarded by a fingerprint.

The embedded engine's program runner applies them to every program it runs (plain
``pulumi.dynamic.Resource`` programs as much as aicompute's); aicompute's own resource classes
use ``pickler_restored`` under any engine, the real Pulumi CLI included. The SDK is not changed
on disk.

* ``pulumi.runtime.stack.wait_for_rpcs`` waits for the program's pending outputs with
  ``asyncio.wait(all, FIRST_COMPLETED)`` in a loop: every completion re-registers a callback on
  every pending output, which is quadratic in the number of resources (the program's own CPU at
  10,000 resources). The replacement waits once for all of them (``FIRST_EXCEPTION``: a failed
  output still ends the wait at once) and keeps every other step of the original.
* ``pulumi.log.debug`` sends a synchronous ``Log`` RPC to the engine for each of the 3-4 debug
  lines the SDK writes per resource, which the engine drops unless ``--debug``: without it the
  replacement sends nothing.
* ``pulumi.dynamic.dynamic.serialize_provider`` wraps ``pickle._Pickler._batch_setitems`` in a
  sorting wrapper on each call and never unwraps it, so every dynamic resource adds a level to
  each later pickling until it fails with ``RecursionError`` (after a few hundred to a thousand
  resources). The replacement puts the pickler back as it found it.

Each replacement stands in for an SDK function whose source had the fingerprint recorded in
``FINGERPRINTS`` (the SDK release named there): a different source — a new SDK release that
changed it — leaves that function alone (correct, only slower), and tests/unit/test_sdk_patches.py
fails so that the patch is reviewed against the new source.

This module imports nothing but the standard library and the Pulumi SDK: the runner loads it by
path inside a project's own virtualenv, where aicompute may not be installed.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import inspect
import pickle
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

FINGERPRINTS: dict[str, str] = {
    # pulumi 3.272.0, sdk/python/lib/pulumi/runtime/stack.py
    "pulumi.runtime.stack.wait_for_rpcs": "c0f9027f85ad09255ded0a1908033b490f76d303a3e40b50d3cf47a69265469d",
    # pulumi 3.272.0, sdk/python/lib/pulumi/log.py
    "pulumi.log.debug": "381cd6115cca6ca19ddc9416014d9afb086d7b7a9cb3ca8d80f2be24bdb44d6f",
    # pulumi 3.272.0, sdk/python/lib/pulumi/dynamic/dynamic.py
    "pulumi.dynamic.dynamic.serialize_provider": "1885ce68bc436f1a2b08c42c8cdba831640cd3112e7904113dc8e36146772b89",
}
"""The sha256 of each patched function's source, as the SDK release named beside it ships it."""

_PICKLER_METHODS = ("_batch_setitems", "save_dict")


def fingerprint(function: Callable[..., Any]) -> str:
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()


def sdk_function(dotted: str) -> Callable[..., Any]:
    """The SDK's function named ``module.path.name``, as the SDK defines it (not a patch of ours)."""
    module_name, _, name = dotted.rpartition(".")
    function: Callable[..., Any] = getattr(importlib.import_module(module_name), name)
    return getattr(function, "__wrapped_sdk_function__", function)


@contextmanager
def pickler_restored() -> Iterator[None]:
    """Undo what the SDK's ``serialize_provider`` leaves behind on the pure-Python pickler."""
    pure = pickle._Pickler
    saved = {name: pure.__dict__[name] for name in _PICKLER_METHODS}
    try:
        yield
    finally:
        for name, method in saved.items():
            setattr(pure, name, method)


def _serialize_provider(original: Callable[..., str]) -> Callable[..., str]:
    def serialize_provider(provider: Any) -> str:
        with pickler_restored():
            return original(provider)

    return serialize_provider


def _debug(original: Callable[..., None]) -> Callable[..., None]:
    def debug(msg: str, resource: Any = None, stream_id: int | None = None, ephemeral: bool | None = None) -> None:
        return None

    return debug


def _wait_for_rpcs(original: Callable[..., Any]) -> Callable[..., Any]:
    settings: Any = importlib.import_module("pulumi.runtime.settings")  # what stack.py imports them from

    async def wait_for_rpcs(await_all_outstanding_tasks: bool = True) -> None:
        rpc_manager = settings._get_rpc_manager()
        while True:
            while rpc_manager.rpcs:
                await asyncio.sleep(0)
                try:
                    await rpc_manager.rpcs.pop()
                except Exception as exn:
                    if rpc_manager.unhandled_exception is not None:
                        cause = rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
                        raise exn from cause
                    raise
            if rpc_manager.unhandled_exception is not None:
                raise rpc_manager.unhandled_exception.with_traceback(rpc_manager.exception_traceback)
            if await_all_outstanding_tasks:
                await _settle_outputs(settings.SETTINGS)
            if not rpc_manager.rpcs:
                break

    return wait_for_rpcs


async def _settle_outputs(settings: Any) -> None:
    """Wait until no output is pending, re-raising the first that failed (the SDK's loop, linear)."""
    while True:
        with settings.lock:
            if not settings.outputs:
                return
            pending: list[asyncio.Task[Any]] = list(settings.outputs)
            settings.outputs.clear()
        done, not_done = await asyncio.wait(pending, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            await task
        with settings.lock:
            settings.outputs.update(not_done)


_REPLACEMENTS: dict[str, Callable[[Callable[..., Any]], Callable[..., Any]]] = {
    "pulumi.runtime.stack.wait_for_rpcs": _wait_for_rpcs,
    "pulumi.log.debug": _debug,
    "pulumi.dynamic.dynamic.serialize_provider": _serialize_provider,
}


def apply(*, debug: bool) -> list[str]:
    """Patch the SDK in this process; ``debug``: keep ``pulumi.log.debug`` as it is. Returns the
    functions left alone because their source is not the one the patch was written for."""
    skipped = []
    for dotted, replace in _REPLACEMENTS.items():
        if dotted == "pulumi.log.debug" and debug:
            continue
        original = sdk_function(dotted)
        if fingerprint(original) != FINGERPRINTS[dotted]:
            skipped.append(dotted)
            continue
        patched = replace(original)
        patched.__wrapped_sdk_function__ = original  # type: ignore[attr-defined]
        module_name, _, name = dotted.rpartition(".")
        setattr(importlib.import_module(module_name), name, patched)
    return skipped
