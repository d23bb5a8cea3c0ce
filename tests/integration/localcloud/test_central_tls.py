"""HTTPS (seed 9.2: central-compute interfaces use HTTPS): ``localcloud serve --tls`` with a
self-signed certificate made at start, and ``--tls-cert``/``--tls-key`` with given files."""

from __future__ import annotations

import ssl
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from cryptography import x509

from aicompute.localcloud.certificates import serving_certificate
from tests.integration.localcloud.central_api import CentralApi
from tests.support.localcloud import LocalCloudProcess


def served_certificate(url: str) -> x509.Certificate:
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    return x509.load_pem_x509_certificate(ssl.get_server_certificate((parts.hostname, parts.port)).encode())


def test_tls_serves_https_with_a_self_signed_certificate() -> None:
    server = LocalCloudProcess(time_scale=0, extra_args=["--tls"]).start()
    try:
        assert server.url.startswith("https://127.0.0.1:")
        certificate = served_certificate(server.url)
        assert certificate.issuer == certificate.subject
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert "localhost" in names.get_values_for_type(x509.DNSName)
        assert "127.0.0.1" in [str(ip) for ip in names.get_values_for_type(x509.IPAddress)]

        with pytest.raises(httpx.ConnectError):
            httpx.get(f"{server.url}/_localcloud/health", timeout=10)  # unverified: refused by default
        api = CentralApi(server, server.new_project())
        try:
            code = api.create_cluster("over-https")
            assert api.ok("GET", f"/CCP/clusters/{code}")["phase"] == "running"
        finally:
            api.close()
        plain = server.url.replace("https://", "http://")
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"{plain}/_localcloud/health", timeout=5)
    finally:
        server.stop()


def test_tls_with_given_certificate_and_key(tmp_path: Path) -> None:
    pem = serving_certificate(["127.0.0.1"])
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(pem.certificate)
    key.write_bytes(pem.key)
    server = LocalCloudProcess(time_scale=0, extra_args=["--tls-cert", str(cert), "--tls-key", str(key)]).start()
    try:
        assert served_certificate(server.url) == x509.load_pem_x509_certificate(pem.certificate)
        # The served certificate verifies against itself as the trusted CA.
        health = httpx.get(
            f"{server.url}/_localcloud/health", timeout=10, verify=ssl.create_default_context(cafile=cert)
        )
        assert health.json()["status"] == "ok"
    finally:
        server.stop()
