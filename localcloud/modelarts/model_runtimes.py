"""AI engines and their runtimes (seed 7.1, ``GET /v1/{project_id}/models/ai-engine-runtimes``).

A fixed catalogue rebuilt from the 7.1 example. Its page breaks garbled some parallel arrays (the
PyTorch entry lists 6 runtimes but 4 accelerators); here each runtime is one row, so
``request_mode``, ``accelerators``, ``arch``, ``status_list`` and ``image_source`` stay parallel to
``runtimes`` — index i of each describes ``runtimes[i]``.
"""

from __future__ import annotations

from dataclasses import dataclass

from aicompute.localcloud.inline import InlineRouter
from aicompute.localcloud.modelarts.common import CloudDep, ModelArtsProject
from aicompute.localcloud.modelarts.paging import LimitQuery, OffsetQuery, paginate
from aicompute.localcloud.modelarts.records import JSON

router = InlineRouter()

NONE = {"type": "none"}
CUDA_10_2 = {"type": "gpu", "cuda_version": "cuda 10.2"}
SNT9 = {"type": "npu", "name": "SNT9", "driver_version_section": "C8x"}


@dataclass(frozen=True)
class Runtime:
    name: str
    accelerator: JSON
    request_mode: str = "sync"
    arch: str = "x86_64"
    image_source: str = "base_image"
    status: str = "normal"


ENGINES: dict[str, tuple[Runtime, ...]] = {
    "TensorFlow": (
        Runtime("tf1.13-python3.6-cpu", NONE),
        Runtime("tf1.13-python3.6-gpu", CUDA_10_2),
        Runtime("tf1.13-python3.7-cpu", NONE),
        Runtime("tf1.13-python3.7-gpu", CUDA_10_2),
        Runtime("python3.6", NONE),
        Runtime("tf1.13-python3.7-aiflow-gpu", CUDA_10_2),
        Runtime("tf1.13-python3.7-gpu-async", CUDA_10_2, request_mode="async"),
        Runtime("tensorflow_2.1.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64", NONE, image_source="uniform_image"),
        Runtime("tensorflow_2.6.0-cuda_11.2-py_3.7-ubuntu_18.04-x86_64", CUDA_10_2, image_source="uniform_image"),
        Runtime("tensorflow_1.15.5-cuda_11.4-py_3.8-ubuntu_20.04-x86_64", NONE, image_source="uniform_image"),
    ),
    "PyTorch": (
        Runtime("python3.6", NONE),
        Runtime("python3.7", NONE),
        Runtime("pytorch1.4-python3.7", NONE),
        Runtime(
            "pytorch_1.11.0-cann_7.0.1-py_3.9-euler_2.10.7-aarch64-snt9b",
            SNT9,
            arch="aarch64",
            image_source="uniform_image",
        ),
        Runtime("pytorch_1.8.0-cuda_10.2-py_3.7-ubuntu_18.04-x86_64", NONE, image_source="uniform_image"),
        Runtime("pytorch_1.8.2-cuda_11.1-py_3.7-ubuntu_18.04-x86_64", NONE, image_source="uniform_image"),
    ),
    "MindSpore": (
        Runtime("mindspore_1.9.0-cann_6.0.1-py_3.7-euler_2.9.9-x86_64-snt3p-300i", NONE, image_source="uniform_image"),
        Runtime("mindspore_1.7.0-cuda_10.1-py_3.7-ubuntu_18.04-x86_64", NONE, image_source="uniform_image"),
        Runtime("mindspore_1.2.0-py_3.7-cuda_10.1-ubuntu_18.04-x86_64", NONE, image_source="uniform_image"),
    ),
    "Custom": (),
}


def engine_entry(engine: str, runtimes: tuple[Runtime, ...]) -> JSON:
    """One EngineAndRuntimesResponse (table 7-5) with its parallel arrays."""
    return {
        "ai_engine": engine,
        "runtimes": [runtime.name for runtime in runtimes],
        "request_mode": [runtime.request_mode for runtime in runtimes],
        "accelerators": [dict(runtime.accelerator) for runtime in runtimes],
        "arch": [runtime.arch for runtime in runtimes],
        "status_list": [runtime.status for runtime in runtimes],
        "image_source": [runtime.image_source for runtime in runtimes],
    }


@router.get("/v1/{project_id}/models/ai-engine-runtimes")
def list_runtimes(
    project: ModelArtsProject, cloud: CloudDep, offset: OffsetQuery = 0, limit: LimitQuery = 1000
) -> JSON:
    engines = [engine_entry(engine, runtimes) for engine, runtimes in ENGINES.items()]
    # 7.1's offset is an item offset ("从此偏移量开始查询").
    page = paginate(engines, offset, limit, offset_is_page=False)
    # Table 7-4 swaps the two counts relative to every other list: ``count`` is the total without
    # paging and ``total_count`` the number returned (digest §10.4). Kept as the seed states it.
    return {"count": len(engines), "total_count": len(page), "engine_runtimes": page}
