"""How a localcloud server is started; the defaults are documented in docs/guide/localcloud.md."""

from __future__ import annotations

import ipaddress

from pydantic import BaseModel, Field, model_validator

from aicompute.localcloud.store import OAuthClient, Project

DEFAULT_PROJECT_ID = "10ca1c10ad5e4f6a8b9c0d1e2f3a4b5c"
DEFAULT_ACCESS_KEY = "LOCALCLOUDACCESSKEY0"
DEFAULT_SECRET_KEY = "localcloud-secret-key-do-not-use-in-production"
DEFAULT_REGION = "cn-north-4"
DEFAULT_USER = "localcloud"
DEFAULT_PASSWORD = "localcloud-password"
DEFAULT_DOMAIN = "localcloud"
DEFAULT_CENTRAL_CLIENT_ID = "localcloud-central"
DEFAULT_CENTRAL_CLIENT_SECRET = "localcloud-central-secret-do-not-use-in-production"
DEFAULT_TOKEN_LIFETIME_SECONDS = 3600
ADMIN_TOKEN_ENV = "LOCALCLOUD_ADMIN_TOKEN"


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only (``localhost``, 127.0.0.0/8, ``::1``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:  # a name other than localhost, or a wildcard address: reachable from elsewhere
        return False


class BackingCluster(BaseModel):
    """A real Kubernetes API server that every central cluster's license (A.6) hands out: its
    address and a kubeconfig's material (base64 PEM, as table A.28's fields), so a program that
    reads a cluster's kubeconfig reaches a real cluster (the tests' control plane)."""

    server: str = Field(pattern=r"^https://")
    caCertData: str = Field(min_length=1)
    clientCertData: str = Field(min_length=1)
    clientKeyData: str = Field(min_length=1)


class LocalCloudSettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    db: str = ":memory:"
    time_scale: float = Field(default=1.0, ge=0)
    project_id: str = Field(default=DEFAULT_PROJECT_ID, pattern=r"^[0-9a-f]{32}$")
    access_key: str = DEFAULT_ACCESS_KEY
    secret_key: str = DEFAULT_SECRET_KEY
    region: str = DEFAULT_REGION
    signature_window_seconds: int = 15 * 60
    # The central platform's OAuth2 client of the default project, and its access tokens' lifetime.
    central_client_id: str = Field(default=DEFAULT_CENTRAL_CLIENT_ID, min_length=1)
    central_client_secret: str = Field(default=DEFAULT_CENTRAL_CLIENT_SECRET, min_length=1)
    token_lifetime_seconds: int = Field(default=DEFAULT_TOKEN_LIFETIME_SECONDS, ge=1)
    # HTTPS: with a self-signed certificate made at start (tls), or with the given PEM files.
    tls: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None
    # The admin API (/_localcloud/...) answers only requests with "Authorization: Bearer <token>"
    # when a token is set; one is required to listen beyond loopback.
    admin_token: str | None = Field(default=None, min_length=16)
    # Central clusters' licenses point at this real API server instead of a made-up address.
    kubernetes_cluster: BackingCluster | None = None

    @model_validator(mode="after")
    def _tls_files_in_pairs(self) -> LocalCloudSettings:
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ValueError("tls_cert and tls_key are given together")
        return self

    @model_validator(mode="after")
    def _admin_token_beyond_loopback(self) -> LocalCloudSettings:
        if self.admin_token is None and not is_loopback(self.host):
            raise ValueError(
                f"listening on {self.host}, beyond loopback, needs an admin token for the admin API "
                f"(/_localcloud/...): give --admin-token or set {ADMIN_TOKEN_ENV} (16 characters or more)"
            )
        return self

    @property
    def https(self) -> bool:
        return self.tls or self.tls_cert is not None

    def default_project(self) -> Project:
        return Project(
            project_id=self.project_id,
            access_key=self.access_key,
            secret_key=self.secret_key,
            user_name=DEFAULT_USER,
            password=DEFAULT_PASSWORD,
            domain_name=DEFAULT_DOMAIN,
            region=self.region,
        )

    def default_central_client(self) -> OAuthClient:
        return OAuthClient(self.central_client_id, self.central_client_secret, self.project_id)
