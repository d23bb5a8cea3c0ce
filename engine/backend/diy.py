"""Pulumi's diy backend: where stacks live and how their state is written (Pulumi: ``pkg/backend/diy``).

Layout under the backend root (``file://~`` is ``~``, so the state is in ``~/.pulumi`` exactly where
``pulumi login --local`` keeps it)::

    .pulumi/meta.yaml                                   version: 1 (project-scoped stacks)
    .pulumi/stacks/<project>/<stack>.json               the checkpoint (+ <stack>.json.bak, the previous one)
    .pulumi/stacks/<project>/<stack>.journal.jsonl      a running (or crashed) run's steps since it (``journal``)
    .pulumi/backups/<project>/<stack>/<stack>.<ns>.json a copy after every update
    .pulumi/history/<project>/<stack>/<stack>-<ns>.{history,checkpoint}.json
    .pulumi/locks/organization/<project>/<stack>/<uuid>.json

A checkpoint is ``{"version": 3, "checkpoint": {"stack": "organization/<project>/<stack>", "latest":
<deployment>}}`` (the ``stack`` field is the stack's fully qualified name, as the diy backend writes
it; ``latest`` is absent for a stack never updated). Every write is validated against Pulumi's
schemas and integrity rules, then written atomically after copying the previous file to ``.bak``.

``DiyBackend`` is that logic over a ``storage.Storage`` (the file operations); ``FileBackend`` is it
over a directory (``file://``). The caller holds the stack's lock (``lock``) around an operation,
saves the deployment after every step (``save_deployment``), and calls ``record_update`` once when a
non-preview operation ends. On a storage that can append (``file://``), a run writes its steps to the
stack's journal (``journal``) instead of a whole checkpoint each; whoever reads the stack's state
here (``read_checkpoint`` and all that uses it) sees the journal a crashed run left replayed over the
checkpoint. An ``s3://`` backend writes the whole checkpoint after every step (group-committed):
objects cannot be appended to.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from aicompute.engine.backend.base import (
    ORGANIZATION,
    STACK_NAME_RE,
    Backend,
    BackendError,
    BackendLock,
    StackAlreadyExists,
    StackHasResources,
    StackNotFound,
    StackRef,
    StackSummary,
    UpdateInfo,
    resolve_backend_url,
)
from aicompute.engine.backend.journal import StackJournal, journal_key, read_journal, replay
from aicompute.engine.backend.lock import LockHolder
from aicompute.engine.backend.object_lock import lock_keys, read_holder
from aicompute.engine.backend.project import Project
from aicompute.engine.backend.s3 import S3Storage
from aicompute.engine.backend.s3_url import S3_SCHEME
from aicompute.engine.backend.storage import AppendableStorage, LocalStorage, Storage
from aicompute.engine.resource.checkpoint_values import CiphertextKeeper, RedactingCrypter
from aicompute.engine.resource.schema import StateValidationError, validate_deployment
from aicompute.engine.resource.state import DEPLOYMENT_VERSION, Deployment, Manifest, StateError, verify_integrity
from aicompute.engine.secrets.passphrase import Crypter
from aicompute.engine.util.fileio import dump_yaml, parse_yaml

FILE_SCHEME = "file://"
BOOKKEEPING_DIR = ".pulumi"
META_VERSION = 1
RESOURCE_INDENT = 16
"""How deep ``checkpoint.latest.resources[i]`` sits in an indented checkpoint."""


def backend_root(url: str) -> Path:
    """The directory a ``file://`` URL names (``~`` expanded, relative paths from the working directory)."""
    if not url.startswith(FILE_SCHEME):
        scheme = url.split("://", 1)[0] if "://" in url else url
        raise BackendError(
            f"backend {url!r} is not supported: aicompute's embedded engine uses file:// and s3:// backends "
            f"(got {scheme!r}). Use the Pulumi CLI for the Pulumi Cloud or azblob/gs backends, "
            f"or point --backend-url at a directory (file://~, file:///path/to/state) or a bucket "
            f"(s3://bucket?region=…)."
        )
    location = url[len(FILE_SCHEME) :].split("?", 1)[0]
    if not location:
        raise BackendError(f"backend {url!r} names no directory (try file://~ or file:///path/to/state)")
    return Path(location).expanduser().resolve()


def open_backend(cli_url: str | None = None, project: Project | None = None) -> Backend:
    """The backend ``resolve_backend_url`` chooses, by its URL's scheme."""
    url = resolve_backend_url(cli_url, project)
    if url.startswith(S3_SCHEME):
        return DiyBackend(url, S3Storage.from_url(url))
    return FileBackend(url)


def _dump_json(document: Any) -> str:
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def _dump_checkpoint(checkpoint: Mapping[str, Any], resource_texts: list[str] | None) -> str:
    """``_dump_json(checkpoint)`` byte for byte, with ``latest.resources`` spliced in from each
    resource's own indented text (``ResourceState.to_indented_json``, kept between writes) rather than
    encoded again by the pure-Python indenting encoder."""
    latest = checkpoint["checkpoint"].get("latest") or {}
    if not resource_texts or not latest.get("resources"):
        return _dump_json(checkpoint)
    shell = {**checkpoint, "checkpoint": {**checkpoint["checkpoint"], "latest": {**latest, "resources": []}}}
    margin = "\n" + " " * (RESOURCE_INDENT - 4)
    spliced = f'{margin}"resources": [\n' + ",\n".join(resource_texts) + f"{margin}]"
    return _dump_json(shell).replace(f'{margin}"resources": []', spliced, 1)


def _stack_folder(kind: str, ref: StackRef) -> str:
    return f"{BOOKKEEPING_DIR}/{kind}/{ref.project}/{ref.name}"


class DiyBackend:
    """A diy backend over a storage; see the module docstring for the layout."""

    def __init__(self, url: str, storage: Storage) -> None:
        self.url = url
        self.storage = storage
        self._layout_ok = False

    # keys: where a stack's files are, relative to the root ------------------------------------------
    @staticmethod
    def stack_key(ref: StackRef) -> str:
        return f"{BOOKKEEPING_DIR}/stacks/{ref.project}/{ref.name}.json"

    def journal_key(self, ref: StackRef) -> str:
        return journal_key(self.stack_key(ref))

    @staticmethod
    def backup_prefix(ref: StackRef) -> str:
        return _stack_folder("backups", ref)

    @staticmethod
    def history_prefix(ref: StackRef) -> str:
        return _stack_folder("history", ref)

    @staticmethod
    def lock_prefix(ref: StackRef) -> str:
        return _stack_folder(f"locks/{ORGANIZATION}", ref)

    # layout -------------------------------------------------------------------------------------
    def ensure_layout(self) -> None:
        """Refuse Pulumi's legacy (unscoped) layout; write ``meta.yaml`` for a new backend.

        Checked once per backend object: it is called before every state write."""
        if self._layout_ok:
            return
        storage, meta = self.storage, f"{BOOKKEEPING_DIR}/meta.yaml"
        text = storage.read(meta) if storage.exists(meta) else None
        if text is not None:
            doc = parse_yaml(text.decode("utf-8"), storage.location(meta)) or {}
            version = doc.get("version") if isinstance(doc, dict) else None
            if version != META_VERSION:
                raise self._legacy_error(f"{storage.location(meta)} has version {version!r}")
        else:
            stacks = f"{BOOKKEEPING_DIR}/stacks"
            if any(name.endswith(".json") for name in storage.list(stacks)):
                raise self._legacy_error(f"{storage.location(stacks)} holds stacks that are not project-scoped")
            storage.write(meta, dump_yaml({"version": META_VERSION}))
        self._layout_ok = True

    def _legacy_error(self, detail: str) -> BackendError:
        return BackendError(
            f"the backend {self.url} uses Pulumi's legacy stack layout ({detail}); "
            "upgrade it with `pulumi state upgrade` to use it with aicompute"
        )

    # stacks -------------------------------------------------------------------------------------
    def exists(self, ref: StackRef) -> bool:
        return self.storage.exists(self.stack_key(ref))

    def create_stack(self, ref: StackRef) -> str | None:
        """A new stack with no deployment yet; ``StackAlreadyExists`` if it exists. The last checkpoint
        a former stack of this name left (its ``.bak``) is moved to the stack's backups first, so
        the new stack's writes never replace it: where it went, if there was one."""
        self.ensure_layout()
        with self.lock(ref):
            if self.exists(ref):
                raise StackAlreadyExists(f"stack '{ref.fully_qualified_name}' already exists")
            kept = None
            if self.kept_checkpoint(ref) is not None:
                kept = f"{self.backup_prefix(ref)}/{ref.name}.{time.time_ns()}.json"
                self.storage.move(self.stack_key(ref) + ".bak", kept)
            checkpoint = {"version": DEPLOYMENT_VERSION, "checkpoint": {"stack": ref.fully_qualified_name}}
            self.storage.write(self.stack_key(ref), _dump_json(checkpoint))
            return None if kept is None else self.storage.location(kept)

    def kept_checkpoint(self, ref: StackRef) -> str | None:
        """Where the last checkpoint of a stack whose file is gone is kept (its ``.bak``), if it is."""
        key = self.stack_key(ref)
        if self.storage.exists(key) or not self.storage.exists(key + ".bak"):
            return None
        return self.storage.location(key + ".bak")

    def missing_stack_message(self, ref: StackRef) -> str:
        """Why the stack cannot be opened: it does not exist, or only its last checkpoint is left."""
        missing = f"no stack named '{ref.name}' found in project '{ref.project}' at {self.url}"
        kept = self.kept_checkpoint(ref)
        if kept is None:
            return f"{missing} (create it with `aicompute stack init {ref.name}`)"
        return (
            f"{missing}, but its last checkpoint is kept in {kept}: if the stack's file was deleted, restore the "
            f"stack from it with `aicompute stack import --stack {ref.name} --file {kept}` (a new stack of "
            "that name would know nothing of the objects the old one manages, and create them again)"
        )

    def list_stacks(self, project: str | None = None) -> list[StackSummary]:
        """The stacks of ``project`` (all projects when ``None``), sorted by project and name."""
        base = f"{BOOKKEEPING_DIR}/stacks"
        folders = self.storage.list(base)
        if project:
            projects = [project] if f"{project}/" in folders else []
        else:
            projects = [name[:-1] for name in folders if name.endswith("/")]
        refs = [
            StackRef(name, file[: -len(".json")])
            for name in projects
            for file in self.storage.list(f"{base}/{name}")
            if file.endswith(".json") and STACK_NAME_RE.match(file[: -len(".json")])
        ]
        return [self._summary(ref) for ref in refs]

    def _summary(self, ref: StackRef) -> StackSummary:
        latest = self._latest(ref)
        if latest is None:
            return StackSummary(ref, None, None)
        manifest = latest.get("manifest") or {}
        return StackSummary(ref, manifest.get("time"), len(latest.get("resources") or []))

    def remove_stack(self, ref: StackRef, *, force: bool = False, remove_backups: bool = False) -> None:
        """Remove a stack (its checkpoint is kept as ``.bak``); refuse one with resources unless ``force``."""
        self._require(ref)
        with self.lock(ref):
            count = len((self._latest(ref) or {}).get("resources") or [])
            if count and not force:
                raise StackHasResources(
                    f"refusing to remove stack '{ref.name}' because it still contains {count} resource(s); "
                    "destroy them first, or pass --force to forget them"
                )
            key = self.stack_key(ref)
            self.storage.move(key, key + ".bak")
            self.storage.delete(self.journal_key(ref))
            self.storage.delete_tree(self.history_prefix(ref))
            if remove_backups:
                self.storage.delete_tree(self.backup_prefix(ref))
                self.storage.delete(key + ".bak")

    def lock(self, ref: StackRef) -> BackendLock:
        """The stack's lock, acquired by ``with``; ``StackLocked`` names the other holder."""
        return self.storage.lock(self.lock_prefix(ref), ref.fully_qualified_name)

    def lock_holders(self, ref: StackRef) -> list[LockHolder]:
        """Who holds the stack's lock now (the lock files or objects there are)."""
        prefix = self.lock_prefix(ref)
        return [read_holder(self.storage, key) for key in lock_keys(self.storage, prefix)]

    def cancel(self, ref: StackRef) -> list[LockHolder]:
        """Remove every lock of the stack (``pulumi cancel`` on a diy backend); the holders removed."""
        prefix = self.lock_prefix(ref)
        holders = []
        for key in lock_keys(self.storage, prefix):
            holders.append(read_holder(self.storage, key))
            self.storage.delete(key)
        return holders

    # state --------------------------------------------------------------------------------------
    def read_checkpoint(self, ref: StackRef) -> dict[str, Any]:
        """The checkpoint as JSON, with the journal a crashed run left replayed over its ``latest``;
        ``StackNotFound`` if the stack does not exist."""
        key = self._require(ref)
        data = self.storage.read(key) or b""
        document = self._parse_checkpoint(key, data)
        latest = (document.get("checkpoint") or {}).get("latest")
        where = self.storage.location(self.journal_key(ref))
        journal = self.storage.read(self.journal_key(ref)) if isinstance(latest, dict) else None
        contents = None if journal is None else read_journal(journal, data, where)
        if contents is not None and isinstance(latest, dict):
            keeper = CiphertextKeeper()
            try:
                replayed = replay(Deployment.from_json(latest, keeper), contents, keeper)
            except StateError as error:
                raise BackendError(f"the journal of stack '{ref.name}' ({where}) is damaged: {error}") from None
            document["checkpoint"]["latest"] = replayed.to_json(keeper)
        return document

    def _parse_checkpoint(self, key: str, data: bytes) -> dict[str, Any]:
        path = self.storage.location(key)
        try:
            document = json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise BackendError(f"{path} is not valid JSON ({exc}); its previous version is {path}.bak") from exc
        if not isinstance(document, dict) or document.get("version") != DEPLOYMENT_VERSION:
            version = document.get("version") if isinstance(document, dict) else None
            raise BackendError(
                f"{path} has checkpoint version {version!r}; aicompute reads version {DEPLOYMENT_VERSION}"
            )
        return document

    def _latest(self, ref: StackRef) -> dict[str, Any] | None:
        latest = (self.read_checkpoint(ref).get("checkpoint") or {}).get("latest")
        return latest if isinstance(latest, dict) else None

    def export_deployment(self, ref: StackRef) -> dict[str, Any]:
        """``{"version": 3, "deployment": …}`` as ``pulumi stack export`` prints it (secrets encrypted)."""
        latest = self._latest(ref)
        deployment = latest if latest is not None else {"manifest": Manifest.new().to_json()}
        return {"version": DEPLOYMENT_VERSION, "deployment": deployment}

    def secrets_providers(self, ref: StackRef) -> dict[str, Any] | None:
        """The ``secrets_providers`` block the stack's state was written with, if any (no decryption)."""
        block = (self._latest(ref) or {}).get("secrets_providers")
        return block if isinstance(block, dict) else None

    def load_deployment(self, ref: StackRef, crypter: Crypter | None) -> Deployment:
        """The stack's deployment in memory form (an empty one for a stack never updated); a
        ``BackendError`` naming the file and the first wrong path when the state is damaged."""
        latest = self._latest(ref)
        if latest is None:
            return Deployment()
        try:
            validate_deployment({"version": DEPLOYMENT_VERSION, "deployment": latest})
            deployment = Deployment.from_json(latest, crypter)
            verify_integrity(deployment)
        except (StateValidationError, StateError) as error:
            path = self.storage.location(self.stack_key(ref))
            raise BackendError(
                f"the state of stack '{ref.name}' ({path}) is damaged: {error}. Restore a good copy "
                f"(its previous version is {path}.bak) with `aicompute stack import --file FILE`"
            ) from None
        return deployment

    def save_deployment(self, ref: StackRef, deployment: Deployment, crypter: Crypter) -> bytes:
        """Validate and write the deployment (the previous checkpoint becomes ``.bak``); the bytes written."""
        verify_integrity(deployment)
        texts = [resource.to_indented_json(crypter, RESOURCE_INDENT) for resource in deployment.resources]
        return self.write_deployment(ref, deployment.to_json(crypter), texts)

    def import_deployment(self, ref: StackRef, document: Mapping[str, Any]) -> None:
        """Replace the stack's deployment with an exported one (``{"version": 3, "deployment": …}``)."""
        self._require(ref)
        validate_deployment(document)
        verify_integrity(Deployment.from_json(document["deployment"], RedactingCrypter()))
        self.write_deployment(ref, dict(document["deployment"]))

    def write_deployment(
        self, ref: StackRef, deployment_json: Mapping[str, Any], resource_texts: list[str] | None = None
    ) -> bytes:
        """Write an encoded deployment as the stack's ``latest`` (schema-validated, atomic, with ``.bak``);
        ``resource_texts`` are its resources already indented (see ``_dump_checkpoint``). A journal
        left beside it no longer applies and is removed. The bytes written."""
        validate_deployment({"version": DEPLOYMENT_VERSION, "deployment": deployment_json})
        self.ensure_layout()
        key = self.stack_key(ref)
        checkpoint = {
            "version": DEPLOYMENT_VERSION,
            "checkpoint": {"stack": ref.fully_qualified_name, "latest": deployment_json},
        }
        if self.storage.exists(key):
            self.storage.keep_as_backup(key, key + ".bak")
        data = _dump_checkpoint(checkpoint, resource_texts).encode("utf-8")
        self.storage.write(key, data)
        if isinstance(self.storage, AppendableStorage):
            self.storage.delete(self.journal_key(ref))
        return data

    def journal(self, ref: StackRef, crypter: Crypter) -> StackJournal | None:
        """The stack's journal for a run's writes (the caller holds the stack's lock); None where the
        storage cannot append (``s3://``): each write is then a whole checkpoint."""
        if not isinstance(self.storage, AppendableStorage):
            return None
        return StackJournal(self, self.storage, ref, self.stack_key(ref), crypter)

    def record_update(self, ref: StackRef, info: UpdateInfo) -> None:
        """After a non-preview operation: a history entry (with a checkpoint copy) and a backup."""
        stamp = time.time_ns()
        current = self.storage.read(self.stack_key(ref)) or b""
        history = self.history_prefix(ref)
        self.storage.write(f"{history}/{ref.name}-{stamp}.history.json", _dump_json(info.to_json()))
        self.storage.write(f"{history}/{ref.name}-{stamp}.checkpoint.json", current)
        self.storage.write(f"{self.backup_prefix(ref)}/{ref.name}.{stamp}.json", current)

    def _require(self, ref: StackRef) -> str:
        key = self.stack_key(ref)
        if not self.storage.exists(key):
            raise StackNotFound(self.missing_stack_message(ref))
        return key


class FileBackend(DiyBackend):
    """The diy backend in a directory (``file://``), with the paths of its files."""

    def __init__(self, url: str) -> None:
        self.root = backend_root(url)
        self.state_dir = self.root / BOOKKEEPING_DIR
        self._local = LocalStorage(self.root)
        super().__init__(url, self._local)

    @classmethod
    def open(cls, cli_url: str | None = None, project: Project | None = None) -> FileBackend:
        """The backend chosen by ``resolve_backend_url`` (a ``file://`` one)."""
        return cls(resolve_backend_url(cli_url, project))

    def stack_path(self, ref: StackRef) -> Path:
        return self._local.path(self.stack_key(ref))

    def backup_dir(self, ref: StackRef) -> Path:
        return self._local.path(self.backup_prefix(ref))

    def history_dir(self, ref: StackRef) -> Path:
        return self._local.path(self.history_prefix(ref))

    def lock_dir(self, ref: StackRef) -> Path:
        return self._local.path(self.lock_prefix(ref))
