"""The admin API's protection: an admin token beyond loopback, and bounded fault rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from pydantic import ValidationError

from aicompute.localcloud import faults
from aicompute.localcloud.faults import FaultBook, FaultRule, TooManyRules
from aicompute.localcloud.settings import LocalCloudSettings, is_loopback
from tests.support.inprocess_localcloud import InProcessLocalCloud

TOKEN = "admin-token-0123456789"


@contextmanager
def served(admin_token: str | None = None) -> Iterator[httpx.Client]:
    cloud = InProcessLocalCloud(LocalCloudSettings(time_scale=0, admin_token=admin_token)).start()
    try:
        with httpx.Client(base_url=cloud.url, timeout=30) as client:
            yield client
    finally:
        cloud.stop()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.org", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_beyond_loopback_an_admin_token_is_required() -> None:
    with pytest.raises(ValidationError, match="needs an admin token"):
        LocalCloudSettings(host="0.0.0.0")
    with pytest.raises(ValidationError, match="at least 16 characters"):
        LocalCloudSettings(host="0.0.0.0", admin_token="short")
    assert LocalCloudSettings(host="0.0.0.0", admin_token=TOKEN).admin_token == TOKEN
    assert LocalCloudSettings().admin_token is None  # loopback: optional


def test_with_a_token_the_admin_api_needs_it_and_nothing_else_changes() -> None:
    with served(TOKEN) as client:
        _check_guarded(client)


def _check_guarded(client: httpx.Client) -> None:
    assert client.get("/_localcloud/health").status_code == 200  # readiness probes need no secret
    for method, path in [
        ("GET", "/_localcloud/faults"),
        ("POST", "/_localcloud/projects"),
        ("POST", "/_localcloud/reset"),
        ("GET", "/_localcloud/requests"),
        ("GET", "/_localcloud/central/clients"),
        ("GET", "/_localcloud"),
    ]:
        denied = client.request(method, path)
        assert denied.status_code == 401, path
        assert denied.headers["www-authenticate"] == 'Bearer realm="localcloud-admin"'
        assert "admin token" in denied.json()["error_msg"]
        wrong = client.request(method, path, headers={"Authorization": f"Bearer {TOKEN}x"})
        assert wrong.status_code == 401, path
    allowed = {"Authorization": f"Bearer {TOKEN}"}
    assert client.get("/_localcloud/faults", headers=allowed).json() == []
    assert client.post("/_localcloud/projects", json={}, headers=allowed).status_code == 200
    # The platforms' own authentication is untouched: an unsigned ModelArts call is their 401.
    assert client.get("/v1/10ca1c10ad5e4f6a8b9c0d1e2f3a4b5c/workspaces").json()["error_code"] == "ModelArts.0201"


def test_without_a_token_on_loopback_the_admin_api_is_open() -> None:
    with served() as client:
        assert client.get("/_localcloud/faults").json() == []


def test_fault_rule_regexes_are_bounded_in_size_and_compile_time(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="at most 1024 characters"):
        FaultRule(path="a" * 1025)
    assert FaultRule(path="a" * 1024).path == "a" * 1024
    with pytest.raises(ValidationError, match="invalid regex"):
        FaultRule(path="(")
    monkeypatch.setattr(faults, "MAX_COMPILE_SECONDS", 0.0)
    with pytest.raises(ValidationError, match=r"regex too complex: \d+ ms to compile, over 0"):
        FaultRule(path="(?i)[" + "".join(chr(0x100 + 2 * i) for i in range(400)) + "]")


def test_the_number_of_rules_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faults, "MAX_RULES", 2)
    book = FaultBook()
    book.add(FaultRule(status=500))
    book.add(FaultRule(status=500))
    with pytest.raises(TooManyRules, match="at most 2 fault rules"):
        book.add(FaultRule(status=500))
    book.remove()
    book.add(FaultRule(status=500))


def test_a_huge_regex_is_a_clear_400_at_once() -> None:
    with served() as client:
        answer = client.post("/_localcloud/faults", json={"path": "(a|" * 2_500_000 + ")", "status": 503})
        assert answer.status_code == 400 and "at most 1024 characters" in answer.text
        assert client.get("/_localcloud/faults").json() == []
