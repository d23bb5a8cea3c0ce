"""The provider pool's size: ``ceil(parallel / operations per process)`` processes (16 operations
each unless AICOMPUTE_PROVIDER_OPERATIONS says otherwise), capped by AICOMPUTE_MAX_PROVIDER_PROCESSES."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from aicompute.engine.deploy.providers import plugin
from aicompute.engine.deploy.providers.plugin import (
    MAX_PROCESSES_ENV,
    OPERATIONS_ENV,
    ProviderHost,
    ProviderPool,
    max_provider_processes,
    operations_per_process,
)


@pytest.mark.parametrize(("parallel", "expected"), [(1, 1), (16, 1), (17, 2), (32, 2), (64, 4), (0, 1)])
def test_pool_runs_enough_processes_for_parallel_at_sixteen_operations_each(parallel: int, expected: int) -> None:
    assert max_provider_processes(parallel, {}) == expected


@pytest.mark.parametrize(("parallel", "expected"), [(1, 1), (4, 1), (5, 2), (16, 4), (32, 8)])
def test_the_sdk_servers_four_operations_give_the_old_pool_sizes(parallel: int, expected: int) -> None:
    assert max_provider_processes(parallel, {OPERATIONS_ENV: "4"}) == expected


@pytest.mark.parametrize(("cap", "expected"), [("1", 1), (" 3 ", 3), ("100", 8), ("", 8)])
def test_environment_caps_the_process_count(cap: str, expected: int) -> None:
    assert max_provider_processes(32, {MAX_PROCESSES_ENV: cap, OPERATIONS_ENV: "4"}) == expected


@pytest.mark.parametrize("name", [MAX_PROCESSES_ENV, OPERATIONS_ENV])
@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_an_invalid_setting_is_refused_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        max_provider_processes(32, {name: value})


def test_operations_per_process_default_and_setting() -> None:
    assert operations_per_process({}) == 16
    assert operations_per_process({OPERATIONS_ENV: "4"}) == 4


def test_the_pool_reads_its_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(MAX_PROCESSES_ENV, "1")
    monkeypatch.setenv(OPERATIONS_ENV, "4")
    pool = ProviderPool(ProviderHost("python3", tmp_path), {}, parallel=32)
    assert (pool.max_processes, pool.operations) == (1, 4)
    monkeypatch.delenv(MAX_PROCESSES_ENV)
    monkeypatch.delenv(OPERATIONS_ENV)
    pool = ProviderPool(ProviderHost("python3", tmp_path), {}, parallel=32)
    assert (pool.max_processes, pool.operations) == (2, 16)


class SlowStartingProcess:
    """Stands for a provider process whose start takes a while; it records being closed."""

    started: list[SlowStartingProcess] = []

    def __init__(self, *_: object) -> None:
        time.sleep(0.3)
        self.closed = False
        SlowStartingProcess.started.append(self)

    def close(self) -> None:
        self.closed = True


def test_closing_the_pool_while_the_prewarm_starts_a_process_ends_that_process_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(plugin, "ProviderProcess", SlowStartingProcess)
    SlowStartingProcess.started.clear()
    pool = ProviderPool(ProviderHost("python3", tmp_path), {}, parallel=32)
    pool.prewarm()  # a cancel can come right after it: the pool is closed with the start under way
    pool.close()
    assert [process.closed for process in SlowStartingProcess.started] == [True]
