"""aicompute.sdk_patches: each patch stands in for the SDK source it was written for, and does its job.

The patches are applied in a child interpreter (``_in_child``): applying them here would change
the SDK for every later test in this worker.
"""

from __future__ import annotations

import asyncio
import pickle
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pulumi
import pytest

from aicompute import sdk_patches


@pytest.mark.parametrize("dotted", sorted(sdk_patches.FINGERPRINTS))
def test_the_sdk_function_is_the_one_the_patch_was_written_for(dotted: str) -> None:
    """Fails when a Pulumi SDK release changes a patched function: read the new source, check the
    replacement still does what it did, and record the new fingerprint and release."""
    original = sdk_patches.sdk_function(dotted)
    assert sdk_patches.fingerprint(original) == sdk_patches.FINGERPRINTS[dotted], (
        f"pulumi {pulumi.__version__ if hasattr(pulumi, '__version__') else '?'} changed {dotted}"
    )


def _in_child(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_apply_patches_every_function_and_skips_none() -> None:
    out = _in_child(
        """
        import pulumi.dynamic.dynamic, pulumi.log, pulumi.runtime.stack
        from aicompute import sdk_patches
        print(sdk_patches.apply(debug=False))
        print(pulumi.runtime.stack.wait_for_rpcs.__name__, hasattr(pulumi.runtime.stack.wait_for_rpcs,
              "__wrapped_sdk_function__"), hasattr(pulumi.log.debug, "__wrapped_sdk_function__"),
              hasattr(pulumi.dynamic.dynamic.serialize_provider, "__wrapped_sdk_function__"))
        """
    )
    assert out.splitlines() == ["[]", "wait_for_rpcs True True True"]


def test_debug_keeps_the_sdk_debug_log() -> None:
    out = _in_child(
        """
        import pulumi.log
        from aicompute import sdk_patches
        sdk_patches.apply(debug=True)
        print(hasattr(pulumi.log.debug, "__wrapped_sdk_function__"))
        """
    )
    assert out == "False"


def test_patched_debug_sends_no_log_rpc_to_the_engine() -> None:
    out = _in_child(
        """
        import pulumi, pulumi.runtime.settings as settings
        from aicompute import sdk_patches
        class Engine:
            calls = 0
            def Log(self, request):
                Engine.calls += 1
        settings.SETTINGS.engine = Engine()
        pulumi.log.debug("before")
        sdk_patches.apply(debug=False)
        pulumi.log.debug("after")
        pulumi.log.info("still sent")
        print(Engine.calls)
        """
    )
    assert out == "2"  # the debug line before the patch and the info line after it


def test_serialize_provider_leaves_the_pickler_as_it_found_it() -> None:
    """The SDK bug the patch undoes: each serialization nests the pickler one level deeper."""
    code = """
        import pickle
        import pulumi.dynamic.dynamic as dynamic
        from aicompute import sdk_patches
        class Provider(dynamic.ResourceProvider):
            pass
        {apply}
        before = pickle._Pickler._batch_setitems
        for _ in range(3):
            dynamic.serialize_provider(Provider())
        print(pickle._Pickler._batch_setitems is before)
        """
    assert _in_child(code.format(apply="")) == "False"  # the SDK's own behaviour: it nests
    assert _in_child(code.format(apply="sdk_patches.apply(debug=False)")) == "True"


class _Settings:
    """What ``_settle_outputs`` reads of the SDK's SETTINGS: a lock and the set of pending outputs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outputs: set[asyncio.Task[Any]] = set()
        self.engine = None  # log.debug reads it


def _counting_tasks(loop: asyncio.AbstractEventLoop, count: int, calls: list[int]) -> list[asyncio.Task[Any]]:
    class CountingTask(asyncio.Task[Any]):
        def add_done_callback(self, fn: Any, *, context: Any = None) -> None:
            calls[0] += 1
            super().add_done_callback(fn, context=context)

    async def finish_after(turns: int) -> int:
        for _ in range(turns):
            await asyncio.sleep(0)
        return turns

    return [CountingTask(finish_after(turn), loop=loop) for turn in range(count)]


class _RpcManager:
    rpcs: list[Any] = []
    unhandled_exception = None
    exception_traceback = None


def _callbacks_to_settle(count: int, wait: Any, monkeypatch: pytest.MonkeyPatch) -> int:
    import pulumi.runtime.settings as sdk_settings
    import pulumi.runtime.stack as sdk_stack

    loop = asyncio.new_event_loop()
    settings, calls = _Settings(), [0]
    settings.outputs.update(_counting_tasks(loop, count, calls))
    for module in (sdk_stack, sdk_settings):
        monkeypatch.setattr(module, "SETTINGS", settings)
        monkeypatch.setattr(module, "_get_rpc_manager", _RpcManager)
    try:
        loop.run_until_complete(wait())
    finally:
        loop.close()
    assert not settings.outputs
    return calls[0]


def test_settling_outputs_is_linear_in_their_number(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs that finish one at a time: the SDK's loop registers a callback on every pending one
    at each completion (count²/2 registrations); the replacement registers each about once."""
    count = 300
    sdk_wait = sdk_patches.sdk_function("pulumi.runtime.stack.wait_for_rpcs")
    assert _callbacks_to_settle(count, sdk_wait, monkeypatch) > count * count / 4
    patched_wait = sdk_patches._wait_for_rpcs(sdk_wait)
    assert _callbacks_to_settle(count, patched_wait, monkeypatch) <= 3 * count


def test_settling_outputs_reraises_a_failed_one_and_waits_for_outputs_added_meanwhile() -> None:
    loop = asyncio.new_event_loop()
    settings = _Settings()
    finished: list[str] = []

    async def late() -> None:
        await asyncio.sleep(0)
        finished.append("late")

    async def spawning() -> None:
        await asyncio.sleep(0)
        with settings.lock:
            settings.outputs.add(asyncio.ensure_future(late()))
        finished.append("spawning")

    async def failing() -> None:
        await asyncio.sleep(0)
        raise ValueError("an apply failed")

    try:
        settings.outputs.add(loop.create_task(spawning()))
        loop.run_until_complete(sdk_patches._settle_outputs(settings))
        assert finished == ["spawning", "late"]
        settings.outputs.add(loop.create_task(failing()))
        with pytest.raises(ValueError, match="an apply failed"):
            loop.run_until_complete(sdk_patches._settle_outputs(settings))
    finally:
        loop.close()


def test_pickler_restored_puts_back_what_a_serialization_changed() -> None:
    pure = pickle._Pickler
    before = pure.__dict__["_batch_setitems"]
    with sdk_patches.pickler_restored():
        pure._batch_setitems = lambda self, items: None  # type: ignore[method-assign,assignment]
    assert pure.__dict__["_batch_setitems"] is before
