"""Central platform AlgorithmPackage (with its encapsulation file): lifecycle, failures, import."""

from __future__ import annotations

from typing import Any

import pytest

from aicompute.provider.errors import WaitFailed
from aicompute.resources.central.algorithm_package import AlgorithmPackageProvider
from tests.support.central import DESCRIPTOR, artefact, central_api, platform_calls
from tests.support.localcloud import Credentials, LocalCloudProcess
from tests.support.providers import checked, configured, last_seq


@pytest.fixture
def provider(localcloud: LocalCloudProcess, project: Credentials) -> AlgorithmPackageProvider:
    return configured(AlgorithmPackageProvider, localcloud, project)


def listed(localcloud: LocalCloudProcess, project: Credentials, collection: str) -> list[str]:
    with central_api(localcloud, project) as api:
        return [record["id"] for record in api.search(f"/CAP/{collection}:search")]


def test_lifecycle_with_its_encapsulation_file(
    provider: AlgorithmPackageProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    file_url, file_md5 = artefact(DESCRIPTOR)
    algo_url, algo_md5 = artefact({"relatedAlgoFilePackageId": "megcity-file"})
    inputs = checked(
        provider,
        {
            "package_id": "MEGCITY:3843938347",
            "url": algo_url,
            "md5": algo_md5.upper(),  # compared without regard to case
            "file_package": {"id": "megcity-file", "url": file_url, "md5": file_md5},
        },
    )
    created = provider.create(inputs)
    assert created.id == "megcity-file/MEGCITY:3843938347"
    assert created.outs["status"] == 1
    assert created.outs["related_algo_file_package_id"] == "megcity-file"
    info = created.outs["file_package_info"]
    assert info["name"] == "megcity" and info["version"] == "2.0.1"
    assert info["algo_runtime"]["gpu"][0]["quota"] == 0.5

    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, inputs).changes is False
    assert read.inputs is not None and read.inputs["file_package"]["url"] == file_url

    other_url, other_md5 = artefact({"relatedAlgoFilePackageId": "megcity-file", "build": 2})
    changed = provider.diff(created.id, read.outs, checked(provider, {**inputs, "url": other_url, "md5": other_md5}))
    assert set(changed.replaces) == {"url", "md5"} and changed.delete_before_replace  # the id is taken

    provider.delete(created.id, read.outs)
    assert provider.read(created.id, read.outs).id == ""
    assert listed(localcloud, project, "AlgoPackages") == []
    assert listed(localcloud, project, "AlgoFilePackages") == []


def test_generated_id_and_import(
    provider: AlgorithmPackageProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    inputs = checked(provider, {"url": "https://repo.local/algorithms/counter-1.2.0.tar", "md5": "0" * 32})
    created = provider.create(inputs)
    assert created.id == created.outs["package_id"] and len(created.id) == 36  # a UUID
    assert provider.diff(created.id, created.outs, inputs).changes is False
    assert listed(localcloud, project, "AlgoPackages") == [created.id]

    imported = provider.read(created.id, {})
    assert imported.inputs is not None and imported.inputs["url"] == inputs["url"]
    # md5 is never returned: an import knows it only from the program (ignore_changes=["md5"]).
    assert provider.diff(created.id, imported.outs, inputs).replaces == ["md5"]
    assert provider.diff(created.id, {**imported.outs, "md5": inputs["md5"]}, inputs).changes is False
    provider.delete(created.id, imported.outs)
    assert listed(localcloud, project, "AlgoPackages") == []


def test_an_unusable_artefact_fails_with_the_platform_message(
    provider: AlgorithmPackageProvider, localcloud: LocalCloudProcess, project: Credentials
) -> None:
    file_url, file_md5 = artefact(DESCRIPTOR)
    algo_url, _ = artefact({"relatedAlgoFilePackageId": "f-1"})
    with pytest.raises(WaitFailed) as raised:
        provider.create(
            checked(
                provider,
                {"url": algo_url, "md5": "f" * 32, "file_package": {"id": "f-1", "url": file_url, "md5": file_md5}},
            )
        )
    assert "does not match its md5" in str(raised.value)
    assert listed(localcloud, project, "AlgoPackages") == []
    assert listed(localcloud, project, "AlgoFilePackages") == []  # not orphaned either


def test_invalid_inputs_make_no_api_call(provider: AlgorithmPackageProvider, localcloud: LocalCloudProcess) -> None:
    since = last_seq(localcloud)
    good = {"url": "https://repo.local/a.tar", "md5": "a" * 32}
    cases: list[tuple[dict[str, Any], str]] = [
        ({**good, "md5": "7a90a32d-8ae8-4ffa-b000-07ef71058bab"}, "md5"),
        ({**good, "url": "repo.local/a.tar"}, "url"),
        ({**good, "package_id": "a/b"}, "package_id"),
        ({**good, "file_package": {"url": "https://repo.local/f.tar", "md5": "nope"}}, "file_package.md5"),
        ({**good, "file_package": {"md5": "b" * 32}}, "file_package.url"),
    ]
    for props, field in cases:
        failures = provider.check({}, {**props, "__provider": "x"}).failures
        assert failures and field in failures[0].reason, (props, [f.reason for f in failures])
    assert platform_calls(localcloud, since) == []
