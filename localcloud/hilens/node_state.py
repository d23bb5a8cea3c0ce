"""A device's ``state``, derived from what localcloud knows about it (seed table 5-5 enum).

``STOPPED`` while disabled (``action/stop``); otherwise ``UNCONNECTED`` until the agent first
connects, ``FAIL`` once it is lost, ``UPGRADING`` during a firmware upgrade, else ``RUNNING``.
``FREEZE`` (billing) never arises in localcloud.
"""

from __future__ import annotations

from aicompute.localcloud.hilens.common import JSON


def upgrading(device: JSON) -> bool:
    upgrade = device["_upgrade"]
    return upgrade is not None and upgrade["status"] == 1


def device_state(device: JSON) -> str:
    if device["_stopped"]:
        return "STOPPED"
    if not device["_connected"]:
        return "FAIL" if device["_ever_connected"] else "UNCONNECTED"
    return "UPGRADING" if upgrading(device) else "RUNNING"
