"""Fault injection and the request log.

A fault rule matches requests by platform, method and a path regex, and fires with a
probability (seeded with ``POST /_localcloud/faults/seed`` for replayable runs) and/or for a
limited count. When it fires it either answers at once with an HTTP
status and the platform's own error body (nothing is executed; with ``after_commit`` the request
runs and commits first, as a gateway's 503 after the backend did the work), adds latency, or lets
the request run and commit and then drops the response (the connection is cut mid-response, so the
client cannot tell whether the change happened).

The request log records every request but the admin API's (method, path, status, whether a fault
fired) so tests can count API calls, e.g. "zero mutating calls". It keeps the last
``REQUEST_LOG_SIZE`` requests: a server under load for hours must not grow without bound, nor make
every garbage collection walk millions of entries.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aicompute.localcloud.errors import Platform, PlatformError, generic_error, platform_for_path

MUTATING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_LOG_SIZE = 100_000
# A rule's path regex is searched in every request's path: its size and the time it takes to compile
# are bounded (a 10 MB pattern took 15 s to compile), and so is the number of rules.
MAX_PATTERN_LENGTH = 1024
MAX_COMPILE_SECONDS = 0.25
MAX_RULES = 1000


class TooManyRules(ValueError):
    pass


CLIENT_CLOSED_REQUEST = 499


class FaultRule(BaseModel):
    """What an admin posts to ``/_localcloud/faults``."""

    platform: str | None = Field(default=None, description="modelarts, iam, …; any when omitted")
    method: str | None = Field(default=None, description="HTTP method; any when omitted")
    path: str = Field(default=".*", max_length=MAX_PATTERN_LENGTH, description="regex searched in the request path")
    status: int | None = Field(default=None, ge=400, le=599, description="answer with this status")
    error_code: str | None = None
    error_msg: str | None = None
    retry_after: float | None = Field(default=None, ge=0, description="Retry-After seconds, with status")
    latency_ms: int = Field(default=0, ge=0, le=600_000)
    drop_response: bool = Field(default=False, description="run the request, then cut the response")
    after_commit: bool = Field(
        default=False, description="with status: run the request (it commits), then answer with the status instead"
    )
    probability: float = Field(default=1.0, ge=0, le=1)
    count: int | None = Field(default=None, ge=1, description="fire at most this many times")

    @field_validator("path")
    @classmethod
    def _valid_regex(cls, value: str) -> str:
        started = time.perf_counter()
        try:
            re.compile(value)
        except re.error as error:  # not a ValueError: pydantic would let it through as a 500
            raise ValueError(f"invalid regex: {error}") from None
        except (RecursionError, OverflowError, MemoryError) as error:
            raise ValueError(f"regex too complex: {type(error).__name__}") from None
        spent = time.perf_counter() - started
        if spent > MAX_COMPILE_SECONDS:
            raise ValueError(
                f"regex too complex: {spent * 1000:.0f} ms to compile, over {MAX_COMPILE_SECONDS * 1000:.0f}"
            )
        return value

    @field_validator("method")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value else value


@dataclass
class ActiveFault:
    id: int
    rule: FaultRule
    fired: int = 0
    pattern: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pattern = re.compile(self.rule.path)

    def matches(self, platform: str | None, method: str, path: str) -> bool:
        rule = self.rule
        if rule.count is not None and self.fired >= rule.count:
            return False
        if rule.platform and rule.platform != platform:
            return False
        if rule.method and rule.method != method:
            return False
        return self.pattern.search(path) is not None

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "fired": self.fired, **self.rule.model_dump()}


@dataclass(slots=True)
class LoggedRequest:
    seq: int
    time: float
    method: str
    path: str
    query: str
    platform: str | None
    status: int
    fault: Literal["status", "latency", "drop"] | None

    def describe(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "time": self.time,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "platform": self.platform,
            "status": self.status,
            "fault": self.fault,
        }


@dataclass
class FaultBook:
    """The active fault rules and the request log (in memory: they do not survive a restart).

    Log sequence numbers only ever grow, also across ``clear_log``, so a reader polling with
    ``since`` never misses a request nor sees one twice.
    """

    rules: list[ActiveFault] = field(default_factory=list)
    log: deque[LoggedRequest] = field(default_factory=lambda: deque(maxlen=REQUEST_LOG_SIZE))
    _next_id: int = 1
    _last_seq: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _random: random.Random = field(default_factory=random.Random)

    def add(self, rule: FaultRule) -> ActiveFault:
        with self._lock:
            if len(self.rules) >= MAX_RULES:
                raise TooManyRules(f"at most {MAX_RULES} fault rules at a time: delete some first")
            fault = ActiveFault(id=self._next_id, rule=rule)
            self._next_id += 1
            self.rules.append(fault)
            return fault

    def remove(self, fault_id: int | None = None) -> None:
        with self._lock:
            self.rules = [] if fault_id is None else [f for f in self.rules if f.id != fault_id]

    def reseed(self, seed: int) -> None:
        with self._lock:
            self._random.seed(seed)

    def pick(self, platform: str | None, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request (each counted as fired)."""
        fired: list[FaultRule] = []
        with self._lock:
            for fault in self.rules:
                if fault.matches(platform, method, path) and self._random.random() < fault.rule.probability:
                    fault.fired += 1
                    fired.append(fault.rule)
        return fired

    def describe_rules(self) -> list[dict[str, Any]]:
        with self._lock:
            return [fault.describe() for fault in self.rules]

    def record(self, entry: LoggedRequest) -> None:
        """Append ``entry``, giving it the next sequence number."""
        with self._lock:
            self._last_seq += 1
            entry.seq = self._last_seq
            self.log.append(entry)

    def entries(self, since: int = 0) -> list[LoggedRequest]:
        with self._lock:
            if not self.log:
                return []
            # Sequence numbers are consecutive in the log: the first wanted entry is found directly.
            skip = max(0, since - self.log[0].seq + 1)
            return [self.log[i] for i in range(skip, len(self.log))]

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()


class FaultMiddleware:
    """Pure ASGI middleware: logs every request and applies the fault rules.

    A request is logged just before its answer goes out (not after), so a client that holds its
    answer always finds the request in the log.
    """

    def __init__(self, app: ASGIApp, book: FaultBook) -> None:
        self.app = app
        self.book = book

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_localcloud"):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        path: str = scope["path"]
        platform = platform_for_path(path)
        # Only a platform's paths are faulted: a rule with a count is not used up by a request it
        # could not answer in a platform's shape.
        rules = [] if platform is None else self.book.pick(platform.name, method, path)
        entry = LoggedRequest(
            seq=0,
            time=time.time(),
            method=method,
            path=path,
            query=scope.get("query_string", b"").decode("latin-1"),
            platform=platform.name if platform else None,
            status=0,
            fault=None,
        )
        latency = sum(rule.latency_ms for rule in rules)
        if latency:
            entry.fault = "latency"
            await asyncio.sleep(latency / 1000)

        failing = next((rule for rule in rules if rule.status is not None), None)
        try:
            if failing is not None and platform is not None:
                entry.fault = "status"
                if failing.after_commit:
                    await self.app(scope, receive, _swallow)
                await self._send_error(send, failing, platform, entry)
            elif any(rule.drop_response for rule in rules):
                entry.fault = "drop"
                await self._run_and_drop(scope, receive, send, entry)
            else:
                await self.app(scope, receive, self._logging(send, entry))
        except ClientDisconnect:
            # The client went away while its body was read: nothing to answer, nothing went wrong
            # here (499, nginx's "client closed request"; uvicorn would log a traceback and a 500).
            if not entry.seq:
                self._log(entry, CLIENT_CLOSED_REQUEST)
        finally:
            if not entry.seq:  # the app raised before answering: the server answers 500
                self._log(entry, 500)

    def _log(self, entry: LoggedRequest, status: int) -> None:
        entry.status = status
        self.book.record(entry)

    def _logging(self, send: Send, entry: LoggedRequest) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._log(entry, message["status"])
            await send(message)

        return wrapped

    async def _send_error(self, send: Send, rule: FaultRule, platform: Platform, entry: LoggedRequest) -> None:
        assert rule.status is not None
        error: PlatformError = generic_error(platform, rule.status)
        body = dict(error.body)
        if rule.error_code:
            body = platform.error_body(rule.error_code, rule.error_msg or body.get("error_msg", ""))
        payload = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        if rule.retry_after is not None:
            headers.append((b"retry-after", _seconds(rule.retry_after).encode()))
        self._log(entry, rule.status)
        await send({"type": "http.response.start", "status": rule.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _run_and_drop(self, scope: Scope, receive: Receive, send: Send, entry: LoggedRequest) -> None:
        """Run the request to completion, then break the response off mid-body."""
        captured: list[Message] = []

        async def swallow(message: Message) -> None:
            captured.append(message)

        await self.app(scope, receive, swallow)
        start = next((m for m in captured if m["type"] == "http.response.start"), None)
        self._log(entry, start["status"] if start else 0)
        # Announce a body far longer than what is sent and return without finishing it: the server
        # closes the connection, and the client sees the response broken off after the commit.
        # (Ending the body instead makes uvicorn raise and log a traceback for every drop.)
        await send(
            {
                "type": "http.response.start",
                "status": entry.status or 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"1048576")],
            }
        )
        await send({"type": "http.response.body", "body": b"{", "more_body": True})


async def _swallow(_message: Message) -> None:
    """Where the answer of a request faulted after its commit goes."""


def _seconds(value: float) -> str:
    """``Retry-After`` is whole seconds (RFC 9110); fractions are kept only when asked for."""
    return str(int(value)) if value == int(value) else str(value)
