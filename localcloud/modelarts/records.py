"""How models and services are stored: their kinds, and the public view of a stored record.

A record is the object's API JSON (the GET shape) plus private bookkeeping under keys starting
with ``_`` (pending failures, events, update logs, tags, the current operation), which ``public``
strips. Services keep per-config-entry bookkeeping the same way (e.g. ``_deploy_timeout_in_seconds``,
which GET does not return).
"""

from __future__ import annotations

from aicompute.localcloud.modelarts.kube import JSON

MODEL_KIND = "modelarts.model"
SERVICE_KIND = "modelarts.service"


def _visible(record: JSON) -> JSON:
    return {key: value for key, value in record.items() if not key.startswith("_")}


def public(record: JSON) -> JSON:
    """The record without private keys, also inside its ``config`` entries."""
    view = _visible(record)
    if isinstance(view.get("config"), list):
        view["config"] = [_visible(entry) if isinstance(entry, dict) else entry for entry in view["config"]]
    return view


__all__ = ["JSON", "MODEL_KIND", "SERVICE_KIND", "public"]
