"""Pulumi URNs and provider references.

A URN is ``urn:pulumi:<stack>::<project>::<qualified type>::<name>``. The qualified type is the
resource's type prefixed by its parent's qualified type and ``$`` (``parent$child``), except that
children of the root stack resource (``pulumi:pulumi:Stack``) are not prefixed, as in Pulumi's
engine. A provider reference — what a resource's ``provider`` field holds — is
``<provider urn>::<provider id>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

PARSED_CACHE = 1 << 16
"""How many parsed URNs and provider references are kept: each is parsed many times a run (every
state write and registration looks at every reference), and strings are immutable."""
URN_PREFIX = "urn:pulumi:"
URN_DELIMITER = "::"
TYPE_DELIMITER = "$"
ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
DEFAULT_PROVIDER_NAME = "default"


class UrnError(ValueError):
    """A string is not a well-formed URN or provider reference."""


@dataclass(frozen=True)
class Urn:
    """The parts of a URN."""

    stack: str
    project: str
    qualified_type: str
    name: str

    @property
    def type(self) -> str:
        """The resource's own type: the last ``$``-separated part of the qualified type."""
        return self.qualified_type.rsplit(TYPE_DELIMITER, 1)[-1]

    def __str__(self) -> str:
        return URN_PREFIX + URN_DELIMITER.join((self.stack, self.project, self.qualified_type, self.name))


@lru_cache(maxsize=PARSED_CACHE)
def parse_urn(urn: str) -> Urn:
    """Split a URN into its parts (the name may itself contain ``::``)."""
    if not urn.startswith(URN_PREFIX):
        raise UrnError(f"not a URN (must start with {URN_PREFIX!r}): {urn!r}")
    parts = urn[len(URN_PREFIX) :].split(URN_DELIMITER, 3)
    if len(parts) != 4 or not all(parts[:3]):
        raise UrnError(f"malformed URN (expected urn:pulumi:<stack>::<project>::<type>::<name>): {urn!r}")
    return Urn(*parts)


def make_urn(stack: str, project: str, type_: str, name: str, parent: str | None = None) -> str:
    """The URN of a resource named ``name`` of type ``type_``, optionally under ``parent`` (a URN)."""
    qualified = type_
    if parent:
        parent_type = parse_urn(parent).qualified_type
        if parent_type != ROOT_STACK_TYPE:
            qualified = parent_type + TYPE_DELIMITER + type_
    return str(Urn(stack, project, qualified, name))


def stack_resource_name(project: str, stack: str) -> str:
    """The root stack resource's name, ``<project>-<stack>``."""
    return f"{project}-{stack}"


def stack_urn(stack: str, project: str) -> str:
    """The root stack resource's URN."""
    return make_urn(stack, project, ROOT_STACK_TYPE, stack_resource_name(project, stack))


def provider_type(package: str) -> str:
    """The type of a package's provider resources, e.g. ``pulumi:providers:pulumi-python``."""
    return PROVIDER_TYPE_PREFIX + package


def is_provider_type(type_: str) -> bool:
    return type_.startswith(PROVIDER_TYPE_PREFIX)


def is_default_provider(urn: str) -> bool:
    """Whether ``urn`` is a default provider's (Pulumi's ``IsDefaultProvider``: a provider type whose
    name starts with ``default``): the display leaves their steps out."""
    parsed = parse_urn(urn)
    return is_provider_type(parsed.type) and parsed.name.startswith(DEFAULT_PROVIDER_NAME)


def default_provider_urn(stack: str, project: str, package: str) -> str:
    """The URN of a package's default provider (not parented, named ``default``)."""
    return make_urn(stack, project, provider_type(package), DEFAULT_PROVIDER_NAME)


def provider_reference(provider_urn: str, provider_id: str) -> str:
    """``<provider urn>::<provider id>``, the form of a resource's ``provider`` field."""
    return f"{provider_urn}{URN_DELIMITER}{provider_id}"


@lru_cache(maxsize=PARSED_CACHE)
def parse_provider_reference(reference: str) -> tuple[str, str]:
    """The (URN, ID) of a provider reference; the ID is what follows the last ``::``."""
    urn, sep, provider_id = reference.rpartition(URN_DELIMITER)
    if not sep or not urn or not provider_id:
        raise UrnError(f"malformed provider reference (expected <urn>::<id>): {reference!r}")
    parse_urn(urn)
    return urn, provider_id
