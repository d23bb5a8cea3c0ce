"""The diy backend over a real S3-compatible server (moto's, signatures checked): Pulumi's object
layout, ``.bak`` on every write, prefixes, lock objects (refused, never broken, cancelled), the
requests and bytes a step's checkpoint costs, an upload cut short, and the errors for wrong
credentials and a missing bucket."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
from typing import Any

import pytest

from aicompute.engine.backend.base import BackendError, StackRef, UpdateInfo
from aicompute.engine.backend.diy import DiyBackend, open_backend
from aicompute.engine.backend.lock import StackLocked
from aicompute.engine.backend.s3 import S3Storage
from aicompute.engine.resource.checkpoint_values import secret
from aicompute.engine.resource.state import Deployment, default_provider_resource, root_stack_resource
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager
from tests.support.s3_server import S3Bucket

VECTOR_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="
REF = StackRef("demo", "dev")


@pytest.fixture(scope="module")
def secrets() -> PassphraseSecretsManager:
    return PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "password")


@pytest.fixture
def credentials(s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch) -> S3Bucket:
    for name, value in s3_bucket.env().items():
        monkeypatch.setenv(name, value)
    return s3_bucket


def backend_of(bucket: S3Bucket, prefix: str = "") -> DiyBackend:
    backend = open_backend(bucket.url(prefix))
    assert isinstance(backend, DiyBackend) and isinstance(backend.storage, S3Storage)
    return backend


def deployment(secrets: PassphraseSecretsManager, **outputs: object) -> Deployment:
    return Deployment(
        secrets_providers=secrets.secrets_providers(),
        resources=[root_stack_resource("dev", "demo", outputs), default_provider_resource("dev", "demo")],
    )


def test_pulumis_object_layout_with_a_bak_and_history(credentials: S3Bucket, secrets: PassphraseSecretsManager) -> None:
    backend = backend_of(credentials, "team-a")
    backend.create_stack(REF)
    backend.save_deployment(REF, deployment(secrets, n=1), secrets)
    first = credentials.get("team-a/.pulumi/stacks/demo/dev.json")
    backend.save_deployment(REF, deployment(secrets, n=2, token=secret("t0p")), secrets)
    backend.record_update(REF, UpdateInfo("update", 1, 2, "succeeded"))
    keys = credentials.object_keys()
    assert {
        "team-a/.pulumi/meta.yaml",
        "team-a/.pulumi/stacks/demo/dev.json",
        "team-a/.pulumi/stacks/demo/dev.json.bak",
    } <= set(keys)
    assert [k for k in keys if "/history/demo/dev/" in k and k.endswith(".history.json")]
    assert [k for k in keys if "/backups/demo/dev/dev." in k]
    assert all(k.startswith("team-a/") for k in keys)
    assert credentials.get("team-a/.pulumi/stacks/demo/dev.json.bak") == first
    assert b"t0p" not in credentials.get("team-a/.pulumi/stacks/demo/dev.json")
    assert backend.load_deployment(REF, secrets).stack_outputs() == {"n": 2, "token": secret("t0p")}
    assert credentials.get("team-a/.pulumi/meta.yaml").decode().strip() == "version: 1"


def test_prefixes_are_separate_backends_and_stack_listing_spans_projects(credentials: S3Bucket) -> None:
    backend_of(credentials, "a").create_stack(REF)
    backend_of(credentials, "a").create_stack(StackRef("other", "prod"))
    backend_of(credentials, "b").create_stack(StackRef("demo", "qa"))
    assert [str(s.ref) for s in backend_of(credentials, "a").list_stacks(None)] == ["dev", "prod"]
    assert [str(s.ref) for s in backend_of(credentials, "a").list_stacks("demo")] == ["dev"]
    assert [str(s.ref) for s in backend_of(credentials, "b").list_stacks(None)] == ["qa"]


def test_remove_stack_keeps_a_bak_and_drops_history(credentials: S3Bucket, secrets: PassphraseSecretsManager) -> None:
    backend = backend_of(credentials)
    backend.create_stack(REF)
    backend.record_update(REF, UpdateInfo("update", 1, 2, "succeeded"))
    backend.remove_stack(REF)
    keys = credentials.object_keys(".pulumi/")
    assert ".pulumi/stacks/demo/dev.json.bak" in keys and ".pulumi/stacks/demo/dev.json" not in keys
    assert not [k for k in keys if "/history/" in k]
    assert not backend.exists(REF)


def test_a_step_costs_three_requests_and_one_checkpoint_upload(
    credentials: S3Bucket, secrets: PassphraseSecretsManager
) -> None:
    """What one step's checkpoint write costs on a bucket: HEAD (is there a checkpoint), a server-side
    COPY to ``.bak``, one PUT of the whole checkpoint — nothing read back."""
    backend = backend_of(credentials)
    storage = backend.storage
    assert isinstance(storage, S3Storage)
    backend.create_stack(REF)
    for step in range(1, 6):
        before = storage.stats.snapshot()
        backend.save_deployment(REF, deployment(secrets, step=step, blob="x" * 1000 * step), secrets)
        cost = storage.stats.since(before)
        size = len(credentials.get(".pulumi/stacks/demo/dev.json"))
        sent, received = cost.bytes_sent, cost.bytes_received
        print(f"step {step}: {cost.requests} requests, {sent} bytes sent ({size}-byte checkpoint), {received} received")
        assert (cost.requests, cost.bytes_sent, cost.bytes_received) == (3, size, 0)


def test_a_second_holder_is_refused_naming_the_first_and_cancel_removes_it(credentials: S3Bucket) -> None:
    backend = backend_of(credentials)
    backend.create_stack(REF)
    with backend.lock(REF), pytest.raises(StackLocked) as refused, backend_of(credentials).lock(REF):
        pass
    message = str(refused.value)
    assert "created by" in message and f"@{socket.gethostname()} (pid " in message
    assert "s3://" in message and "aicompute cancel --stack organization/demo/dev" in message
    assert backend.lock_holders(REF) == []  # both released: the refused one withdrew its object


def test_a_lock_left_by_a_dead_process_is_reported_not_broken(credentials: S3Bucket) -> None:
    """Unlike a file lock, a lock object is never broken, even when its holder looks gone from here:
    another container can share this hostname and reuse pids."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    holder = {
        "pid": int(dead.stdout),
        "username": "ci",
        "hostname": socket.gethostname(),
        "timestamp": "2026-12-07T10:00:00Z",
    }
    credentials.put(".pulumi/locks/organization/demo/dev/left-by-a-kill.json", json.dumps(holder).encode())
    backend = backend_of(credentials)
    with pytest.raises(StackLocked, match=r"no such process runs on this host now"), backend.lock(REF):
        pass
    assert [h.pid for h in backend.lock_holders(REF)] == [holder["pid"]]
    removed = backend.cancel(REF)
    assert [(h.username, h.timestamp) for h in removed] == [("ci", "2026-12-07T10:00:00Z")]
    with backend.lock(REF) as lock:
        assert lock.notices == []
    assert credentials.object_keys(".pulumi/locks/") == []


def test_wrong_credentials_are_a_clear_error_and_write_nothing(
    s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = s3_bucket.object_keys()
    for env in ({"AWS_SECRET_ACCESS_KEY": "not-the-secret"}, {"AWS_ACCESS_KEY_ID": "AKIANOTAKEY000000000"}):
        for name, value in s3_bucket.env(**env).items():
            monkeypatch.setenv(name, value)
        with pytest.raises(BackendError) as refused:
            open_backend(s3_bucket.url()).ensure_layout()
        message = str(refused.value)
        assert "refused the request" in message and "AWS_SECRET_ACCESS_KEY" in message
        assert s3_bucket.secret_key not in message and "not-the-secret" not in message
    assert s3_bucket.object_keys() == before


def test_a_bucket_that_does_not_exist_is_named(credentials: S3Bucket) -> None:
    url = credentials.url().replace(credentials.name, "no-such-bucket-here", 1)
    with pytest.raises(
        BackendError, match=r"the bucket 'no-such-bucket-here' does not exist at http://127\.0\.0\.1:\d+"
    ):
        open_backend(url).ensure_layout()


def test_obs_variables_are_credentials_too(s3_bucket: S3Bucket, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)
    monkeypatch.setenv("OBS_ACCESS_KEY_ID", s3_bucket.access_key)
    monkeypatch.setenv("OBS_SECRET_ACCESS_KEY", s3_bucket.secret_key)
    backend = backend_of(s3_bucket)
    backend.create_stack(REF)
    assert backend.exists(REF)


class CutShort(io.BytesIO):
    """An upload body whose reading breaks off halfway, as a killed process or a dropped link leaves it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.limit = len(data) // 2

    def read(self, size: int | None = -1) -> bytes:
        if self.tell() >= self.limit:
            raise ConnectionResetError("the upload was cut short")
        wanted = self.limit - self.tell() if size is None or size < 0 else min(size, self.limit - self.tell())
        return super().read(wanted)


def test_an_upload_cut_short_leaves_the_previous_checkpoint(
    credentials: S3Bucket, secrets: PassphraseSecretsManager, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_of(credentials)
    backend.create_stack(REF)
    backend.save_deployment(REF, deployment(secrets, n=1), secrets)
    before = credentials.get(".pulumi/stacks/demo/dev.json")
    storage = backend.storage
    assert isinstance(storage, S3Storage)
    put = storage.client.put_object

    def cut_short(**request: Any) -> Any:
        body = request.pop("Body")
        return put(**request, Body=CutShort(body), ContentLength=len(body))

    monkeypatch.setattr(storage.client, "put_object", cut_short)
    with pytest.raises(BackendError, match=r"cannot write s3://.*/\.pulumi/stacks/demo/dev\.json"):
        backend.save_deployment(REF, deployment(secrets, n=2, blob="x" * 100_000), secrets)
    assert credentials.get(".pulumi/stacks/demo/dev.json") == before
    assert credentials.get(".pulumi/stacks/demo/dev.json.bak") == before
    assert backend_of(credentials).load_deployment(REF, secrets).stack_outputs() == {"n": 1}
