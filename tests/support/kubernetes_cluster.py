"""A real Kubernetes control plane on loopback for tests, built by ``make kubernetes``.

etcd, kube-apiserver, kube-controller-manager and kube-scheduler (built from the Go module proxy,
see tools/kubernetes and tools/etcd) run as they would on a cluster; kwok (tools/kwok) stands in
for the kubelets: it keeps the nodes a test declares Ready and moves the pods the scheduler binds
to them through their life (Running, then gone on deletion), so Deployments roll out. Everything
listens on 127.0.0.1 on ephemeral ports; a fresh CA signs the API server's certificate, and a
random bearer token in ``system:masters`` is the only credential (``kubeconfig()``).

``KubernetesCluster`` is a context manager; ``require_kubernetes`` finds the binaries (a skip naming
``make kubernetes`` without them, a failure under ``AICOMPUTE_REQUIRE_PULUMI=1`` as in CI).
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import secrets
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from tests.support.pulumi_cli import REPO, REQUIRE_ENV

KUBERNETES_BIN = REPO / ".tools" / "kubernetes" / "bin"
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
MISSING = "the Kubernetes test control plane is not built: run `make kubernetes` (it needs Go and the Go module proxy)"
START_TIMEOUT = 90.0


def require_kubernetes() -> Path:
    missing = [name for name in BINARIES if not (KUBERNETES_BIN / name).is_file()]
    if missing:
        message = f"{MISSING} (missing: {', '.join(missing)})"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{message}; {REQUIRE_ENV}=1 makes this a failure instead of a skip")
        pytest.skip(message)
    return KUBERNETES_BIN


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pem_key(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: str,
    key: Any,
    issuer_key: Any,
    issuer: x509.Name | None,
    *,
    ca: bool,
    group: str = "",
    serving: bool = False,
) -> x509.Certificate:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, subject)]
    if group:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, group))
    name = x509.Name(attributes)
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if serving:
        names = [
            x509.DNSName("localhost"),
            x509.DNSName("kubernetes"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class _Pki:
    """A CA, the API server's serving certificate, and the service-account signing key."""

    folder: Path
    ca: Path = field(init=False)
    cert: Path = field(init=False)
    key: Path = field(init=False)
    client_cert: Path = field(init=False)
    client_key: Path = field(init=False)
    sa_key: Path = field(init=False)
    sa_pub: Path = field(init=False)

    def __post_init__(self) -> None:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _certificate("aicompute-test-ca", ca_key, ca_key, None, ca=True)
        server_key = ec.generate_private_key(ec.SECP256R1())
        server_cert = _certificate("kube-apiserver", server_key, ca_key, ca_cert.subject, ca=False, serving=True)
        client_key = ec.generate_private_key(ec.SECP256R1())
        client_cert = _certificate("admin", client_key, ca_key, ca_cert.subject, ca=False, group="system:masters")
        sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ca = self._write("ca.crt", ca_cert.public_bytes(serialization.Encoding.PEM))
        self.cert = self._write("apiserver.crt", server_cert.public_bytes(serialization.Encoding.PEM))
        self.key = self._write("apiserver.key", _pem_key(server_key))
        self.client_cert = self._write("admin.crt", client_cert.public_bytes(serialization.Encoding.PEM))
        self.client_key = self._write("admin.key", _pem_key(client_key))
        self.sa_key = self._write("sa.key", _pem_key(sa_key))
        public = sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.sa_pub = self._write("sa.pub", public)

    def _write(self, name: str, content: bytes) -> Path:
        path = self.folder / name
        path.write_bytes(content)
        path.chmod(0o600)
        return path


class KubernetesCluster:
    """etcd + kube-apiserver + controller manager + scheduler + kwok, in ``folder``."""

    def __init__(self, folder: Path, bin_dir: Path = KUBERNETES_BIN) -> None:
        self.folder = folder
        self.bin_dir = bin_dir
        self.token = secrets.token_hex(24)
        self.port = _free_port()
        self.server = f"https://127.0.0.1:{self.port}"
        self._processes: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.pki = _Pki(folder)

    # the cluster's credentials ----------------------------------------------------------------
    def backing_cluster(self) -> dict[str, str]:
        """What localcloud's ``--kubernetes-cluster`` file holds: the server and an admin client
        certificate (group ``system:masters``), base64 PEM as table A.28's fields."""

        def encoded(path: Path) -> str:
            return base64.b64encode(path.read_bytes()).decode()

        return {
            "server": self.server,
            "caCertData": encoded(self.pki.ca),
            "clientCertData": encoded(self.pki.client_cert),
            "clientKeyData": encoded(self.pki.client_key),
        }

    def kubeconfig(self, namespace: str = "default") -> str:
        """A kubeconfig for the admin token, the CA inline."""
        ca = base64.b64encode(self.pki.ca.read_bytes()).decode()
        document = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "test", "cluster": {"server": self.server, "certificate-authority-data": ca}}],
            "users": [{"name": "admin", "user": {"token": self.token}}],
            "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin", "namespace": namespace}}],
            "current-context": "test",
        }
        return yaml.safe_dump(document, sort_keys=False)

    def client(self) -> httpx.Client:
        tls = ssl.create_default_context(cafile=str(self.pki.ca))
        return httpx.Client(base_url=self.server, verify=tls, headers={"Authorization": f"Bearer {self.token}"})

    # life cycle -------------------------------------------------------------------------------
    def __enter__(self) -> KubernetesCluster:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self) -> None:
        kubeconfig = self.folder / "kubeconfig.yaml"
        kubeconfig.write_text(self.kubeconfig())
        kubeconfig.chmod(0o600)
        etcd_url = self._start_etcd()
        tokens = self.folder / "tokens.csv"
        tokens.write_text(f'{self.token},admin,admin,"system:masters"\n')
        tokens.chmod(0o600)
        self._spawn(
            "kube-apiserver",
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            f"--tls-cert-file={self.pki.cert}",
            f"--tls-private-key-file={self.pki.key}",
            f"--token-auth-file={tokens}",
            f"--client-ca-file={self.pki.ca}",
            "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={self.pki.sa_pub}",
            f"--service-account-signing-key-file={self.pki.sa_key}",
            "--service-cluster-ip-range=10.96.0.0/16",
            "--enable-priority-and-fairness=false",
            "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
            "--allow-privileged=true",
        )
        self._wait_ready("/readyz")
        common = (f"--kubeconfig={kubeconfig}", "--leader-elect=false", "--secure-port=0")
        self._spawn(
            "kube-controller-manager",
            *common,
            f"--service-account-private-key-file={self.pki.sa_key}",
            f"--root-ca-file={self.pki.ca}",
            "--use-service-account-credentials=false",
            "--controllers=*,-nodeipam,-nodelifecycle,-serviceaccount-token",
        )
        self._spawn("kube-scheduler", *common)
        self._spawn("kwok", f"--kubeconfig={kubeconfig}", "--manage-all-nodes=true", "--cidr=10.240.0.0/16")

    def _start_etcd(self) -> str:
        client, peer = _free_port(), _free_port()
        url = f"http://127.0.0.1:{client}"
        self._spawn(
            "etcd",
            "--name=test",
            f"--data-dir={self.folder / 'etcd'}",
            f"--listen-client-urls={url}",
            f"--advertise-client-urls={url}",
            f"--listen-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-advertise-peer-urls=http://127.0.0.1:{peer}",
            f"--initial-cluster=test=http://127.0.0.1:{peer}",
            "--unsafe-no-fsync=true",
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"etcd did not become healthy within {START_TIMEOUT:.0f} s: {self._log_tail('etcd')}")

    def _spawn(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [str(self.bin_dir / name), *args],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._processes.append((name, process))

    def _check_alive(self) -> None:
        for name, process in self._processes:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited with code {process.returncode}: {self._log_tail(name)}")

    def _log_tail(self, name: str, lines: int = 15) -> str:
        path = self.folder / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def _wait_ready(self, path: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        with self.client() as client:
            while time.monotonic() < deadline:
                self._check_alive()
                try:
                    if client.get(path, timeout=2).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
        raise RuntimeError(f"kube-apiserver not ready within {START_TIMEOUT:.0f} s: {self._log_tail('kube-apiserver')}")

    def stop(self) -> None:
        for _name, process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
        for _name, process in reversed(self._processes):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        shutil.rmtree(self.folder / "etcd", ignore_errors=True)

    # what tests do with it --------------------------------------------------------------------
    def add_node(self, name: str, labels: Mapping[str, str], capacity: Mapping[str, str]) -> None:
        """A node kwok keeps Ready, with these labels and resources (extended ones included)."""
        resources = {"cpu": "32", "memory": "256Gi", "pods": "110", **capacity}
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {"kubernetes.io/hostname": name, "type": "kwok", **labels},
                "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            },
            "spec": {},
            "status": {"capacity": resources, "allocatable": resources},
        }
        with self.client() as client:
            client.post("/api/v1/nodes", json=node).raise_for_status()

    def get(self, path: str) -> dict[str, Any]:
        with self.client() as client:
            response = client.get(path)
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result

    def wait_for(self, path: str, ready: Any, timeout: float = 60.0) -> dict[str, Any]:
        """Poll ``path`` until ``ready(object)`` holds; the last object in the error otherwise."""
        deadline = time.monotonic() + timeout
        last: dict[str, Any] = {}
        while time.monotonic() < deadline:
            with self.client() as client:
                response = client.get(path)
            if response.status_code == 200:
                last = response.json()
                if ready(last):
                    return last
            time.sleep(0.5)
        raise AssertionError(f"{path} not ready within {timeout:.0f} s: {last.get('status')}")


@contextmanager
def running_cluster(folder: Path) -> Iterator[KubernetesCluster]:
    folder.mkdir(parents=True, exist_ok=True)
    with KubernetesCluster(folder, require_kubernetes()) as cluster:
        yield cluster
