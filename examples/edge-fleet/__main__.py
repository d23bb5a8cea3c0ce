"""aicompute EdgeFleet example: a HiLens edge fleet running one detector on every device.

* ``devices`` (structured stack config, a map of device key to device spec; two cameras when
  unset): ``aicompute config set`` cannot write objects yet, so add a device by editing
  ``Pulumi.<stack>.yaml``::

      config:
        edge-fleet:devices:
          cam-lobby: {description: lobby camera}
          cam-gate: {description: gate camera}
          cam-dock: {description: loading dock camera, tags: {site: north}}

  A new key registers one device and adds it to the running deployment; the others stay as they are.
* ``apiToken`` (required, a secret: ``aicompute config set --secret apiToken``): the credential
  the detector calls home with, kept in a HiLens secret.
* ``deploy`` (default true): false registers the devices without the detector. A rollout waits
  until every device runs it, so on real devices deploy once their agents have connected.
* ``prefix``, ``image`` and ``logLevel`` have defaults in ``Pulumi.yaml``.

The provider settings come from ``aicompute:*`` config or the environment (``AICOMPUTE_ENDPOINT``,
``HW_PROJECT_ID``, ``HW_ACCESS_KEY``, ``HW_SECRET_KEY``). A device runs the detector once its edge
agent has installed the registration package (the ``device_packages`` output) and connected.
"""

import pulumi

from aicompute.stacks import EdgeFleet

config = pulumi.Config()
prefix = config.require("prefix")
devices = config.get_object("devices") or {
    "cam-lobby": {"description": "lobby camera"},
    "cam-gate": {"description": "gate camera"},
}

detector = {
    "name": f"{prefix}-detector",
    "source": "userdefined",
    "description": "the detector on every camera",
    "configs": {"host_network": True, "restart_policy": "Always"},
    "apps": [
        {
            "name": "detector",
            "app_url": config.require("image"),
            "resources": {"limits": {"cpu": 0.5, "memory": 256}},
            "envs": [
                {"name": "LOG_LEVEL", "value_from": {"configmap": {"name": f"{prefix}-settings", "key": "LOG_LEVEL"}}},
                {"name": "API_TOKEN", "value_from": {"secret": {"name": f"{prefix}-token", "key": "api-token"}}},
            ],
        }
    ],
}

fleet = EdgeFleet(
    "fleet",
    {
        "workspace": {"name": f"{prefix}-ws", "description": "edge fleet managed by aicompute"},
        "devices": devices,
        "config_maps": {"settings": {"name": f"{prefix}-settings", "data": {"LOG_LEVEL": config.require("logLevel")}}},
        "secrets": {"token": {"name": f"{prefix}-token", "data": {"api-token": config.require_secret("apiToken")}}},
        "deployment": detector if config.require_bool("deploy") else None,
    },
)

pulumi.export("workspace_id", fleet.workspace_id)
pulumi.export("device_ids", fleet.device_ids)
pulumi.export("device_packages", fleet.device_packages)
pulumi.export("deployment_id", fleet.deployment_id)
pulumi.export("deployment_state", fleet.deployment_state)
pulumi.export("secret_ids", fleet.secret_ids)
