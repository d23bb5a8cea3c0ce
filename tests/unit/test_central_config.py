"""Central platform settings, and the OAuth2 client-credentials auth against a scripted token server."""

from __future__ import annotations

import base64
import json
import ssl
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from aicompute.provider.auth import OAuth2ClientCredentialsAuth
from aicompute.provider.central import CentralClient, CentralNotFound
from aicompute.provider.config import ConfigError, ProviderSettings
from aicompute.provider.errors import ApiError

CENTRAL_ENV = {
    "AICOMPUTE_CENTRAL_ENDPOINT": "https://central.example:8443/",
    "AICOMPUTE_CENTRAL_CLIENT_ID": "env-client",
    "AICOMPUTE_CENTRAL_CLIENT_SECRET": "env-very-secret",
}


def test_pulumi_config_wins_over_environment() -> None:
    settings = ProviderSettings.load(
        {"aicompute:centralClientId": "cfg-client", "aicompute:centralClientSecret": "cfg-secret"}, CENTRAL_ENV
    )
    assert settings.central_client_id == "cfg-client"
    assert settings.central_client_secret is not None
    assert settings.central_client_secret.get_secret_value() == "cfg-secret"
    assert settings.central_endpoint() == "https://central.example:8443"


def test_endpoint_falls_back_to_the_shared_endpoint_and_never_to_a_region() -> None:
    shared = ProviderSettings.load({}, {"AICOMPUTE_ENDPOINT": "http://127.0.0.1:9/"})
    assert shared.central_endpoint() == "http://127.0.0.1:9"
    assert shared.central_token_endpoint() == "http://127.0.0.1:9/oauth/token"
    override = ProviderSettings.load({"aicompute:centralEndpoint": "https://ccp.local"}, {"AICOMPUTE_ENDPOINT": "x"})
    assert override.central_endpoint() == "https://ccp.local"
    with pytest.raises(ConfigError, match="aicompute:centralEndpoint"):
        ProviderSettings.load({}, {"HW_REGION_NAME": "cn-north-4"}).central_endpoint()


def test_token_url_is_configurable() -> None:
    settings = ProviderSettings.load({"aicompute:centralTokenUrl": "https://sso.example/token"}, CENTRAL_ENV)
    assert settings.central_token_endpoint() == "https://sso.example/token"
    assert "https://sso.example/token" in repr(settings.central_auth())


def test_missing_client_credentials_name_the_keys() -> None:
    settings = ProviderSettings.load({}, {"AICOMPUTE_CENTRAL_ENDPOINT": "https://c"})
    with pytest.raises(ConfigError, match=r"aicompute:centralClientId.*AICOMPUTE_CENTRAL_CLIENT_SECRET"):
        settings.central_auth()


def test_client_secret_never_shows_in_repr() -> None:
    settings = ProviderSettings.load({}, CENTRAL_ENV)
    assert "env-very-secret" not in repr(settings)
    assert "env-very-secret" not in repr(settings.central_auth())
    assert "env-client" in repr(settings.central_auth())


def test_tls_verification_settings(tmp_path: Path) -> None:
    assert ProviderSettings.load({}, CENTRAL_ENV).central_verify() is True
    assert ProviderSettings.load({"aicompute:centralInsecure": "true"}, CENTRAL_ENV).central_verify() is False
    assert ProviderSettings.load({}, {**CENTRAL_ENV, "AICOMPUTE_CENTRAL_INSECURE": "1"}).central_verify() is False
    # The platform-wide switch applies unless the central one says otherwise.
    assert ProviderSettings.load({}, {**CENTRAL_ENV, "HW_INSECURE": "true"}).central_verify() is False
    both = {**CENTRAL_ENV, "HW_INSECURE": "true", "AICOMPUTE_CENTRAL_INSECURE": "false"}
    assert ProviderSettings.load({}, both).central_verify() is True
    ca = Path(ssl.get_default_verify_paths().cafile or "")
    if ca.is_file():
        bundle = tmp_path / "ca.pem"
        bundle.write_text(ca.read_text())
        from_file = ProviderSettings.load({"aicompute:centralCaCert": str(bundle)}, CENTRAL_ENV).central_verify()
        assert isinstance(from_file, ssl.SSLContext)
    with pytest.raises(ConfigError, match="centralCaCert"):
        ProviderSettings.load({"aicompute:centralCaCert": str(tmp_path / "missing.pem")}, CENTRAL_ENV).central_verify()


def test_bad_token_auth_method_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="central_token_auth_method"):
        ProviderSettings.load({"aicompute:centralTokenAuthMethod": "digest"}, CENTRAL_ENV)


def test_config_keys_cover_the_central_settings() -> None:
    keys = set(ProviderSettings.config_keys())
    assert {
        "centralEndpoint",
        "centralClientId",
        "centralClientSecret",
        "centralTokenUrl",
        "centralCaCert",
        "centralInsecure",
    } <= keys


# OAuth2 client credentials against a scripted server ----------------------------------------------


class TokenServer:
    """A token endpoint (RFC 6749 §4.4) and one protected route, counting what they receive."""

    def __init__(self, *, expires_in: float | None = 3600, basic_only: bool = False) -> None:
        self.expires_in = expires_in
        self.basic_only = basic_only
        self.secret = "s3cret"
        self.issued: list[str] = []
        self.valid: set[str] = set()
        self.token_requests: list[httpx.Request] = []
        self.calls = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return self._token(request)
        self.calls += 1
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.valid:
            return httpx.Response(401, json={"code": "401", "message": "invalid token"})
        return httpx.Response(200, json={"code": "0", "message": "success", "data": {"ok": True}})

    def _token(self, request: httpx.Request) -> httpx.Response:
        self.token_requests.append(request)
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        basic = request.headers.get("Authorization", "")
        if basic:
            client_id, _, secret = base64.b64decode(basic.removeprefix("Basic ")).decode().partition(":")
        elif self.basic_only:
            return httpx.Response(
                401, json={"error": "invalid_client"}, headers={"WWW-Authenticate": 'Basic realm="central"'}
            )
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if form.get("grant_type") != "client_credentials":
            return httpx.Response(400, json={"error": "unsupported_grant_type"})
        if client_id != "client-1" or secret != self.secret:
            return httpx.Response(401, json={"error": "invalid_client", "error_description": "bad client secret"})
        token = f"token-{len(self.issued)}"
        self.issued.append(token)
        self.valid.add(token)
        body: dict[str, object] = {"access_token": token, "token_type": "bearer"}
        if self.expires_in is not None:
            body["expires_in"] = self.expires_in
        return httpx.Response(200, json=body)


def client_for(server: TokenServer, secret: str = "s3cret", **config: str) -> CentralClient:
    settings = ProviderSettings.load(
        {
            "aicompute:centralEndpoint": "https://central.test",
            "aicompute:centralClientId": "client-1",
            "aicompute:centralClientSecret": secret,
            "aicompute:maxRetries": 0,
            **{f"aicompute:{k}": v for k, v in config.items()},
        },
        {},
    )
    return CentralClient(settings, transport=httpx.MockTransport(server.handler))


def test_token_is_fetched_once_and_sent_as_bearer() -> None:
    server = TokenServer()
    with client_for(server) as api:
        assert api.data("GET", "/CCP/clusters") == {"ok": True}
        assert api.data("GET", "/CCP/clusters") == {"ok": True}
    assert server.issued == ["token-0"]
    form = parse_qs(server.token_requests[0].content.decode())
    assert form["grant_type"] == ["client_credentials"]
    assert server.token_requests[0].headers["Content-Type"] == "application/x-www-form-urlencoded"


def test_token_is_renewed_shortly_before_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    server = TokenServer(expires_in=100)
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    with client_for(server) as api:
        api.data("GET", "/CCP/clusters")
        now[0] += 100 - OAuth2ClientCredentialsAuth.refresh_margin(100) - 1
        api.data("GET", "/CCP/clusters")
        assert len(server.issued) == 1
        now[0] += 2  # inside the margin: replaced before the server would refuse it
        api.data("GET", "/CCP/clusters")
    assert len(server.issued) == 2


def test_a_401_on_a_cached_token_fetches_a_new_one_and_resends_once() -> None:
    server = TokenServer(expires_in=None)
    with client_for(server) as api:
        api.data("GET", "/CCP/clusters")
        server.valid.clear()  # the server revoked or forgot every token
        assert api.data("GET", "/CCP/clusters") == {"ok": True}
    assert server.issued == ["token-0", "token-1"]
    assert server.calls == 3


def test_a_401_on_a_fresh_token_is_an_error_without_a_loop() -> None:
    server = TokenServer()

    def refuse_all(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return server.handler(request)
        server.calls += 1
        return httpx.Response(401, json={"code": "401", "message": "token not accepted"})

    settings = ProviderSettings.load(
        {
            "aicompute:centralEndpoint": "https://central.test",
            "aicompute:centralClientId": "client-1",
            "aicompute:centralClientSecret": "s3cret",
        },
        {},
    )
    with CentralClient(settings, transport=httpx.MockTransport(refuse_all)) as api, pytest.raises(ApiError) as raised:
        api.data("GET", "/CCP/clusters")
    assert raised.value.status == 401 and "token not accepted" in str(raised.value)
    assert server.calls == 1


def test_falls_back_to_http_basic_when_the_server_asks() -> None:
    server = TokenServer(basic_only=True)
    with client_for(server) as api:
        assert api.data("GET", "/CCP/clusters") == {"ok": True}
        server.valid.clear()
        api.data("GET", "/CCP/clusters")
    assert [bool(r.headers.get("Authorization")) for r in server.token_requests] == [False, True, True]


@pytest.mark.parametrize(("method", "basic"), [("basic", True), ("post", False)])
def test_token_auth_method_is_configurable(method: str, basic: bool) -> None:
    server = TokenServer()
    with client_for(server, centralTokenAuthMethod=method) as api:
        api.data("GET", "/CCP/clusters")
    assert bool(server.token_requests[0].headers.get("Authorization")) is basic
    assert ("client_secret" in server.token_requests[0].content.decode()) is not basic


def test_basic_credentials_are_form_encoded_first() -> None:
    auth = OAuth2ClientCredentialsAuth("https://t/token", "id:1", "p@ss word", method="basic")
    request = auth._token_request("basic")
    decoded = base64.b64decode(request.headers["Authorization"].removeprefix("Basic ")).decode()
    assert decoded == "id%3A1:p%40ss+word"


def test_a_rotated_secret_is_used_from_the_next_client_on() -> None:
    server = TokenServer()
    server.secret = "rotated"
    with client_for(server, secret="s3cret") as api, pytest.raises(ApiError) as raised:
        api.data("GET", "/CCP/clusters")
    assert raised.value.code == "invalid_client" and "bad client secret" in str(raised.value)
    assert "s3cret" not in str(raised.value)
    with client_for(server, secret="rotated") as api:
        assert api.data("GET", "/CCP/clusters") == {"ok": True}


# envelopes ---------------------------------------------------------------------------------------


def envelope_client(answer: Callable[[httpx.Request], httpx.Response]) -> CentralClient:
    server = TokenServer()

    def handler(request: httpx.Request) -> httpx.Response:
        return server.handler(request) if request.url.path == "/oauth/token" else answer(request)

    settings = ProviderSettings.load(
        {
            "aicompute:centralEndpoint": "https://central.test",
            "aicompute:centralClientId": "client-1",
            "aicompute:centralClientSecret": "s3cret",
            "aicompute:maxRetries": 2,
            "aicompute:pollInterval": 0.01,
        },
        {},
    )
    return CentralClient(settings, transport=httpx.MockTransport(handler))


def test_string_and_integer_codes_and_both_message_spellings() -> None:
    answers = iter(
        [
            httpx.Response(200, json={"code": "0", "message": "success", "data": [1]}),
            httpx.Response(200, json={"code": 0, "msg": "success", "data": "28273"}),
            httpx.Response(200, json={"code": "1001", "message": "version 1.19.x is not offered"}),
            httpx.Response(200, json={"code": 17, "mgs": "service is starting"}),
        ]
    )
    with envelope_client(lambda _: next(answers)) as api:
        assert api.data("GET", "/CCP/clusters") == [1]
        assert api.data("POST", "/CAP/AlgoServices", {"algoId": "a"}) == "28273"
        with pytest.raises(ApiError, match=r"version 1\.19\.x is not offered") as ccp:
            api.data("POST", "/CCP/clusters", {})
        assert ccp.value.code == "CCP.1001" and not ccp.value.retryable
        with pytest.raises(ApiError, match="service is starting") as cap:
            api.data("GET", "/CAP/AlgoServices/1")
        assert cap.value.code == "CAP.17"


def test_not_found_by_status_or_by_code() -> None:
    answers = iter(
        [
            httpx.Response(200, json={"code": "404", "message": "cluster c-1 not found"}),
            httpx.Response(404, json={"code": 404, "msg": "no such task"}),
        ]
    )
    with envelope_client(lambda _: next(answers)) as api:
        assert api.data_or_none("/CCP/clusters/c-1") is None
        with pytest.raises(CentralNotFound, match="no such task"):
            api.data("GET", "/CAP/AlgoTasks/t-1")


def test_server_errors_in_the_envelope_are_retried_when_safe() -> None:
    answers = iter(
        [
            httpx.Response(200, json={"code": "503", "message": "busy"}),
            httpx.Response(503, json={"code": 503, "msg": "busy"}),
            httpx.Response(200, json={"code": "0", "message": "success", "data": {"x": 1}}),
        ]
    )
    with envelope_client(lambda _: next(answers)) as api:
        assert api.data("GET", "/CCP/clusters/c-1") == {"x": 1}


def test_get_and_delete_parameters_go_in_body_and_query_and_ids_are_encoded() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": "0", "message": "success"})

    with envelope_client(answer) as api:
        api.call("DELETE", "/CCP/cluster/nodes", {"clusterCode": "c-1", "nodeId": ["n-1", "n-2"]})
        api.call("GET", "/CAP/AlgoServices/" + "megvii%2Fcloud%3Aa")
    assert seen[0].url.params.get_list("nodeId") == ["n-1", "n-2"]
    assert b'"clusterCode": "c-1"' in seen[0].content or b'"clusterCode":"c-1"' in seen[0].content
    assert seen[1].url.raw_path == b"/CAP/AlgoServices/megvii%2Fcloud%3Aa"


def test_search_reads_every_page() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)
        page, size = int(asked["pageNumber"]), int(asked["pageSize"])
        records = [{"id": str(i)} for i in range((page - 1) * size, min(page * size, size + 3))]
        data = {"pageNumber": page, "pageSize": size, "total": size + 3, "records": records}
        return httpx.Response(200, json={"code": 0, "msg": "success", "data": data})

    with envelope_client(answer) as api:
        ids = [record["id"] for record in api.search("/CAP/AlgoTasks:search")]
    assert len(ids) == len(set(ids)) and len(ids) > 100
