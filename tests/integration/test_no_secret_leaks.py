"""No credential appears in outputs, pickled providers, errors or logs of a resource's lifecycle."""

from __future__ import annotations

import logging
from pathlib import Path

import dill
import pytest

from aicompute.provider.errors import ApiError
from aicompute.resources.modelarts.network import NetworkProvider
from aicompute.resources.modelarts.workspace import WorkspaceProvider
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured


def test_lifecycle_leaves_no_credential_anywhere(
    localcloud: LocalCloudProcess,
    project: Credentials,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    provider = configured(NetworkProvider, localcloud, project)
    inputs = checked(provider, {"name": "net-secret", "cidr": "192.168.0.0/16"})
    localcloud.add_fault(method="GET", path=f"/v1/{project.project_id}/networks/", status=503, count=1)
    try:
        created = provider.create(inputs)
    finally:
        localcloud.clear_faults()
    read = provider.read(created.id, created.outs)
    updated = provider.update(created.id, read.outs, {**inputs, "description": "d"})
    provider.delete(created.id, updated.outs)
    workspaces = configured(WorkspaceProvider, localcloud, project)
    with pytest.raises(ApiError) as refused:  # the default workspace cannot be modified
        workspaces.update("0", {}, checked(workspaces, {"name": "not-default"}))
    errors = [str(refused.value)]

    produced = "\n".join(
        [
            repr(created.outs),
            repr(read.outs),
            repr(read.inputs),
            repr(updated.outs),
            dill.dumps(provider, recurse=True).decode("latin-1"),
            caplog.text,
            *errors,
            *capsys.readouterr(),
            Path(localcloud.stderr.name).read_text(errors="replace"),
        ]
    )
    for secret in (project.secret_key, project.password):
        assert secret not in produced
    assert "Signature=" not in caplog.text
