"""Machine mode of central analysis devices (seed appendices H and I; digest §12).

Appendix H: machines register (``code``, ``ip``, ``port``, optional ``username``/``password``), keep
alive (``expires`` seconds) and unregister with the credentials they registered with (code 403
otherwise; H.7's example names the machine ``deviceCode``, which is read too).
``/CAD/machine/status/{deviceCode}`` answers DeviceInfo (H.10) with ``deviceCode`` (the table)
and ``code`` (the example); ``isOnline`` holds while keepalives arrive within ``expires``.

Appendix I: the algorithm encapsulation files (``algoFilePackageId``, a Long) and algorithm
packages of the device. localcloud serves one such device per tenant; the packages installed on it
run at once ("安装即运行", I.12) and are what every registered machine's resource use (H.10) comes
from: a machine of ``MEMORY_GB`` and ``DISK_GB`` (the H.10 example's totals) uses a base load plus
a share per running package. A package's name, version and type come from its code, whose
suggested form is ``provider-NAME-version`` (I.4's note), unless ``args`` sets ``name``,
``version`` or ``type`` (``BIN`` or ``ENGINE``, default ``BIN``) as ``k=v`` pairs; installing an
installed code again replaces its ``args``. The list answers GET (I.6's section; its table's POST is
the install's method); the detail answers GET and POST (table I.7), also at
``/CAD/machine/algorithmPackages/{code}`` (I.7's URI) and ``/CAD/algoPackage/devices/{device}/{code}``
(I.7's example). ``createdDate`` reads
``yyyy-MM-dd HH:mm:ss.SSS`` (I.14). The envelope is the CCP's, with ``data: null`` for
EmptyResponse (H examples).
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from aicompute.localcloud.central.common import (
    BAD_REQUEST,
    CAD,
    FORBIDDEN,
    JSON,
    MACHINE_FILE_PACKAGE_KIND,
    MACHINE_KIND,
    MACHINE_PACKAGE_KIND,
    CentralProject,
    CloudDep,
    Params,
    central_router,
    date_text,
    parse,
)
from aicompute.localcloud.central.registration import valid_ip
from aicompute.localcloud.store import Transaction

KEEPALIVE_SECONDS = 60  # until the first keepalive names its own (H.8's example value)
MEMORY_GB = 64.0
DISK_GB = 256.0
BASE_CPU, BASE_MEMORY_GB, BASE_DISK_GB = 0.05, 2.0, 20.0
PACKAGE_CPU, PACKAGE_MEMORY_GB, PACKAGE_DISK_GB = 0.1, 4.0, 2.0
_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,127}$")
_VERSION = re.compile(r"^v?\d+(\.\d+)*$")


# appendix H --------------------------------------------------------------------------------------
class MachineRegister(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str = Field(min_length=1)
    ip: str
    port: int = Field(ge=1, le=65535)
    username: str | None = None
    password: str | None = None

    _valid_ip = field_validator("ip")(valid_ip)


class MachineUnregister(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str = Field(min_length=1, validation_alias=AliasChoices("code", "deviceCode"))
    username: str
    password: str


class MachineKeepalive(BaseModel):
    model_config = ConfigDict(extra="ignore")

    code: str = Field(min_length=1)
    expires: int = Field(ge=1)


def _machine(tx: Transaction, project_id: str, code: str) -> JSON:
    machine = tx.get(MACHINE_KIND, project_id, code)
    if machine is None:
        raise CAD.not_found("machine", code)
    return machine


def _figure(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def device_info(machine: JSON, packages: list[JSON]) -> JSON:
    """DeviceInfo (H.10): the machine's use, its figures as strings, GB (cpu as a fraction)."""
    running = sum(1 for package in packages if package["status"] == "RUNNING")
    memory = min(MEMORY_GB, BASE_MEMORY_GB + PACKAGE_MEMORY_GB * running)
    disk = min(DISK_GB, BASE_DISK_GB + PACKAGE_DISK_GB * running)
    return {
        "deviceCode": machine["code"],
        "code": machine["code"],
        "isOnline": time.time() - machine["_lastKeepalive"] < machine["_expires"],
        "cpuUtilization": _figure(min(1.0, BASE_CPU + PACKAGE_CPU * running)),
        "memUsage": _figure(memory),
        "memFree": _figure(MEMORY_GB - memory),
        "diskUsage": _figure(disk),
        "diskFree": _figure(DISK_GB - disk),
    }


# appendix I --------------------------------------------------------------------------------------
class FilePackagePush(BaseModel):
    model_config = ConfigDict(extra="ignore")

    algoFilePackageId: int = Field(ge=0)
    authAddress: str | None = None
    licenseFile: str | None = None


class PackageInstall(BaseModel):
    model_config = ConfigDict(extra="ignore")

    algoPackageCode: str
    args: str | None = None

    @field_validator("algoPackageCode")
    @classmethod
    def _code(cls, value: str) -> str:
        # I.4's note lists letters, '_', '-' and '.'; its own example holds digits (digest §12.2).
        if not _CODE.match(value):
            raise ValueError(f"{value!r} must be 1-127 of letters, digits, '_', '-' and '.'")
        return value


class PackageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal["RUNNING", "STOPPED"] | None = None


def _args(args: str | None) -> dict[str, str]:
    pairs = {}
    for item in (args or "").replace(";", ",").split(","):
        key, equals, value = item.partition("=")
        if equals and key.strip():
            pairs[key.strip()] = value.strip()
    return pairs


def _describe(code: str, args: str | None) -> JSON:
    parts = code.split("-")
    version = parts.pop() if len(parts) > 1 and _VERSION.match(parts[-1]) else ""
    name = "-".join(parts[1:] if len(parts) > 1 else parts)  # without the provider
    given = _args(args)
    kind = given.get("type", "BIN").upper()
    if kind not in ("BIN", "ENGINE"):
        raise CAD.error(BAD_REQUEST, f"args: type {kind} is not BIN or ENGINE")
    return {
        "algoPackageName": given.get("name", name),
        "algoPackageType": kind,
        "algoPackageVersion": given.get("version", version),
    }


def _package(tx: Transaction, project_id: str, code: str) -> JSON:
    package = tx.get(MACHINE_PACKAGE_KIND, project_id, code)
    if package is None:
        raise CAD.not_found("algorithm package", code)
    return package


def _package_view(package: JSON) -> JSON:
    """MachineAlgoPackage (I.14)."""
    fields = ("algoPackageName", "algoPackageType", "algoPackageVersion", "algoPackageCode", "status")
    return {**{key: package[key] for key in fields}, "createdDate": date_text(package["_created"], millis=True)}


# routes ------------------------------------------------------------------------------------------
router = central_router()


@router.post("/CAD/machine/register")
def register(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(MachineRegister, params, CAD)
    record: JSON = body.model_dump(exclude={"password"}, exclude_none=True)
    record.update(_password=body.password, _lastKeepalive=time.time(), _expires=KEEPALIVE_SECONDS)
    with cloud.store.transaction() as tx:
        tx.put(MACHINE_KIND, project.project_id, body.code, record)
    return CAD.ok(None)


@router.post("/CAD/machine/unregister")
def unregister(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(MachineUnregister, params, CAD)
    with cloud.store.transaction() as tx:
        machine = _machine(tx, project.project_id, body.code)
        for registered, given in ((machine.get("username"), body.username), (machine["_password"], body.password)):
            if registered is not None and not secrets.compare_digest(registered.encode(), given.encode()):
                raise CAD.error(FORBIDDEN, f"the username or password of machine {body.code} is wrong")
        tx.delete(MACHINE_KIND, project.project_id, body.code)
    return CAD.ok(None)


@router.post("/CAD/machine/keepalive")
def keepalive(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(MachineKeepalive, params, CAD)
    with cloud.store.transaction() as tx:
        machine = _machine(tx, project.project_id, body.code)
        machine.update(_lastKeepalive=time.time(), _expires=body.expires)
        tx.put(MACHINE_KIND, project.project_id, body.code, machine)
    return CAD.ok(None)


@router.get("/CAD/machine/status/{deviceCode}")
def machine_status(deviceCode: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        machine = _machine(tx, project.project_id, deviceCode)
        packages = tx.objects(MACHINE_PACKAGE_KIND, project.project_id)
    return CAD.ok(device_info(machine, packages))


@router.post("/CAD/machine/algoFilePackages")
def push_file_package(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(FilePackagePush, params, CAD)
    with cloud.store.transaction() as tx:
        record = {**body.model_dump(exclude_none=True), "_created": time.time()}
        tx.put(MACHINE_FILE_PACKAGE_KIND, project.project_id, str(body.algoFilePackageId), record)
    return CAD.ok(None)


@router.delete("/CAD/machine/algoFilePackages/{algoFilePackageId}")
def delete_file_package(algoFilePackageId: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        if tx.get(MACHINE_FILE_PACKAGE_KIND, project.project_id, algoFilePackageId) is None:
            raise CAD.not_found("algorithm encapsulation file", algoFilePackageId)
        tx.delete(MACHINE_FILE_PACKAGE_KIND, project.project_id, algoFilePackageId)
    return CAD.ok(None)


@router.post("/CAD/machine/algoPackages")
def install(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    body = parse(PackageInstall, params, CAD)
    with cloud.store.transaction() as tx:
        known = tx.get(MACHINE_PACKAGE_KIND, project.project_id, body.algoPackageCode)
        package: JSON = {
            "algoPackageCode": body.algoPackageCode,
            **_describe(body.algoPackageCode, body.args),
            "status": "RUNNING",
            "_args": body.args,
            "_created": known["_created"] if known else time.time(),
        }
        tx.put(MACHINE_PACKAGE_KIND, project.project_id, body.algoPackageCode, package)
    return CAD.ok(None)


@router.delete("/CAD/machine/algoPackages/{algoPackageCode}")
def uninstall(algoPackageCode: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        _package(tx, project.project_id, algoPackageCode)
        tx.delete(MACHINE_PACKAGE_KIND, project.project_id, algoPackageCode)
    return CAD.ok(None)


@router.get("/CAD/machine/algoPackages")
def list_packages(project: CentralProject, cloud: CloudDep, params: Params) -> JSON:
    query = parse(PackageQuery, params, CAD)
    with cloud.store.transaction() as tx:
        packages = tx.objects(MACHINE_PACKAGE_KIND, project.project_id)
    return CAD.ok([_package_view(p) for p in packages if query.status in (None, p["status"])])


def show_package(algoPackageCode: str, project: CentralProject, cloud: CloudDep) -> JSON:
    with cloud.store.transaction() as tx:
        return CAD.ok(_package_view(_package(tx, project.project_id, algoPackageCode)))


for _path in (
    "/CAD/machine/algoPackages/{algoPackageCode}",
    "/CAD/machine/algorithmPackages/{algoPackageCode}",  # I.7's URI
    "/CAD/algoPackage/devices/{deviceCode}/{algoPackageCode}",  # I.7's example
):
    for _method in ("GET", "POST"):  # table I.7 says POST, its section GET
        router.add_api_route(_path, show_package, methods=[_method])
