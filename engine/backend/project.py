"""``Pulumi.yaml`` (the project) and ``Pulumi.<stack>.yaml`` (a stack's settings).

The project: ``name``, ``runtime`` (``python`` or ``{name: python, options: {virtualenv: …}}``),
``main``, ``description``, ``stackConfigDir``, ``backend.url`` and the project-level ``config``
declarations, normalised as Pulumi does (a bare value on a project key is its ``default``, on another
namespace's key its ``value``; project keys are namespaced ``<project>:<key>``).

A stack's settings: ``encryptionsalt`` and ``config``, whose values are plain text, ``secure:``
ciphertexts, or structured values (mappings or lists whose leaves may be ``{secure: …}``). Plain
scalars keep the text the author wrote, as the Pulumi CLI reads them. Saving keeps key order and
every other top-level attribute (``secretsprovider``, ``environment``, …); comments are not kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from aicompute.engine.util.fileio import (
    TaggedScalar,
    YamlError,
    atomic_write,
    compose_mapping,
    construct,
    dump_yaml,
    parse_yaml,
)

PROJECT_FILE_NAMES = ("Pulumi.yaml", "Pulumi.yml")
PYTHON_RUNTIME = "python"
CONFIG_TYPES = ("string", "integer", "boolean", "array")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"


class ProjectError(ValueError):
    """``Pulumi.yaml`` or ``Pulumi.<stack>.yaml`` is missing or invalid; the message names the field."""


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class ConfigDeclaration:
    """One entry of ``Pulumi.yaml``'s ``config``: ``key`` is namespaced (``proj:size``, ``aws:region``).

    ``default`` and ``value`` are ``MISSING`` when not given; ``items`` is the item type of an array
    (``{"type": …, "items": …}``).
    """

    key: str
    type: str | None = None
    description: str = ""
    default: Any = MISSING
    value: Any = MISSING
    secret: bool = False
    items: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Runtime:
    name: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Project:
    """A loaded ``Pulumi.yaml``; ``raw`` is the document as read (saved back by ``save_project``)."""

    name: str
    runtime: Runtime
    file: Path
    main: str | None = None
    description: str | None = None
    stack_config_dir: str | None = None
    backend_url: str | None = None
    config: dict[str, ConfigDeclaration] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def directory(self) -> Path:
        return self.file.parent

    @property
    def program_path(self) -> Path:
        """Where the program is: ``main`` (a file or directory) relative to the project, else the project."""
        return (self.directory / self.main).resolve() if self.main else self.directory

    @property
    def virtualenv(self) -> Path | None:
        """The ``runtime.options.virtualenv`` directory, resolved against the project directory."""
        venv = self.runtime.options.get("virtualenv")
        return (self.directory / str(venv)).resolve() if venv else None

    def namespaced(self, key: str) -> str:
        """``key`` with the project namespace added when it has none."""
        return key if ":" in key else f"{self.name}:{key}"

    def stack_settings_path(self, stack: str) -> Path:
        """``Pulumi.<stack>.yaml`` in ``stackConfigDir`` (or beside ``Pulumi.yaml``)."""
        base = self.directory / self.stack_config_dir if self.stack_config_dir else self.directory
        return base / f"Pulumi.{stack}.yaml"


def find_project_file(start: Path) -> Path:
    """``Pulumi.yaml`` in ``start`` or the nearest directory above it."""
    start = start.resolve()
    for directory in (start, *start.parents):
        for name in PROJECT_FILE_NAMES:
            candidate = directory / name
            if candidate.is_file():
                return candidate
    raise ProjectError(f"no Pulumi.yaml project file found (searching upwards from {start})")


def load_project(path: Path) -> Project:
    """The project in ``path`` (a ``Pulumi.yaml`` or a directory at or below one)."""
    file = path if path.is_file() else find_project_file(path)
    document = parse_yaml(file.read_text(encoding="utf-8"), str(file))
    if not isinstance(document, dict):
        raise ProjectError(f"{file}: expected a mapping with 'name' and 'runtime'")
    name = _project_name(document, file)
    return Project(
        name=name,
        runtime=_runtime(document.get("runtime", MISSING), file),
        file=file.resolve(),
        main=_optional_string(document, "main", file),
        description=_optional_string(document, "description", file),
        stack_config_dir=_optional_string(document, "stackConfigDir", file),
        backend_url=_backend_url(document.get("backend"), file),
        config=_config_declarations(document.get("config"), name, file),
        raw=document,
    )


def save_project(project: Project) -> None:
    """Write ``project.raw`` back atomically, keeping its key order."""
    atomic_write(project.file, dump_yaml(project.raw))


def _project_name(document: Mapping[str, Any], file: Path) -> str:
    name = document.get("name")
    if name is None:
        raise ProjectError(f"{file}: 'name' is required")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ProjectError(
            f"{file}: 'name' must be 1-100 letters, digits, hyphens, underscores or periods (got {name!r})"
        )
    return name


def _optional_string(document: Mapping[str, Any], key: str, file: Path) -> str | None:
    value = document.get(key)
    if value is not None and not isinstance(value, str):
        raise ProjectError(f"{file}: '{key}' must be a string (got {type(value).__name__})")
    return value


def _runtime(value: Any, file: Path) -> Runtime:
    if value is MISSING:
        raise ProjectError(f"{file}: 'runtime' is required (aicompute runs 'python' projects)")
    if isinstance(value, str):
        runtime = Runtime(value)
    elif isinstance(value, dict) and isinstance(value.get("name"), str):
        options = value.get("options") or {}
        if not isinstance(options, dict):
            raise ProjectError(f"{file}: 'runtime.options' must be a mapping")
        runtime = Runtime(value["name"], options)
    else:
        raise ProjectError(f"{file}: 'runtime' must be a name or a mapping with 'name' and 'options'")
    if runtime.name != PYTHON_RUNTIME:
        raise ProjectError(
            f"{file}: 'runtime' is {runtime.name!r}; aicompute runs only 'python' projects (use the Pulumi CLI)"
        )
    return runtime


def _backend_url(value: Any, file: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("url", ""), str):
        raise ProjectError(f"{file}: 'backend' must be a mapping with a string 'url'")
    return value.get("url") or None


def _config_declarations(value: Any, project: str, file: Path) -> dict[str, ConfigDeclaration]:
    if value is None:
        return {}
    if isinstance(value, str):
        return {}  # the deprecated `config: <dir>` spelling of stackConfigDir
    if not isinstance(value, dict):
        raise ProjectError(f"{file}: 'config' must be a mapping of keys to declarations")
    return {decl.key: decl for decl in (_declaration(str(k), v, project, file) for k, v in value.items())}


def _declaration(key: str, spec: Any, project: str, file: Path) -> ConfigDeclaration:
    own = ":" not in key or key.startswith(f"{project}:")
    full_key = key if ":" in key else f"{project}:{key}"
    where = f"{file}: config '{key}'"
    if not isinstance(spec, dict):
        spec = {"default": spec} if own else {"value": spec}
    unknown = set(spec) - {"type", "description", "default", "value", "secret", "items"}
    if unknown:
        raise ProjectError(f"{where}: unknown attribute(s) {sorted(unknown)}")
    decl = ConfigDeclaration(
        key=full_key,
        type=spec.get("type"),
        description=str(spec.get("description") or ""),
        default=spec.get("default", MISSING),
        value=spec.get("value", MISSING),
        secret=bool(spec.get("secret", False)),
        items=spec.get("items"),
    )
    _check_declaration(decl, own, where)
    return decl


def _check_declaration(decl: ConfigDeclaration, own: bool, where: str) -> None:
    if decl.default is not MISSING and decl.value is not MISSING:
        raise ProjectError(f"{where}: cannot have both a 'default' and a 'value'")
    if decl.type is not None and decl.type not in CONFIG_TYPES:
        raise ProjectError(f"{where}: 'type' must be one of {', '.join(CONFIG_TYPES)} (got {decl.type!r})")
    if not own:
        if decl.type is not None or decl.default is not MISSING:
            raise ProjectError(f"{where}: a key of another namespace takes only a 'value', not a 'type' or 'default'")
        if decl.value is MISSING:
            raise ProjectError(f"{where}: a key of another namespace must provide a 'value'")
        return
    if decl.type == "array" and not decl.items:
        raise ProjectError(f"{where}: an array declares its item type with 'items'")
    if decl.type is not None and decl.default is not MISSING and not matches_type(decl.default, decl.type, decl.items):
        raise ProjectError(f"{where}: 'default' is not of type '{decl.type}'")


def matches_type(value: Any, type_: str, items: Mapping[str, Any] | None) -> bool:
    """Pulumi's ``ValidateConfigValue``: does a YAML value (or config text) fit a declared type."""
    if type_ == "string":
        return isinstance(value, str)
    if type_ == "integer":
        return _is_integer(value)
    if type_ == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_ == "array":
        if not isinstance(value, list) or not items:
            return False
        return all(matches_type(v, str(items.get("type")), items.get("items")) for v in value)
    return True


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, str):
        try:
            int(value)
        except ValueError:
            return False
        return True
    return False


# Pulumi.<stack>.yaml ----------------------------------------------------------------------------
@dataclass(frozen=True)
class PlainValue:
    """A plain config value: the text as written (``true``, ``3`` and ``1.10`` stay text).

    ``yaml_tag`` is the YAML tag the value was read with, so saving writes ``3`` back as ``3``
    rather than ``'3'``; new values are written as strings.
    """

    text: str
    yaml_tag: str = field(default=STR_TAG, compare=False)


@dataclass(frozen=True)
class SecureValue:
    """A ``secure: v1:…`` value: the ciphertext of the plain text."""

    ciphertext: str


@dataclass(frozen=True)
class ObjectValue:
    """A structured value (mapping or list); leaves may be ``{"secure": "<ciphertext>"}``."""

    value: Any

    @property
    def has_secrets(self) -> bool:
        return _contains_secure(self.value)


ConfigValue = PlainValue | SecureValue | ObjectValue


def is_secure_leaf(value: Any) -> bool:
    """A ``{secure: <ciphertext>}`` mapping."""
    return isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get("secure"), str)


def _contains_secure(value: Any) -> bool:
    if is_secure_leaf(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


@dataclass
class StackSettings:
    """A loaded (or new, when the file is absent) ``Pulumi.<stack>.yaml``; ``config`` keys are namespaced."""

    stack: str
    path: Path
    encryption_salt: str | None = None
    config: dict[str, ConfigValue] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def exists(self) -> bool:
        return self.path.is_file()


def load_stack_settings(project: Project, stack: str) -> StackSettings:
    """``Pulumi.<stack>.yaml`` of ``project``; empty settings when the file does not exist."""
    path = project.stack_settings_path(stack)
    settings = StackSettings(stack=stack, path=path)
    if not path.is_file():
        return settings
    root = compose_mapping(path.read_text(encoding="utf-8"), str(path))
    for key_node, value_node in root.value if root else []:
        key = str(key_node.value)
        if key == "config":
            settings.config = _config_values(value_node, project, path)
        elif key == "encryptionsalt":
            settings.encryption_salt = str(construct(value_node) or "") or None
        else:
            settings.extra[key] = construct(value_node)
    return settings


def _config_values(node: yaml.Node, project: Project, path: Path) -> dict[str, ConfigValue]:
    if isinstance(node, yaml.ScalarNode) and node.tag == NULL_TAG:
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise ProjectError(f"{path}: 'config' must be a mapping of keys to values")
    return {project.namespaced(str(k.value)): _config_value(v) for k, v in node.value}


def _config_value(node: yaml.Node) -> ConfigValue:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == NULL_TAG:
            return PlainValue("")
        return PlainValue(str(node.value), yaml_tag=node.tag)
    value = construct(node)
    if is_secure_leaf(value):
        return SecureValue(value["secure"])
    return ObjectValue(value)


def save_stack_settings(settings: StackSettings) -> None:
    """Write ``Pulumi.<stack>.yaml`` atomically: ``encryptionsalt`` and ``config`` plus whatever else it had."""
    document: dict[str, Any] = {}
    extra = dict(settings.extra)
    for key in ("secretsprovider", "encryptedkey"):
        if key in extra:
            document[key] = extra.pop(key)
    if settings.encryption_salt:
        document["encryptionsalt"] = settings.encryption_salt
    if settings.config:
        document["config"] = {key: _yaml_form(value) for key, value in settings.config.items()}
    document.update(extra)
    atomic_write(settings.path, dump_yaml(document) if document else "")


def _yaml_form(value: ConfigValue) -> Any:
    if isinstance(value, PlainValue):
        return value.text if value.yaml_tag == STR_TAG else TaggedScalar(value.yaml_tag, value.text)
    if isinstance(value, SecureValue):
        return {"secure": value.ciphertext}
    return value.value


__all__ = [
    "MISSING",
    "ConfigDeclaration",
    "ConfigValue",
    "ObjectValue",
    "PlainValue",
    "Project",
    "ProjectError",
    "Runtime",
    "SecureValue",
    "StackSettings",
    "YamlError",
    "find_project_file",
    "is_secure_leaf",
    "load_project",
    "load_stack_settings",
    "matches_type",
    "save_project",
    "save_stack_settings",
]
