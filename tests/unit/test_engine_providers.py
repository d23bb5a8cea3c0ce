"""The provider pool's size: ``ceil(parallel / 4)`` processes, capped by AICOMPUTE_MAX_PROVIDER_PROCESSES."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicompute.engine.providers import MAX_PROCESSES_ENV, ProviderHost, ProviderPool, max_provider_processes


@pytest.mark.parametrize(("parallel", "expected"), [(1, 1), (4, 1), (5, 2), (16, 4), (32, 8), (0, 1)])
def test_pool_runs_enough_processes_for_parallel_at_four_operations_each(parallel: int, expected: int) -> None:
    assert max_provider_processes(parallel, {}) == expected


@pytest.mark.parametrize(("cap", "expected"), [("1", 1), (" 3 ", 3), ("100", 8), ("", 8)])
def test_environment_caps_the_process_count(cap: str, expected: int) -> None:
    assert max_provider_processes(32, {MAX_PROCESSES_ENV: cap}) == expected


@pytest.mark.parametrize("cap", ["0", "-1", "two", "1.5"])
def test_an_invalid_cap_is_refused_naming_the_variable(cap: str) -> None:
    with pytest.raises(ValueError, match=MAX_PROCESSES_ENV):
        max_provider_processes(32, {MAX_PROCESSES_ENV: cap})


def test_the_pool_reads_the_cap_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(MAX_PROCESSES_ENV, "1")
    pool = ProviderPool(ProviderHost("python3", tmp_path), {}, parallel=32)
    assert pool.max_processes == 1
    monkeypatch.delenv(MAX_PROCESSES_ENV)
    assert ProviderPool(ProviderHost("python3", tmp_path), {}, parallel=32).max_processes == 8
