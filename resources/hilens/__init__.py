"""HiLens (edge) resources: workspaces, devices, secrets, configmaps, deployments."""

from aicompute.resources.hilens.config_map import ConfigMap, ConfigMapArgs, ConfigMapProvider
from aicompute.resources.hilens.deployment import (
    Affinity,
    App,
    ConfigMapKeyRef,
    Deployment,
    DeploymentArgs,
    DeploymentProvider,
    Env,
    PodConfig,
    SecretKeyRef,
    Volume,
)
from aicompute.resources.hilens.device import Activation, Device, DeviceArgs, DeviceProvider, LogConfig
from aicompute.resources.hilens.secret import Secret, SecretArgs, SecretProvider
from aicompute.resources.hilens.workspace import Workspace, WorkspaceArgs, WorkspaceProvider

__all__ = [
    "Activation",
    "Affinity",
    "App",
    "ConfigMap",
    "ConfigMapArgs",
    "ConfigMapKeyRef",
    "ConfigMapProvider",
    "Deployment",
    "DeploymentArgs",
    "DeploymentProvider",
    "Device",
    "DeviceArgs",
    "DeviceProvider",
    "Env",
    "LogConfig",
    "PodConfig",
    "Secret",
    "SecretArgs",
    "SecretKeyRef",
    "SecretProvider",
    "Volume",
    "Workspace",
    "WorkspaceArgs",
    "WorkspaceProvider",
]
