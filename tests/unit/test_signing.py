"""Our SDK-HMAC-SHA256 signer against the official ``huaweicloudsdkcore`` one, byte for byte."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import httpx
import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aicompute.provider import signing
from aicompute.provider.auth import AkSkAuth, raw_path

AK = "HPUAEXAMPLEACCESSKEY"
SK = "example/Secret+Key=0123456789abcdef"
HOST = "modelarts.cn-north-4.myhuaweicloud.com"
SDK_DATE = "20240229T235959Z"
SPECIAL_HEADERS = {"host", "authorization", "x-sdk-date", "content-type", "x-sdk-content-sha256"}

FAST = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


# strategies ----------------------------------------------------------------------------------
_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_tricky = st.sampled_from(
    ["a b", "ü", "名字", "~", "!*'()", ";:@&=+$,?#[]", "%2F", "%41", "%25", "%2541", "%zz", "%", "-._", "+"]
)
_segment = st.one_of(_text, _tricky, st.from_regex(r"[a-z0-9-]{1,10}", fullmatch=True))
paths = st.builds(
    lambda segments, trailing: "/" + "/".join(segments) + ("/" if trailing else ""),
    st.lists(_segment, max_size=5),
    st.booleans(),
)
_query_key = st.one_of(st.sampled_from(["a", "A", "b", "limit", "x y", "ключ", "", "a+b", "k=v"]), _text)
queries = st.lists(st.tuples(_query_key, st.one_of(st.just(""), _tricky, _text)), max_size=6)
_header_name = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,15}", fullmatch=True).filter(
    lambda name: name.lower() not in SPECIAL_HEADERS
)
_header_value = st.builds(
    lambda before, value, after: before + value + after,
    st.sampled_from(["", " ", "  ", "\t"]),
    st.one_of(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=16), _text),
    st.sampled_from(["", " ", "\t "]),
)
_content_type = st.sampled_from(
    [
        None,
        ("Content-Type", "application/json"),
        ("Content-Type", "application/json;charset=UTF-8"),
        ("Content-Type", "application/bson"),
        ("Content-Type", "text/plain"),
        ("Content-Type", "application/octet-stream"),
        ("content-type", "application/octet-stream"),
        ("CONTENT-TYPE", "multipart/form-data; boundary=x"),
    ]
)
_json_body = st.dictionaries(_text, st.one_of(_text, st.integers(), st.booleans()), max_size=4).map(
    lambda value: json.dumps(value, ensure_ascii=False).encode("utf-8")
)
bodies = st.one_of(st.just(b""), st.binary(max_size=64), _json_body)
methods = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "post", "Get"])


@st.composite
def requests(draw: st.DrawFn) -> Req:
    headers = draw(st.dictionaries(_header_name, _header_value, max_size=6))
    if (content_type := draw(_content_type)) is not None:
        headers[content_type[0]] = content_type[1]
    if (host_name := draw(st.sampled_from([None, "Host", "host"]))) is not None:
        headers[host_name] = HOST
    if (content_sha := draw(st.sampled_from([None, signing.UNSIGNED_PAYLOAD, "ab" * 32]))) is not None:
        headers[draw(st.sampled_from(["X-Sdk-Content-Sha256", "x-sdk-content-sha256"]))] = content_sha
    headers[draw(st.sampled_from(["X-Sdk-Date", "x-sdk-date"]))] = SDK_DATE
    return Req(draw(methods), draw(paths), draw(queries), headers, draw(bodies))


# the two signers -----------------------------------------------------------------------------
def _sdk_request(req: Req) -> SdkRequest:
    return SdkRequest(
        method=req.method,
        schema="https",
        host=HOST,
        resource_path=req.path,
        query_params=list(req.query),
        header_params=dict(req.headers),
        body=req.body,
    )


def official(req: Req) -> tuple[str, str]:
    """(canonical request, Authorization) as ``huaweicloudsdkcore`` computes them."""
    signer = Signer(BasicCredentials(AK, SK))
    # The SDK does not expose its canonical request: replay the steps sign() takes before it.
    probe = _sdk_request(req)
    signer._process_content_header(probe)
    signer._process_header_time(probe)
    signer._process_header_host(probe)
    canonical = signer._process_canonical_request(probe, signer._process_signed_headers(probe))
    signed = signer.sign(_sdk_request(req))
    return canonical, signed.header_params["Authorization"]


def ours(req: Req) -> tuple[str, str]:
    headers = dict(req.headers)
    if not any(name.lower() == "host" for name in headers):
        headers["Host"] = HOST
    all_headers = {**headers, **signing.headers_to_add(headers)}
    names = signing.signed_header_names(all_headers)
    canonical = signing.canonical_request(req.method, req.path, req.query, all_headers, names, req.body)
    added = signing.sign(AK, SK, req.method, req.path, req.query, headers, req.body)
    return canonical, added["Authorization"]


# equivalence ---------------------------------------------------------------------------------
@FAST
@given(requests())
def test_canonical_request_and_authorization_match_the_official_signer(req: Req) -> None:
    official_canonical, official_authorization = official(req)
    our_canonical, our_authorization = ours(req)
    assert our_canonical == official_canonical
    assert our_authorization == official_authorization


def test_known_vector() -> None:
    """A fixed request, so a change in both signers at once cannot go unnoticed."""
    req = Req(
        "POST",
        "/v2/0123/pools/a b",
        [("limit", "10"), ("a", "2"), ("a", "1")],
        {"Content-Type": "application/json", "X-Sdk-Date": SDK_DATE},
        b'{"name":"x"}',
    )
    canonical, authorization = ours(req)
    assert canonical.split("\n") == [
        "POST",
        "/v2/0123/pools/a%20b/",
        "a=1&a=2&limit=10",
        "content-type:application/json",
        f"host:{HOST}",
        f"x-sdk-date:{SDK_DATE}",
        "",
        "content-type;host;x-sdk-date",
        "0229d37e33daae149bf40543a5ce1db4459d10f830d5139279aa2bfd5f6485a1",
    ]
    assert authorization == official(req)[1]


def test_non_json_body_is_sent_unsigned_as_the_sdk_does() -> None:
    added = signing.headers_to_add({"Content-Type": "application/octet-stream"})
    assert added[signing.CONTENT_SHA256_HEADER] == signing.UNSIGNED_PAYLOAD
    assert signing.CONTENT_SHA256_HEADER not in signing.headers_to_add({"Content-Type": "application/json"})


# AkSkAuth on real httpx requests -------------------------------------------------------------
_httpx_header_value = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=16)


@st.composite
def httpx_requests(draw: st.DrawFn) -> httpx.Request:
    segments = draw(st.lists(st.one_of(_tricky, st.from_regex(r"[a-zA-Z0-9._~-]{1,8}", fullmatch=True))))
    url = httpx.URL(f"http://{HOST}:8443/" + "/".join(segments))
    params: list[tuple[str, str | int | float | bool | None]] = draw(
        st.lists(st.tuples(_query_key, st.one_of(_tricky, _text)), max_size=4)
    )
    headers = draw(st.dictionaries(_header_name, _httpx_header_value, max_size=4))
    body = draw(bodies)
    if body:
        headers["Content-Type"] = draw(st.sampled_from(["application/json", "application/octet-stream"]))
    return httpx.Request(draw(methods).upper(), url, params=params, headers=headers, content=body)


def _signed(request: httpx.Request, auth: AkSkAuth | None = None) -> httpx.Request:
    (auth or AkSkAuth(AK, SK)).sign(request)
    return request


def _verify(request: httpx.Request, secret_key: str = SK) -> bool:
    parsed = signing.parse_authorization(request.headers["Authorization"])
    assert parsed is not None
    query = parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)
    headers = dict(request.headers.items())
    return signing.verify(secret_key, parsed, request.method, raw_path(request.url), query, headers, request.content)


@settings(max_examples=150, deadline=None)
@given(httpx_requests())
def test_aksk_auth_signature_verifies_and_the_official_signer_reproduces_it(request: httpx.Request) -> None:
    _signed(request)
    assert _verify(request)
    parsed = signing.parse_authorization(request.headers["Authorization"])
    assert parsed is not None and {"host", "x-sdk-date"} <= set(parsed.signed_headers)
    # The same request as the official SDK would build it: its path as sent, the signed headers.
    sdk_request = SdkRequest(
        method=request.method,
        schema="http",
        host=request.url.netloc.decode("ascii"),
        resource_path=raw_path(request.url),
        query_params=parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True),
        header_params={name: request.headers[name] for name in parsed.signed_headers},
        body=request.content,
    )
    Signer(BasicCredentials(AK, SK)).sign(sdk_request)
    assert sdk_request.header_params["Authorization"] == request.headers["Authorization"]


def test_aksk_auth_signs_percent_encoded_paths_as_sent() -> None:
    """``%25`` must be decoded once: the official SDK signs ``/a%2541/`` for this path, not ``/aA/``."""
    request = _signed(httpx.Request("GET", f"https://{HOST}/v1/a%2541/b%20c"))
    parsed = signing.parse_authorization(request.headers["Authorization"])
    assert parsed is not None
    sdk_request = SdkRequest(
        method="GET",
        schema="https",
        host=HOST,
        resource_path="/v1/a%2541/b%20c",
        query_params=[],
        header_params={name: request.headers[name] for name in parsed.signed_headers},
        body=b"",
    )
    Signer(BasicCredentials(AK, SK)).sign(sdk_request)
    assert sdk_request.header_params["Authorization"] == request.headers["Authorization"]


def test_aksk_auth_adds_security_token_and_replaces_a_stale_signature() -> None:
    request = httpx.Request("GET", f"https://{HOST}/v1/p", headers={"Authorization": "stale"})
    _signed(request, AkSkAuth(AK, SK, security_token="temp-token"))
    assert request.headers["X-Security-Token"] == "temp-token"
    assert request.headers["Authorization"].startswith("SDK-HMAC-SHA256 Access=" + AK)
    parsed = signing.parse_authorization(request.headers["Authorization"])
    assert parsed is not None and "x-security-token" in parsed.signed_headers
    assert _verify(request)
    assert not _verify(request, secret_key=SK + "x")
    assert AK not in repr(AkSkAuth(AK, SK)) and SK not in repr(AkSkAuth(AK, SK))


# verify() rejects every change ---------------------------------------------------------------
@dataclass(frozen=True)
class Signed:
    req: Req
    parsed: signing.ParsedAuthorization
    headers: dict[str, str]

    def verify(self, **changes: object) -> bool:
        req = replace(self.req, **changes)  # type: ignore[arg-type]
        headers = changes.get("headers", self.headers)
        assert isinstance(headers, dict)
        return signing.verify(SK, self.parsed, req.method, req.path, req.query, headers, req.body)


def _sign_ours(req: Req) -> Signed:
    # One header per name, as on the wire (of "Foo" and "foo" only the last one would be signed).
    headers: dict[str, str] = {}
    for name, value in req.headers.items():
        if all(name.lower() != seen.lower() for seen in headers):
            headers[name] = value
    if all(name.lower() != "host" for name in headers):
        headers["Host"] = HOST
    to_add = {name.lower() for name in signing.headers_to_add(headers)}
    headers = {name: value for name, value in headers.items() if name.lower() not in to_add}
    added = signing.sign(AK, SK, req.method, req.path, req.query, headers, req.body)
    parsed = signing.parse_authorization(added["Authorization"])
    assert parsed is not None
    sent = {**headers, **{k: v for k, v in added.items() if k != "Authorization"}}
    return Signed(replace(req, headers=sent), parsed, sent)


@FAST
@given(requests(), st.data())
def test_verify_rejects_any_change(req: Req, data: st.DataObject) -> None:
    signed = _sign_ours(req)
    assert signed.verify()

    other_method = data.draw(
        st.sampled_from(["GET", "POST", "PUT", "DELETE"]).filter(lambda m: m != req.method.upper())
    )
    assert not signed.verify(method=other_method)
    assert not signed.verify(path=req.path + "x")
    assert not signed.verify(query=[*req.query, ("added", "1")])
    if req.query:
        key, value = req.query[0]
        assert not signed.verify(query=[(key, value + "x"), *req.query[1:]])

    signed_names = [name for name in signed.headers if name.lower() in signed.parsed.signed_headers]
    name = data.draw(st.sampled_from(sorted(signed_names)))
    changed = {**signed.headers, name: signed.headers[name].strip() + "x"}
    if name.lower() == "x-sdk-date":
        changed[name] = signing.format_date(signing.parse_date(SDK_DATE) + timedelta(seconds=1))
    assert not signed.verify(headers=changed)

    unsigned_payload = any(k.lower() == "x-sdk-content-sha256" and v.strip() for k, v in signed.headers.items())
    if unsigned_payload:
        # The algorithm's own gap: with X-Sdk-Content-Sha256, only an empty body is pinned down.
        assert signed.verify(body=req.body + b"\x00") is bool(req.body)
    else:
        assert not signed.verify(body=req.body + b"\x00")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer abc",
        "SDK-HMAC-SHA256 Access=AK, Signature=00",
        "SDK-HMAC-SHA256 Access=AK SignedHeaders=host Signature=00",
        "SDK-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=XYZ",
        "V11-HMAC-SHA256 Access=AK, SignedHeaders=host, Signature=00",
    ],
)
def test_parse_authorization_rejects_malformed_headers(header: str) -> None:
    assert signing.parse_authorization(header) is None


def test_verify_rejects_a_missing_signed_header_and_a_malformed_date() -> None:
    req = Req("GET", "/v1/p", [], {"X-Sdk-Date": SDK_DATE, "X-Extra": "1"}, b"")
    signed = _sign_ours(req)
    without_extra = {k: v for k, v in signed.headers.items() if k != "X-Extra"}
    assert not signed.verify(headers=without_extra)
    assert not signed.verify(headers={**signed.headers, "X-Sdk-Date": "yesterday"})


def test_date_round_trip() -> None:
    moment = datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)
    assert signing.format_date(moment) == SDK_DATE
    assert signing.parse_date(SDK_DATE) == moment


@given(
    st.text(alphabet="0123456789TZ:-", max_size=18)
    | st.datetimes().map(lambda d: d.strftime("%Y%m%dT%H%M%SZ"))
    | st.datetimes().map(lambda d: f"{d.year:04d}{d:%m%dT%H%M%S}Z")
)
def test_dates_are_read_as_strptime_reads_them(value: str) -> None:
    try:
        expected = datetime.strptime(value, signing.DATE_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        with pytest.raises(ValueError):
            signing.canonical_date(value)
        return
    assert signing.parse_date(value) == expected
    assert signing.canonical_date(value) == signing.format_date(expected)
