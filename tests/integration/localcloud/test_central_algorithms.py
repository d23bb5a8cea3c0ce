"""Algorithm encapsulation files and algorithms against a live localcloud (seed appendix E)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.central_api import CentralApi, quote_id
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

# The E.5 example, in the table's camelCase where the example writes snake_case.
DESCRIPTOR: dict[str, Any] = {
    "name": "megcity",
    "version": "3.4.0",
    "author": "r-face",
    "description": "faces",
    "tags": ["face"],
    "env": [{"name": "USE_AIPAAS_PROTO", "value": "1"}],
    "bin": {"type": "image", "remoteUri": "registry.example/megcity:3.4.0", "localUri": ""},
    "algoRuntime": {
        "cmd": "",
        "env": [],
        "gpu": [
            {
                "quota": 0.5,
                "limit": 0,
                "vendor": "NVidia",
                "accelerator": "2070",
                "capacities": {"streamVideoQuota": 6, "streamCaptureQuota": 0, "analyzeQuota": 0},
                "resolution": "PIXELS_200W",
            }
        ],
    },
}


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[CentralApi]:
    client = CentralApi(localcloud, project)
    yield client
    client.close()


def data_url(document: Any) -> tuple[str, str]:
    """A ``data:`` URL holding ``document`` as JSON, and its md5."""
    content = json.dumps(document).encode()
    return f"data:application/json;base64,{base64.b64encode(content).decode()}", hashlib.md5(content).hexdigest()


def wait_status(api: CentralApi, path: str, status: int) -> dict[str, Any]:
    found: dict[str, Any] = eventually(lambda: api.ok("GET", path), lambda record: record["status"] == status)
    return found


def test_an_encapsulation_file_is_fetched_and_described(api: CentralApi) -> None:
    url, md5 = data_url(DESCRIPTOR)
    file_id = "7a90a32d-8ae8-4ffa-b000-07ef71058bab"
    assert api.call("POST", "/CAP/AlgoFilePackages", json={"id": file_id, "md5": md5, "url": url}) == {
        "data": {},
        "code": 0,
        "msg": "success",
    }
    assert api.ok("GET", f"/CAP/AlgoFilePackages/{file_id}")["status"] == 0
    detail = wait_status(api, f"/CAP/AlgoFilePackages/{file_id}", 1)
    assert detail == {
        "id": file_id,
        "name": "megcity",
        "version": "3.4.0",
        "author": "r-face",
        "description": "faces",
        "status": 1,
        "tags": ["face"],
        "env": [{"name": "USE_AIPAAS_PROTO", "value": "1"}],
        "bin": {"type": "image", "remote_uri": "registry.example/megcity:3.4.0", "local_uri": ""},
        "algo_runtime": {
            "cmd": "",
            "env": [],
            "gpu": [
                {
                    **DESCRIPTOR["algoRuntime"]["gpu"][0],
                    "capacities": {"stream_video_quota": 6, "stream_capture_quota": 0, "analyze_quota": 0},
                }
            ],
        },
    }
    # Pushing the same file again changes nothing; another md5 or url under its id is a conflict.
    api.ok("POST", "/CAP/AlgoFilePackages", json={"id": file_id, "md5": md5, "url": url})
    assert api.fails("POST", "/CAP/AlgoFilePackages", 409, json={"id": file_id, "md5": "0" * 32, "url": url})

    plain = {"id": "MEGCITY:2", "md5": "", "url": "http://127.0.0.1/files/megcity-face-2.0.1.tar.gz"}
    api.ok("POST", "/CAP/AlgoFilePackages", json=plain)
    described = wait_status(api, f"/CAP/AlgoFilePackages/{quote_id('MEGCITY:2')}", 1)
    assert (described["name"], described["version"], described["author"]) == ("megcity-face-2.0.1", "2.0.1", "")

    page = api.ok("POST", "/CAP/AlgoFilePackages:search", json={"pageNumber": 0, "pageSize": 20, "name": "FACE"})
    assert page == {
        "pageNumber": 1,
        "pageSize": 20,
        "total": 1,
        "records": [
            {
                "id": "MEGCITY:2",
                "name": "megcity-face-2.0.1",
                "version": "2.0.1",
                "author": "",
                "description": "",
                "status": 1,
            }
        ],
    }
    second = api.ok("POST", "/CAP/AlgoFilePackages:search", json={"pageNumber": 2, "pageSize": 1})
    assert second["total"] == 2 and [r["id"] for r in second["records"]] == ["MEGCITY:2"]
    assert "pageSize: Field required" in api.fails("POST", "/CAP/AlgoFilePackages:search", 400, json={"pageNumber": 1})

    assert api.ok("DELETE", f"/CAP/AlgoFilePackages/{quote_id('MEGCITY:2')}") == {"id": "MEGCITY:2"}
    assert api.fails("GET", f"/CAP/AlgoFilePackages/{quote_id('MEGCITY:2')}", 404)
    assert api.fails("DELETE", f"/CAP/AlgoFilePackages/{quote_id('MEGCITY:2')}", 404)


def test_a_file_that_fails_its_md5_is_unusable(api: CentralApi) -> None:
    url, _ = data_url(DESCRIPTOR)
    api.ok("POST", "/CAP/AlgoFilePackages", json={"id": "bad", "md5": "0" * 32, "url": url})
    failed = wait_status(api, "/CAP/AlgoFilePackages/bad", 2)
    assert failed["message"] == "the content does not match its md5" and failed["name"] == ""
    api.ok("POST", "/CAP/AlgoFilePackages", json={"id": "garbled", "md5": "", "url": "data:;base64,%%%"})
    assert wait_status(api, "/CAP/AlgoFilePackages/garbled", 2)["message"] == "the data: URL is malformed"
    api.ok("POST", "/CAP/AlgoFilePackages", json={"id": "opaque", "md5": "", "url": "data:text/plain,not%20JSON"})
    opaque = wait_status(api, "/CAP/AlgoFilePackages/opaque", 1)  # not a JSON descriptor: named by its id
    assert (opaque["name"], opaque["version"]) == ("opaque", "1.0.0")


def test_an_algorithm_names_its_file(api: CentralApi) -> None:
    file_url, file_md5 = data_url(DESCRIPTOR)
    api.ok("POST", "/CAP/AlgoFilePackages", json={"id": "file-1", "md5": file_md5, "url": file_url})
    url, md5 = data_url({"relatedAlgoFilePackageId": "file-1"})
    algo_id = "megvii/cloud/megcity-a2_2"  # a slash in an id: percent-encoded in paths
    api.ok("POST", "/CAP/AlgoPackages", json={"id": algo_id, "md5": md5, "url": url})
    detail = wait_status(api, f"/CAP/AlgoPackages/{quote_id(algo_id)}", 1)
    assert detail == {"id": algo_id, "url": url, "relatedAlgoFilePackageId": "file-1", "status": 1}
    records = api.ok("POST", "/CAP/AlgoPackages:search", json={"pageNumber": 1, "pageSize": 20})["records"]
    assert records == [{**detail, "relatedAlgoFilePackageid": "file-1"}]  # E.23's spelling too

    assert "is used by algorithm" in api.fails("DELETE", "/CAP/AlgoFilePackages/file-1", 409)
    # E.20 marks url required, E.7 (no body) and the example (id only) do not: a url given must match.
    assert "is not the url" in api.fails(
        "DELETE", f"/CAP/AlgoPackages/{quote_id(algo_id)}", 400, params={"url": "http://elsewhere/"}
    )
    api.ok("DELETE", f"/CAP/AlgoPackages/{quote_id(algo_id)}", json={"id": algo_id, "url": url})
    assert api.fails("GET", f"/CAP/AlgoPackages/{quote_id(algo_id)}", 404) == f"algorithm {algo_id} does not exist"
    api.ok("DELETE", "/CAP/AlgoFilePackages/file-1")

    orphan_url, orphan_md5 = data_url({"algoFilePackageId": "file-404"})
    api.ok("POST", "/CAP/AlgoPackages", json={"id": "orphan", "md5": orphan_md5, "url": orphan_url})
    orphan = wait_status(api, "/CAP/AlgoPackages/orphan", 2)
    assert orphan["message"] == "its algorithm encapsulation file file-404 does not exist"
    api.ok("DELETE", "/CAP/AlgoPackages/orphan", json={"id": "orphan"})  # the example's id-only body
    assert api.fails("GET", "/CAP/AlgoPackages/orphan", 404) == "algorithm orphan does not exist"
    api.ok("POST", "/CAP/AlgoPackages", json={"id": "http-only", "md5": "", "url": "http://127.0.0.1/algoPackages"})
    assert wait_status(api, "/CAP/AlgoPackages/http-only", 1)["relatedAlgoFilePackageId"] == ""
    api.ok("DELETE", "/CAP/AlgoPackages/http-only")  # E.7: no body at all
    assert api.fails("DELETE", "/CAP/AlgoPackages/http-only", 404) == "algorithm http-only does not exist"
    assert "id: Field required" in api.fails("POST", "/CAP/AlgoPackages", 400, json={"md5": "", "url": "x"})
