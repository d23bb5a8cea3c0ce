"""What the Kubernetes-style ModelArts resource APIs share (seed chapters 10, 15 and 16).

Networks, pools, node pools, nodes, flavors and events are ``apiVersion/kind/metadata/spec/status``
objects. This module holds their stored kinds, their error answers, request-body parsing (pydantic
errors become the platform's 400 naming the field), JSON merge patch (RFC 7386), ``limit`` /
``continue`` pagination, label selectors and the "fail the next transition" bookkeeping.
Stored objects are the API JSON plus private keys starting with ``_``, which ``public`` strips.
"""

from __future__ import annotations

import base64
import copy
import re
import secrets
import string
from collections.abc import Callable, Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request
from pydantic import AfterValidator, BaseModel, ValidationError

from aicompute.localcloud import jsonbody
from aicompute.localcloud.directives import FAIL_MARK, pop_failure, take_failure
from aicompute.localcloud.modelarts.common import PlatformError, Transaction, modelarts_error

JSON = dict[str, Any]

NETWORK_KIND = "modelarts.network"
POOL_KIND = "modelarts.pool"
NODEPOOL_KIND = "modelarts.nodepool"
NODE_KIND = "modelarts.node"
EVENT_KIND = "modelarts.event"
WORKSPACE_KIND = "modelarts.workspace"

NAME_LABEL = "os.modelarts/name"
WORKSPACE_LABEL = "os.modelarts/workspace.id"
DESCRIPTION_ANNOTATION = "os.modelarts/description"
NODE_PREFIX_LABEL = "os.modelarts/node.prefix"

# Network and pool display names (digest §5.7/§5.13, from the public Terraform provider).
_DISPLAY_NAME = re.compile(r"^[a-z][a-z0-9-]{2,30}[a-z0-9]$")
# Descriptions must not contain !<>=&"' (seed tables 10-36, 10-100, 10-173).
_FORBIDDEN_IN_DESCRIPTION = frozenset("!<>=&\"'")


def _display_name(value: str) -> str:
    if not _DISPLAY_NAME.match(value):
        raise ValueError(
            f"{value!r} must be 4-32 characters of a-z, 0-9 and '-', start with a letter and end with a letter or digit"
        )
    return value


def _description(value: str) -> str:
    found = sorted(_FORBIDDEN_IN_DESCRIPTION & set(value))
    if found:
        raise ValueError(f"must not contain {' '.join(found)}")
    return value


DisplayName = Annotated[str, AfterValidator(_display_name)]
Description = Annotated[str, AfterValidator(_description)]

BAD_REQUEST_CODE = "ModelArts.50004000"
POOL_NOT_FOUND_CODE = "ModelArts.50015001"


# errors ----------------------------------------------------------------------------------------
def bad_request(detail: str = "") -> PlatformError:
    """400 ``ModelArts.50004000`` "Bad request." with what was wrong appended."""
    return modelarts_error(400, BAD_REQUEST_CODE, f"Bad request. {detail}" if detail else "Bad request.")


def pool_not_found() -> PlatformError:
    return modelarts_error(404, POOL_NOT_FOUND_CODE, "pool not found")


def conflict(detail: str) -> PlatformError:
    """409 ``ModelArts.5044``, the generic "wrong phase / concurrent change" answer (§19.2)."""
    return modelarts_error(409, "ModelArts.5044", f"Operations conflict, please try again later. {detail}")


def quota_exceeded(what: str, quota: int) -> PlatformError:
    return modelarts_error(400, "ModelArts.0118", f"QuotaInsufficient: the {what} to use exceeds the quota {quota}")


def check_new_object(tx: Transaction, project_id: str, kind: str, name: str, what: str, code: str, quota: int) -> None:
    """A new network or pool: its name is free (409 ``code``, "<What> already exists.") and the
    project's objects of that kind are under ``quota``."""
    if tx.get(kind, project_id, name) is not None:
        raise modelarts_error(409, code, f"{what.capitalize()} already exists.")
    if len(tx.object_ids(kind, project_id)) >= quota:
        raise quota_exceeded(what, quota)


# request bodies --------------------------------------------------------------------------------
def _path_text(parts: Sequence[object]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif re.search(r"[./]", str(part)):
            text += f'["{part}"]'
        else:
            text += f".{part}" if text else str(part)
    return text


def describe_validation(error: ValidationError, prefix: Sequence[object] = ()) -> str:
    """``spec.resources[0].count: Input should be greater than or equal to 1`` for each problem."""
    problems = []
    for item in error.errors():
        where = _path_text([*prefix, *item["loc"]])
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return "; ".join(problems)


Model = TypeVar("Model", bound=BaseModel)


def parse(
    model: type[Model],
    data: Any,
    fail: Callable[[str], PlatformError] = bad_request,
    where: Sequence[object] = (),
) -> Model:
    """Validate ``data`` (found at path ``where`` of the request) with ``model``; a failure is the
    platform's 400 naming each field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise fail(describe_validation(error, where)) from None


def dump(model: BaseModel) -> JSON:
    """A parsed request model as API JSON again: the API's spelling (aliases), unset fields left out."""
    dumped: JSON = model.model_dump(by_alias=True, exclude_none=True)
    return dumped


async def _read_json(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return jsonbody.loads(raw)
    except jsonbody.BodyError as error:
        raise bad_request(str(error)) from None


async def json_body(request: Request) -> Any:
    """The request's JSON body (``None`` when empty); malformed JSON is a 400 ``ModelArts.50004000``."""
    return await _read_json(request)


# The SDK (huaweicloudsdkmodelarts) sends PATCH bodies as application/json although the seed requires
# application/merge-patch+json (§10.11, §10.17, §16.4); both are read as a merge patch.
MERGE_PATCH_CONTENT_TYPES = frozenset({"application/merge-patch+json", "application/json"})


async def merge_patch_body(request: Request) -> JSON:
    """A PATCH body: must be a JSON object sent as ``application/merge-patch+json`` (digest §12.24)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in MERGE_PATCH_CONTENT_TYPES:
        raise bad_request(f"Content-Type must be application/merge-patch+json, not {content_type or 'empty'!r}")
    body = await _read_json(request)
    if not isinstance(body, dict):
        raise bad_request("a merge patch must be a JSON object")
    return body


JsonBody = Annotated[Any, Depends(json_body)]
MergePatch = Annotated[JSON, Depends(merge_patch_body)]

# Query parameters spelled as the API spells them; ``limit`` is parsed by ``parse_limit`` so that a
# bad value is the platform's own 400 rather than FastAPI's.
ContinueQuery = Annotated[str | None, Query(alias="continue")]
LabelSelectorQuery = Annotated[str | None, Query(alias="labelSelector")]
LimitQuery = Annotated[str | None, Query()]


# JSON merge patch (RFC 7386) -------------------------------------------------------------------
def merge_patch(target: Any, patch: Any) -> Any:
    """Objects merge key by key, ``null`` deletes a key, anything else (lists too) replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_patch(view: JSON, patch: JSON) -> tuple[JSON, JSON]:
    """An object's API view without ``status``, and that view with the merge patch applied.

    ``status`` is the server's to write (as in Kubernetes), so a patch's ``status`` is ignored
    rather than refused: a client may send back an object it read earlier.
    """
    before = {key: value for key, value in view.items() if key != "status"}
    changes = {key: value for key, value in patch.items() if key != "status"}
    return before, merge_patch(before, changes)


def changed_paths(before: Any, after: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths (down to the first non-object) whose values differ between two documents."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[str, ...]] = []
        for key in [*before, *(key for key in after if key not in before)]:
            found += changed_paths(before.get(key), after.get(key), (*path, key))
        return found
    return [] if before == after else [path]


def reject_unpatchable(before: JSON, after: JSON, patchable: Sequence[tuple[str, ...]]) -> None:
    """A merge patch may change only the documented fields; unchanged copies of others are accepted."""
    for path in changed_paths(before, after):
        if not any(path[: len(allowed)] == allowed for allowed in patchable):
            raise bad_request(f"{_path_text(path)} cannot be changed")


# stored objects --------------------------------------------------------------------------------
def public(obj: JSON) -> JSON:
    """The API view of a stored object: its private ``_`` keys removed."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def random_suffix(length: int = 5) -> str:
    """Kubernetes ``generateName`` style: lowercase letters and digits."""
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(length))


def consume_failure(tx: Transaction, project_id: str, kind: str, obj_id: str) -> str | None:
    """The failure armed for this object's transition, consumed (a creation mark, else a directive).

    Call it before loading the object for changes: it stores the object without its mark.
    """
    obj = tx.get(kind, project_id, obj_id)
    if obj is None or FAIL_MARK not in obj:
        return take_failure(tx, project_id, kind, obj_id)
    message = pop_failure(tx, project_id, kind, obj, obj_id)
    tx.put(kind, project_id, obj_id, obj)
    return message


# list pagination (limit + continue, §2.4) ------------------------------------------------------
def encode_continue(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_continue(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except ValueError:  # binascii.Error, UnicodeDecodeError, and non-ASCII text
        raise bad_request(f"continue: {token!r} is not a continue token of this list") from None


def parse_limit(raw: str | int | None, default: int | None = None, maximum: int | None = None) -> int | None:
    """``limit`` as documented: empty means the default; some APIs type it as a String (§12.21)."""
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"limit: {raw!r} is not an integer") from None
    if limit < 0 or (maximum is not None and limit > maximum):
        bound = f"0 and {maximum}" if maximum is not None else "0 and more"
        raise bad_request(f"limit: {limit} must be between {bound}")
    return default if limit == 0 else limit


def paginate(
    items: list[JSON], key: Callable[[JSON], str], limit: int | None, token: str | None, *, opaque: bool = True
) -> tuple[list[JSON], JSON]:
    """One page and the list ``metadata`` (``continue`` = the next item's key, ``remainingItemCount``).

    With ``opaque`` the token is the key base64-encoded; otherwise it is the key itself (events use
    their UUIDs, §10.6). A single page answers ``"metadata": {}`` as the seed's examples do.
    """
    start = 0
    if token:
        wanted = decode_continue(token) if opaque else token
        keys = [key(item) for item in items]
        if wanted not in keys:
            raise bad_request(f"continue: {token!r} is expired or does not belong to this list")
        start = keys.index(wanted)
    end = len(items) if limit is None else min(len(items), start + limit)
    metadata: JSON = {}
    if end < len(items):
        next_key = key(items[end])
        metadata = {
            "continue": encode_continue(next_key) if opaque else next_key,
            "remainingItemCount": len(items) - end,
        }
    return items[start:end], metadata


# label selectors (§2.4: Kubernetes equality selectors) -----------------------------------------
_REQUIREMENT = re.compile(r"^\s*(!?)\s*([A-Za-z0-9./_-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9._-]*))?\s*$")


def label_filter(selector: str | None) -> Callable[[dict[str, str]], bool]:
    """A predicate over labels for ``k=v``, ``k==v``, ``k!=v``, ``k`` and ``!k`` joined by commas."""
    if not selector:
        return lambda labels: True
    checks: list[Callable[[dict[str, str]], bool]] = []
    for part in selector.split(","):
        match = _REQUIREMENT.match(part)
        if match is None or (match.group(1) and match.group(3)):
            raise bad_request(f"labelSelector: {part.strip()!r} is not a label requirement")
        negate, name, operator, value = match.groups()
        checks.append(_requirement(name, operator, value or "", bool(negate)))
    return lambda labels: all(check(labels) for check in checks)


def _requirement(name: str, operator: str | None, value: str, negate: bool) -> Callable[[dict[str, str]], bool]:
    if operator is None:
        return lambda labels: (name in labels) != negate
    if operator == "!=":
        return lambda labels: labels.get(name) != value
    return lambda labels: labels.get(name) == value
