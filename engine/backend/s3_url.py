"""An ``s3://`` backend URL, read as Pulumi's diy backend reads it (through ``gocloud.dev``'s s3blob).

``s3://bucket[/prefix]?endpoint=host:port&region=…`` with the query parameters the Pulumi release
``make pulumi`` builds accepts: ``region``, ``endpoint`` (with or without a scheme), ``profile``,
``use_path_style`` (older spelling ``s3ForcePathStyle``), ``disable_https`` (older spelling
``disableSSL``, which aicompute accepts and that Pulumi release refuses), ``anonymous``, ``fips``,
``dualstack``, ``accelerate``, ``ssetype``, ``kmskeyid``, ``request_checksum_calculation``,
``response_checksum_validation``; ``awssdk``, ``hostname_immutable`` and ``rate_limiter_capacity``
are accepted and change nothing here. Any other parameter is an error, as it is for Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from aicompute.engine.backend.base import BackendError

S3_SCHEME = "s3://"
PATH_STYLE_KEYS = ("use_path_style", "s3ForcePathStyle")
NO_HTTPS_KEYS = ("disable_https", "disableSSL")
CHECKSUM_KEYS = ("request_checksum_calculation", "response_checksum_validation")
CHECKSUM_VALUES = ("when_supported", "when_required")
FLAG_KEYS = ("anonymous", "fips", "dualstack", "accelerate", *PATH_STYLE_KEYS, *NO_HTTPS_KEYS)
IGNORED_KEYS = ("awssdk", "hostname_immutable", "rate_limiter_capacity")
TEXT_KEYS = ("region", "endpoint", "profile", "ssetype", "kmskeyid", *CHECKSUM_KEYS)
UNSUPPORTED_KEYS = {"role": "assume the role first and pass its temporary credentials in AWS_* variables"}


@dataclass(frozen=True)
class S3Location:
    """Where an ``s3://`` backend keeps its objects, and how to reach them."""

    bucket: str
    prefix: str = ""
    """Prepended to every key (``team-a/`` for ``s3://bucket/team-a``); empty for the bucket's root."""
    region: str | None = None
    endpoint: str | None = None
    """A full URL (``http://127.0.0.1:9000``): a bare ``host:port`` gets ``https://``, or ``http://``
    with ``disable_https``."""
    profile: str | None = None
    path_style: bool = False
    anonymous: bool = False
    fips: bool = False
    dualstack: bool = False
    accelerate: bool = False
    sse_type: str | None = None
    kms_key_id: str | None = None
    request_checksum: str | None = None
    response_checksum: str | None = None

    def url_of(self, key: str) -> str:
        """``s3://bucket/prefix/key``, as messages name an object."""
        return f"{S3_SCHEME}{self.bucket}/{self.prefix}{key}"


def parse_s3_url(url: str) -> S3Location:
    """The location an ``s3://`` URL names; a ``BackendError`` naming the fault otherwise."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise BackendError(f"backend {url!r} names no bucket (use s3://bucket[/prefix]?region=…)")
    query = _query(url, parts.query)
    prefix = parts.path.strip("/")
    no_https = any(_flag(url, query, key) for key in NO_HTTPS_KEYS)
    return S3Location(
        bucket=parts.netloc,
        prefix=f"{prefix}/" if prefix else "",
        region=query.get("region"),
        endpoint=_endpoint(query.get("endpoint"), no_https),
        profile=query.get("profile"),
        path_style=any(_flag(url, query, key) for key in PATH_STYLE_KEYS),
        anonymous=_flag(url, query, "anonymous"),
        fips=_flag(url, query, "fips"),
        dualstack=_flag(url, query, "dualstack"),
        accelerate=_flag(url, query, "accelerate"),
        sse_type=query.get("ssetype"),
        kms_key_id=query.get("kmskeyid"),
        request_checksum=_checksum(url, query, "request_checksum_calculation"),
        response_checksum=_checksum(url, query, "response_checksum_validation"),
    )


def _query(url: str, text: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        if key in UNSUPPORTED_KEYS:
            raise BackendError(f"backend {url!r}: {key}= is not supported by aicompute; {UNSUPPORTED_KEYS[key]}")
        if key not in (*FLAG_KEYS, *TEXT_KEYS, *IGNORED_KEYS):
            raise BackendError(f"backend {url!r}: unknown query parameter {key!r}")
        query.setdefault(key, value)
    return query


def _flag(url: str, query: dict[str, str], key: str) -> bool:
    value = query.get(key, "false").lower()
    if value in ("1", "t", "true"):
        return True
    if value in ("0", "f", "false"):
        return False
    raise BackendError(f"backend {url!r}: invalid value for {key}: {value!r} (use true or false)")


def _checksum(url: str, query: dict[str, str], key: str) -> str | None:
    value = query.get(key)
    if value is not None and value.lower() not in CHECKSUM_VALUES:
        raise BackendError(f"backend {url!r}: invalid value for {key}: {value!r} (use {' or '.join(CHECKSUM_VALUES)})")
    return value.lower() if value is not None else None


def _endpoint(endpoint: str | None, no_https: bool) -> str | None:
    if not endpoint:
        return None
    if "://" in endpoint:
        return endpoint
    return f"{'http' if no_https else 'https'}://{endpoint}"
