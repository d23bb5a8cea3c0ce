"""Pulumi's ``ResourceProvider`` resource operations over gRPC, shared by every provider the engine
runs as a process: the dynamic provider servers (``plugin``) and other packages' plugins
(``external``). A subclass says which stub a call goes to (``_stub``); a gRPC error becomes a
``ProviderError`` carrying the provider's message."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import grpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from aicompute.engine.deploy.providers.base import CheckFailure, DiffChanges, DiffResult, ProviderError, ReadResult
from aicompute.engine.resource.wire_values import PropertyMap, annotate_secrets, for_provider, from_struct, to_struct
from aicompute.provider.engine_contract import OUTCOME_UNKNOWN_MARK


def error_message(details: str) -> str:
    """The exception line of a provider traceback (the whole traceback stays in ``detail``)."""
    lines = [line for line in (details or "").strip().splitlines() if line.strip()]
    if not lines:
        return "the provider failed without a message"
    if lines[0].startswith("Traceback"):
        for index in range(len(lines) - 1, -1, -1):
            if not lines[index].startswith(" "):
                return "\n".join(lines[index:])
    return "\n".join(lines)


MUTATING = frozenset({"create", "update", "delete"})
LOST = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED, grpc.StatusCode.DEADLINE_EXCEEDED})
"""How a call ends when its provider process died or the connection to it broke mid-call."""


def _outcome_unknown(error: grpc.RpcError, details: str) -> bool:
    """Whether a failed mutating call may have taken effect: the provider says so, or the call was lost."""
    code = error.code() if hasattr(error, "code") else None
    return code in LOST or OUTCOME_UNKNOWN_MARK in details


class GrpcOperations(ABC):
    """Check, Diff, Create, Update, Delete and Read, as requests to a ``ResourceProvider`` stub."""

    @abstractmethod
    def _stub(self) -> AbstractContextManager[provider_pb2_grpc.ResourceProviderStub]:
        """The stub a call goes to, held for the call's duration."""

    def _call(self, operation: str, urn: str, invoke: Callable[[Any], Any]) -> Any:
        with self._stub() as stub:
            try:
                return invoke(stub)
            except grpc.RpcError as error:
                details = error.details() if hasattr(error, "details") else str(error)
                unknown = operation in MUTATING and _outcome_unknown(error, details or "")
                raise ProviderError(
                    operation, urn, error_message(details or ""), details or "", outcome_unknown=unknown
                ) from None

    def check(
        self, urn: str, type_: str, name: str, olds: PropertyMap, news: PropertyMap, *, rpc: str = "Check"
    ) -> tuple[PropertyMap, list[CheckFailure]]:
        """``rpc="CheckConfig"``: the same request checks a provider resource's configuration."""
        request = provider_pb2.CheckRequest(
            urn=urn, name=name, type=type_, olds=to_struct(for_provider(olds)), news=to_struct(for_provider(news))
        )
        response = self._call("check", urn, lambda stub: getattr(stub, rpc)(request))
        inputs = annotate_secrets(from_struct(response.inputs), news)
        return inputs, [CheckFailure(f.property, f.reason) for f in response.failures]

    def diff(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
        ignore_changes: list[str],
        *,
        rpc: str = "Diff",
    ) -> DiffResult:
        """``rpc="DiffConfig"``: the same request diffs a provider resource's configuration."""
        request = provider_pb2.DiffRequest(
            id=id_,
            urn=urn,
            name=name,
            type=type_,
            olds=to_struct(for_provider(old_outputs)),
            news=to_struct(for_provider(news)),
            old_inputs=to_struct(for_provider(old_inputs)),
            ignoreChanges=ignore_changes,
        )
        response = self._call("diff", urn, lambda stub: getattr(stub, rpc)(request))
        changes: DiffChanges = {
            provider_pb2.DiffResponse.DIFF_SOME: "some",
            provider_pb2.DiffResponse.DIFF_NONE: "none",
        }.get(response.changes, "unknown")  # type: ignore[assignment]
        return DiffResult(changes, tuple(response.replaces), bool(response.deleteBeforeReplace))

    def create(self, urn: str, type_: str, name: str, inputs: PropertyMap) -> tuple[str, PropertyMap]:
        request = provider_pb2.CreateRequest(urn=urn, name=name, type=type_, properties=to_struct(for_provider(inputs)))
        response = self._call("create", urn, lambda stub: stub.Create(request))
        if not response.id:
            raise ProviderError("create", urn, "the provider's create returned no id")
        return response.id, annotate_secrets(from_struct(response.properties), inputs)

    def update(
        self,
        urn: str,
        type_: str,
        name: str,
        id_: str,
        old_outputs: PropertyMap,
        news: PropertyMap,
        old_inputs: PropertyMap,
    ) -> PropertyMap:
        request = provider_pb2.UpdateRequest(
            id=id_,
            urn=urn,
            name=name,
            type=type_,
            olds=to_struct(for_provider(old_outputs)),
            news=to_struct(for_provider(news)),
            old_inputs=to_struct(for_provider(old_inputs)),
        )
        response = self._call("update", urn, lambda stub: stub.Update(request))
        return annotate_secrets(from_struct(response.properties), news)

    def delete(self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> None:
        request = provider_pb2.DeleteRequest(
            id=id_,
            urn=urn,
            name=name,
            type=type_,
            properties=to_struct(for_provider(outputs)),
            old_inputs=to_struct(for_provider(inputs)),
        )
        self._call("delete", urn, lambda stub: stub.Delete(request))

    def read(self, urn: str, type_: str, name: str, id_: str, outputs: PropertyMap, inputs: PropertyMap) -> ReadResult:
        request = provider_pb2.ReadRequest(
            id=id_,
            urn=urn,
            name=name,
            type=type_,
            properties=to_struct(for_provider(outputs)),
            inputs=to_struct(for_provider(inputs)),
        )
        response = self._call("read", urn, lambda stub: stub.Read(request))
        secret_template = {**inputs, **outputs}
        new_outputs = annotate_secrets(from_struct(response.properties), secret_template)
        new_inputs = (
            annotate_secrets(from_struct(response.inputs), secret_template) if response.HasField("inputs") else None
        )
        return ReadResult(response.id, new_outputs, new_inputs)
