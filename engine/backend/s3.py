"""An S3-compatible bucket (AWS S3, Huawei Cloud OBS, …) as the ``Storage`` of a diy backend
(``s3://``), through boto3 — the optional extra ``aicompute[s3]``.

A PUT replaces an object at once (a reader sees the old or the new checkpoint, never a mix, and an
upload cut short leaves the old one), so ``write`` is one PUT and ``keep_as_backup`` one server-side
copy. ``stats`` counts the requests (retries included) and the object bytes sent and received.

Credentials, in order: the URL's ``profile=``; ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``
(``AWS_SESSION_TOKEN``); Huawei's ``OBS_ACCESS_KEY_ID``/``OBS_SECRET_ACCESS_KEY``
(``OBS_SECURITY_TOKEN``); then boto3's other sources (shared files, instance metadata).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aicompute.engine.backend.base import BackendError
from aicompute.engine.backend.object_lock import ObjectStackLock
from aicompute.engine.backend.s3_url import S3Location, parse_s3_url

AWS_CREDENTIAL_ENVS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
OBS_CREDENTIAL_ENVS = ("OBS_ACCESS_KEY_ID", "OBS_SECRET_ACCESS_KEY", "OBS_SECURITY_TOKEN")
DEFAULT_REGION = "us-east-1"
DELETE_BATCH = 1000
CREDENTIAL_CODES = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidToken", "403")
MISSING_KEY_CODES = ("NoSuchKey", "404")


@dataclass
class S3Stats:
    """What the storage has cost so far."""

    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0

    def snapshot(self) -> S3Stats:
        return S3Stats(self.requests, self.bytes_sent, self.bytes_received)

    def since(self, earlier: S3Stats) -> S3Stats:
        return S3Stats(
            self.requests - earlier.requests,
            self.bytes_sent - earlier.bytes_sent,
            self.bytes_received - earlier.bytes_received,
        )


def _boto3() -> Any:
    try:
        import boto3
    except ImportError:
        raise BackendError(
            "s3:// backends need boto3: install aicompute with the s3 extra (pip install 'aicompute[s3]')"
        ) from None
    return boto3


def credential_source(location: S3Location, environ: Mapping[str, str]) -> dict[str, str]:
    """The session arguments that pick the credentials (see the module docstring)."""
    if location.profile:
        return {"profile_name": location.profile}
    for names in (AWS_CREDENTIAL_ENVS, OBS_CREDENTIAL_ENVS):
        key, secret, token = (environ.get(name, "") for name in names)
        if key:
            chosen = {"aws_access_key_id": key, "aws_secret_access_key": secret}
            return {**chosen, "aws_session_token": token} if token else chosen
    return {}


def _client_config(location: S3Location) -> Any:
    from botocore import UNSIGNED
    from botocore.config import Config

    options: dict[str, Any] = {
        "s3": {
            "addressing_style": "path" if location.path_style else "auto",
            "use_accelerate_endpoint": location.accelerate,
            "use_dualstack_endpoint": location.dualstack,
        },
        "use_fips_endpoint": location.fips,
        "retries": {"mode": "standard", "max_attempts": 5},
    }
    if location.anonymous:
        options["signature_version"] = UNSIGNED
    if location.request_checksum:
        options["request_checksum_calculation"] = location.request_checksum
    if location.response_checksum:
        options["response_checksum_validation"] = location.response_checksum
    return Config(**options)


class S3Storage:
    """The objects of a bucket under the URL's prefix; see the module docstring."""

    def __init__(self, location: S3Location, environ: Mapping[str, str] | None = None) -> None:
        env = os.environ if environ is None else environ
        self.where = location
        session = _boto3().session.Session(**credential_source(location, env))
        region = location.region or session.region_name or DEFAULT_REGION
        self.client = session.client(
            "s3", region_name=region, endpoint_url=location.endpoint, config=_client_config(location)
        )
        self.client.meta.events.register("before-send.s3", self._count_request)
        self.stats = S3Stats()
        self._stats_lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str) -> S3Storage:
        return cls(parse_s3_url(url))

    # counting -----------------------------------------------------------------------------------
    def _count_request(self, request: Any, **_: Any) -> None:
        size = int(request.headers.get("Content-Length") or 0)
        with self._stats_lock:
            self.stats.requests += 1
            self.stats.bytes_sent += size

    def _count_received(self, size: int) -> None:
        with self._stats_lock:
            self.stats.bytes_received += size

    # Storage --------------------------------------------------------------------------------------
    def key(self, key: str) -> str:
        return self.where.prefix + key

    def location(self, key: str) -> str:
        return self.where.url_of(key)

    def read(self, key: str) -> bytes | None:
        with self._errors(key, "read"):
            try:
                response = self.client.get_object(Bucket=self.where.bucket, Key=self.key(key))
            except Exception as error:
                if _code(error) in MISSING_KEY_CODES:
                    return None
                raise
            data: bytes = response["Body"].read()
        self._count_received(len(data))
        return data

    def write(self, key: str, data: str | bytes) -> None:
        body = data.encode("utf-8") if isinstance(data, str) else data
        with self._errors(key, "write"):
            self.client.put_object(Bucket=self.where.bucket, Key=self.key(key), Body=body, **self._encryption())

    def exists(self, key: str) -> bool:
        with self._errors(key, "look up"):
            try:
                self.client.head_object(Bucket=self.where.bucket, Key=self.key(key))
            except Exception as error:
                code = _code(error)
                if code in MISSING_KEY_CODES:
                    return False
                if code == "403":  # a HEAD's answer has no body: a GET says why (SignatureDoesNotMatch, …)
                    self.client.get_object(Bucket=self.where.bucket, Key=self.key(key), Range="bytes=0-0")
                raise
        return True

    def list(self, prefix: str) -> list[str]:
        base = self.key(prefix.rstrip("/") + "/")
        names: set[str] = set()
        for page in self._pages(prefix, Prefix=base, Delimiter="/"):
            names.update(entry["Prefix"][len(base) :] for entry in page.get("CommonPrefixes") or [])
            names.update(entry["Key"][len(base) :] for entry in page.get("Contents") or [])
        return sorted(name for name in names if name and name != "/")

    def keep_as_backup(self, key: str, backup: str) -> None:
        source = {"Bucket": self.where.bucket, "Key": self.key(key)}
        with self._errors(backup, "write"):
            self.client.copy_object(
                Bucket=self.where.bucket, Key=self.key(backup), CopySource=source, **self._encryption()
            )

    def move(self, key: str, new_key: str) -> None:
        self.keep_as_backup(key, new_key)
        self.delete(key)

    def delete(self, key: str) -> None:
        with self._errors(key, "delete"):
            self.client.delete_object(Bucket=self.where.bucket, Key=self.key(key))

    def delete_tree(self, prefix: str) -> None:
        keys = [
            entry["Key"]
            for page in self._pages(prefix, Prefix=self.key(prefix.rstrip("/") + "/"))
            for entry in page.get("Contents") or []
        ]
        for start in range(0, len(keys), DELETE_BATCH):
            batch = [{"Key": key} for key in keys[start : start + DELETE_BATCH]]
            with self._errors(prefix, "delete"):
                self.client.delete_objects(Bucket=self.where.bucket, Delete={"Objects": batch, "Quiet": True})

    def lock(self, prefix: str, stack: str) -> ObjectStackLock:
        return ObjectStackLock(self, prefix, stack)

    # helpers --------------------------------------------------------------------------------------
    def _pages(self, prefix: str, **arguments: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        with self._errors(prefix, "list"):
            yield from paginator.paginate(Bucket=self.where.bucket, **arguments)

    def _encryption(self) -> dict[str, str]:
        chosen = {"ServerSideEncryption": self.where.sse_type, "SSEKMSKeyId": self.where.kms_key_id}
        return {name: value for name, value in chosen.items() if value}

    @contextmanager
    def _errors(self, key: str, action: str) -> Iterator[None]:
        """boto3's errors as a ``BackendError`` that says what to check (and names no credential)."""
        try:
            yield
        except BackendError:
            raise
        except Exception as error:  # botocore's errors share no base class below Exception
            raise BackendError(describe_error(error, self.where, self.location(key), action)) from error


def _code(error: Exception) -> str:
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return ""
    code = (response.get("Error") or {}).get("Code")
    return str(code or (response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or "")


def describe_error(error: Exception, where: S3Location, url: str, action: str) -> str:
    """The message for a failed request: what failed, why, and what to check."""
    from botocore.exceptions import BotoCoreError, NoCredentialsError

    endpoint = where.endpoint or "the default AWS endpoint"
    code = _code(error)
    if isinstance(error, NoCredentialsError):
        return (
            f"cannot {action} {url}: no credentials found; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(or OBS_ACCESS_KEY_ID and OBS_SECRET_ACCESS_KEY, or profile= in the backend URL)"
        )
    if code == "NoSuchBucket":
        return f"cannot {action} {url}: the bucket {where.bucket!r} does not exist at {endpoint}; create it first"
    if code in CREDENTIAL_CODES:
        return (
            f"cannot {action} {url}: {endpoint} refused the request ({code}: wrong credentials or no permission); "
            "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or OBS_ACCESS_KEY_ID and OBS_SECRET_ACCESS_KEY) "
            "and the bucket's policy"
        )
    if isinstance(error, BotoCoreError) and not code:
        return f"cannot {action} {url}: {error}"
    message = (getattr(error, "response", None) or {}).get("Error", {}).get("Message") or str(error)
    return f"cannot {action} {url}: {code or type(error).__name__}: {message}"
