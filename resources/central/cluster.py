"""Central platform cluster (``/CCP/clusters``, seed 004 appendix A.2–A.6).

API facts (digest ``tbax-central-compute.md`` §5 and §14.1):

* ``POST /CCP/clusters`` with ``{regionId, name, spec{version, hostNetwork, nodes[{nodeResource, count}]}}``
  answers ``data`` — one object by table A.15, a one-element list in its example — with the
  server-assigned ``clusterCode``: the id. The cluster is ``creating`` until ``running`` or
  ``create_failed``; the detail (A.5) reports it as ``phase``, possibly capitalised (``Running``), so
  states compare case-insensitively.
* The standard defines no update: every input is create-only. The initial node groups
  (``nodes``) are kept from the program once created: nodes added or removed later through
  ``ClusterNodes`` change what the platform reports, and must not replace the cluster. So their
  drift is not detected; neither is ``region_id``'s, which no read returns.
* ``version`` is a minor line (``1.18.x``, ``1.20.x``, ``1.22.x``, ``1.24.x``, table A.11) or a patch
  within one (``1.18.9``, the example): a program that asks for ``1.18.x`` is satisfied by any
  ``1.18`` patch the platform reports (``kubernetes_version`` shows which).
* ``GET /CCP/clusters/{clusterCode}/license`` (A.6) returns the API server address and the
  credentials of a kubeconfig (``caCertData``, ``clientCertData``, ``clientKeyData``): the
  ``kubeconfig`` output is a Pulumi secret, and ``get_kubeconfig`` renders it in a program.
* The standard does not say whether names are unique; clusters are looked up by name after a lost
  create answer, and localcloud refuses a second live cluster of the same name, so a replace that
  keeps the name deletes the old cluster first.
* ``DELETE`` is asynchronous (``deleting`` → ``deleted`` | ``delete_failed``): delete waits until the
  detail answers not found or ``deleted``.
* Default timeouts: 30 minutes each, as terraform-provider-huaweicloud's ``huaweicloud_cce_cluster``
  (peers.md §1.5).
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from typing import Annotated, Any

import pulumi
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from aicompute.provider.central import CentralClient, as_list, segment
from aicompute.provider.errors import NotFound
from aicompute.provider.generic import Fields
from aicompute.provider.schema import CreateOnly, Secret, SetLike, WriteOnly
from aicompute.provider.timeouts import TimeoutsInput
from aicompute.provider.waiters import Waiter
from aicompute.resources.base import DynamicResource, output_names
from aicompute.resources.central._base import (
    CentralProvider,
    NodeResource,
    first,
    node_resource_body,
    node_resource_from_live,
    program_settings,
    wait_gone,
)
from aicompute.resources.inputs import ClusterNodeGroupDict, TimeoutsDict

# Table A.11: "可选 [1.18.x, 1.20.x, 1.22.x, 1.24.x]"; the example sends a patch, "1.18.9".
VERSION_RULE = "a Kubernetes minor line 1.18.x, 1.20.x, 1.22.x or 1.24.x, or a patch within one such as 1.18.9"
_VERSION = re.compile(r"^1\.(18|20|22|24)\.(x|\d+)$")
# Table A.16 status enum; the detail's phase may be capitalised.
CREATING, RUNNING, CREATE_FAILED = "creating", "running", "create_failed"
DELETING, DELETED, DELETE_FAILED = "deleting", "deleted", "delete_failed"


class ClusterNodeGroup(BaseModel):
    """Nodes of one shape created with the cluster (table A.12 NodeSpec)."""

    model_config = ConfigDict(extra="forbid")

    node_resource: NodeResource
    count: int = Field(ge=1, description="Number of nodes of this shape.")


class ClusterArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, CreateOnly()] = Field(min_length=1, description="Cluster name.")
    version: Annotated[str, CreateOnly()] = Field(description=f"Kubernetes version: {VERSION_RULE}.")
    nodes: Annotated[list[ClusterNodeGroup], CreateOnly(), SetLike()] = Field(
        min_length=1, description="Initial node groups; add more later with ClusterNodes."
    )
    host_network: Annotated[str | None, CreateOnly()] = Field(
        default=None, description="Node network CIDR, e.g. 192.168.0.0/20."
    )
    region_id: Annotated[str | None, CreateOnly(), WriteOnly()] = Field(
        default=None, min_length=1, description="Region id, e.g. cn-bj-d."
    )
    timeouts: TimeoutsInput = None

    @field_validator("version")
    @classmethod
    def _offered_version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError(f"{value!r} breaks the rule: {VERSION_RULE}")
        return value

    @field_validator("host_network")
    @classmethod
    def _cidr(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ipaddress.ip_network(value, strict=True)
            except ValueError as error:
                raise ValueError(f"{value!r} is not a CIDR block such as 192.168.0.0/20 ({error})") from None
        return value


class ClusterOutputs(BaseModel):
    """What a central platform cluster reports besides its inputs."""

    cluster_code: str
    status: str
    kubernetes_version: str = Field(
        description="The version the platform reports (a patch of the requested minor line)."
    )
    external_address: str | None
    inner_address: str | None
    kubeconfig: Annotated[str, Secret()] = Field(description="A kubeconfig for the cluster's API server (secret).")


def _minor(version: Any) -> str:
    parts = str(version).split(".")
    return ".".join(parts[:2])


def _cidr(value: Any) -> Any:
    try:
        return str(ipaddress.ip_network(str(value), strict=False))
    except ValueError:
        return value


def _phase(cluster: Mapping[str, Any]) -> str:
    return str(first(cluster, "phase", "status") or "").lower()


def _reason(cluster: Mapping[str, Any]) -> str:
    reason = first(cluster, "message", "reason", "statusMessage", "failReason", "phaseMessage")
    return str(reason) if reason else f"the cluster is {_phase(cluster)}"


def _nodes_from_live(cluster: Mapping[str, Any]) -> list[dict[str, Any]]:
    spec = cluster.get("spec") or {}
    groups = first(spec, "nodes") or first(cluster, "nodes")  # the examples put nodes beside spec
    return [
        {"node_resource": node_resource_from_live(group.get("nodeResource")), "count": group.get("count")}
        for group in as_list(groups)
        if isinstance(group, dict)
    ]


def _encoded(data: str) -> str:
    """kubeconfig ``*-data`` fields hold base64 PEM; the standard leaves the encoding open, so PEM is encoded."""
    data = data.strip()
    return base64.b64encode(data.encode()).decode("ascii") if data.startswith("-----BEGIN") else data


def render_kubeconfig(cluster_code: str, cert: Mapping[str, Any], *, inner: bool = False) -> str:
    """A kubeconfig (YAML) from the certificate data of table A.28."""
    address = str((cert.get("innerAddress") if inner else None) or cert.get("externalAddress") or "")
    if not address:
        raise NotFound(404, "CCP.license", f"cluster {cluster_code} reports no API server address")
    server = address if "://" in address else f"https://{address}"
    user = f"{cluster_code}-admin"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": cluster_code,
                "cluster": {"server": server, "certificate-authority-data": _encoded(str(cert.get("caCertData", "")))},
            }
        ],
        "users": [
            {
                "name": user,
                "user": {
                    "client-certificate-data": _encoded(str(cert.get("clientCertData", ""))),
                    "client-key-data": _encoded(str(cert.get("clientKeyData", ""))),
                },
            }
        ],
        "contexts": [{"name": cluster_code, "context": {"cluster": cluster_code, "user": user}}],
        "current-context": cluster_code,
    }
    return str(yaml.safe_dump(config, sort_keys=False))


def cluster_certificate(api: CentralClient, cluster_code: str, region_id: str | None = None) -> dict[str, Any]:
    """The certificate data of table A.28 (API server addresses and credentials)."""
    body = {"clusterCode": cluster_code, **({"regionId": region_id} if region_id else {})}
    data = api.data("GET", f"/CCP/clusters/{segment(cluster_code)}/license", body)
    return data if isinstance(data, dict) else {}


def fetch_kubeconfig(
    api: CentralClient, cluster_code: str, region_id: str | None = None, *, inner: bool = False
) -> str:
    return render_kubeconfig(cluster_code, cluster_certificate(api, cluster_code, region_id), inner=inner)


def get_kubeconfig(
    cluster_code: pulumi.Input[str],
    *,
    region_id: pulumi.Input[str] | None = None,
    inner: bool = False,
) -> pulumi.Output[str]:
    """The kubeconfig of a cluster, as a Pulumi secret (e.g. for a ``pulumi_kubernetes.Provider``).

    Runs in the program with its ``aicompute:*`` config (or the environment). ``inner`` uses the
    cluster's internal API server address (``innerAddress``) instead of the external one.
    """

    def fetch(values: list[Any]) -> str:
        code, region = values
        with closing(CentralClient(program_settings())) as api:
            return fetch_kubeconfig(api, str(code), str(region) if region else None, inner=inner)

    return pulumi.Output.secret(pulumi.Output.all(cluster_code, region_id).apply(fetch))


def cluster_codes(api: CentralClient) -> list[str]:
    """The codes of every cluster (A.4: one unpaged list)."""
    codes = []
    for cluster in as_list(api.data("GET", "/CCP/clusters")):
        metadata = (cluster.get("metadata") or cluster) if isinstance(cluster, dict) else {}
        if metadata.get("clusterCode"):
            codes.append(str(metadata["clusterCode"]))
    return codes


class ClusterProvider(CentralProvider[ClusterArgs]):
    kind = "central platform cluster"
    args_model = ClusterArgs
    outputs_model = ClusterOutputs
    summary = "A Kubernetes cluster on the central computing platform; its id is the ``clusterCode``."
    fields = Fields.of(
        ClusterArgs, normalisers={"host_network": _cidr}, unique_key=frozenset({"name"})
    )  # a second live cluster with the same name is refused (409)
    default_timeouts = {"create": 1800, "update": 1800, "delete": 1800}

    def create_resource(self, api: CentralClient, args: ClusterArgs, timeout: float) -> str:
        spec: dict[str, Any] = {
            "version": args.version,
            "nodes": [{"nodeResource": node_resource_body(g.node_resource), "count": g.count} for g in args.nodes],
        }
        if args.host_network:
            spec["hostNetwork"] = args.host_network
        body: dict[str, Any] = {"name": args.name, "spec": spec}
        if args.region_id:
            body["regionId"] = args.region_id

        def post() -> str:
            created = as_list(api.data("POST", "/CCP/clusters", body))
            code = next((c.get("clusterCode") for c in created if isinstance(c, dict) and c.get("clusterCode")), None)
            if code is None:  # table A.15 makes data optional: look the new cluster up by name
                code = self._find_by_name(api, args)
            if code is None:
                raise NotFound(404, "CCP.create", f"cluster {args.name!r} was accepted but is not listed")
            return str(code)

        cluster_code = api.create_reconciled(post, lambda: self._find_by_name(api, args))
        self.wait_created(api, cluster_code, self._waiter(api, cluster_code), timeout)
        return cluster_code

    def read_resource(self, api: CentralClient, resource_id: str) -> dict[str, Any] | None:
        cluster = self._detail(api, resource_id)
        if cluster is None or _phase(cluster) == DELETED:
            return None
        metadata, spec = cluster.get("metadata") or {}, cluster.get("spec") or {}
        live: dict[str, Any] = {
            "name": first(metadata, "name") or cluster.get("name"),
            "version": spec.get("version"),
            "kubernetes_version": spec.get("version"),
            "nodes": _nodes_from_live(cluster),
            "cluster_code": first(metadata, "clusterCode") or resource_id,
            "status": _phase(cluster),
            "kubeconfig": None,
            "external_address": None,
            "inner_address": None,
        }
        if spec.get("hostNetwork"):
            live["host_network"] = spec["hostNetwork"]
        if _phase(cluster) == RUNNING:
            try:
                cert = cluster_certificate(api, resource_id)
            except NotFound:
                cert = {}
            if cert:
                live["kubeconfig"] = render_kubeconfig(resource_id, cert)
                live["external_address"] = cert.get("externalAddress")
                live["inner_address"] = cert.get("innerAddress")
        return live

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """Keep the program's node groups, and its ``1.18.x`` when the platform runs a 1.18 patch."""
        live = dict(live)
        if inputs.get("nodes") is not None:
            live["nodes"] = inputs["nodes"]
        wanted = inputs.get("version")
        if isinstance(wanted, str) and wanted.endswith(".x") and _minor(wanted) == _minor(live.get("version")):
            live["version"] = wanted
        return live

    # List items carry no phase (A.21) and the kubeconfig is a call per cluster: ids only.
    def list_ids(self, api: CentralClient) -> Iterator[str]:
        return iter(cluster_codes(api))

    def delete_resource(self, api: CentralClient, resource_id: str, args: ClusterArgs | None, timeout: float) -> None:
        body = {"clusterCode": resource_id, **({"regionId": args.region_id} if args and args.region_id else {})}
        api.call("DELETE", f"/CCP/clusters/{segment(resource_id)}", body)
        wait_gone(
            f"cluster {resource_id}",
            lambda: self._detail(api, resource_id),
            _phase,
            api.settings,
            timeout,
            gone_states={DELETED},
            failure={DELETE_FAILED},
            reason=_reason,
        )

    def _detail(self, api: CentralClient, cluster_code: str) -> dict[str, Any] | None:
        data = api.data_or_none(f"/CCP/clusters/{segment(cluster_code)}", {"clusterCode": cluster_code})
        return data if isinstance(data, dict) else None

    def _find_by_name(self, api: CentralClient, args: ClusterArgs) -> str | None:
        body = {"regionId": args.region_id} if args.region_id else None
        for cluster in as_list(api.data("GET", "/CCP/clusters", body)):
            if not isinstance(cluster, dict):
                continue
            metadata = cluster.get("metadata") or cluster  # list items are A.21, the create answer A.16
            if metadata.get("name") == args.name and metadata.get("clusterCode"):
                return str(metadata["clusterCode"])
        return None

    def _waiter(self, api: CentralClient, cluster_code: str) -> Waiter[dict[str, Any]]:
        return Waiter(
            what=f"cluster {cluster_code}",
            fetch=lambda: self._detail(api, cluster_code),
            state=_phase,
            target={RUNNING},
            pending={"", CREATING},
            failure={CREATE_FAILED},
            reason=_reason,
        )


# --- generated by `make generate` from ClusterProvider: do not edit below this line ---
class Cluster(DynamicResource, module="central", name="Cluster"):
    """A Kubernetes cluster on the central computing platform; its id is the ``clusterCode``."""

    _provider_class = ClusterProvider
    _outputs, _secret_outputs = output_names(ClusterProvider)

    name: pulumi.Output[str]
    version: pulumi.Output[str]
    nodes: pulumi.Output[list[dict[str, Any]]]
    host_network: pulumi.Output[str | None]
    region_id: pulumi.Output[str | None]
    timeouts: pulumi.Output[dict[str, Any] | None]
    cluster_code: pulumi.Output[str]
    status: pulumi.Output[str]
    kubernetes_version: pulumi.Output[str]
    external_address: pulumi.Output[str | None]
    inner_address: pulumi.Output[str | None]
    kubeconfig: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        name: pulumi.Input[str],
        version: pulumi.Input[str],
        nodes: pulumi.Input[Sequence[pulumi.Input[ClusterNodeGroupDict]]],
        host_network: pulumi.Input[str] | None = None,
        region_id: pulumi.Input[str] | None = None,
        timeouts: pulumi.Input[TimeoutsDict] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "name": name,
            "version": version,
            "nodes": nodes,
            "host_network": host_network,
            "region_id": region_id,
            "timeouts": timeouts,
        }
        super().__init__(resource_name, props, opts)


# --- end of generated code ---
