"""``s3://`` backend URLs read as the pinned Pulumi release (gocloud.dev's s3blob) reads them."""

from __future__ import annotations

import pytest

from aicompute.engine.backend.base import BackendError
from aicompute.engine.backend.s3 import credential_source
from aicompute.engine.backend.s3_url import S3Location, parse_s3_url


def test_the_older_parameter_names_and_an_endpoint_without_a_scheme() -> None:
    location = parse_s3_url(
        "s3://state/team-a?endpoint=obs.local:9000&region=cn-north-4&s3ForcePathStyle=true&disableSSL=true"
    )
    assert location == S3Location(
        bucket="state", prefix="team-a/", region="cn-north-4", endpoint="http://obs.local:9000", path_style=True
    )
    assert location.url_of(".pulumi/meta.yaml") == "s3://state/team-a/.pulumi/meta.yaml"


def test_the_newer_parameter_names_and_an_endpoint_with_a_scheme() -> None:
    location = parse_s3_url("s3://state?endpoint=https://obs.cn-north-4.myhuaweicloud.com&use_path_style=1&profile=ci")
    assert (location.bucket, location.prefix, location.endpoint) == (
        "state",
        "",
        "https://obs.cn-north-4.myhuaweicloud.com",
    )
    assert location.path_style and location.profile == "ci"


def test_a_bare_endpoint_is_https_unless_disabled() -> None:
    assert parse_s3_url("s3://b?endpoint=host:1").endpoint == "https://host:1"
    assert parse_s3_url("s3://b?endpoint=host:1&disable_https=true").endpoint == "http://host:1"


def test_the_other_parameters_pulumi_accepts() -> None:
    url = (
        "s3://b?awssdk=v2&fips=true&dualstack=true&accelerate=false&anonymous=true&ssetype=aws:kms&kmskeyid=k1"
        "&request_checksum_calculation=WHEN_REQUIRED&response_checksum_validation=when_supported"
        "&hostname_immutable=true&rate_limiter_capacity=5"
    )
    location = parse_s3_url(url)
    assert location.fips and location.dualstack and location.anonymous and not location.accelerate
    assert (location.sse_type, location.kms_key_id) == ("aws:kms", "k1")
    assert (location.request_checksum, location.response_checksum) == ("when_required", "when_supported")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://b?nonsense=1", "unknown query parameter 'nonsense'"),
        ("s3://b?use_path_style=maybe", "invalid value for use_path_style"),
        ("s3://b?request_checksum_calculation=always", "invalid value for request_checksum_calculation"),
        ("s3://b?role=arn:aws:iam::1:role/x", "role= is not supported"),
        ("s3:///prefix-only", "names no bucket"),
    ],
)
def test_what_is_refused(url: str, message: str) -> None:
    with pytest.raises(BackendError, match=message):
        parse_s3_url(url)


def test_credentials_come_from_aws_variables_then_obs_ones() -> None:
    plain = S3Location(bucket="b")
    obs = {"OBS_ACCESS_KEY_ID": "ok", "OBS_SECRET_ACCESS_KEY": "os"}
    aws = {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s"}
    assert credential_source(plain, {**aws, **obs}) == {"aws_access_key_id": "a", "aws_secret_access_key": "s"}
    assert credential_source(plain, obs) == {"aws_access_key_id": "ok", "aws_secret_access_key": "os"}
    assert credential_source(plain, {**obs, "OBS_SECURITY_TOKEN": "t"})["aws_session_token"] == "t"
    assert credential_source(plain, {}) == {}
    assert credential_source(S3Location(bucket="b", profile="ci"), obs) == {"profile_name": "ci"}
