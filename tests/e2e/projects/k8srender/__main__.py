"""A Deployment and a ConfigMap on the default provider, a Secret on an explicit provider."""

import pulumi
import pulumi_kubernetes as k8s

labels = {"app": "detector"}
config_map = k8s.core.v1.ConfigMap(
    "settings",
    metadata={"name": "detector-settings", "namespace": "vision"},
    data={"threshold": "0.8"},
)
deployment = k8s.apps.v1.Deployment(
    "detector",
    metadata={"name": "detector", "namespace": "vision", "labels": labels},
    spec={
        "replicas": 2,
        "selector": {"match_labels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "containers": [
                    {
                        "name": "detector",
                        "image": "registry.example.com/detector:1.0",
                        "env_from": [{"config_map_ref": {"name": config_map.metadata.name}}],
                    }
                ]
            },
        },
    },
)
cluster = k8s.Provider("cluster", kubeconfig=pulumi.Output.secret("apiVersion: v1\nkind: Config\n"))
token = k8s.core.v1.Secret(
    "token",
    metadata={"name": "detector-token", "namespace": "vision"},
    string_data={"token": pulumi.Output.secret("k8s-t0ken-value")},
    opts=pulumi.ResourceOptions(provider=cluster),
)
pulumi.export("config_map", config_map.metadata.name)
pulumi.export("replicas", deployment.spec.replicas)
