"""Fixtures of the localcloud tests that run the app in this process (with its test routes)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.inprocess_localcloud import InProcessLocalCloud
from tests.support.localcloud import Credentials


@pytest.fixture(scope="module")
def cloud() -> Iterator[InProcessLocalCloud]:
    """An in-process localcloud, one per test module."""
    server = InProcessLocalCloud().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proj(cloud: InProcessLocalCloud) -> Credentials:
    """A fresh project of that localcloud."""
    return cloud.new_project()
