"""Pulumi's file ("diy") backend: where stacks live and how their state is written.

Layout under the backend root (``file://~`` is ``~``, so the state is in ``~/.pulumi`` exactly where
``pulumi login --local`` keeps it)::

    .pulumi/meta.yaml                                   version: 1 (project-scoped stacks)
    .pulumi/stacks/<project>/<stack>.json               the checkpoint (+ <stack>.json.bak, the previous one)
    .pulumi/backups/<project>/<stack>/<stack>.<ns>.json a copy after every update
    .pulumi/history/<project>/<stack>/<stack>-<ns>.{history,checkpoint}.json
    .pulumi/locks/organization/<project>/<stack>/<uuid>.json

A checkpoint is ``{"version": 3, "checkpoint": {"stack": "organization/<project>/<stack>", "latest":
<deployment>}}`` (the ``stack`` field is the stack's fully qualified name, as the diy backend writes
it; ``latest`` is absent for a stack never updated). Every write is validated against Pulumi's
schemas and integrity rules, then written atomically after copying the previous file to ``.bak``.

The caller holds the stack's lock (``FileBackend.lock``) around an operation, saves the deployment
after every step (``save_deployment``), and calls ``record_update`` once when a non-preview
operation ends.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aicompute.engine.backend.lock import StackLock
from aicompute.engine.backend.project import Project
from aicompute.engine.resource.checkpoint_values import RedactingCrypter
from aicompute.engine.resource.schema import validate_deployment
from aicompute.engine.resource.state import DEPLOYMENT_VERSION, Deployment, Manifest, verify_integrity
from aicompute.engine.secrets.passphrase import Crypter
from aicompute.engine.util.fileio import atomic_write, dump_yaml, parse_yaml

FILE_SCHEME = "file://"
DEFAULT_BACKEND_URL = "file://~"
BACKEND_URL_ENVS = ("AICOMPUTE_BACKEND_URL", "PULUMI_BACKEND_URL")
ORGANIZATION = "organization"
BOOKKEEPING_DIR = ".pulumi"
META_VERSION = 1
_STACK_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class BackendError(Exception):
    """The backend cannot do what was asked; the message says why and what to do."""


class StackNotFound(BackendError):
    pass


class StackAlreadyExists(BackendError):
    pass


class StackHasResources(BackendError):
    pass


def resolve_backend_url(
    cli_url: str | None = None, project: Project | None = None, environ: Mapping[str, str] | None = None
) -> str:
    """``--backend-url``, then ``AICOMPUTE_BACKEND_URL``, ``PULUMI_BACKEND_URL``, ``Pulumi.yaml``'s
    ``backend.url``, then ``file://~``."""
    env = os.environ if environ is None else environ
    candidates = [cli_url, *(env.get(name) for name in BACKEND_URL_ENVS), project.backend_url if project else None]
    return next((c for c in candidates if c), DEFAULT_BACKEND_URL)


def backend_root(url: str) -> Path:
    """The directory a ``file://`` URL names (``~`` expanded, relative paths from the working directory)."""
    if not url.startswith(FILE_SCHEME):
        scheme = url.split("://", 1)[0] if "://" in url else url
        raise BackendError(
            f"backend {url!r} is not supported: aicompute's embedded engine uses only file:// backends "
            f"(got {scheme!r}). Use the Pulumi CLI for the Pulumi Cloud or s3/azblob/gs backends, "
            f"or point --backend-url at a directory, e.g. file://~ or file:///path/to/state."
        )
    location = url[len(FILE_SCHEME) :].split("?", 1)[0]
    if not location:
        raise BackendError(f"backend {url!r} names no directory (try file://~ or file:///path/to/state)")
    return Path(location).expanduser().resolve()


@dataclass(frozen=True)
class StackRef:
    """A stack of a project in the backend."""

    project: str
    name: str

    @property
    def fully_qualified_name(self) -> str:
        return f"{ORGANIZATION}/{self.project}/{self.name}"

    @classmethod
    def parse(cls, text: str, project: str) -> StackRef:
        """``<stack>``, ``organization/<stack>`` or ``organization/<project>/<stack>``."""
        parts = text.split("/")
        if len(parts) > 3 or not text:
            raise BackendError(f"invalid stack name {text!r}: use <stack> or organization/<project>/<stack>")
        if len(parts) > 1 and parts[0] != ORGANIZATION:
            raise BackendError(f"invalid stack name {text!r}: the organization of a file backend is {ORGANIZATION!r}")
        name = parts[-1]
        if not _STACK_NAME_RE.match(name):
            raise BackendError(
                f"invalid stack name {name!r}: use 1-100 letters, digits, hyphens, underscores or periods"
            )
        return cls(project=parts[1] if len(parts) == 3 else project, name=name)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class StackSummary:
    ref: StackRef
    last_update: str | None
    resource_count: int | None


@dataclass(frozen=True)
class UpdateInfo:
    """One entry of a stack's history, in Pulumi's ``UpdateInfo`` JSON shape.

    ``kind`` is ``update``/``refresh``/``destroy``/``import``; ``result`` ``succeeded`` or ``failed``;
    times are Unix seconds; ``resource_changes`` counts operations (``{"create": 2, "same": 1}``).
    """

    kind: str
    start_time: int
    end_time: int
    result: str
    message: str = ""
    environment: Mapping[str, str] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    resource_changes: Mapping[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "startTime": self.start_time,
            "message": self.message,
            "environment": dict(self.environment),
            "config": dict(self.config),
            "version": 0,
            "result": self.result,
            "endTime": self.end_time,
        }
        if self.resource_changes:
            out["resourceChanges"] = dict(self.resource_changes)
        return out


def _dump_json(document: Any) -> str:
    return json.dumps(document, indent=4, ensure_ascii=False) + "\n"


def _keep_as_backup(path: Path, backup: Path) -> None:
    """Make ``backup`` the current ``path``: a hard link (the next write replaces ``path`` by a new
    file, so the link keeps the old one), atomically swapped in; a copy where links are refused."""
    link = backup.with_name(f".{backup.name}.{os.getpid()}.link")
    try:
        link.unlink(missing_ok=True)
        os.link(path, link)
        os.replace(link, backup)
    except OSError:
        link.unlink(missing_ok=True)
        atomic_write(backup, path.read_bytes())


RESOURCE_INDENT = 16
"""How deep ``checkpoint.latest.resources[i]`` sits in an indented checkpoint."""


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


class FileBackend:
    """A file backend rooted at a directory; see the module docstring for the layout."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.root = backend_root(url)
        self.state_dir = self.root / BOOKKEEPING_DIR
        self._layout_ok = False

    @classmethod
    def open(cls, cli_url: str | None = None, project: Project | None = None) -> FileBackend:
        """The backend chosen by ``resolve_backend_url``."""
        return cls(resolve_backend_url(cli_url, project))

    # paths --------------------------------------------------------------------------------------
    def stack_path(self, ref: StackRef) -> Path:
        return self.state_dir / "stacks" / ref.project / f"{ref.name}.json"

    def backup_dir(self, ref: StackRef) -> Path:
        return self.state_dir / "backups" / ref.project / ref.name

    def history_dir(self, ref: StackRef) -> Path:
        return self.state_dir / "history" / ref.project / ref.name

    def lock_dir(self, ref: StackRef) -> Path:
        return self.state_dir / "locks" / ORGANIZATION / ref.project / ref.name

    # layout -------------------------------------------------------------------------------------
    def ensure_layout(self) -> None:
        """Refuse Pulumi's legacy (unscoped) layout; write ``meta.yaml`` for a new backend.

        Checked once per backend object: it is called before every state write."""
        if self._layout_ok:
            return
        meta = self.state_dir / "meta.yaml"
        if meta.is_file():
            doc = parse_yaml(meta.read_text(encoding="utf-8"), str(meta)) or {}
            version = doc.get("version") if isinstance(doc, dict) else None
            if version != META_VERSION:
                raise self._legacy_error(f"{meta} has version {version!r}")
        else:
            stacks = self.state_dir / "stacks"
            if stacks.is_dir() and any(p.is_file() and p.suffix == ".json" for p in stacks.iterdir()):
                raise self._legacy_error(f"{stacks} holds stacks that are not project-scoped")
            atomic_write(meta, dump_yaml({"version": META_VERSION}))
        self._layout_ok = True

    def _legacy_error(self, detail: str) -> BackendError:
        return BackendError(
            f"the backend {self.url} uses Pulumi's legacy stack layout ({detail}); "
            "upgrade it with `pulumi state upgrade` to use it with aicompute"
        )

    # stacks -------------------------------------------------------------------------------------
    def exists(self, ref: StackRef) -> bool:
        return self.stack_path(ref).is_file()

    def create_stack(self, ref: StackRef) -> None:
        """A new stack with no deployment yet; ``StackAlreadyExists`` if it exists."""
        self.ensure_layout()
        with self.lock(ref):
            if self.exists(ref):
                raise StackAlreadyExists(f"stack '{ref.fully_qualified_name}' already exists")
            checkpoint = {"version": DEPLOYMENT_VERSION, "checkpoint": {"stack": ref.fully_qualified_name}}
            atomic_write(self.stack_path(ref), _dump_json(checkpoint))

    def list_stacks(self, project: str | None = None) -> list[StackSummary]:
        """The stacks of ``project`` (all projects when ``None``), sorted by project and name."""
        base = self.state_dir / "stacks"
        if not base.is_dir():
            return []
        projects = [base / project] if project else sorted(p for p in base.iterdir() if p.is_dir())
        refs = [
            StackRef(directory.name, path.stem)
            for directory in projects
            if directory.is_dir()
            for path in sorted(directory.glob("*.json"))
            if _STACK_NAME_RE.match(path.stem)
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
            path = self.stack_path(ref)
            os.replace(path, path.with_name(path.name + ".bak"))
            shutil.rmtree(self.history_dir(ref), ignore_errors=True)
            if remove_backups:
                shutil.rmtree(self.backup_dir(ref), ignore_errors=True)
                path.with_name(path.name + ".bak").unlink(missing_ok=True)

    def lock(self, ref: StackRef) -> StackLock:
        """The stack's lock, acquired by ``with``; ``StackLocked`` names the other holder."""
        return StackLock(self.lock_dir(ref), f"'{ref.fully_qualified_name}'")

    # state --------------------------------------------------------------------------------------
    def read_checkpoint(self, ref: StackRef) -> dict[str, Any]:
        """The checkpoint file as JSON; ``StackNotFound`` if the stack does not exist."""
        path = self._require(ref)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
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
        """The stack's deployment in memory form (an empty one for a stack never updated)."""
        latest = self._latest(ref)
        return Deployment.from_json(latest, crypter) if latest is not None else Deployment()

    def save_deployment(self, ref: StackRef, deployment: Deployment, crypter: Crypter) -> None:
        """Validate and write the deployment (the previous checkpoint becomes ``.bak``)."""
        verify_integrity(deployment)
        texts = [resource.to_indented_json(crypter, RESOURCE_INDENT) for resource in deployment.resources]
        self.write_deployment(ref, deployment.to_json(crypter), texts)

    def import_deployment(self, ref: StackRef, document: Mapping[str, Any]) -> None:
        """Replace the stack's deployment with an exported one (``{"version": 3, "deployment": …}``)."""
        self._require(ref)
        validate_deployment(document)
        verify_integrity(Deployment.from_json(document["deployment"], RedactingCrypter()))
        self.write_deployment(ref, dict(document["deployment"]))

    def write_deployment(
        self, ref: StackRef, deployment_json: Mapping[str, Any], resource_texts: list[str] | None = None
    ) -> None:
        """Write an encoded deployment as the stack's ``latest`` (schema-validated, atomic, with ``.bak``);
        ``resource_texts`` are its resources already indented (see ``_dump_checkpoint``)."""
        validate_deployment({"version": DEPLOYMENT_VERSION, "deployment": deployment_json})
        self.ensure_layout()
        path = self.stack_path(ref)
        checkpoint = {
            "version": DEPLOYMENT_VERSION,
            "checkpoint": {"stack": ref.fully_qualified_name, "latest": deployment_json},
        }
        if path.is_file():
            _keep_as_backup(path, path.with_name(path.name + ".bak"))
        atomic_write(path, _dump_checkpoint(checkpoint, resource_texts))

    def record_update(self, ref: StackRef, info: UpdateInfo) -> None:
        """After a non-preview operation: a history entry (with a checkpoint copy) and a backup."""
        stamp = time.time_ns()
        current = self.stack_path(ref).read_bytes()
        history = self.history_dir(ref)
        atomic_write(history / f"{ref.name}-{stamp}.history.json", _dump_json(info.to_json()))
        atomic_write(history / f"{ref.name}-{stamp}.checkpoint.json", current)
        atomic_write(self.backup_dir(ref) / f"{ref.name}.{stamp}.json", current)

    def _require(self, ref: StackRef) -> Path:
        path = self.stack_path(ref)
        if not path.is_file():
            raise StackNotFound(
                f"no stack named '{ref.name}' found in project '{ref.project}' at {self.url} "
                f"(create it with `aicompute stack init {ref.name}`)"
            )
        return path
