"""Provider configuration: Pulumi stack config first, then the environment.

Pulumi config keys (``pulumi config set aicompute:region cn-north-4``; credentials with
``--secret``) and the environment variables terraform-provider-huaweicloud reads:

============================  ==========================  ==============================
config key                    environment                 meaning
============================  ==========================  ==============================
aicompute:region              HW_REGION_NAME              region, e.g. cn-north-4
aicompute:projectId           HW_PROJECT_ID               IAM project id (32 hex)
aicompute:accessKey           HW_ACCESS_KEY               AK (secret)
aicompute:secretKey           HW_SECRET_KEY               SK (secret)
aicompute:securityToken       HW_SECURITY_TOKEN           temporary-credential token (secret)
aicompute:authToken           HW_AUTH_TOKEN               an IAM token to use as is (secret)
aicompute:userName            HW_USER_NAME                IAM user, for password auth
aicompute:password            HW_PASSWORD                 IAM password (secret)
aicompute:domainName          HW_DOMAIN_NAME              IAM account (domain) name
aicompute:endpoint            AICOMPUTE_ENDPOINT          one base URL for every platform (localcloud)
aicompute:modelartsEndpoint   AICOMPUTE_MODELARTS_ENDPOINT
aicompute:iamEndpoint         AICOMPUTE_IAM_ENDPOINT
aicompute:maxRetries          HW_MAX_RETRIES              retries of idempotent calls (default 5)
aicompute:pollInterval        AICOMPUTE_POLL_INTERVAL     first waiter poll interval, seconds (default 2)
aicompute:insecure            HW_INSECURE                 skip TLS verification
============================  ==========================  ==============================

The central compute platform (T/BAX part 4) authenticates with OAuth2 client credentials
(RFC 6749 §4.4) instead of AK/SK:

==================================  =====================================  ==============================
config key                          environment                            meaning
==================================  =====================================  ==============================
aicompute:centralEndpoint           AICOMPUTE_CENTRAL_ENDPOINT             base URL of /CCP and /CAP (else
                                    (else AICOMPUTE_ENDPOINT)              aicompute:endpoint)
aicompute:centralClientId           AICOMPUTE_CENTRAL_CLIENT_ID            OAuth2 client id
aicompute:centralClientSecret       AICOMPUTE_CENTRAL_CLIENT_SECRET        OAuth2 client secret (secret)
aicompute:centralTokenUrl           AICOMPUTE_CENTRAL_TOKEN_URL            token endpoint (default
                                                                           ``<endpoint>/oauth/token``)
aicompute:centralTokenAuthMethod    AICOMPUTE_CENTRAL_TOKEN_AUTH_METHOD    ``auto`` (form body, then HTTP
                                                                           Basic if asked), ``post``,
                                                                           ``basic``
aicompute:centralCaCert             AICOMPUTE_CENTRAL_CA_CERT              CA bundle: a file path or PEM text
aicompute:centralInsecure           AICOMPUTE_CENTRAL_INSECURE             skip TLS verification (else
                                                                           aicompute:insecure)
==================================  =====================================  ==============================
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any

import httpx
from pydantic import BaseModel, Field, SecretStr

from aicompute.provider.auth import (
    AkSkAuth,
    IamPasswordAuth,
    OAuth2ClientCredentialsAuth,
    StaticTokenAuth,
    TokenAuthMethod,
)

PLATFORMS = ("modelarts", "iam", "hilens", "central")

# field name -> (Pulumi config key, environment variable)
_SOURCES: dict[str, tuple[str, str]] = {
    "region": ("region", "HW_REGION_NAME"),
    "project_id": ("projectId", "HW_PROJECT_ID"),
    "access_key": ("accessKey", "HW_ACCESS_KEY"),
    "secret_key": ("secretKey", "HW_SECRET_KEY"),
    "security_token": ("securityToken", "HW_SECURITY_TOKEN"),
    "auth_token": ("authToken", "HW_AUTH_TOKEN"),
    "user_name": ("userName", "HW_USER_NAME"),
    "password": ("password", "HW_PASSWORD"),
    "domain_name": ("domainName", "HW_DOMAIN_NAME"),
    "endpoint": ("endpoint", "AICOMPUTE_ENDPOINT"),
    "max_retries": ("maxRetries", "HW_MAX_RETRIES"),
    "poll_interval": ("pollInterval", "AICOMPUTE_POLL_INTERVAL"),
    "insecure": ("insecure", "HW_INSECURE"),
    "central_client_id": ("centralClientId", "AICOMPUTE_CENTRAL_CLIENT_ID"),
    "central_client_secret": ("centralClientSecret", "AICOMPUTE_CENTRAL_CLIENT_SECRET"),
    "central_token_url": ("centralTokenUrl", "AICOMPUTE_CENTRAL_TOKEN_URL"),
    "central_token_auth_method": ("centralTokenAuthMethod", "AICOMPUTE_CENTRAL_TOKEN_AUTH_METHOD"),
    "central_ca_cert": ("centralCaCert", "AICOMPUTE_CENTRAL_CA_CERT"),
    "central_insecure": ("centralInsecure", "AICOMPUTE_CENTRAL_INSECURE"),
}


class ConfigError(ValueError):
    """The provider configuration is missing something or holds a bad value."""


class ProviderSettings(BaseModel):
    """Everything a platform client needs. Built per call; never stored on a provider object."""

    region: str | None = None
    project_id: str | None = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    access_key: SecretStr | None = None
    secret_key: SecretStr | None = None
    security_token: SecretStr | None = None
    auth_token: SecretStr | None = None
    user_name: str | None = None
    password: SecretStr | None = None
    domain_name: str | None = None
    endpoint: str | None = None
    endpoints: dict[str, str] = Field(default_factory=dict)
    max_retries: int = Field(default=5, ge=0, le=20)
    poll_interval: float = Field(default=2.0, gt=0, le=300)
    max_poll_interval: float = Field(default=30.0, gt=0)
    request_timeout: float = Field(default=60.0, gt=0)
    insecure: bool = False
    central_client_id: str | None = None
    central_client_secret: SecretStr | None = None
    central_token_url: str | None = None
    central_token_auth_method: TokenAuthMethod = "auto"
    central_ca_cert: str | None = None
    central_insecure: bool | None = None

    @classmethod
    def config_keys(cls) -> list[str]:
        """Every Pulumi config key (without the ``aicompute:`` namespace) the settings are read from."""
        return [key for key, _ in _SOURCES.values()] + [f"{platform}Endpoint" for platform in PLATFORMS]

    @classmethod
    def load(cls, config: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> ProviderSettings:
        """Settings from Pulumi config values (``aicompute:<key>``), falling back to the environment."""
        config = config or {}
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field, (key, variable) in _SOURCES.items():
            value = config.get(f"aicompute:{key}")
            if value in (None, ""):
                value = env.get(variable)
            if value not in (None, ""):
                values[field] = value
        endpoints: dict[str, str] = {}
        for platform in PLATFORMS:
            value = config.get(f"aicompute:{platform}Endpoint") or env.get(f"AICOMPUTE_{platform.upper()}_ENDPOINT")
            if value:
                endpoints[platform] = str(value)
        values["endpoints"] = endpoints
        try:
            return cls.model_validate(values)
        except ValueError as error:
            raise ConfigError(f"invalid aicompute provider configuration: {error}") from None

    def endpoint_for(self, platform: str) -> str:
        """Per-platform override, else the one endpoint, else the public endpoint of the region."""
        if platform in self.endpoints:
            return self.endpoints[platform].rstrip("/")
        if self.endpoint:
            return self.endpoint.rstrip("/")
        if not self.region:
            raise ConfigError(
                f"no endpoint for {platform}: set aicompute:region (or HW_REGION_NAME), "
                "or aicompute:endpoint (AICOMPUTE_ENDPOINT)"
            )
        return f"https://{platform}.{self.region}.myhuaweicloud.com"

    def require_project_id(self) -> str:
        if not self.project_id:
            raise ConfigError("aicompute:projectId (or HW_PROJECT_ID) is required")
        return self.project_id

    def auth(self) -> httpx.Auth:
        """AK/SK signing if keys are set, else a given token, else an IAM password token."""
        if self.access_key and self.secret_key:
            token = self.security_token.get_secret_value() if self.security_token else None
            return AkSkAuth(self.access_key.get_secret_value(), self.secret_key.get_secret_value(), token)
        if self.auth_token:
            return StaticTokenAuth(self.auth_token.get_secret_value())
        if self.user_name and self.password:
            return IamPasswordAuth(
                self.endpoint_for("iam"),
                self.user_name,
                self.password.get_secret_value(),
                self.domain_name or self.user_name,
                self.require_project_id(),
            )
        raise ConfigError(
            "no credentials: set aicompute:accessKey and aicompute:secretKey (HW_ACCESS_KEY, HW_SECRET_KEY), "
            "or aicompute:authToken, or aicompute:userName and aicompute:password"
        )

    # the central compute platform ------------------------------------------------------------------
    def central_endpoint(self) -> str:
        """The central platform's base URL: it has no public endpoint to derive from a region."""
        endpoint = self.endpoints.get("central") or self.endpoint
        if not endpoint:
            raise ConfigError(
                "no endpoint for the central compute platform: set aicompute:centralEndpoint "
                "(AICOMPUTE_CENTRAL_ENDPOINT) or aicompute:endpoint (AICOMPUTE_ENDPOINT)"
            )
        return endpoint.rstrip("/")

    def central_token_endpoint(self) -> str:
        return self.central_token_url or f"{self.central_endpoint()}/oauth/token"

    def central_auth(self) -> OAuth2ClientCredentialsAuth:
        if not (self.central_client_id and self.central_client_secret):
            raise ConfigError(
                "no central platform credentials: set aicompute:centralClientId and aicompute:centralClientSecret "
                "(AICOMPUTE_CENTRAL_CLIENT_ID, AICOMPUTE_CENTRAL_CLIENT_SECRET)"
            )
        return OAuth2ClientCredentialsAuth(
            self.central_token_endpoint(),
            self.central_client_id,
            self.central_client_secret.get_secret_value(),
            method=self.central_token_auth_method,
        )

    def central_verify(self) -> ssl.SSLContext | bool:
        """TLS verification for the central platform: off, a given CA bundle, or the system's."""
        insecure = self.insecure if self.central_insecure is None else self.central_insecure
        if insecure:
            return False
        if not self.central_ca_cert:
            return True
        cert = self.central_ca_cert.strip()
        try:
            if cert.startswith("-----BEGIN"):
                return ssl.create_default_context(cadata=cert)
            return ssl.create_default_context(cafile=os.path.expanduser(cert))
        except (OSError, ssl.SSLError) as error:
            raise ConfigError(f"aicompute:centralCaCert is not a readable PEM CA bundle: {error}") from None
