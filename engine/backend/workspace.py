"""The selected ("current") stack of a project, kept where the Pulumi CLI keeps it.

``$PULUMI_HOME/workspaces/<project>-<sha1 of the Pulumi.yaml path>-workspace.json`` (``PULUMI_HOME``
defaults to ``~/.pulumi``) holding ``{"stack": <name>, "stacks": {<backend url>: <name>}}``: newer
Pulumi CLIs read the per-backend ``stacks`` entry, older ones the plain ``stack``; we write both, so
``aicompute stack select`` and ``pulumi stack select`` see each other's choice.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from aicompute.engine.backend.project import Project
from aicompute.engine.util.fileio import atomic_write

PULUMI_HOME_ENV = "PULUMI_HOME"


def pulumi_home() -> Path:
    """``$PULUMI_HOME``, else ``~/.pulumi``."""
    home = os.environ.get(PULUMI_HOME_ENV)
    return Path(home).expanduser() if home else Path.home() / ".pulumi"


def workspace_file(project: Project) -> Path:
    digest = hashlib.sha1(str(project.file).encode()).hexdigest()  # Pulumi's file naming, not security
    return pulumi_home() / "workspaces" / f"{project.name}-{digest}-workspace.json"


def _read(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def current_stack(project: Project, backend_url: str) -> str | None:
    """The stack selected for this project and backend, if any."""
    doc = _read(workspace_file(project))
    stacks = doc.get("stacks")
    if isinstance(stacks, dict) and isinstance(stacks.get(backend_url), str):
        return str(stacks[backend_url]) or None
    stack = doc.get("stack")
    return stack if isinstance(stack, str) and stack else None


def select_stack(project: Project, backend_url: str, stack: str | None) -> None:
    """Select ``stack`` (``None`` clears the selection); the file is removed when it becomes empty."""
    path = workspace_file(project)
    doc = _read(path)
    found = doc.get("stacks")
    stacks: dict[str, Any] = dict(found) if isinstance(found, dict) else {}
    if stack:
        stacks[backend_url] = stack
        doc["stack"] = stack
    else:
        stacks.pop(backend_url, None)
        doc.pop("stack", None)
    doc["stacks"] = stacks
    if not stacks:
        doc.pop("stacks")
    if not doc:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    atomic_write(path, json.dumps(doc, indent=4), mode=0o600)
