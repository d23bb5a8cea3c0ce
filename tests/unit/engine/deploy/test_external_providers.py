"""Other packages' provider plugins: how the engine finds them, configures them, and routes to them."""

from __future__ import annotations

from pathlib import Path

import pytest

from aicompute.engine.deploy.events import EventStream
from aicompute.engine.deploy.providers.base import ProviderError
from aicompute.engine.deploy.providers.external import (
    PluginProviders,
    ProviderResources,
    _config_variables,
    find_plugin,
    package_of,
)
from aicompute.engine.deploy.providers.registry import ProviderRegistry, unsupported_type_message
from aicompute.engine.resource.checkpoint_values import secret


def test_package_of_a_type_and_of_a_provider_type() -> None:
    assert package_of("kubernetes:apps/v1:Deployment") == "kubernetes"
    assert package_of("pulumi:providers:kubernetes") == "kubernetes"
    assert package_of("aws:s3/bucket:Bucket") == "aws"


def _plugin(folder: Path, package: str) -> Path:
    binary = folder / f"pulumi-resource-{package}"
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    return binary


def test_find_plugin_in_the_tools_folder_then_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tools, path = tmp_path / "tools", tmp_path / "path"
    tools.mkdir()
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    assert find_plugin("kubernetes", (tools,)) is None
    on_path = _plugin(path, "kubernetes")
    assert find_plugin("kubernetes", (tools,)) == on_path
    in_tools = _plugin(tools, "kubernetes")
    assert find_plugin("kubernetes", (tools,)) == in_tools


def test_configure_variables_are_namespaced_strings_with_secrets_revealed() -> None:
    variables = _config_variables(
        "kubernetes", {"kubeconfig": secret("apiVersion: v1"), "enableServerSideApply": True, "version": "4.1"}
    )
    assert variables == {
        "kubernetes:config:kubeconfig": "apiVersion: v1",
        "kubernetes:config:enableServerSideApply": "true",
    }


def test_routing_with_and_without_the_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    plugins = PluginProviders(EventStream(), search=(tmp_path,))
    registry = ProviderRegistry(None, plugins=plugins)
    assert not registry.supports("kubernetes:apps/v1:Deployment")
    message = unsupported_type_message("kubernetes:apps/v1:Deployment")
    assert "'kubernetes:apps/v1:Deployment'" in message and "pulumi-resource-kubernetes" in message
    assert "Pulumi CLI" in message and "--render-kubernetes DIR" in message
    _plugin(tmp_path, "kubernetes")
    assert registry.supports("kubernetes:apps/v1:Deployment") and registry.supports("pulumi:providers:kubernetes")
    assert not registry.supports("aws:s3/bucket:Bucket")
    assert isinstance(registry.for_resource("pulumi:providers:kubernetes", ""), ProviderResources)


def test_a_provider_reference_the_run_does_not_know_is_an_error(tmp_path: Path) -> None:
    plugins = PluginProviders(EventStream(), search=(tmp_path,))
    reference = "urn:pulumi:dev::proj::pulumi:providers:kubernetes::cluster::0f1e"
    with pytest.raises(ProviderError, match="not registered in this run or the state"):
        plugins.for_reference(reference)
