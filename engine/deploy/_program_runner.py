"""Run one Pulumi Python program against the embedded engine (the child process of ``program.py``).

This is what Pulumi's ``pulumi-language-python-exec`` does for the Go language host: read the
stack's config, configure ``pulumi.runtime`` with the monitor and engine addresses, then run the
program's ``main`` under ``run_in_stack``. Everything comes from the environment the engine sets:

``PULUMI_PROJECT``, ``PULUMI_STACK``, ``PULUMI_ORGANIZATION``, ``PULUMI_ROOT_DIRECTORY``,
``PULUMI_DRY_RUN`` (``true``/``false``), ``PULUMI_PARALLEL``, ``PULUMI_MONITOR``,
``PULUMI_ENGINE``, ``PULUMI_CONFIG`` (JSON object) and ``PULUMI_CONFIG_SECRET_KEYS`` (JSON list),
plus ``AICOMPUTE_PROGRAM``: the program's ``main``, a directory holding ``__main__.py`` or a file;
``AICOMPUTE_SDK_PATCHES``: the path of ``aicompute/sdk_patches.py``, applied before the program
runs; ``AICOMPUTE_DEBUG`` (``1``): keep the SDK's debug log messages (``--debug``).

It imports nothing but the Pulumi SDK and the standard library (the patches are loaded by path),
so it also runs under a project's own virtualenv, where aicompute may not be installed.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import os
import runpy
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor


def _program_entry(program: str) -> tuple[str, str]:
    """(path to hand to runpy, directory to put first on sys.path)."""
    if os.path.isdir(program):
        return program, program
    return program, os.path.dirname(os.path.abspath(program))


def _apply_sdk_patches() -> None:
    path = os.environ.get("AICOMPUTE_SDK_PATCHES")
    if not path:
        return
    spec = importlib.util.spec_from_file_location("_aicompute_sdk_patches", path)
    if spec is None or spec.loader is None:
        return
    patches = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(patches)
    patches.apply(debug=os.environ.get("AICOMPUTE_DEBUG") == "1")


def user_traceback(error: BaseException, program: str) -> str:
    """The traceback from the program's own entry frame on, as Pulumi's exec shim shows it: the
    runner's, asyncio's and the SDK's frames above it say nothing to the program's author."""
    entry = os.path.abspath(os.path.join(program, "__main__.py") if os.path.isdir(program) else program)
    frames = traceback.extract_tb(error.__traceback__)
    for index, frame in enumerate(frames):
        if os.path.abspath(frame.filename) == entry:
            return "".join(traceback.format_exception(error, limit=-(len(frames) - index)))
    return "".join(traceback.format_exception(error))


def _exit_with_parent() -> None:
    """End the program when the engine is gone (a killed engine must not leave it running)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def main() -> int:
    _exit_with_parent()
    import pulumi
    import pulumi.runtime

    _apply_sdk_patches()

    program = os.environ["AICOMPUTE_PROGRAM"]
    parallel = int(os.environ.get("PULUMI_PARALLEL", "16") or "16")

    pulumi.runtime.set_all_config(
        pulumi.runtime.get_config_env(),
        pulumi.runtime.get_config_secret_keys_env(),
    )
    pulumi.runtime.configure(
        pulumi.runtime.Settings(
            monitor=os.environ["PULUMI_MONITOR"],
            engine=os.environ["PULUMI_ENGINE"],
            project=os.environ["PULUMI_PROJECT"],
            stack=os.environ["PULUMI_STACK"],
            parallel=parallel,
            dry_run=os.environ.get("PULUMI_DRY_RUN") == "true",
            organization=os.environ.get("PULUMI_ORGANIZATION", "organization"),
            root_directory=os.environ.get("PULUMI_ROOT_DIRECTORY"),
        )
    )

    path, directory = _program_entry(program)
    sys.argv = [path]
    if directory not in sys.path:
        sys.path.insert(0, directory)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # Every RegisterResource is a blocking RPC run in the loop's default executor, and the engine
    # answers it only when the resource's step is done: the executor's size is the program's
    # parallelism (asyncio's default is min(32, cpus + 4), which would cap --parallel).
    loop.set_default_executor(ThreadPoolExecutor(max_workers=parallel + 4, thread_name_prefix="pulumi-rpc"))
    # As Pulumi's language host does: an aborted program leaves futures unobserved on purpose.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    def run_program() -> None:
        runpy.run_path(path, run_name="__main__")

    ok = False
    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(run_program))
        ok = True
    except pulumi.RunError as error:
        pulumi.log.error(str(error))
    except Exception as error:
        pulumi.log.error("Program failed with an unhandled exception:\n" + user_traceback(error, program))
    finally:
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
