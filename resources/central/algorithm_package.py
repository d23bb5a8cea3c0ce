"""An algorithm pushed to the analysis platform, with its encapsulation file (``/CAP/AlgoPackages``,
``/CAP/AlgoFilePackages``, seed 004 appendix E).

API facts (digest ``tbax-central-compute.md`` §9, §14.5 and §14.6):

* Both artefacts are pushed by reference: ``POST`` with ``{id, md5, url}`` (tables E.10, E.18), the
  ``id`` chosen by the client; the platform fetches ``url`` itself. Neither has an update, so every
  input is create-only. An id is generated when the program gives none: a UUID derived from the
  artefact's url and md5 (not a random one), so a create repeated after an interrupted deployment
  finds the artefact it pushed. Two artefacts of one url and md5 therefore need explicit ids.
* The encapsulation file (算法封装文件) describes the engine: its detail (E.5) reports ``name``,
  ``version``, ``author``, ``description``, ``tags``, ``env``, ``bin`` and ``algo_runtime`` (the
  example's snake_case spellings; the table's camelCase is read too): the ``file_package_info``
  output. The algorithm's detail (E.9) reports ``relatedAlgoFilePackageId``, filled by the platform.
* ``status`` is an integer the standard leaves undefined; the digest (§14.5) reads 0 as fetching,
  1 as ready, 2 as unusable, and so does this resource: create waits for 1 and fails on 2 with the
  platform's message.
* Neither detail returns ``md5``, nor the file's ``url``: they are kept from the program and their
  drift cannot be detected (an import, which has no program values yet, needs
  ``ignore_changes=["md5", "file_package"]`` once). The algorithm's ``url`` is returned.
* The id is ``<packageId>``, or ``<filePackageId>/<packageId>`` when the resource also pushed the
  encapsulation file (ids holding ``/`` are refused for that reason). The same forms import.
* Delete removes the algorithm (``DELETE`` also carries its ``url``, E.20, in the body and the query),
  then the encapsulation file, each waiting until its detail answers not found.
* Default timeouts: 20 minutes, as terraform-provider-huaweicloud's ModelArts model and service
  resources, which also wait for the platform to fetch an artefact (peers.md §1.4).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

import pulumi
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from aicompute.provider.central import CentralClient, segment
from aicompute.provider.errors import NotFound
from aicompute.provider.generic import Fields
from aicompute.provider.schema import CreateOnly, ServerDefault, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.waiters import Waiter
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.central._base import CentralProvider, first, wait_gone
from aicompute.resources.inputs import FilePackageDict, TimeoutsDict
from aicompute.resources.rules import matching

PACKAGES = "/CAP/AlgoPackages"
FILE_PACKAGES = "/CAP/AlgoFilePackages"
FETCHING, READY, UNUSABLE = "0", "1", "2"

ID_RULE = "1-128 characters without '/' or whitespace"
MD5_RULE = "an MD5 digest: 32 hexadecimal characters (RFC 1321)"
URL_RULE = "an absolute URL such as https://host/path"
PackageId = Annotated[str, matching(r"[^/\s]{1,128}", ID_RULE)]
Md5 = Annotated[str, matching(r"[0-9A-Fa-f]{32}", MD5_RULE), AfterValidator(str.lower)]
Url = Annotated[str, matching(r"[A-Za-z][A-Za-z0-9+.-]*:\S+", URL_RULE)]


ID_NAMESPACE = uuid.UUID("6f1c2a8e-5b7d-4c39-9e0a-2d4b8f61a7c3")
"""Namespace of the ids derived for artefacts pushed without one (``derived_id``)."""


class FilePackage(BaseModel):
    """The algorithm's encapsulation file (table E.10)."""

    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description="Where the platform fetches the file.")
    md5: Md5 = Field(description="MD5 of the file.")
    id: PackageId | None = Field(default=None, description="File id; a UUID is generated when omitted.")


class AlgorithmPackageArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Annotated[Url, CreateOnly()] = Field(description="Where the platform fetches the algorithm.")
    md5: Annotated[Md5, CreateOnly(), WriteOnly()] = Field(description="MD5 of the algorithm package.")
    package_id: Annotated[PackageId | None, ServerDefault("a UUID"), CreateOnly()] = Field(
        default=None, description="Algorithm id; a UUID is generated when omitted."
    )
    file_package: Annotated[FilePackage | None, CreateOnly()] = Field(
        default=None, description="An encapsulation file to push first."
    )
    timeouts: TimeoutsInput = None


class AlgorithmPackageOutputs(BaseModel):
    """What a central platform algorithm package reports besides its inputs."""

    status: int
    related_algo_file_package_id: str | None
    file_package_info: dict[str, Any] | None = Field(
        description="The encapsulation file's descriptor: name, version, author, description, tags, env, bin, "
        "algo_runtime."
    )


def split_id(resource_id: str) -> tuple[str | None, str]:
    file_id, slash, package_id = resource_id.rpartition("/")
    return (file_id or None) if slash else None, package_id


def _status(record: Mapping[str, Any]) -> str:
    return str(record.get("status", ""))


def _reason(record: Mapping[str, Any]) -> str:
    return str(first(record, "message", "msg", "reason") or "the platform could not use the artefact")


def _info(detail: Mapping[str, Any]) -> dict[str, Any]:
    """E.5's descriptor, in either spelling."""
    return {
        "name": detail.get("name"),
        "version": detail.get("version"),
        "author": detail.get("author"),
        "description": detail.get("description"),
        "status": detail.get("status"),
        "tags": detail.get("tags") or [],
        "env": detail.get("env") or [],
        "bin": detail.get("bin"),
        "algo_runtime": first(detail, "algo_runtime", "algoRuntime"),
    }


def derived_id(url: str, md5: str) -> str:
    """The id generated for an artefact the program gives none: a UUID derived from its url and
    md5, so a create repeated after an interrupted deployment looks up (and adopts) the artefact the
    first attempt pushed, instead of pushing a second one under a new random id."""
    return str(uuid.uuid5(ID_NAMESPACE, f"{url}\n{md5.lower()}"))


class AlgorithmPackageProvider(CentralProvider[AlgorithmPackageArgs]):
    kind = "central platform algorithm package"
    args_model = AlgorithmPackageArgs
    outputs_model = AlgorithmPackageOutputs
    summary = (
        "An algorithm (and optionally its encapsulation file) on the analysis platform; its id is "
        "``<packageId>``, or ``<filePackageId>/<packageId>`` with its encapsulation file."
    )
    fields = Fields.of(AlgorithmPackageArgs, unique_key=frozenset({"package_id"}))  # a pushed id is taken until deleted
    default_timeouts = {"create": 1200, "update": 1200, "delete": 1200}

    def create_resource(self, api: CentralClient, args: AlgorithmPackageArgs, timeout: float) -> str:
        # Generated ids are written back into the inputs, so the outputs record them.
        args.package_id = args.package_id or derived_id(args.url, args.md5)
        file_id = None
        if args.file_package is not None:
            file_id = args.file_package.id = args.file_package.id or derived_id(
                args.file_package.url, args.file_package.md5
            )
        resource_id = f"{file_id}/{args.package_id}" if file_id else args.package_id
        if args.file_package is not None and file_id is not None:
            self._push(api, FILE_PACKAGES, file_id, args.file_package.md5, args.file_package.url)
            self.wait_created(api, resource_id, self._fetched(api, FILE_PACKAGES, file_id), timeout)
        try:
            self._push(api, PACKAGES, args.package_id, args.md5, args.url)
        except Exception:
            if file_id is not None:  # the file would be orphaned: no state records it
                self._delete_file(api, file_id, self.default_timeouts["delete"])
            raise
        self.wait_created(api, resource_id, self._fetched(api, PACKAGES, args.package_id), timeout)
        return resource_id

    def read_resource(self, api: CentralClient, resource_id: str) -> dict[str, Any] | None:
        file_id, package_id = split_id(resource_id)
        package = self._detail(api, PACKAGES, package_id)
        if package is None:
            return None
        live: dict[str, Any] = {
            "package_id": str(package.get("id") or package_id),
            "url": package.get("url"),
            "status": package.get("status"),
            "related_algo_file_package_id": first(package, "relatedAlgoFilePackageId", "relatedAlgoFilePackageid")
            or None,
            "file_package_info": None,
        }
        if file_id is not None:
            file_package = self._detail(api, FILE_PACKAGES, file_id)
            # A file package deleted behind the program's back reads as absent: a diff that replaces.
            live["file_package"] = {"id": file_id} if file_package is not None else None
            live["file_package_info"] = _info(file_package) if file_package is not None else None
        return live

    # No list: an id names the encapsulation file only when the resource pushed it, which a search
    # record cannot tell, so a listing could not give the ids the stacks hold.
    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The file's url and md5 are never returned: keep the program's while the file exists."""
        wanted = inputs.get("file_package")
        if isinstance(live.get("file_package"), Mapping) and isinstance(wanted, Mapping):
            return {**live, "file_package": {**wanted, **live["file_package"]}}
        return live

    def delete_resource(
        self, api: CentralClient, resource_id: str, args: AlgorithmPackageArgs | None, timeout: float
    ) -> None:
        file_id, package_id = split_id(resource_id)
        package = self._detail(api, PACKAGES, package_id)
        if package is not None:
            url = str(package.get("url") or (args.url if args else ""))
            api.call("DELETE", f"{PACKAGES}/{segment(package_id)}", {"id": package_id, "url": url})
            wait_gone(
                f"algorithm {package_id}",
                lambda: self._detail(api, PACKAGES, package_id),
                _status,
                api.settings,
                timeout,
            )
        if file_id is not None:
            self._delete_file(api, file_id, timeout)
        if package is None and file_id is None:
            raise NotFound(404, "CAP.404", f"algorithm {package_id} does not exist")

    # calls ------------------------------------------------------------------------------------
    def _detail(self, api: CentralClient, collection: str, obj_id: str) -> dict[str, Any] | None:
        data = api.data_or_none(f"{collection}/{segment(obj_id)}")
        return data if isinstance(data, dict) else None

    def _push(self, api: CentralClient, collection: str, obj_id: str, md5: str, url: str) -> None:
        """Push once; after a lost answer, an artefact with this id is the one pushed (ids are the client's)."""
        body = {"id": obj_id, "md5": md5, "url": url}
        api.create_reconciled(
            lambda: api.call("POST", collection, body),
            lambda: self._detail(api, collection, obj_id),
        )

    def _fetched(self, api: CentralClient, collection: str, obj_id: str) -> Waiter[dict[str, Any]]:
        """Until the platform has fetched the artefact (status 1); 2 means it cannot use it."""
        what = "algorithm" if collection == PACKAGES else "algorithm encapsulation file"
        return Waiter(
            what=f"{what} {obj_id}",
            fetch=lambda: self._detail(api, collection, obj_id),
            state=_status,
            target={READY},
            pending={FETCHING, ""},
            failure={UNUSABLE},
            reason=_reason,
        )

    def _delete_file(self, api: CentralClient, file_id: str, timeout: float) -> None:
        try:
            api.call("DELETE", f"{FILE_PACKAGES}/{segment(file_id)}", {"id": file_id})
        except NotFound:
            return
        wait_gone(
            f"algorithm encapsulation file {file_id}",
            lambda: self._detail(api, FILE_PACKAGES, file_id),
            _status,
            api.settings,
            timeout,
        )


# --- generated by `make generate` from AlgorithmPackageProvider: do not edit below this line ---
class AlgorithmPackage(DynamicResource, module="central", name="AlgorithmPackage"):
    """An algorithm (and optionally its encapsulation file) on the analysis platform; its id is ``<packageId>``, or
    ``<filePackageId>/<packageId>`` with its encapsulation file."""

    _provider_class = AlgorithmPackageProvider
    _outputs, _secret_outputs = output_names(AlgorithmPackageProvider)

    url: pulumi.Output[str]
    md5: pulumi.Output[str]
    package_id: pulumi.Output[str]
    file_package: pulumi.Output[dict[str, Any] | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    status: pulumi.Output[int]
    related_algo_file_package_id: pulumi.Output[str | None]
    file_package_info: pulumi.Output[dict[str, Any] | None]

    def __init__(
        self,
        resource_name: str,
        *,
        url: pulumi.Input[str],
        md5: pulumi.Input[str],
        package_id: pulumi.Input[str] | None = None,
        file_package: pulumi.Input[FilePackageDict] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "url": url,
            "md5": md5,
            "package_id": package_id,
            "file_package": file_package,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---
