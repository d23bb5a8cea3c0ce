"""TrainingPlatform: a ModelArts workspace, a network in it, a resource pool on the network, and
the pool's further node pools (``aicompute:stacks:TrainingPlatform``).

Each part is given as its resource's own Args model, less the fields that link the parts (the
network's and pool's ``workspace_id``, the pool's ``network_id``, a node pool's ``pool_name`` and
``name``): the component sets those, so giving one is an error. Every rule of the resources
therefore applies as it is, at construction, under the component's field path
(``node_pools.gpu.count``).

The pool's ``resources`` are its default node pools (one per flavor, ``<flavor>-Default``);
``node_pools`` maps a node-pool name to its spec, one ``NodePool`` resource each. Scaling one
entry of the map updates that node pool in place and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import pulumi
from pydantic import BaseModel, Field, field_validator

from aicompute.resources.modelarts import (
    Network,
    NetworkArgs,
    NodePool,
    NodePoolArgs,
    ResourcePool,
    ResourcePoolArgs,
    Workspace,
    WorkspaceArgs,
)
from aicompute.stacks._component import Component, ComponentArgs, set_by, validate_args

COMPONENT = "TrainingPlatform"

# A node pool's name as NodePoolArgs states it, for the keys of the node_pools map.
NodePoolName = Annotated[str, NodePoolArgs.model_fields["name"]]


class NetworkSpec(NetworkArgs):
    """The platform's network: NetworkArgs without ``workspace_id`` (the platform's workspace)."""

    _linked = field_validator("workspace_id")(set_by(COMPONENT))


class PoolSpec(ResourcePoolArgs):
    """The platform's resource pool: ResourcePoolArgs without ``network_id`` and ``workspace_id``.
    ``resources`` are the default node pools, one per flavor."""

    network_id: str = ""
    _linked = field_validator("network_id", "workspace_id")(set_by(COMPONENT))


class NodePoolSpec(NodePoolArgs):
    """One further node pool: NodePoolArgs without ``pool_name`` and ``name`` (the map key)."""

    pool_name: str = ""
    name: str = ""
    _linked = field_validator("pool_name", "name")(set_by(COMPONENT))


class TrainingPlatformArgs(ComponentArgs):
    workspace: WorkspaceArgs = Field(description="The ModelArts workspace every other part lives in.")
    network: NetworkSpec = Field(description="The network the pool's nodes use.")
    pool: PoolSpec = Field(description="The dedicated resource pool and its default node pools.")
    node_pools: dict[NodePoolName, NodePoolSpec] = Field(
        default_factory=dict, description="Further node pools of the pool, by node-pool name."
    )


def _inputs(spec: BaseModel, linked: frozenset[str]) -> dict[str, Any]:
    """A spec as resource constructor keywords, without the linking fields and unset options."""
    values: dict[str, Any] = spec.model_dump(mode="json", exclude=set(linked), exclude_none=True)
    return values


class TrainingPlatform(Component, name=COMPONENT):
    """A ModelArts workspace, a network, a dedicated resource pool and its node pools."""

    workspace: Workspace
    network: Network
    pool: ResourcePool
    node_pools: dict[str, NodePool]
    workspace_id: pulumi.Output[str]
    network_id: pulumi.Output[str]
    pool_id: pulumi.Output[str]
    pool_status: pulumi.Output[str]
    node_pool_ids: pulumi.Output[dict[str, str]]
    node_pool_statuses: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        args: TrainingPlatformArgs | Mapping[str, Any],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        checked = validate_args(COMPONENT, name, TrainingPlatformArgs, args)
        super().__init__(name, opts)
        child = self.child_opts
        self.workspace = Workspace(f"{name}-workspace", **_inputs(checked.workspace, frozenset()), opts=child())
        self.network = Network(
            f"{name}-network",
            workspace_id=self.workspace.id,
            **_inputs(checked.network, frozenset({"workspace_id"})),
            opts=child(),
        )
        self.pool = ResourcePool(
            f"{name}-pool",
            workspace_id=self.workspace.id,
            network_id=self.network.id,
            **_inputs(checked.pool, frozenset({"workspace_id", "network_id"})),
            opts=child(),
        )
        self.node_pools = {
            key: NodePool(
                f"{name}-{key}",
                pool_name=self.pool.id,
                name=key,
                **_inputs(spec, frozenset({"pool_name", "name"})),
                opts=child(),
            )
            for key, spec in checked.node_pools.items()
        }
        self._register(checked)

    def _register(self, checked: TrainingPlatformArgs) -> None:
        self.workspace_id = self.workspace.id
        self.network_id = self.network.id
        self.pool_id = self.pool.id
        self.pool_status = self.pool.status
        self.node_pool_ids = pulumi.Output.all(**{k: p.id for k, p in self.node_pools.items()}).apply(dict)
        self.node_pool_statuses = pulumi.Output.all(**{k: p.status for k, p in self.node_pools.items()}).apply(dict)
        self.register_outputs(
            {
                "workspace_id": self.workspace_id,
                "network_id": self.network_id,
                "pool_id": self.pool_id,
                "pool_name": checked.pool.name,
                "pool_status": self.pool_status,
                "node_pool_ids": self.node_pool_ids,
                "node_pool_statuses": self.node_pool_statuses,
            }
        )


__all__ = ["NetworkSpec", "NodePoolSpec", "PoolSpec", "TrainingPlatform", "TrainingPlatformArgs"]
