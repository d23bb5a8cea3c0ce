"""Files on disk: YAML documents read as their authors wrote them, and atomic writes.

``compose_mapping`` gives the node tree of a mapping document, so a caller can read a scalar's
source text (Pulumi reads config scalars as strings: ``1.10`` stays ``"1.10"``, ``true`` stays
``"true"``) and ``construct`` the rest; mapping order is kept everywhere.
``atomic_write`` writes a temporary file beside the target, fsyncs it and renames it over the target,
so readers see the old or the new file, never a torn one; a temporary file a killed writer left is
removed by the next write to the same target.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class YamlError(ValueError):
    """A file is not valid YAML or not the expected shape."""


def parse_yaml(text: str, source: str) -> Any:
    """The document in ``text`` (mapping order kept); ``YamlError`` naming ``source`` when malformed."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise YamlError(f"{source}: invalid YAML: {exc}") from exc


def compose_mapping(text: str, source: str) -> yaml.MappingNode | None:
    """The node tree of a YAML mapping document (``None`` for an empty one)."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise YamlError(f"{source}: invalid YAML: {exc}") from exc
    if node is None:
        return None
    if not isinstance(node, yaml.MappingNode):
        raise YamlError(f"{source}: expected a mapping at the top level")
    return node


def construct(node: yaml.Node) -> Any:
    """The Python value of one node, as ``yaml.safe_load`` would build it."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


@dataclass(frozen=True)
class TaggedScalar:
    """A scalar written back with the tag it was read with, so ``true`` and ``3`` stay unquoted."""

    tag: str
    text: str


class _Dumper(yaml.SafeDumper):
    pass


def _represent_tagged(dumper: yaml.SafeDumper, scalar: TaggedScalar) -> yaml.ScalarNode:
    return dumper.represent_scalar(scalar.tag, scalar.text)


_Dumper.add_representer(TaggedScalar, _represent_tagged)


def dump_yaml(document: Any) -> str:
    """Block-style YAML keeping mapping order (``TaggedScalar`` values keep their source form)."""
    text: str = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 16
    )
    return text


def atomic_write(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    """Replace ``path`` with ``data`` atomically (temp file in the same directory, fsync, rename);
    the temporary files of earlier writes to ``path`` whose process is gone are removed first."""
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    payload = data.encode() if isinstance(data, str) else data
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(path.parent)


def remove_stale_temporaries(path: Path) -> None:
    """Delete ``.<name>.<pid>.<random>.tmp`` files beside ``path`` left by a writer that was killed
    mid-write (its process no longer runs); a live writer's file is left alone."""
    # ``.<name>.<random>.tmp``: written before temporary names carried their writer's pid.
    pattern = re.compile(rf"\.{re.escape(path.name)}\.(?:(\d+)\.)?\w+\.tmp")
    for temporary in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        found = pattern.fullmatch(temporary.name)
        if found and not (found.group(1) and _running(int(found.group(1)))):
            with contextlib.suppress(OSError):
                temporary.unlink()


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
