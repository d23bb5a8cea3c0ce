"""Drive resource providers in-process against a live localcloud, as the Pulumi engine would."""

from __future__ import annotations

from typing import Any, TypeVar

from pulumi.dynamic import Config, ConfigureRequest, ResourceProvider

from tests.support.localcloud import Credentials, LocalCloudProcess

P = TypeVar("P", bound=ResourceProvider)


def provider_config(localcloud: LocalCloudProcess, project: Credentials, **extra: Any) -> dict[str, Any]:
    return {
        "aicompute:endpoint": localcloud.url,
        "aicompute:projectId": project.project_id,
        "aicompute:accessKey": project.access_key,
        "aicompute:secretKey": project.secret_key,
        "aicompute:centralClientId": project.central_client_id,
        "aicompute:centralClientSecret": project.central_client_secret,
        "aicompute:pollInterval": 0.02,
        "aicompute:maxRetries": 6,
        **{f"aicompute:{key}": value for key, value in extra.items()},
    }


def configured(provider_class: type[P], localcloud: LocalCloudProcess, project: Credentials, **extra: Any) -> P:
    """A provider configured as the dynamic provider server would configure it."""
    provider = provider_class()
    provider.configure(ConfigureRequest(Config(provider_config(localcloud, project, **extra), "test")))
    return provider


def checked(provider: ResourceProvider, props: dict[str, Any], olds: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run check as the engine does before create/update, failing loudly on check failures."""
    result = provider.check(olds or {}, {**props, "__provider": "test"})
    assert not result.failures, [f.reason for f in result.failures]
    return {k: v for k, v in result.inputs.items() if k != "__provider"}


def mutating_calls(localcloud: LocalCloudProcess, since: int) -> list[dict[str, Any]]:
    return [r for r in localcloud.requests(since) if r["method"] in {"POST", "PUT", "PATCH", "DELETE"}]


def last_seq(localcloud: LocalCloudProcess) -> int:
    log = localcloud.requests()
    return int(log[-1]["seq"]) if log else 0
