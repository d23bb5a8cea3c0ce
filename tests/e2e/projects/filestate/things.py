"""A test-only dynamic resource: each object is a JSON file ``<dir>/<name>.json``.

``filestate:dir`` (stack config, passed to ``configure``) names the directory. Inputs: ``name``
and ``kind`` are create-only (a change replaces; ``kind: unique`` asks for delete-before-replace),
``value`` and ``size`` update in place, ``sleep`` makes create/update/delete take that many seconds
(a create writes its object first), ``fail`` makes a create fail before it writes anything,
``adopt`` lets a create take over an existing object (as does ``AICOMPUTE_RECONCILE_CREATES=1``,
which the engine sets to repeat an interrupted create). Every
finished call appends ``<op> <name> <start> <end>`` to ``<dir>/calls.log``, so tests can see which
calls happened, and when.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

CREATE_ONLY = ("name", "kind")
UPDATABLE = ("value", "size")


class ThingProvider(ResourceProvider):
    directory = ""

    def configure(self, req: ConfigureRequest) -> None:
        self.directory = str(req.config.get("filestate:dir") or os.environ.get("FILESTATE_DIR", ""))

    def _path(self, name: str) -> Path:
        return Path(self.directory) / f"{name}.json"

    def _log(self, op: str, name: str, start: float) -> None:
        with open(Path(self.directory) / "calls.log", "a") as log:
            log.write(f"{op} {name} {start:.3f} {time.time():.3f}\n")

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = []
        if not isinstance(news.get("name"), str) or not news.get("name"):
            failures.append(CheckFailure("name", "name: a non-empty string is required"))
        if news.get("size") is not None and not isinstance(news["size"], (int, float)):
            failures.append(CheckFailure("size", "size: must be a number"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        keys = (*CREATE_ONLY, *UPDATABLE)
        changed = [k for k in keys if olds.get(k) != news.get(k)]
        replaces = [k for k in changed if k in CREATE_ONLY]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=news.get("kind") == "unique")

    def create(self, props: dict[str, Any]) -> CreateResult:
        # The object is written first, then the call "takes" ``sleep`` seconds: a create killed
        # while it sleeps has happened on the "platform" without the engine hearing of it.
        start = time.time()
        path = self._path(props["name"])
        adopt = props.get("adopt") or os.environ.get("AICOMPUTE_RECONCILE_CREATES") == "1"
        if path.exists() and not adopt:
            raise RuntimeError(f"{props['name']} already exists")
        if props.get("fail"):
            raise RuntimeError(f"{props['name']}: the platform refused the create (fail is set)")
        state = {k: props.get(k) for k in (*CREATE_ONLY, *UPDATABLE)}
        path.write_text(json.dumps(state))
        time.sleep(float(props.get("sleep") or 0))
        self._log("create", props["name"], start)
        return CreateResult(props["name"], {**props, "path": str(path), "generation": 1})

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        path = self._path(id_)
        if not path.exists():
            return ReadResult("", {})
        state = json.loads(path.read_text())
        outs = {**props, **state, "path": str(path)}
        inputs = {k: v for k, v in state.items() if v is not None}
        if props.get("sleep") is not None:
            inputs["sleep"] = props["sleep"]
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        start = time.time()
        time.sleep(float(news.get("sleep") or 0))
        path = self._path(id_)
        state = json.loads(path.read_text())
        state.update({k: news.get(k) for k in UPDATABLE})
        path.write_text(json.dumps(state))
        self._log("update", id_, start)
        return UpdateResult({**news, "path": str(path), "generation": int(olds.get("generation") or 1) + 1})

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        start = time.time()
        time.sleep(float(props.get("sleep") or 0))
        self._path(id_).unlink(missing_ok=True)
        self._log("delete", id_, start)


class Thing(Resource, module="test", name="Thing"):
    value: pulumi.Output[Any]
    path: pulumi.Output[str]
    generation: pulumi.Output[int]

    def __init__(self, resource_name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        seeded = {"value": None, "path": None, "generation": None, **props}
        super().__init__(ThingProvider(), resource_name, seeded, opts)
