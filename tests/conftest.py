"""Fixtures shared by every test: a localcloud server per test session, a fresh project per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.localcloud import Credentials, LocalCloudProcess


@pytest.fixture(scope="session")
def localcloud() -> Iterator[LocalCloudProcess]:
    """One real localcloud server on an ephemeral loopback port (fast lifecycles)."""
    server = LocalCloudProcess(time_scale=0.01).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def project(localcloud: LocalCloudProcess) -> Credentials:
    """A new isolated project, so tests never see each other's objects."""
    return localcloud.new_project()
