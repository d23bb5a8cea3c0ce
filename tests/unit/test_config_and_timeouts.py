from __future__ import annotations

import pytest

from aicompute.provider.auth import AkSkAuth, StaticTokenAuth
from aicompute.provider.config import ConfigError, ProviderSettings
from aicompute.provider.timeouts import Timeouts, parse_duration


def test_pulumi_config_wins_over_environment() -> None:
    env = {"HW_REGION_NAME": "env-region", "HW_ACCESS_KEY": "envak", "HW_SECRET_KEY": "envsk"}
    settings = ProviderSettings.load({"aicompute:region": "cfg-region"}, env)
    assert settings.region == "cfg-region"
    assert isinstance(settings.auth(), AkSkAuth)


def test_endpoints_per_platform_then_shared_then_region() -> None:
    env = {"AICOMPUTE_ENDPOINT": "http://127.0.0.1:9/", "AICOMPUTE_IAM_ENDPOINT": "http://iam.local"}
    settings = ProviderSettings.load({}, env)
    assert settings.endpoint_for("modelarts") == "http://127.0.0.1:9"
    assert settings.endpoint_for("iam") == "http://iam.local"
    public = ProviderSettings.load({}, {"HW_REGION_NAME": "cn-north-4"})
    assert public.endpoint_for("modelarts") == "https://modelarts.cn-north-4.myhuaweicloud.com"
    with pytest.raises(ConfigError, match="aicompute:region"):
        ProviderSettings.load({}, {}).endpoint_for("modelarts")


def test_token_auth_and_missing_credentials() -> None:
    assert isinstance(ProviderSettings.load({}, {"HW_AUTH_TOKEN": "t"}).auth(), StaticTokenAuth)
    with pytest.raises(ConfigError, match="no credentials"):
        ProviderSettings.load({}, {}).auth()


def test_secrets_do_not_show_in_repr() -> None:
    settings = ProviderSettings.load({}, {"HW_ACCESS_KEY": "AK1", "HW_SECRET_KEY": "very-secret-sk"})
    assert "very-secret-sk" not in repr(settings)
    assert "very-secret-sk" not in repr(settings.auth())


def test_bad_project_id_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="project_id"):
        ProviderSettings.load({}, {"HW_PROJECT_ID": "not-hex"})


@pytest.mark.parametrize(("text", "seconds"), [("45s", 45), ("20m", 1200), ("1h30m", 5400), (90, 90), ("1.5h", 5400)])
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10 minutes", "-5", "0s", "5d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError):
        Timeouts(create=text)


def test_timeouts_default_per_operation() -> None:
    assert Timeouts(update="2m").seconds("update", 10) == 120
    assert Timeouts(update="2m").seconds("delete", 10) == 10
