"""How a localcloud server is started; the defaults are documented in the README."""

from __future__ import annotations

from pydantic import BaseModel, Field

from aicompute.localcloud.store import Project

DEFAULT_PROJECT_ID = "10ca1c10ad5e4f6a8b9c0d1e2f3a4b5c"
DEFAULT_ACCESS_KEY = "LOCALCLOUDACCESSKEY0"
DEFAULT_SECRET_KEY = "localcloud-secret-key-do-not-use-in-production"
DEFAULT_REGION = "cn-north-4"
DEFAULT_USER = "localcloud"
DEFAULT_PASSWORD = "localcloud-password"
DEFAULT_DOMAIN = "localcloud"


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
