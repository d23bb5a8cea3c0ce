"""A namespace, a ConfigMap, a Secret and a Deployment on the default provider (named, so that no
autonaming differs), with a reference from one to another, as the central stack's engines render."""

import pulumi
import pulumi_kubernetes as k8s

labels = {"app": "detector"}
namespace = k8s.core.v1.Namespace("vision", metadata={"name": "vision"})
settings = k8s.core.v1.ConfigMap(
    "settings",
    metadata={"name": "detector-settings", "namespace": namespace.metadata.name},
    data={"threshold": "0.8"},
)
token = k8s.core.v1.Secret(
    "token",
    metadata={"name": "detector-token", "namespace": namespace.metadata.name},
    string_data={"token": pulumi.Output.secret("k8s-t0ken-value")},
)
k8s.apps.v1.Deployment(
    "detector",
    metadata={"name": "detector", "namespace": namespace.metadata.name, "labels": labels},
    spec={
        "replicas": 2,
        "selector": {"match_labels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "node_selector": {"tbax.io/xpu-type": "NVIDIA_T4"},
                "containers": [
                    {
                        "name": "detector",
                        "image": "registry.example.com/detector:1.0",
                        "env_from": [{"config_map_ref": {"name": settings.metadata.name}}],
                        "resources": {"limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"}},
                    }
                ],
            },
        },
    },
)
