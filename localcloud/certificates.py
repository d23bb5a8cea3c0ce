"""X.509 material localcloud makes itself: its own HTTPS certificate and emulated clusters' credentials.

``serving_certificate`` is the self-signed certificate of ``localcloud serve --tls`` (the central
platform's interfaces "shall uniformly use HTTPS", seed ch. 9.2). ``cluster_credentials`` is what a
central-platform cluster's API server would hand out (seed A.6): a cluster CA and an administrator
client certificate signed by it, the material of a kubeconfig. Keys are ECDSA P-256, which is quick
to generate and accepted by TLS clients and by the Kubernetes API server alike.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = datetime.timedelta(days=365)
# Backdated a little, so a client whose clock is slightly behind does not see a future certificate.
BACKDATE = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Pem:
    certificate: bytes
    key: bytes


@dataclass(frozen=True)
class ClusterCredentials:
    ca_certificate: bytes
    client_certificate: bytes
    client_key: bytes


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _builder(subject: x509.Name, issuer: x509.Name, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + VALIDITY)
    )


def _subject_alternative_names(hosts: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in dict.fromkeys(["localhost", "127.0.0.1", "::1", *hosts]):
        if host in ("", "0.0.0.0", "::"):  # wildcard listen addresses name no host
            continue
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def serving_certificate(hosts: Sequence[str] = ()) -> Pem:
    """A self-signed server certificate for localhost, the loopback addresses and ``hosts``."""
    key = _key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localcloud")])
    cert = (
        _builder(name, name, key)
        .add_extension(x509.SubjectAlternativeName(_subject_alternative_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Pem(certificate=_cert_pem(cert), key=_key_pem(key))


def cluster_credentials(cluster: str) -> ClusterCredentials:
    """A cluster CA and a ``system:masters`` client certificate it signed, as kubeadm makes them."""
    ca_key = _key()
    ca_name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, cluster)]
    )
    ca = (
        _builder(ca_name, ca_name, ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    client_key = _key()
    client_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:masters"),
            x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes-admin"),
        ]
    )
    client = (
        _builder(client_name, ca_name, client_key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return ClusterCredentials(
        ca_certificate=_cert_pem(ca), client_certificate=_cert_pem(client), client_key=_key_pem(client_key)
    )
