"""A device's installation package: what registration (seed §5.1.2, ``package``) hands out.

"将设备配置和证书文件node.conf/certificate/private_key打成.tar.gz包后用base64编码的字符串": a
gzipped tar of the node's configuration, a certificate and its private key, base64-encoded. The
certificate is a real self-signed X.509 certificate for the node; localcloud keeps only its serial
number, so a package can never be read back (a new one is issued by ``PUT …/nodes/{id}/cert``).
"""

from __future__ import annotations

import base64
import io
import json
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CERTIFICATE_DAYS = 365


@dataclass(frozen=True)
class Package:
    encoded: str
    serial: str


def _certificate(node_id: str) -> tuple[bytes, bytes, int]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, node_id)])
    now = datetime.now(UTC)
    serial = x509.random_serial_number()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=CERTIFICATE_DAYS))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem, serial


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


def build_package(node_id: str, node_name: str, project_id: str, region: str) -> Package:
    certificate, private_key, serial = _certificate(node_id)
    config = {"node_id": node_id, "node_name": node_name, "project_id": project_id, "region": region}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        _add(archive, "node.conf", json.dumps(config, indent=2).encode())
        _add(archive, "certificate", certificate)
        _add(archive, "private_key", private_key)
    return Package(encoded=base64.b64encode(buffer.getvalue()).decode(), serial=format(serial, "x"))
