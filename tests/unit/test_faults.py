"""The fault book (rules, counts, seeded probabilities, the request log) and the server's socket."""

from __future__ import annotations

import socket
import threading

import pytest
from pydantic import ValidationError

from aicompute.localcloud import faults
from aicompute.localcloud.faults import FaultBook, FaultRule, LoggedRequest
from aicompute.localcloud.server import bind


def entry() -> LoggedRequest:
    return LoggedRequest(0, 0.0, "GET", "/v1/p/x", "", "modelarts", 200, None)


def test_the_log_keeps_the_last_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faults, "REQUEST_LOG_SIZE", 3)
    book = FaultBook()
    for _ in range(5):
        book.record(entry())
    assert [e.seq for e in book.entries()] == [3, 4, 5]
    assert [e.seq for e in book.entries(since=1)] == [3, 4, 5]
    assert [e.seq for e in book.entries(since=4)] == [5]
    assert book.entries(since=5) == []


def test_log_numbers_keep_growing_across_a_clear() -> None:
    book = FaultBook()
    for _ in range(3):
        book.record(entry())
    assert [e.seq for e in book.entries()] == [1, 2, 3]
    assert [e.seq for e in book.entries(since=2)] == [3]
    book.clear_log()
    assert book.entries() == []
    book.record(entry())
    assert [e.seq for e in book.entries(since=3)] == [4]


def test_log_numbers_are_unique_across_threads() -> None:
    book = FaultBook()

    def work() -> None:
        for _ in range(200):
            book.record(entry())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(e.seq for e in book.entries()) == list(range(1, 1601))


def test_a_counted_rule_stops_firing() -> None:
    book = FaultBook()
    fault = book.add(FaultRule(method="post", status=503, count=2))
    fired = [bool(book.pick("modelarts", "POST", "/v1/p/pools")) for _ in range(4)]
    assert fired == [True, True, False, False]
    assert fault.fired == 2
    assert book.pick("modelarts", "GET", "/v1/p/pools") == []


def test_matching_by_platform_and_path() -> None:
    book = FaultBook()
    book.add(FaultRule(platform="iam", status=500))
    book.add(FaultRule(path=r"/pools/[^/]+$", status=502))
    assert [r.status for r in book.pick("modelarts", "GET", "/v1/p/pools/x")] == [502]
    assert [r.status for r in book.pick("iam", "POST", "/v3/auth/tokens")] == [500]
    assert book.pick("modelarts", "GET", "/v1/p/pools") == []


def test_seeded_probability_replays() -> None:
    def pattern(seed: int) -> list[bool]:
        book = FaultBook()
        book.reseed(seed)
        book.add(FaultRule(status=500, probability=0.3))
        return [bool(book.pick("modelarts", "GET", "/v1/p/x")) for _ in range(100)]

    assert pattern(7) == pattern(7)
    assert pattern(7) != pattern(8)
    assert 15 < sum(pattern(7)) < 45


def test_probability_zero_never_fires_and_one_always_does() -> None:
    book = FaultBook()
    book.add(FaultRule(status=500, probability=0))
    assert not any(book.pick("modelarts", "GET", "/v1/p/x") for _ in range(100))
    book.remove()
    book.add(FaultRule(status=500, probability=1))
    assert all(book.pick("modelarts", "GET", "/v1/p/x") for _ in range(100))


@pytest.mark.parametrize(
    "rule",
    [{"path": "("}, {"status": 200}, {"probability": 1.5}, {"count": 0}, {"latency_ms": -1}],
)
def test_invalid_rules_are_refused(rule: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        FaultRule.model_validate(rule)


def test_bind_asks_for_tcp_so_asyncio_disables_nagle() -> None:
    """With protocol 0, asyncio leaves Nagle on and each response waits ~40 ms for an ACK."""
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[1] != 0
    finally:
        sock.close()
