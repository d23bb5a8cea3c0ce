"""A real S3-compatible server for the ``s3://`` backend tests: moto's server mode (``moto_server``,
the ``dev`` extra), on an ephemeral loopback port, with request signing enforced.

Signatures are checked as S3 checks them: the server starts with ``INITIAL_NO_AUTH_ACTION_COUNT``
set to the three IAM calls that make the tests' user and its access key; every later request must be
signed with that key (a wrong secret is ``SignatureDoesNotMatch``, an unknown key
``InvalidAccessKeyId``). Tests that take the ``s3_server`` fixture are skipped when moto is not
installed — or fail, under ``AICOMPUTE_REQUIRE_PULUMI=1`` as in CI, like ``pulumi_cli.require_pulumi``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.support.engine_cli import EngineCli
from tests.support.pulumi_cli import REQUIRE_ENV, PulumiCli

MISSING = "moto's S3 server is not installed: install the dev extra (make .venv/.installed-dev)"
SETUP_CALLS = 3  # create_user, create_access_key, put_user_policy: unsigned, before auth applies
REGION = "us-east-1"
ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def moto_server_command() -> list[str] | None:
    script = Path(sys.executable).parent / "moto_server"
    found = str(script) if script.is_file() else shutil.which("moto_server")
    return [found] if found else None


def require_moto() -> list[str]:
    command = moto_server_command()
    if command is None:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{MISSING}; {REQUIRE_ENV}=1 makes this a failure instead of a skip")
        pytest.skip(MISSING)
    return command


@dataclass(frozen=True)
class S3Bucket:
    """A bucket of the server, with the URLs each CLI reaches it by and the credentials' environment."""

    name: str
    endpoint: str  # http://127.0.0.1:PORT
    access_key: str
    secret_key: str

    def url(self, prefix: str = "") -> str:
        """The backend URL as aicompute takes it (a bare host:port and the older parameter names)."""
        host = self.endpoint.removeprefix("http://")
        path = f"/{prefix}" if prefix else ""
        return f"s3://{self.name}{path}?endpoint={host}&disableSSL=true&s3ForcePathStyle=true&region={REGION}"

    def pulumi_url(self, prefix: str = "") -> str:
        """The same backend in the parameters the pinned Pulumi release accepts."""
        path = f"/{prefix}" if prefix else ""
        query = f"endpoint={self.endpoint}&use_path_style=true&region={REGION}"
        # moto's responses carry no checksum: without this the SDK warns on every read
        return f"s3://{self.name}{path}?{query}&response_checksum_validation=when_required"

    def env(self, **overrides: str) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.access_key, "AWS_SECRET_ACCESS_KEY": self.secret_key, **overrides}

    def client(self) -> Any:
        return _client(self.endpoint, self.access_key, self.secret_key)

    def object_keys(self, prefix: str = "") -> list[str]:
        """Every object key in the bucket under ``prefix``."""
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=self.name, Prefix=prefix)
        return sorted(entry["Key"] for page in pages for entry in page.get("Contents") or [])

    def get(self, key: str) -> bytes:
        data: bytes = self.client().get_object(Bucket=self.name, Key=key)["Body"].read()
        return data

    def put(self, key: str, data: bytes) -> None:
        self.client().put_object(Bucket=self.name, Key=key, Body=data)


def _client(endpoint: str, access_key: str, secret_key: str, service: str = "s3") -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": "path"}),
    )


class S3Server:
    """``moto_server`` on loopback; ``bucket()`` makes a new bucket for one test."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.proc: subprocess.Popen[bytes] | None = None
        self.endpoint = ""
        self.access_key = self.secret_key = ""

    def start(self) -> S3Server:
        # The log goes to a file, never an unread pipe (a full pipe would block the server).
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)  # noqa: SIM115
        env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS)}
        self.proc = subprocess.Popen(
            [*self.command, "-H", "127.0.0.1", "-p", "0"], stdout=self.log, stderr=subprocess.STDOUT, env=env
        )
        self.endpoint = self._wait_for_address()
        self._make_user()
        return self

    def _wait_for_address(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = re.search(r"Running on (http://127\.0\.0\.1:\d+)", Path(self.log.name).read_text(errors="replace"))
            if found:
                return found.group(1)
            if self.proc is not None and self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError(f"moto_server did not start: {Path(self.log.name).read_text(errors='replace')}")

    def _make_user(self) -> None:
        iam = _client(self.endpoint, "setup", "setup", "iam")
        iam.create_user(UserName="aicompute-tests")
        key = iam.create_access_key(UserName="aicompute-tests")["AccessKey"]
        iam.put_user_policy(UserName="aicompute-tests", PolicyName="all", PolicyDocument=json.dumps(ALLOW_ALL))
        self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]

    def bucket(self, create: bool = True) -> S3Bucket:
        bucket = S3Bucket(f"state-{uuid.uuid4().hex[:12]}", self.endpoint, self.access_key, self.secret_key)
        if create:
            bucket.client().create_bucket(Bucket=bucket.name)
        return bucket

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)


def on_bucket(cli: EngineCli, bucket: S3Bucket, prefix: str = "") -> EngineCli:
    """Point a CLI (``aicompute``, or ``pulumi`` through ``PulumiCli``) at the bucket, with its credentials."""
    cli.env.update(bucket.env())
    if isinstance(cli, PulumiCli):
        cli.env["PULUMI_BACKEND_URL"] = bucket.pulumi_url(prefix)
    else:
        cli.env["AICOMPUTE_BACKEND_URL"] = bucket.url(prefix)
    return cli


def bucket_state(bucket: S3Bucket, project: str, stack: str = "dev", prefix: str = "") -> dict[str, Any]:
    """The stack's checkpoint as it is in the bucket."""
    document: dict[str, Any] = json.loads(bucket.get(f"{prefix}.pulumi/stacks/{project}/{stack}.json"))
    return document


def bucket_resources(bucket: S3Bucket, project: str, stack: str = "dev") -> dict[str, dict[str, Any]]:
    """The checkpoint's resources by name (the last URN part)."""
    latest = bucket_state(bucket, project, stack)["checkpoint"].get("latest") or {}
    return {r["urn"].rsplit("::", 1)[1]: r for r in latest.get("resources", [])}
