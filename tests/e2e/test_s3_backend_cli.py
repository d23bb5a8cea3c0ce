"""``aicompute`` with its state in a bucket of a real S3-compatible server (moto's, signatures
checked; see ``tests/support/s3_server.py``): a stack's whole life on ``s3://``, two ``up``s at
once from two processes, a run SIGKILLed mid-``up``, wrong credentials and a missing bucket.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import pytest

from aicompute.engine.backend.base import StackRef
from aicompute.engine.backend.diy import DiyBackend
from aicompute.engine.backend.s3 import S3Storage
from aicompute.engine.backend.s3_url import parse_s3_url
from tests.reliability.stack import kill_group
from tests.support.engine_cli import FileState
from tests.support.pulumi_cli import PulumiCli
from tests.support.s3_server import S3Bucket, bucket_resources, bucket_state, on_bucket

PROJECT = "filestate"


def new_stack(tmp_path: Path, bucket: S3Bucket, *things: dict[str, object]) -> FileState:
    cli = FileState(tmp_path)
    on_bucket(cli, bucket)
    cli.spec(*things)
    cli.init(via_cli=True)
    return cli


def lock_keys(bucket: S3Bucket, stack: str = "dev") -> list[str]:
    return bucket.object_keys(f".pulumi/locks/organization/{PROJECT}/{stack}/")


def wait_for_lock(bucket: S3Bucket, running: object) -> list[str]:
    """The lock keys once the running ``up`` has taken its lock (it must not end first)."""
    deadline = time.monotonic() + 300
    while not (keys := lock_keys(bucket)):
        assert running.poll() is None, "the first up ended before it was seen holding its lock"
        assert time.monotonic() < deadline, "the first up never took its lock"
        time.sleep(0.1)
    return keys


@pytest.mark.slow
def test_a_stack_lives_its_whole_life_on_a_bucket(tmp_path: Path, s3_bucket: S3Bucket) -> None:
    cli = new_stack(tmp_path, s3_bucket, {"name": "a", "value": "1"}, {"name": "b", "value": "2", "secret": True})
    cli.run("preview")
    cli.run("up", "--yes")
    assert set(bucket_resources(s3_bucket, PROJECT)) >= {"a", "b"}
    assert not (tmp_path / "state").exists()  # nothing went to a local folder
    cli.run("preview", "--expect-no-changes")
    (cli.objects / "a.json").write_text(json.dumps({"name": "a", "value": "changed by hand", "kind": "plain"}))
    assert cli.run("drift", expect=2).returncode == 2
    cli.run("refresh", "--yes")
    cli.run("drift")  # in sync with what refresh recorded
    report = cli.run("report", "--stack", "dev").stdout
    assert "a" in report

    listed = cli.run("stack", "ls", "--json").stdout
    assert [(s["name"], s["resourceCount"]) for s in json.loads(listed)] == [("dev", 4)]
    # The same backend through PULUMI_BACKEND_URL, and through --backend-url in the newer spellings.
    cli.env["PULUMI_BACKEND_URL"] = cli.env.pop("AICOMPUTE_BACKEND_URL")
    assert cli.run("stack", "ls").stdout.splitlines()[1].startswith("dev")
    newer = cli.run("stack", "ls", "--backend-url", s3_bucket.pulumi_url()).stdout
    assert newer.splitlines()[1].startswith("dev")
    cli.env["AICOMPUTE_BACKEND_URL"] = cli.env.pop("PULUMI_BACKEND_URL")
    export = cli.run("stack", "export").stdout
    assert json.loads(export)["deployment"]["resources"]
    cli.run("stack", "import", stdin=export)
    assert (
        bucket_state(s3_bucket, PROJECT)["checkpoint"]["latest"]["resources"]
        == json.loads(export)["deployment"]["resources"]
    )

    cli.run("destroy", "--yes")
    assert bucket_resources(s3_bucket, PROJECT) == {}
    keys = s3_bucket.object_keys(".pulumi/")
    assert ".pulumi/stacks/filestate/dev.json.bak" in keys
    assert len([k for k in keys if k.endswith(".history.json")]) == 3  # up, refresh, destroy (an import adds none)
    assert lock_keys(s3_bucket) == []


@pytest.mark.slow
def test_two_ups_at_once_the_second_is_refused_naming_the_first(tmp_path: Path, s3_bucket: S3Bucket) -> None:
    cli = new_stack(tmp_path, s3_bucket, {"name": "slow", "value": "1", "sleep": 20})
    first = cli.popen("up", "--yes", "--skip-preview")
    (held,) = wait_for_lock(s3_bucket, first)
    holder = json.loads(s3_bucket.get(held))
    second = cli.run("up", "--yes", "--skip-preview", expect=1)
    print(second.stderr)  # the refusal, for the record (-s)
    assert f"created by {holder['username']}@{socket.gethostname()} (pid {first.pid})" in second.stderr
    assert f"s3://{s3_bucket.name}/{held}" in second.stderr
    assert "aicompute cancel --stack organization/filestate/dev" in second.stderr
    output, _ = first.communicate(timeout=600)
    assert first.returncode == 0, output
    assert "slow" in bucket_resources(s3_bucket, PROJECT) and lock_keys(s3_bucket) == []


@pytest.mark.slow
def test_an_up_killed_mid_run_leaves_a_lock_that_cancel_removes_then_up_converges(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    cli = new_stack(tmp_path, s3_bucket, {"name": "quick", "value": "1"}, {"name": "stuck", "value": "2", "sleep": 600})
    killed = cli.popen("up", "--yes", "--skip-preview", group=True)
    deadline = time.monotonic() + 300
    while "quick" not in bucket_resources(s3_bucket, PROJECT):  # a checkpoint written mid-run
        assert killed.poll() is None and time.monotonic() < deadline, "the up did not get as far as its first step"
        time.sleep(0.1)
    kill_group(killed)
    assert killed.returncode == -signal.SIGKILL

    checkpoint = bucket_state(s3_bucket, PROJECT)  # the last checkpoint is whole and readable
    assert "quick" in bucket_resources(s3_bucket, PROJECT)
    assert checkpoint["checkpoint"]["latest"]["resources"]
    refused = cli.run("up", "--yes", "--skip-preview", expect=1)
    print(refused.stderr)  # the refusal after the kill, for the record (-s)
    assert f"(pid {killed.pid})" in refused.stderr and "no such process runs on this host now" in refused.stderr
    assert len(lock_keys(s3_bucket)) == 1  # reported, never broken

    cancelled = cli.run("cancel", "--yes")
    assert f"(pid {killed.pid})" in cancelled.stdout and lock_keys(s3_bucket) == []
    cli.spec({"name": "quick", "value": "1"}, {"name": "stuck", "value": "2"})
    cli.run("up", "--yes", "--skip-preview")
    cli.run("preview", "--expect-no-changes")
    assert {"quick", "stuck"} <= set(bucket_resources(s3_bucket, PROJECT))
    assert not bucket_state(s3_bucket, PROJECT)["checkpoint"]["latest"].get("pending_operations")


@pytest.mark.slow
def test_wrong_credentials_and_a_missing_bucket_are_clear_errors_that_write_nothing(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    cli = new_stack(tmp_path, s3_bucket, {"name": "a", "value": "1"})
    before = {key: s3_bucket.get(key) for key in s3_bucket.object_keys()}
    cli.env["AWS_SECRET_ACCESS_KEY"] = "wrong-secret-4e1f"
    refused = cli.run("up", "--yes", "--skip-preview", expect=1)
    assert "SignatureDoesNotMatch" in refused.stderr and "check AWS_ACCESS_KEY_ID" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert "wrong-secret-4e1f" not in refused.stdout + refused.stderr
    assert s3_bucket.secret_key not in refused.stdout + refused.stderr
    assert {key: s3_bucket.get(key) for key in s3_bucket.object_keys()} == before

    cli.env["AWS_SECRET_ACCESS_KEY"] = s3_bucket.secret_key
    cli.env["AICOMPUTE_BACKEND_URL"] = s3_bucket.url().replace(s3_bucket.name, "no-such-bucket-4e1f", 1)
    missing = cli.run("stack", "ls", expect=1)
    assert "the bucket 'no-such-bucket-4e1f' does not exist" in missing.stderr


@pytest.mark.slow
def test_a_stack_on_a_bucket_moves_between_pulumi_and_aicompute_and_each_honours_the_others_lock(
    tmp_path: Path, s3_bucket: S3Bucket, pulumi_bin: Path
) -> None:
    aicompute = on_bucket(FileState(tmp_path), s3_bucket)
    pulumi = on_bucket(PulumiCli(tmp_path, PROJECT, pulumi_bin), s3_bucket)  # the same project copy
    aicompute.spec({"name": "a", "value": "1"}, {"name": "b", "value": "2", "secret": True})
    pulumi.init(**{"filestate:spec": str(aicompute.spec_file), "filestate:dir": str(aicompute.objects)})

    pulumi.run("up", "--yes", "--skip-preview", timeout=300)
    aicompute.run("preview", "--expect-no-changes")
    aicompute.spec({"name": "a", "value": "changed by aicompute"}, {"name": "b", "value": "2", "secret": True})
    aicompute.run("up", "--yes", "--skip-preview")
    pulumi.run("preview", "--expect-no-changes", timeout=300)
    exported = json.loads(pulumi.run("stack", "export").stdout)["deployment"]["resources"]
    assert exported == bucket_state(s3_bucket, PROJECT)["checkpoint"]["latest"]["resources"]
    assert json.loads((aicompute.objects / "a.json").read_text())["value"] == "changed by aicompute"

    # Pulumi's lock object stops aicompute, naming Pulumi's process.
    aicompute.spec({"name": "a", "value": "3", "sleep": 20}, {"name": "b", "value": "2", "secret": True})
    running = pulumi.popen("up", "--yes", "--skip-preview")
    wait_for_lock(s3_bucket, running)
    refused = aicompute.run("up", "--yes", "--skip-preview", expect=1)
    assert f"(pid {running.pid})" in refused.stderr and "is currently locked" in refused.stderr
    output, errors = running.communicate(timeout=600)
    assert running.returncode == 0, output + errors

    # aicompute's lock object stops Pulumi.
    storage = S3Storage(parse_s3_url(s3_bucket.url()), s3_bucket.env())
    with DiyBackend(s3_bucket.url(), storage).lock(StackRef(PROJECT, "dev")):
        locked = pulumi.run("up", "--yes", "--skip-preview", expect=1, timeout=300)
    assert f"(pid {os.getpid()})" in locked.stdout + locked.stderr

    aicompute.run("destroy", "--yes")
    assert "0" in pulumi.run("stack", "ls").stdout.splitlines()[1]
    pulumi.run("stack", "rm", "--yes")
    assert s3_bucket.object_keys(".pulumi/stacks/filestate/") == [".pulumi/stacks/filestate/dev.json.bak"]
