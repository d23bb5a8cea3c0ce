"""What every HiLens resource shares: the client, input rules, tags, and creates that clean up.

* ``provider`` (``hilens`` | ``ief``, the API's ``?provider=``) is create-only and never returned;
  object ids carry it as their prefix (``hilens-…``, digest §5.4/§5.6), which is how a read (and
  so an import) recovers it.
* A create-only input the API never returns (write-only) cannot be known for an imported object:
  the import reads it as ``UNRECORDED``, and the diff takes the program's value for it instead of
  replacing the object on a guess (which would destroy what was just adopted).
* Tags are a ``{key: value}`` map; the API's lists of ``{key, value}`` are built from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import partial
from typing import Annotated, Any, Generic, Literal, TypeVar

from pulumi.dynamic import ReadResult
from pydantic import AfterValidator, BaseModel, Field

from aicompute.provider.config import ProviderSettings
from aicompute.provider.errors import ApiError, WaitError
from aicompute.provider.generic import UNRECORDED, GenericProvider
from aicompute.provider.hilens import PAGE_SIZE, HiLensClient
from aicompute.provider.paging import offset_pages
from aicompute.provider.schema import CreateOnly, ServerDefault
from aicompute.provider.update_calls import Update
from aicompute.provider.waiters import Waiter, wait_until_gone

ArgsT = TypeVar("ArgsT", bound=BaseModel)

Platform = Literal["hilens", "ief"]
PLATFORMS: tuple[str, ...] = ("hilens", "ief")

# Descriptions of devices, deployments and secrets (seed tables 5-11, 5-89, 5-389).
FORBIDDEN_IN_DESCRIPTION = "^~#$%&*<>()[]{}'\"\\"


def _description(value: str) -> str:
    if len(value) > 255:
        raise ValueError(f"at most 255 characters (got {len(value)})")
    if any(char in FORBIDDEN_IN_DESCRIPTION for char in value):
        raise ValueError("must not contain any of ^ ~ # $ % & * < > ( ) [ ] { } ' \" \\")
    return value


Description = Annotated[str, AfterValidator(_description)]


def tag_map(key_pattern: str, value_pattern: str, rule: str, limit: int = 20) -> AfterValidator:
    """A validator for a ``{key: value}`` tag map under one resource kind's rules."""
    keys, values = re.compile(key_pattern), re.compile(value_pattern)

    def check(tags: dict[str, str]) -> dict[str, str]:
        if len(tags) > limit:
            raise ValueError(f"at most {limit} tags (got {len(tags)})")
        for key, value in tags.items():
            if keys.fullmatch(key) is None or values.fullmatch(value) is None:
                raise ValueError(f"tag {key!r}={value!r} breaks the rule: {rule}")
        return tags

    return AfterValidator(check)


# Device, configmap and per-resource tags (seed tables 5-13, 5-307, 5-432).
Tags = Annotated[
    dict[str, str],
    tag_map(
        r"[A-Za-z0-9_-]{1,36}",
        r"[A-Za-z0-9_-]{1,43}",
        "key 1-36 and value 1-43 characters, letters, digits, '-' and '_'; at most 20 tags",
    ),
]


def tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]]:
    return [{"key": key, "value": value} for key, value in sorted((tags or {}).items())]


def tag_dict(tags: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None) -> dict[str, str]:
    """The API's tags — a list of ``{key, value}`` or a ``{key: value}`` object — as a map."""
    if isinstance(tags, Mapping):
        if "key" in tags:
            return {str(tags["key"]): str(tags.get("value") or "")}
        return {str(k): str(v) for k, v in tags.items()}
    return {str(tag.get("key")): str(tag.get("value") or "") for tag in tags or []}


def platform_of(resource_id: str) -> str | None:
    """The ``provider`` an id names by its prefix (``hilens-…``), if it names one."""
    prefix = resource_id.split("-", 1)[0]
    return prefix if prefix in PLATFORMS and "-" in resource_id else None


def present(what: str, fetch: Callable[[], dict[str, Any] | None]) -> Waiter[dict[str, Any]]:
    """A waiter for an object the API creates synchronously: ready once a GET finds it."""
    return Waiter(what=what, fetch=fetch, state=lambda _: "present", target={"present"})


DEFAULT_WORKSPACE = "0"  # the main account's default workspace: no program creates or deletes it


def list_items(
    api: HiLensClient, suffix: str, items: str, limit: int, params: Mapping[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """Every item of the ``/v3`` list at ``suffix`` (``offset`` an item offset, ``count`` the total)."""
    return offset_pages(partial(api.get, suffix), items, limit, total="count", params=params)


def list_workspaces(api: HiLensClient, limit: int = PAGE_SIZE) -> Iterator[dict[str, Any]]:
    """Every HiLens workspace, the default ``"0"`` included (§5.8.1, pages of at most 100)."""
    return list_items(api, "ai-mgr/workspaces", "workspaces", limit)


class HiLensProvider(GenericProvider[ArgsT, HiLensClient], Generic[ArgsT]):
    def open_client(self, settings: ProviderSettings) -> HiLensClient:
        return HiLensClient(settings)

    def read_result(self, id_: str, live: dict[str, Any] | None, props: Mapping[str, Any]) -> ReadResult:
        """As the generic read; an import (no inputs recorded yet) marks the create-only inputs the
        API never returns as ``UNRECORDED``."""
        result = super().read_result(id_, live, props)
        if result.id and not any(props.get(key) is not None for key in self.input_names()):
            for values in (result.outs, result.inputs):
                for key in sorted(self.fields.create_only & self.fields.write_only):
                    if values is not None:
                        values[key] = UNRECORDED
        return result

    def changed_keys(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> frozenset[str]:
        """As the generic diff, but an ``UNRECORDED`` input (an import) takes the program's value."""
        unrecorded = {key for key in self.fields.create_only & self.fields.write_only if olds.get(key) == UNRECORDED}
        return super().changed_keys(olds, news) - unrecorded

    def undo_create(self, api: HiLensClient, resource_id: str, step: Callable[[], None]) -> None:
        """Run a step that completes a create (after ``wait_created``); if it fails, delete the new
        object — no state records it yet, so keeping it would orphan it — and say so in the error."""
        try:
            step()
        except (ApiError, WaitError) as error:
            aftermath = self.delete_unfinished(api, resource_id)
            if isinstance(error, WaitError):
                raise error.with_aftermath(aftermath) from None
            raise ApiError(
                error.status, error.code, f"{error.message}; {aftermath}", method=error.method, path=error.path
            ) from None


def as_pairs(value: Any) -> Any:
    """A whole map compared as sorted ``[key, value]`` pairs, so that a key added or removed on
    either side is a difference (a map would be cut down to the program's keys)."""
    return sorted([str(k), v] for k, v in value.items()) if isinstance(value, Mapping) else value


class EntriesArgs(BaseModel):
    """What a configmap's and a secret's Args have in common: ``provider`` and ``workspace_id`` are
    declared here; the others, whose rules differ, by each (pydantic keeps this order)."""

    name: str
    provider: Annotated[Platform, CreateOnly()] = Field(
        default="hilens", description="The platform: hilens or ief. Create-only."
    )
    workspace_id: Annotated[str | None, ServerDefault("the default workspace"), CreateOnly()] = Field(
        default=None, min_length=1, description="Create-only; default workspace."
    )
    description: str
    data: dict[str, str]
    tags: dict[str, str]


EntriesT = TypeVar("EntriesT", bound=EntriesArgs)


class EntriesProvider(HiLensProvider[EntriesT], Generic[EntriesT]):
    """Configmaps and secrets (seed §5.4 and §5.6): a named list of ``{key, value}`` entries in a
    workspace, created with ``POST {<envelope>: {...}, workspace_id}``, read with
    ``GET → {<envelope>: {...}}``, replaced whole with ``PUT`` (name, entries and tags are required
    in it), deleted synchronously. ``data`` maps keys to values; the API's entry list is built
    from it and read back into it."""

    collection: str  # path segment: configmaps | secrets
    envelope: str  # body key: configmap | secret
    entries: str  # list key: configs | secrets
    list_limit: int  # the largest page the list accepts
    list_platforms: tuple[str | None, ...]  # the ?provider= values that together list every object

    def create_resource(self, api: HiLensClient, args: EntriesT, timeout: float) -> str:
        body = self.body(args)
        params = {"provider": args.provider}

        def post() -> str:
            created = api.send_once("POST", api.path(f"ai-mgr/{self.collection}"), json=body, params=params)
            return str(created[self.envelope]["id"])

        object_id = api.create_reconciled(post, lambda: self._find(api, args))
        self.wait_created(api, object_id, present(f"{self.envelope} {object_id}", self._fetch(api, object_id)), timeout)
        return object_id

    def read_resource(self, api: HiLensClient, resource_id: str) -> dict[str, Any] | None:
        answer = self._fetch(api, resource_id)()
        if answer is None:
            return None
        return self.live(answer.get(self.envelope) or {}, answer.get("workspace_id"), resource_id)

    def list_live(self, api: HiLensClient) -> Iterator[tuple[str, dict[str, Any]]]:
        """The list is per workspace (the default one when none is given), its items the objects a
        GET answers: a call per workspace (and platform) plus pages."""
        for workspace in list_workspaces(api, self.page_size(PAGE_SIZE)):
            workspace_id = str(workspace.get("workspace_id"))
            for platform in self.list_platforms:
                params = {"workspace_id": workspace_id, **({"provider": platform} if platform else {})}
                limit = self.page_size(self.list_limit)
                for item in list_items(api, f"ai-mgr/{self.collection}", self.collection, limit, params):
                    yield str(item["id"]), self.live(item, workspace_id, str(item["id"]))

    def live(self, item: Mapping[str, Any], workspace_id: Any, resource_id: str) -> dict[str, Any]:
        """An object (a GET answer's envelope or a list item) in ``workspace_id`` as outputs."""
        result: dict[str, Any] = {
            "name": item.get("name"),
            "description": item.get("description") or "",
            "data": {str(e.get("key")): str(e.get("value") or "") for e in item.get(self.entries) or []},
            "tags": tag_dict(item.get("tags")),
            "workspace_id": item.get("workspace_id") or workspace_id,
            "project_id": item.get("project_id"),
            "created_at": item.get("created_at"),
            "updated_at": item.get("updated_at"),
        }
        platform = platform_of(resource_id)
        if platform is not None:
            result["provider"] = platform
        return {**result, **self.extra_live(item)}

    def put_whole(self, api: HiLensClient, update: Update[EntriesT]) -> None:
        """The update call of both kinds: a PUT of the whole object (``body``), whatever changed."""
        api.request("PUT", api.path(f"ai-mgr/{self.collection}/{update.resource_id}"), json=self.body(update.new))

    def delete_resource(self, api: HiLensClient, resource_id: str, args: EntriesT | None, timeout: float) -> None:
        api.request("DELETE", api.path(f"ai-mgr/{self.collection}/{resource_id}"), ok=(200, 204))
        wait_until_gone(
            f"{self.envelope} {resource_id}", self._fetch(api, resource_id), lambda _: "present", api.settings, timeout
        )

    def body(self, args: EntriesT) -> dict[str, Any]:
        """The create and PUT body: the whole object (PUT replaces it)."""
        inner: dict[str, Any] = {
            "name": args.name,
            self.entries: [{"key": key, "value": value} for key, value in args.data.items()],
            "tags": tag_list(args.tags),
        }
        if args.description:
            inner["description"] = args.description
        inner.update(self.extra_fields(args))
        body: dict[str, Any] = {self.envelope: inner}
        if args.workspace_id is not None:
            body["workspace_id"] = args.workspace_id
        return body

    def extra_fields(self, args: EntriesT) -> dict[str, Any]:
        """Fields of the object only one of the two kinds has, as sent."""
        return {}

    def extra_live(self, live: Mapping[str, Any]) -> dict[str, Any]:
        """Fields of the object only one of the two kinds has, as read."""
        return {}

    def _fetch(self, api: HiLensClient, object_id: str) -> Callable[[], dict[str, Any] | None]:
        return lambda: api.get_or_none(f"ai-mgr/{self.collection}/{object_id}")

    def _find(self, api: HiLensClient, args: EntriesT) -> str | None:
        params = {"name": args.name, "workspace_id": args.workspace_id, "provider": args.provider}
        for item in api.pages(api.path(f"ai-mgr/{self.collection}"), self.collection, params):
            if item.get("name") == args.name:
                return str(item["id"])
        return None
