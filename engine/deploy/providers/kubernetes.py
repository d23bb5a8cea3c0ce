"""``--render-kubernetes DIR``: ``kubernetes:*`` resources rendered as YAML manifests, not deployed.

There is no pulumi-kubernetes provider plugin here, so the engine does what that provider does with
its ``renderYamlToDirectory`` option (pulumi/pulumi-kubernetes, provider/pkg/provider/provider.go,
``renderYaml`` and ``renderPathForResource``): each object is written, its keys sorted as
``yaml.JSONToYAML`` sorts them, to ``DIR/0-crd/`` (CustomResourceDefinitions) or ``DIR/1-manifest/``
(everything else) as ``<apiVersion>-<kind>-<namespace>-<name>.yaml`` — ``/`` and ``:`` of the
apiVersion replaced by ``_``, the kind lower-cased, namespace ``default`` when none is given —
directories 0700, files 0600. The resource is recorded in the state as the provider records it (id
``<namespace>/<name>`` or ``<name>``, outputs = the checked inputs) and deleting it removes the file.
An explicit ``pulumi:providers:kubernetes`` is recorded with a UUID id and no call.

Secrets among the inputs (a Secret's ``stringData``) are written to the manifest in plaintext, since
the manifest needs them, but stay secrets in the outputs (so the state encrypts them and displays
mask them). ``KubernetesRenderer`` answers the calls the engine makes of a ``ProviderPool``.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from aicompute.engine.deploy.providers.base import CheckFailure, DiffResult, ProviderError, ReadResult
from aicompute.engine.resource.checkpoint_values import UNKNOWN, unwrap_secrets
from aicompute.engine.resource.wire_values import PropertyMap, for_provider
from aicompute.engine.util.fileio import atomic_write

KUBERNETES_PACKAGE = "kubernetes"
KUBERNETES_PROVIDER_TYPE = "pulumi:providers:kubernetes"
CRD_DIRECTORY = "0-crd"
MANIFEST_DIRECTORY = "1-manifest"


def is_kubernetes(type_: str) -> bool:
    """A pulumi-kubernetes resource type, or that package's provider."""
    return type_.startswith(f"{KUBERNETES_PACKAGE}:") or type_ == KUBERNETES_PROVIDER_TYPE


def _metadata(props: Mapping[str, Any]) -> Mapping[str, Any]:
    metadata = unwrap_secrets(props.get("metadata"))
    return metadata if isinstance(metadata, Mapping) else {}


def object_id(props: Mapping[str, Any]) -> str:
    """The provider's id for an object: ``<namespace>/<name>``, or ``<name>`` without a namespace."""
    metadata = _metadata(props)
    name, namespace = str(metadata.get("name") or ""), str(metadata.get("namespace") or "")
    return f"{namespace}/{name}" if namespace else name


def manifest_path(directory: Path, props: Mapping[str, Any]) -> Path:
    """Where pulumi-kubernetes' ``renderPathForResource`` puts an object's manifest."""
    metadata = _metadata(props)
    api_version = str(unwrap_secrets(props.get("apiVersion")) or "").replace("/", "_").replace(":", "_")
    kind = str(unwrap_secrets(props.get("kind")) or "")
    namespace = str(metadata.get("namespace") or "default")
    file_name = f"{api_version}-{kind.lower()}-{namespace}-{metadata.get('name') or ''}.yaml"
    folder = CRD_DIRECTORY if kind == "CustomResourceDefinition" else MANIFEST_DIRECTORY
    return directory / folder / file_name


def _plain(value: Any) -> Any:
    """A value as the manifest holds it: no nulls, whole numbers as integers (Struct sends floats)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value if v is not None]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _secret_data(document: dict[str, Any]) -> dict[str, Any]:
    """A v1 Secret's ``stringData`` folded into ``data`` (base64, ``stringData`` winning), as the
    provider normalises a Secret before it renders or applies it."""
    if document.get("apiVersion") != "v1" or document.get("kind") != "Secret" or "stringData" not in document:
        return document
    folded = dict(document)
    string_data = folded.pop("stringData") or {}
    encoded = {key: base64.b64encode(str(value).encode()).decode("ascii") for key, value in string_data.items()}
    folded["data"] = {**(folded.get("data") or {}), **encoded}
    return folded


def render_manifest(props: Mapping[str, Any]) -> str:
    """The YAML of one object, secrets revealed, keys sorted (deterministic)."""
    document = _secret_data(_plain(for_provider(dict(props))))
    return yaml.safe_dump(document, sort_keys=True, default_flow_style=False, allow_unicode=True)


class KubernetesRenderer:
    """The provider operations the engine calls, for ``kubernetes:*`` resources rendered to ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def check(
        self, urn: str, type_: str, name: str, olds: PropertyMap, news: PropertyMap
    ) -> tuple[PropertyMap, list[CheckFailure]]:
        if type_ == KUBERNETES_PROVIDER_TYPE:
            return dict(news), []
        checked = dict(news)
        metadata = checked.get("metadata")
        if metadata == UNKNOWN:
            return checked, []
        metadata = dict(metadata) if isinstance(metadata, Mapping) else {}
        if not metadata.get("name"):
            # As the provider autonames: <resource name>-<8 random characters>, kept across updates.
            metadata["name"] = _metadata(olds).get("name") or f"{name}-{secrets.token_hex(4)}"
            checked["metadata"] = metadata
        failures = [CheckFailure(key, f"{key} is required") for key in ("apiVersion", "kind") if not news.get(key)]
        return checked, failures

    def diff(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        new_inputs: PropertyMap,
        old_inputs: PropertyMap,
        ignore_changes: list[str],
    ) -> DiffResult:
        if type_ == KUBERNETES_PROVIDER_TYPE:
            return DiffResult(changes="unknown")
        old_meta, new_meta = _metadata(old_inputs), _metadata(new_inputs)
        replaces = [key for key in ("apiVersion", "kind") if old_inputs.get(key) != new_inputs.get(key)]
        if any(old_meta.get(key) != new_meta.get(key) for key in ("name", "namespace")):
            replaces.append("metadata")
        # A replacement written to the same file must delete the old one first.
        same_file = manifest_path(self.directory, old_inputs) == manifest_path(self.directory, new_inputs)
        return DiffResult(
            changes="unknown", replaces=tuple(replaces), delete_before_replace=bool(replaces) and same_file
        )

    def _write(self, urn: str, props: PropertyMap) -> None:
        path = manifest_path(self.directory, props)
        try:
            for folder in (CRD_DIRECTORY, MANIFEST_DIRECTORY):
                (self.directory / folder).mkdir(mode=0o700, parents=True, exist_ok=True)
            atomic_write(path, render_manifest(props), mode=0o600)
        except OSError as error:
            raise ProviderError("create", urn, f"failed to write YAML file {str(path)!r}: {error.strerror}") from None

    def create(self, urn: str, type_: str, name: str, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        if type_ == KUBERNETES_PROVIDER_TYPE:
            return str(uuid.uuid4()), dict(inputs)
        self._write(urn, inputs)
        return object_id(inputs), dict(inputs)

    def update(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        new_inputs: PropertyMap,
        old_inputs: PropertyMap,
    ) -> PropertyMap:
        if type_ != KUBERNETES_PROVIDER_TYPE:
            self._write(urn, new_inputs)
        return dict(new_inputs)

    def delete(self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> None:
        if type_ == KUBERNETES_PROVIDER_TYPE:
            return
        with contextlib.suppress(FileNotFoundError):
            manifest_path(self.directory, outputs or inputs).unlink()

    def read(self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> ReadResult:
        return ReadResult(id=id_, outputs=dict(outputs), inputs=dict(inputs))
