"""Two things of the package ``fake`` on an explicit provider whose token (config
``plugindrift:token``) is a secret, as a Kubernetes provider's kubeconfig is."""

import pulumi


class FakeProvider(pulumi.ProviderResource):
    def __init__(self, name: str, token: pulumi.Input[str]) -> None:
        super().__init__("fake", name, {"token": token})


class Thing(pulumi.CustomResource):
    def __init__(self, name: str, props: dict[str, object], opts: pulumi.ResourceOptions) -> None:
        super().__init__("fake:index:Thing", name, props, opts)


config = pulumi.Config()
provider = FakeProvider("account", config.require_secret("token"))
opts = pulumi.ResourceOptions(provider=provider)
Thing("detector", {"name": "detector", "size": 3, "labels": {"app": "detector"}}, opts)
Thing("encoder", {"name": "encoder", "size": 1, "labels": {"app": "encoder"}}, opts)
