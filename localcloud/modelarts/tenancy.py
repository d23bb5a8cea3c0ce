"""Who owns a model or a service (tenant, project, owner) and which workspace it lives in."""

from __future__ import annotations

import uuid

from aicompute.localcloud.modelarts.common import Transaction, modelarts_error
from aicompute.localcloud.modelarts.kube import WORKSPACE_KIND
from aicompute.localcloud.modelarts.workspaces import DEFAULT_WORKSPACE_ID, abnormal
from aicompute.localcloud.store import Project

_IDS = uuid.UUID("6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f")


def ownership(project: Project) -> dict[str, str]:
    """``tenant`` (the account id), ``project`` and ``owner`` (the user id), as 32-hex ids.

    localcloud has no IAM account or user ids, so both are derived from the project's names.
    """
    return {
        "tenant": uuid.uuid5(_IDS, f"domain/{project.domain_name}").hex,
        "project": project.project_id,
        "owner": uuid.uuid5(_IDS, f"user/{project.domain_name}/{project.user_name}").hex,
    }


def require_workspace(tx: Transaction, project_id: str, workspace_id: str, action: str) -> None:
    """The workspace must exist (400 ``ModelArts.0102``) and be usable (400 ``ModelArts.7004``)."""
    if workspace_id == DEFAULT_WORKSPACE_ID:
        return
    workspace = tx.get(WORKSPACE_KIND, project_id, workspace_id)
    if workspace is None:
        raise modelarts_error(400, "ModelArts.0102", f"The workspace does not exist. (workspace_id {workspace_id})")
    if workspace.get("status", "NORMAL") != "NORMAL":
        raise abnormal(workspace_id, action)
