"""Authentication against a live localcloud: AK/SK signatures, IAM tokens, project scoping."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkmodelarts.v1 import (
    AuthorizationRequest,
    CreateAuthorizationRequest,
    GetAuthorizationsRequest,
    ListWorkspaceRequest,
    ModelArtsClient,
)

from aicompute.provider import signing
from aicompute.provider.auth import AkSkAuth, IamPasswordAuth, raw_path
from tests.support.inprocess_localcloud import InProcessLocalCloud
from tests.support.localcloud import Credentials


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


def echo_url(cloud: InProcessLocalCloud, project_id: str, suffix: str = "echo") -> str:
    return f"{cloud.url}/v1/{project_id}/_test/{suffix}"


def signed(creds: Credentials, method: str, url: str, **kwargs: Any) -> httpx.Request:
    request = httpx.Request(method, url, **kwargs)
    AkSkAuth(creds.access_key, creds.secret_key).sign(request)
    return request


def assert_modelarts_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error_code", "error_msg"}
    assert body["error_code"] == code and body["error_msg"]
    return body


def token_for(cloud: InProcessLocalCloud, creds: Credentials, scope: dict[str, Any]) -> httpx.Response:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": creds.user_name,
                        "password": creds.password,
                        "domain": {"name": creds.domain_name},
                    }
                },
            },
            "scope": scope,
        }
    }
    return httpx.post(f"{cloud.url}/v3/auth/tokens", json=body, timeout=10)


# AK/SK -------------------------------------------------------------------------------------------
def test_signed_requests_are_accepted(cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client) -> None:
    get = signed(
        proj,
        "GET",
        echo_url(cloud, proj.project_id),
        params=[("name", "视觉 team"), ("limit", "10"), ("name", ""), ("tag", "a+b")],
        headers={"X-Custom": "inner   spaces, kept", "X-Project-Id": proj.project_id},
    )
    assert http.send(get).json()["project_id"] == proj.project_id
    post = signed(proj, "POST", echo_url(cloud, proj.project_id), json={"description": "中文 ✓"})
    assert http.send(post).status_code == 200
    raw = signed(proj, "PUT", echo_url(cloud, proj.project_id), content=b"\x00\xff", headers={"Content-Type": "a/b"})
    assert http.send(raw).status_code == 200


def test_percent_encoded_paths_are_verified_as_sent(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client
) -> None:
    """``%2541`` is decoded once on both sides (twice would make it ``A``)."""
    request = signed(proj, "GET", echo_url(cloud, proj.project_id, "a%2541/b%20c/%E8%A7%86"))
    response = http.send(request)
    assert response.status_code == 200, response.text
    assert response.json()["path"].endswith("/_test/a%41/b c/视")


def test_non_ascii_header_values_are_verified_as_utf8(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client
) -> None:
    """The official SDK sends non-ASCII header values as UTF-8 bytes and signs the text."""
    request = signed(proj, "GET", echo_url(cloud, proj.project_id), headers={"X-Note": "视觉 ✓".encode()})
    assert http.send(request).status_code == 200


def test_wrong_secret_key_is_rejected(cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client) -> None:
    wrong = Credentials(**{**proj.__dict__, "secret_key": proj.secret_key + "x"})
    response = http.send(signed(wrong, "GET", echo_url(cloud, proj.project_id)))
    assert_modelarts_error(response, 401, "APIGW.0301")


def test_body_changed_after_signing_is_rejected(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client
) -> None:
    request = signed(proj, "POST", echo_url(cloud, proj.project_id), json={"count": 1})
    tampered = httpx.Request("POST", request.url, headers=request.headers, content=b'{"count":2}')
    assert len(tampered.content) == len(request.content)
    assert_modelarts_error(http.send(tampered), 401, "APIGW.0301")


def test_signed_header_changed_after_signing_is_rejected(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client
) -> None:
    request = signed(proj, "GET", echo_url(cloud, proj.project_id), headers={"X-Workspace-Id": "a"})
    request.headers["X-Workspace-Id"] = "b"
    assert_modelarts_error(http.send(request), 401, "APIGW.0301")


def test_query_changed_after_signing_is_rejected(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client
) -> None:
    request = signed(proj, "GET", echo_url(cloud, proj.project_id), params={"limit": "10"})
    tampered = httpx.Request("GET", request.url.copy_with(query=b"limit=11"), headers=request.headers)
    assert_modelarts_error(http.send(tampered), 401, "APIGW.0301")


def test_unknown_access_key_is_rejected(cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client) -> None:
    stranger = Credentials(**{**proj.__dict__, "access_key": "LCUNKNOWNACCESSKEY00"})
    body = assert_modelarts_error(
        http.send(signed(stranger, "GET", echo_url(cloud, proj.project_id))), 401, "APIGW.0301"
    )
    assert "unknown access key" in body["error_msg"]


@pytest.mark.parametrize(
    "authorization",
    [
        "SDK-HMAC-SHA256 garbage",
        "SDK-HMAC-SHA256 Access=LCX, SignedHeaders=host, Signature=NOTHEX",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_malformed_authorization_is_rejected(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client, authorization: str
) -> None:
    headers = {"Authorization": authorization, "X-Sdk-Date": signing.format_date(datetime.now(UTC))}
    response = http.get(echo_url(cloud, proj.project_id), headers=headers)
    body = assert_modelarts_error(response, 401, "APIGW.0301")
    assert "malformed" in body["error_msg"]


def test_missing_sdk_date_is_rejected(cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client) -> None:
    request = signed(proj, "GET", echo_url(cloud, proj.project_id))
    del request.headers["X-Sdk-Date"]
    body = assert_modelarts_error(http.send(request), 401, "APIGW.0301")
    assert "X-Sdk-Date" in body["error_msg"]


@pytest.mark.parametrize("minutes, accepted", [(-16, False), (16, False), (-14, True), (14, True)])
def test_signature_date_window_is_fifteen_minutes(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client, minutes: int, accepted: bool
) -> None:
    request = httpx.Request("GET", echo_url(cloud, proj.project_id))
    moment = datetime.now(UTC) + timedelta(minutes=minutes)
    headers = {"Host": request.url.netloc.decode("ascii")}
    path = raw_path(request.url)
    request.headers.update(signing.sign(proj.access_key, proj.secret_key, "GET", path, [], headers, b"", moment))
    response = http.send(request)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert "15 minute" in assert_modelarts_error(response, 401, "APIGW.0301")["error_msg"]


def test_no_credentials_is_rejected(cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client) -> None:
    assert_modelarts_error(http.get(echo_url(cloud, proj.project_id)), 401, "ModelArts.0201")


# IAM tokens --------------------------------------------------------------------------------------
@pytest.mark.parametrize("by", ["project id", "region name"])
def test_iam_issues_project_scoped_tokens(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client, by: str
) -> None:
    scope = {"project": {"id": proj.project_id}} if by == "project id" else {"project": {"name": proj.region}}
    response = token_for(cloud, proj, scope)
    assert response.status_code == 201, response.text
    token = response.headers["X-Subject-Token"]
    issued = response.json()["token"]
    assert issued["project"]["id"] == proj.project_id
    assert datetime.fromisoformat(issued["expires_at"]) > datetime.now(UTC) + timedelta(hours=23)
    answer = http.get(echo_url(cloud, proj.project_id), headers={"X-Auth-Token": token})
    assert answer.status_code == 200 and answer.json()["project_id"] == proj.project_id


@pytest.mark.parametrize("password", ["wrong", "密码-wrong"])
def test_iam_rejects_a_wrong_password(cloud: InProcessLocalCloud, proj: Credentials, password: str) -> None:
    response = token_for(
        cloud, Credentials(**{**proj.__dict__, "password": password}), {"project": {"id": proj.project_id}}
    )
    assert response.status_code == 401, response.text
    assert "X-Subject-Token" not in response.headers


def test_iam_requires_a_project_scope(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    assert token_for(cloud, proj, {}).status_code == 400


def test_unknown_token_is_rejected(cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client) -> None:
    response = http.get(echo_url(cloud, proj.project_id), headers={"X-Auth-Token": "MIILnot-a-token"})
    assert_modelarts_error(response, 401, "ModelArts.0203")


def test_expired_token_is_rejected(cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client) -> None:
    with cloud.store.transaction() as tx:
        tx.add_token("MIILexpired", proj.project_id, time.time() - 1)
    response = http.get(echo_url(cloud, proj.project_id), headers={"X-Auth-Token": "MIILexpired"})
    assert_modelarts_error(response, 401, "ModelArts.0202")


# project scoping ---------------------------------------------------------------------------------
def test_credentials_of_one_project_are_refused_on_another(
    cloud: InProcessLocalCloud, proj: Credentials, http: httpx.Client
) -> None:
    other = cloud.new_project()
    response = http.send(signed(proj, "GET", echo_url(cloud, other.project_id)))
    assert_modelarts_error(response, 403, "ModelArts.0210")
    token = token_for(cloud, proj, {"project": {"id": proj.project_id}}).headers["X-Subject-Token"]
    response = http.get(echo_url(cloud, other.project_id), headers={"X-Auth-Token": token})
    assert_modelarts_error(response, 403, "ModelArts.0210")


# clients -----------------------------------------------------------------------------------------
def test_iam_password_auth_gets_one_token_and_reuses_it(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    since = cloud.cloud.faults.entries()[-1].seq if cloud.cloud.faults.entries() else 0
    auth = IamPasswordAuth(cloud.url, proj.user_name, proj.password, proj.domain_name, proj.project_id)
    with httpx.Client(auth=auth, timeout=10) as client:
        for _ in range(3):
            response = client.get(echo_url(cloud, proj.project_id))
            assert response.status_code == 200 and response.json()["project_id"] == proj.project_id
    calls = [(e.method, e.path) for e in cloud.cloud.faults.entries(since)]
    assert calls.count(("POST", "/v3/auth/tokens")) == 1
    assert len(calls) == 4


def test_iam_password_auth_gets_a_new_token_when_the_server_forgot_it(
    cloud: InProcessLocalCloud, proj: Credentials
) -> None:
    auth = IamPasswordAuth(cloud.url, proj.user_name, proj.password, proj.domain_name, proj.project_id)
    with httpx.Client(auth=auth, timeout=10) as client:
        assert client.get(echo_url(cloud, proj.project_id)).status_code == 200
        cloud.admin("POST", "/reset")  # forgets every token; projects stay
        response = client.post(echo_url(cloud, proj.project_id), json={"sent": "twice"})
        assert response.status_code == 200
        assert response.json()["body_sha256"] == hashlib.sha256(b'{"sent":"twice"}').hexdigest()
    calls = [(e.method, e.path, e.status) for e in cloud.cloud.faults.entries()]
    assert [c for c in calls if c[1] == "/v3/auth/tokens"] == [("POST", "/v3/auth/tokens", 201)]
    assert [c[2] for c in calls if c[1] != "/v3/auth/tokens"] == [401, 200]


def test_iam_password_auth_raises_when_iam_refuses(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    auth = IamPasswordAuth(cloud.url, proj.user_name, "wrong", proj.domain_name, proj.project_id)
    with httpx.Client(auth=auth, timeout=10) as client, pytest.raises(httpx.HTTPStatusError, match="401"):
        client.get(echo_url(cloud, proj.project_id))


def _sdk_client(cloud: InProcessLocalCloud, creds: Credentials) -> Any:
    credentials = BasicCredentials(creds.access_key, creds.secret_key, creds.project_id)
    return ModelArtsClient.new_builder().with_credentials(credentials).with_endpoints([cloud.url]).build()


def test_the_official_sdk_is_accepted(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    """It is the SDK's signature that is under test: ``/v2/.../authorizations`` is served by the test
    catch-all unless a module serves it; workspaces by their own module."""
    since = cloud.cloud.faults.entries()[-1].seq if cloud.cloud.faults.entries() else 0
    client = _sdk_client(cloud, proj)
    client.get_authorizations(GetAuthorizationsRequest(sort_by="user_name", order="desc", limit=5, offset=0))
    body = AuthorizationRequest(user_id="all", type="agency", content="视觉-agency ✓")
    client.create_authorization(CreateAuthorizationRequest(body=body))
    # And a real route, with a non-ASCII and a boolean query parameter.
    listed = client.list_workspace(ListWorkspaceRequest(name="视觉 team", limit=5, filter_accessible=True))
    assert listed.total_count == 0
    logged = [(e.method, e.status) for e in cloud.cloud.faults.entries(since)]
    assert logged == [("GET", 200), ("POST", 200), ("GET", 200)]


def test_the_official_sdk_with_a_wrong_secret_is_refused(cloud: InProcessLocalCloud, proj: Credentials) -> None:
    client = _sdk_client(cloud, Credentials(**{**proj.__dict__, "secret_key": "wrong"}))
    with pytest.raises(ClientRequestException) as raised:
        client.get_authorizations(GetAuthorizationsRequest(limit=5))
    assert raised.value.status_code == 401
    assert raised.value.error_code == "APIGW.0301"
