"""A namespace, a ConfigMap and a Deployment on an explicit provider built from the kubeconfig in
config ``k8sapply:kubeconfig`` (a secret); ``k8sapply:replicas`` (default 1) scales the Deployment,
whose pods ask for an accelerator and select the nodes that carry it."""

import pulumi
import pulumi_kubernetes as k8s

config = pulumi.Config()
cluster = k8s.Provider("cluster", kubeconfig=config.require_secret("kubeconfig"))
opts = pulumi.ResourceOptions(provider=cluster)
labels = {"app": "detector"}
namespace = k8s.core.v1.Namespace("vision", metadata={"name": "vision"}, opts=opts)
settings = k8s.core.v1.ConfigMap(
    "settings",
    metadata={"name": "detector-settings", "namespace": namespace.metadata.name},
    data={"threshold": "0.8"},
    opts=opts,
)
deployment = k8s.apps.v1.Deployment(
    "detector",
    # patchForce: the program takes back fields someone changed out of band (kubectl scale), as
    # pulumi-kubernetes' server-side apply documents it.
    metadata={
        "name": "detector",
        "namespace": namespace.metadata.name,
        "labels": labels,
        "annotations": {"pulumi.com/patchForce": "true"},
    },
    spec={
        "replicas": config.get_int("replicas") or 1,
        "selector": {"match_labels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "node_selector": {"accelerator": "nvidia-t4"},
                "containers": [
                    {
                        "name": "detector",
                        "image": "registry.local/detector:1.0",
                        "env_from": [{"config_map_ref": {"name": settings.metadata.name}}],
                        "resources": {
                            "requests": {"cpu": "1", "nvidia.com/gpu": "1"},
                            "limits": {"cpu": "1", "nvidia.com/gpu": "1"},
                        },
                    }
                ],
            },
        },
    },
    opts=opts,
)
pulumi.export("replicas", deployment.spec.replicas)
