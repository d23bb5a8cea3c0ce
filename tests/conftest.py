"""Fixtures shared by every test: a localcloud server per test session, a fresh project per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.pulumi_cli import require_pulumi
from tests.support.s3_server import S3Bucket, S3Server, require_moto


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


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The folder of the real Pulumi CLI and its language host (``make pulumi``); tests that take it
    are skipped without it, or fail under ``AICOMPUTE_REQUIRE_PULUMI=1``."""
    return require_pulumi()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One real S3-compatible server (moto's, signatures checked) on an ephemeral loopback port;
    tests that take it are skipped without it, or fail under ``AICOMPUTE_REQUIRE_PULUMI=1``."""
    server = S3Server(require_moto()).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket(s3_server: S3Server) -> S3Bucket:
    """A new, empty bucket on the server, so tests never see each other's stacks."""
    return s3_server.bucket()
