"""ModelArts models ("AI applications", seed chapter 7) against a real localcloud server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.localcloud.modelarts_api import ModelArtsApi
from tests.support.api import eventually
from tests.support.localcloud import Credentials, LocalCloudProcess

MODEL_KIND = "modelarts.model"

# 001's escaped copy of the 7.3 example (the numbers are JSON strings there).
INITIAL_CONFIG = json.dumps(
    {
        "protocol": "http",
        "port": "8080",
        "model_algorithm": "image_classification",
        "health": {
            "check_method": "HTTP",
            "protocol": "http",
            "url": "/health",
            "period_seconds": "5",
            "failure_threshold": "10",
            "initial_delay_seconds": 12,
        },
    }
)


@pytest.fixture
def api(localcloud: LocalCloudProcess, project: Credentials) -> Iterator[ModelArtsApi]:
    client = ModelArtsApi(localcloud, project)
    yield client
    client.close()


def model_body(name: str = "mnist", version: str = "1.0.0", **extra: Any) -> dict[str, Any]:
    """The seed's 7.3 request example, trimmed."""
    return {
        "model_name": name,
        "model_version": version,
        "source_location": "https://models.obs.xxxx.com/mnist",
        "model_type": "TensorFlow",
        "runtime": "python3.6",
        "description": "mnist model",
        "execution_code": "https://testmodel.obs.xxxx.com/customize_service.py",
        "dependencies": [
            {
                "installer": "pip",
                "packages": [{"package_name": "numpy", "package_version": "1.5.0", "restraint": "ATLEAST"}],
            }
        ],
        **extra,
    }


def create(api: ModelArtsApi, **body: Any) -> str:
    model_id: str = api.ok("POST", "/models", json=model_body(**body))["model_id"]
    return model_id


def wait_status(api: ModelArtsApi, model_id: str, *statuses: str) -> dict[str, Any]:
    model: dict[str, Any] = eventually(
        lambda: api.ok("GET", f"/models/{model_id}"), lambda m: m["model_status"] in statuses
    )
    return model


# Table 7-32: the 39 fields of a model's GET answer, in the seed's order.
TABLE_7_32 = [
    "model_version", "source_job_version", "source_location", "source_job_id", "source_copy", "description",
    "project", "workspace_id", "model_algorithm", "model_name", "tenant", "model_docs", "owner", "execution_code",
    "schema_doc", "image_address", "output_params", "health", "runtime", "model_metrics", "source_type",
    "model_type", "model_id", "dependencies", "model_size", "model_status", "apis", "model_source", "tunable",
    "market_flag", "publishable_flag", "model_labels", "labels_map", "install_type", "config", "specification",
    "input_params", "create_at", "cmd",
]  # fmt: skip


def test_get_answers_every_field_of_table_7_32(api: ModelArtsApi) -> None:
    minimal = {
        "model_name": "bare",
        "model_version": "0.0.1",
        "model_type": "TensorFlow",
        "source_location": "obs://b/m",
    }
    model_id = api.ok("POST", "/models", json=minimal)["model_id"]
    publishing = api.ok("GET", f"/models/{model_id}")
    assert len(TABLE_7_32) == 39 and list(publishing)[:39] == TABLE_7_32
    # Never set, and without a documented default: null; the lists and flags have their values.
    unset = ["source_job_version", "source_job_id", "source_copy", "description", "model_algorithm",
             "execution_code", "schema_doc", "image_address", "health", "runtime", "model_metrics", "source_type",
             "config", "cmd"]  # fmt: skip
    assert {key: publishing[key] for key in unset} == dict.fromkeys(unset)
    assert (publishing["model_docs"], publishing["input_params"], publishing["output_params"]) == ([], [], [])
    assert (publishing["model_labels"], publishing["labels_map"], publishing["specification"]) == (
        [],
        {"labels": []},
        {},
    )
    assert (publishing["tunable"], publishing["market_flag"], publishing["publishable_flag"]) == (False, False, False)
    assert publishing["workspace_id"] == "0" and publishing["model_status"] == "publishing"
    published = wait_status(api, model_id, "published")
    assert list(published)[:39] == TABLE_7_32 and published["image_address"].endswith(f"{model_id}:0.0.1")
    # source_copy's default, "true", is documented for Image models only.
    image = {**minimal, "model_name": "image", "model_type": "Image", "source_location": "swr.example/org/img:1"}
    image_id = api.ok("POST", "/models", json=image)["model_id"]
    assert api.ok("GET", f"/models/{image_id}")["source_copy"] == "true"


def test_create_publish_get_list_delete(api: ModelArtsApi) -> None:
    model_id = create(api, initial_config=INITIAL_CONFIG)
    assert api.ok("GET", f"/models/{model_id}")["model_status"] == "publishing"

    model = wait_status(api, model_id, "published")
    assert model["model_name"] == "mnist" and model["model_version"] == "1.0.0"
    assert model["model_type"] == "TensorFlow" and model["runtime"] == "python3.6"
    assert model["model_size"] > 0
    assert model["image_address"].endswith(f"/models/{model_id}:1.0.0")
    assert model["install_type"] == ["real-time", "edge", "batch"]
    assert model["model_source"] == "custom" and model["workspace_id"] == "0"
    assert model["project"] == api.project.project_id and len(model["tenant"]) == 32
    assert model["dependencies"][0]["packages"][0]["restraint"] == "ATLEAST"
    # config.json comes back as the object ``config``; health values are Strings (table 7-34).
    assert model["config"]["port"] == "8080"
    assert model["health"]["initial_delay_seconds"] == "12"
    assert model["model_algorithm"] == "image_classification"
    assert isinstance(model["apis"], str)

    listed = api.ok("GET", "/models", params={"model_name": "mnist", "exact_match": "true"})
    assert listed["total_count"] == 1 and listed["count"] == 1
    item = listed["models"][0]
    assert item["model_id"] == model_id and item["model_status"] == "published"
    assert item["model_type"] == "tensorflow"  # the 7.2 example's lower case
    assert "config" not in item and "apis" not in item

    deleted = api.ok("DELETE", f"/models/{model_id}")
    assert deleted == {"delete_success_list": [model_id], "delete_failed_list": []}
    missing = api.error("GET", f"/models/{model_id}", 404)
    assert missing["error_code"] == "ModelArts.3001"
    assert api.error("DELETE", f"/models/{model_id}", 404)["error_code"] == "ModelArts.3001"


def test_list_filters_sorting_and_paging(api: ModelArtsApi) -> None:
    ids = {version: create(api, version=version) for version in ("1.0.0", "1.2.0", "2.0.0")}
    other = create(api, name="resnet", description="image classifier", model_type="PyTorch")
    wait_status(api, other, "published")

    everything = api.ok("GET", "/models")
    assert everything["total_count"] == 4
    assert everything["models"][0]["model_id"] == other  # create_at desc by default

    by_version = api.ok("GET", "/models", params={"model_name": "mnist", "sort_by": "model_version", "order": "asc"})
    assert [m["model_id"] for m in by_version["models"]] == [ids["1.0.0"], ids["1.2.0"], ids["2.0.0"]]

    # offset is a page index (7.2: "指定要查询页的索引").
    pages = [
        api.ok("GET", "/models", params={"model_name": "mnist", "sort_by": "model_version", "limit": 2, "offset": n})
        for n in (0, 1, 2)
    ]
    assert [p["count"] for p in pages] == [2, 1, 0]
    assert all(p["total_count"] == 3 for p in pages)
    assert [m["model_version"] for p in pages for m in p["models"]] == ["2.0.0", "1.2.0", "1.0.0"]

    assert api.ok("GET", "/models", params={"model_name": "mni"})["total_count"] == 3  # fuzzy
    assert api.ok("GET", "/models", params={"model_name": "mni", "exact_match": "true"})["total_count"] == 0
    assert api.ok("GET", "/models", params={"model_version": "1:2:0"})["models"][0]["model_id"] == ids["1.2.0"]
    assert api.ok("GET", "/models", params={"description": "classifier"})["total_count"] == 1
    assert api.ok("GET", "/models", params={"model_type": "pytorch"})["total_count"] == 1
    assert api.ok("GET", "/models", params={"not_model_type": "PyTorch"})["total_count"] == 3
    assert api.ok("GET", "/models", params={"workspace_id": "0"})["total_count"] == 4
    assert api.ok("GET", "/models", params={"model_status": "failed"})["total_count"] == 0


def test_cascade_deletes_every_version(api: ModelArtsApi) -> None:
    first = create(api, version="1.0.0")
    others = {create(api, version="1.0.1"), create(api, version="1.0.2")}
    unrelated = create(api, name="keep-me")

    deleted = api.ok("DELETE", f"/models/{first}", params={"cascade": "true"})
    assert deleted["delete_failed_list"] == []
    assert set(deleted["delete_success_list"]) == {first, *others}
    assert api.ok("GET", "/models")["models"][0]["model_id"] == unrelated


@pytest.mark.parametrize(
    ("override", "code", "field"),
    [
        ({"model_name": None}, "ModelArts.3036", "model_name"),
        ({"model_version": "01.01.01"}, "ModelArts.3037", "model_version"),
        ({"model_version": "1.0"}, "ModelArts.3037", "model_version"),
        ({"model_name": "bad name!"}, "ModelArts.3037", "model_name"),
        ({"model_type": "Keras"}, "ModelArts.3037", "model_type"),
        ({"description": "a <b>"}, "ModelArts.3037", "description"),
        ({"install_type": ["realtime"]}, "ModelArts.3037", "install_type"),
        ({"source_copy": "maybe"}, "ModelArts.3037", "source_copy"),
        ({"source_location": None}, "ModelArts.3036", "source_location"),
        ({"model_docs": [{"doc_url": "ftp://x", "doc_name": "guide"}]}, "ModelArts.3037", "model_docs[0].doc_url"),
        ({"dependencies": [{"installer": "pip", "packages": [{"package_name": "numpy", "package_version": "1"}]}]},
         "ModelArts.3041", "numpy"),
        ({"dependencies": [{"installer": "conda", "packages": []}]}, "ModelArts.3037", "dependencies[0].installer"),
        ({"initial_config": "{not json"}, "ModelArts.3015", "initial_config"),
        ({"initial_config": json.dumps({"health": {"check_method": "TCP"}})}, "ModelArts.3592", "health"),
        ({"model_type": "Template", "source_location": None}, "ModelArts.3034", "template"),
        ({"model_type": "Template", "template": {"template_inputs": []}}, "ModelArts.3029", "template ID"),
        ({"model_type": "Template", "template": {"template_id": "t", "template_inputs": [
            {"input": "obs://a", "input_id": "x"}, {"input": "obs://b", "input_id": "x"}]}},
         "ModelArts.3039", "input_id"),
        ({"workspace_id": "f" * 32}, "ModelArts.0102", "workspace"),
    ],
)  # fmt: skip
def test_invalid_create_answers_documented_codes(
    api: ModelArtsApi, override: dict[str, Any], code: str, field: str
) -> None:
    body = {key: value for key, value in {**model_body(), **override}.items() if value is not None}
    error = api.error("POST", "/models", 400, json=body)
    assert error["error_code"] == code
    assert field in error["error_msg"]


def test_duplicate_and_bad_queries(api: ModelArtsApi) -> None:
    create(api)
    duplicate = api.error("POST", "/models", 409, json=model_body())
    assert duplicate == {"error_code": "ModelArts.3002", "error_msg": "Model (mnist, 1.0.0) already exists."}
    create(api, version="1.0.1")  # another version of the same name is fine

    both = api.error("GET", "/models", 400, params={"model_type": "TensorFlow", "not_model_type": "Image"})
    assert both["error_code"] == "ModelArts.3037"
    assert api.error("GET", "/models", 400, params={"limit": 0})["error_code"] == "ModelArts.0104"
    assert api.error("GET", "/models", 400, params={"sort_by": "name"})["error_code"] == "ModelArts.0104"
    assert api.error("POST", "/models", 400, json=["not", "an", "object"])["error_code"] == "ModelArts.3037"


def test_failure_directives(api: ModelArtsApi) -> None:
    api.fail_next(MODEL_KIND, "*", "OBS object not found")
    doomed = create(api)
    failed = wait_status(api, doomed, "published", "failed")
    assert failed["model_status"] == "failed"
    assert failed["error_msg"] == "OBS object not found"

    healthy = create(api, version="1.0.1")
    assert wait_status(api, healthy, "published", "failed")["model_status"] == "published"

    api.fail_next(MODEL_KIND, healthy, "image still referenced")
    answer = api.ok("DELETE", f"/models/{healthy}")
    assert answer["delete_success_list"] == []
    assert answer["delete_failed_list"] == [
        {"error_msg": "image still referenced", "error_code": "ModelArts.0010", "model_id": healthy}
    ]
    assert api.ok("DELETE", f"/models/{healthy}")["delete_success_list"] == [healthy]


def test_projects_are_isolated(api: ModelArtsApi, localcloud: LocalCloudProcess) -> None:
    model_id = create(api)
    stranger = ModelArtsApi(localcloud, localcloud.new_project())
    try:
        assert stranger.error("GET", f"/models/{model_id}", 404)["error_code"] == "ModelArts.3001"
        assert stranger.ok("GET", "/models")["total_count"] == 0
        # Another project's id in the URL is refused before anything is looked up.
        foreign = stranger.client.get(f"{localcloud.url}/v1/{api.project.project_id}/models")
        assert foreign.status_code == 403
    finally:
        stranger.close()


def test_engine_runtimes(api: ModelArtsApi) -> None:
    catalogue = api.ok("GET", "/models/ai-engine-runtimes")
    engines = {entry["ai_engine"]: entry for entry in catalogue["engine_runtimes"]}
    assert {"TensorFlow", "PyTorch", "MindSpore", "Custom"} <= set(engines)
    assert catalogue["count"] == catalogue["total_count"] == len(engines)
    for entry in engines.values():
        arrays = ("request_mode", "accelerators", "arch", "status_list", "image_source")
        assert all(len(entry[name]) == len(entry["runtimes"]) for name in arrays)
    pytorch = engines["PyTorch"]
    npu = pytorch["runtimes"].index("pytorch_1.11.0-cann_7.0.1-py_3.9-euler_2.10.7-aarch64-snt9b")
    assert pytorch["accelerators"][npu]["type"] == "npu" and pytorch["arch"][npu] == "aarch64"

    # 7.1 reads offset as an item offset, and swaps the two counts (table 7-4).
    paged = api.ok("GET", "/models/ai-engine-runtimes", params={"offset": 1, "limit": 2})
    assert [e["ai_engine"] for e in paged["engine_runtimes"]] == list(engines)[1:3]
    assert paged["count"] == len(engines) and paged["total_count"] == 2


def test_models_live_in_workspaces(api: ModelArtsApi) -> None:
    workspace = api.ok("POST", "/workspaces", json={"name": "team-vision"})["id"]
    scoped = create(api, workspace_id=workspace)
    unscoped = create(api)  # (name, version) is unique per workspace
    assert [m["model_id"] for m in api.ok("GET", "/models", params={"workspace_id": workspace})["models"]] == [scoped]
    assert [m["model_id"] for m in api.ok("GET", "/models", params={"workspace_id": "0"})["models"]] == [unscoped]
    assert api.ok("GET", f"/models/{scoped}")["workspace_id"] == workspace
