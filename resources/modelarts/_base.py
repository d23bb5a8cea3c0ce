"""The ModelArts provider base: one client kind, shared by every ModelArts resource."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel

from aicompute.provider.config import ProviderSettings
from aicompute.provider.generic import GenericProvider
from aicompute.provider.modelarts import ModelArtsClient

ArgsT = TypeVar("ArgsT", bound=BaseModel)


class ModelArtsProvider(GenericProvider[ArgsT, ModelArtsClient], Generic[ArgsT]):
    def open_client(self, settings: ProviderSettings) -> ModelArtsClient:
        return ModelArtsClient(settings)
