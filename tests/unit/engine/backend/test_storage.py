"""The diy backend's stack logic over another ``Storage``: what an object-store backend (``s3://``)
will plug in. An in-memory storage runs the same stack operations the file backend runs."""

from __future__ import annotations

from types import TracebackType

import pytest

from aicompute.engine.backend.base import Backend, StackHasResources, StackRef, UpdateInfo
from aicompute.engine.backend.diy import DiyBackend, FileBackend
from aicompute.engine.backend.storage import LocalStorage, Storage
from aicompute.engine.resource.state import Deployment, ResourceState, root_stack_resource
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager


class _Lock:
    def __init__(self) -> None:
        self.notices: list[str] = []

    def __enter__(self) -> _Lock:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class MemoryStorage:
    """Objects in a dict, listed by prefix with ``/`` as the delimiter (as S3 lists them)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def location(self, key: str) -> str:
        return f"mem://{key}"

    def read(self, key: str) -> bytes | None:
        return self.objects.get(key)

    def write(self, key: str, data: str | bytes) -> None:
        self.objects[key] = data.encode() if isinstance(data, str) else data

    def exists(self, key: str) -> bool:
        return key in self.objects

    def list(self, prefix: str) -> list[str]:
        names = set()
        for key in self.objects:
            if key.startswith(prefix + "/"):
                rest = key[len(prefix) + 1 :]
                names.add(rest.split("/", 1)[0] + "/" if "/" in rest else rest)
        return sorted(names)

    def keep_as_backup(self, key: str, backup: str) -> None:
        self.objects[backup] = self.objects[key]

    def move(self, key: str, new_key: str) -> None:
        self.objects[new_key] = self.objects.pop(key)

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def delete_tree(self, prefix: str) -> None:
        for key in [k for k in self.objects if k.startswith(prefix + "/")]:
            del self.objects[key]

    def lock(self, prefix: str, label: str) -> _Lock:
        return _Lock()


@pytest.fixture(scope="module")
def crypter() -> PassphraseSecretsManager:
    return PassphraseSecretsManager.create("storage test")


def test_the_stack_logic_runs_on_any_storage(crypter: PassphraseSecretsManager) -> None:
    storage = MemoryStorage()
    backend: Backend = DiyBackend("mem://", storage)
    ref = StackRef("demo", "dev")
    backend.create_stack(ref)
    assert storage.exists(".pulumi/meta.yaml") and storage.exists(".pulumi/stacks/demo/dev.json")
    deployment = Deployment(resources=[root_stack_resource("dev", "demo", {"out": 1})])
    backend.save_deployment(ref, deployment, crypter)
    backend.save_deployment(ref, deployment, crypter)
    assert storage.exists(".pulumi/stacks/demo/dev.json.bak")
    loaded = backend.load_deployment(ref, crypter)
    assert [r.urn for r in loaded.resources] == [r.urn for r in deployment.resources]
    assert isinstance(loaded.resources[0], ResourceState)
    backend.record_update(ref, UpdateInfo("update", 1, 2, "succeeded"))
    assert len(storage.list(".pulumi/history/demo/dev")) == 2
    assert [s.ref for s in backend.list_stacks(None)] == [ref]
    assert [s.resource_count for s in backend.list_stacks("demo")] == [1]
    with pytest.raises(StackHasResources):
        backend.remove_stack(ref)
    backend.remove_stack(ref, force=True)
    assert not backend.exists(ref) and storage.list(".pulumi/history/demo") == []


def test_the_file_backend_is_the_diy_backend_over_a_directory(tmp_path: object) -> None:
    backend = FileBackend(f"file://{tmp_path}")
    storage: Storage = backend.storage
    assert isinstance(storage, LocalStorage)
    ref = StackRef("demo", "dev")
    backend.create_stack(ref)
    assert backend.stack_path(ref) == storage.path(".pulumi/stacks/demo/dev.json")
    assert storage.list(".pulumi/stacks") == ["demo/"]
    assert storage.list(".pulumi/stacks/demo") == ["dev.json"]
