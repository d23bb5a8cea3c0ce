"""Central platform credentials against a live localcloud: token expiry and renewal, a rotated client
secret, HTTP Basic client authentication, and TLS with a given CA bundle."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from aicompute.localcloud.certificates import serving_certificate
from aicompute.provider.auth import OAuth2ClientCredentialsAuth
from aicompute.provider.errors import ApiError
from aicompute.resources.central.cluster import ClusterProvider
from tests.support.central import central_api, cluster_inputs
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq

LIFETIME = 1  # seconds: the shortest token lifetime localcloud issues


@pytest.fixture(scope="module")
def short_tokens() -> Iterator[LocalCloudProcess]:
    """A localcloud whose access tokens live one second."""
    server = LocalCloudProcess(time_scale=0.01, extra_args=["--token-lifetime", str(LIFETIME)]).start()
    try:
        yield server
    finally:
        server.stop()


def token_and_api_calls(localcloud: LocalCloudProcess, since: int) -> list[tuple[str, str, int]]:
    return [
        (r["method"], r["path"], int(r["status"]))
        for r in localcloud.requests(since)
        if r["path"].startswith(("/oauth", "/CCP"))
    ]


def test_a_token_is_renewed_before_it_expires(short_tokens: LocalCloudProcess) -> None:
    project = short_tokens.new_project()
    since = last_seq(short_tokens)
    with central_api(short_tokens, project) as api:
        api.data("GET", "/CCP/clusters")
        api.data("GET", "/CCP/clusters")
        time.sleep(LIFETIME - OAuth2ClientCredentialsAuth.refresh_margin(LIFETIME) + 0.05)
        api.data("GET", "/CCP/clusters")
    assert token_and_api_calls(short_tokens, since) == [
        ("POST", "/oauth/token", 200),
        ("GET", "/CCP/clusters", 200),
        ("GET", "/CCP/clusters", 200),
        ("POST", "/oauth/token", 200),  # renewed in time: the server never saw an expired token
        ("GET", "/CCP/clusters", 200),
    ]


def test_an_expired_token_is_replaced_and_the_call_sent_again(
    short_tokens: LocalCloudProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A client whose clock runs behind the server's keeps a token past its expiry.
    monkeypatch.setattr(OAuth2ClientCredentialsAuth, "refresh_margin", staticmethod(lambda _: -60.0))
    project = short_tokens.new_project()
    since = last_seq(short_tokens)
    with central_api(short_tokens, project) as api:
        api.data("GET", "/CCP/clusters")
        time.sleep(LIFETIME + 0.1)
        assert api.data("GET", "/CCP/clusters") == []
    assert token_and_api_calls(short_tokens, since) == [
        ("POST", "/oauth/token", 200),
        ("GET", "/CCP/clusters", 200),
        ("GET", "/CCP/clusters", 401),
        ("POST", "/oauth/token", 200),
        ("GET", "/CCP/clusters", 200),
    ]


def test_a_resource_lifecycle_outlives_its_tokens(short_tokens: LocalCloudProcess) -> None:
    project = short_tokens.new_project()
    provider = configured(ClusterProvider, short_tokens, project)
    created = provider.create(checked(provider, cluster_inputs("long-lived")))
    time.sleep(LIFETIME + 0.1)
    assert provider.read(created.id, created.outs).id == created.id
    provider.delete(created.id, created.outs)


def rotate(localcloud: LocalCloudProcess, client_id: str, revoke: bool) -> str:
    rotated = localcloud.admin("POST", f"/central/clients/{client_id}/rotate", json={"revoke_tokens": revoke})
    return str(rotated["client_secret"])


def test_a_rotated_client_secret_is_used_from_the_config(localcloud: LocalCloudProcess, project: Credentials) -> None:
    provider = configured(ClusterProvider, localcloud, project)
    created = provider.create(checked(provider, cluster_inputs("rotating")))

    # A client that holds a token keeps working until it expires, unless the rotation revokes it.
    with central_api(localcloud, project) as api:
        api.data("GET", "/CCP/clusters")
        new_secret = rotate(localcloud, project.central_client_id, revoke=False)
        assert len(api.data("GET", "/CCP/clusters")) == 1
        rotate(localcloud, project.central_client_id, revoke=True)
        with pytest.raises(ApiError) as refused:  # revoked: the new token request uses the old secret
            api.data("GET", "/CCP/clusters")
    assert refused.value.status == 401 and refused.value.code == "invalid_client"
    for secret in (project.central_client_secret, new_secret):
        assert secret not in str(refused.value)

    newest = rotate(localcloud, project.central_client_id, revoke=True)
    with pytest.raises(ApiError, match="invalid_client"):
        provider.read(created.id, created.outs)
    rotated = configured(ClusterProvider, localcloud, project, centralClientSecret=newest)
    assert rotated.read(created.id, created.outs).id == created.id
    rotated.delete(created.id, created.outs)


@pytest.mark.parametrize("method", ["basic", "post", "auto"])
def test_client_authentication_methods(localcloud: LocalCloudProcess, project: Credentials, method: str) -> None:
    with central_api(localcloud, project, centralTokenAuthMethod=method) as api:
        assert api.data("GET", "/CCP/clusters") == []


def test_tls_with_the_configured_ca_bundle(tmp_path: Path) -> None:
    pem = serving_certificate(["127.0.0.1"])
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(pem.certificate)
    key.write_bytes(pem.key)
    server = LocalCloudProcess(time_scale=0, extra_args=["--tls-cert", str(cert), "--tls-key", str(key)]).start()
    try:
        assert server.url.startswith("https://")
        project = server.new_project()
        with central_api(server, project, centralCaCert=str(cert)) as api:
            assert api.data("GET", "/CCP/clusters") == []
        with central_api(server, project, centralCaCert=pem.certificate.decode()) as api:
            assert api.data("GET", "/CCP/clusters") == []
        with central_api(server, project, centralInsecure=True) as api:
            assert api.data("GET", "/CCP/clusters") == []
        with central_api(server, project) as api, pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            api.data("GET", "/CCP/clusters")
    finally:
        server.stop()
