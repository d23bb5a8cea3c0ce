"""The generic dynamic provider every aicompute resource is built from.

A resource declares its inputs once — a pydantic ``Args`` model whose fields carry the markers of
``provider/schema.py``: create-only (a change replaces), updatable and through which call, local,
set-like (order ignored), write-only (never returned by the API), secret, and declared replace
rules; ``Fields.of(Args, normalisers=…)`` derives the field table from them and adds how to
normalise values the server rewrites — and implements small hooks against its platform client:

* ``create_resource(api, args, timeout) -> id`` (including the wait until ready),
* ``read_resource(api, id) -> outputs | None`` (None: the object is gone),
* the update calls: a method ``@makes(call)`` for each call an ``Updatable(via=call)`` input
  declares (``provider/update_calls.py``), run by the generic ``update_resource``,
* ``delete_resource(api, id, args, timeout)`` (including the wait until gone).

From that, this class implements Pulumi's check / diff / create / read / update / delete:

* **check** validates with the Args model: a clear error naming the field, before any API call.
  Values unknown during preview are not judged.
* **diff** compares the old outputs with the new inputs, restricted at every depth to what the
  program sets (the server may add fields), after normalisation, ignoring order in set-like lists;
  create-only changes are replaces, and so are the changes a field's ``ReplaceWhen`` rule names.
* **read** returns ``ReadResult(id, outputs, inputs)`` so refresh-then-preview is exact; a gone
  object reads as an empty id.
* **secret** inputs (``Fields.secret``) never appear in a check failure or in the text of an error
  raised by create or update: any of their values found there is replaced by ``[secret]`` (a value
  shorter than ``SHORT_SECRET`` only where it stands alone, with a note saying so).

A provider object is pickled into the state by Pulumi, so it never holds a credential: the
stack config given to ``configure`` is dropped from the pickle, and clients are built per call.
"""

from __future__ import annotations

import os
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from deepdiff import DeepDiff
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown
from pydantic import BaseModel, ValidationError

from aicompute.provider.config import ProviderSettings
from aicompute.provider.engine_contract import UNRECORDED as UNRECORDED
from aicompute.provider.errors import (
    ApiError,
    CreateOutcomeUnknown,
    ExistingObject,
    NotFound,
    OutcomeUnknown,
    WaitError,
)
from aicompute.provider.http import ApiClient
from aicompute.provider.schema import (
    ReplaceWhen,
    SchemaError,
    Secret,
    SetLike,
    WriteOnly,
    classification_problems,
    replace_rules,
    schema_of,
)
from aicompute.provider.timeouts import Operation, Timeouts
from aicompute.provider.update_calls import run_steps, unmade_calls, update_steps
from aicompute.provider.waiters import Waiter, wait_for

PROVIDER_KEY = "__provider"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN
LOCAL_INPUTS = frozenset({"timeouts"})
"""Inputs that steer aicompute itself and never reach a platform API."""

ArgsT = TypeVar("ArgsT", bound=BaseModel)
ApiT = TypeVar("ApiT", bound=ApiClient)
T = TypeVar("T")


@dataclass(frozen=True)
class Fields:
    """How each input of a resource behaves across its lifecycle: derived from the Args model's field
    markers by ``Fields.of`` (constructing it by hand is for tests and small fakes)."""

    create_only: frozenset[str] = frozenset()
    updatable: frozenset[str] = frozenset()
    set_like: frozenset[str] = frozenset()
    write_only: frozenset[str] = frozenset()
    normalisers: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    delete_before_replace: bool = False
    """Replace by deleting first: for objects whose names must be unique on the platform."""
    unique_key: frozenset[str] = frozenset()
    """Inputs that together name the object uniquely on the platform (e.g. a model's name and
    version). A replace that keeps all of them deletes first, since the new object would collide
    with the old one; a replace that changes one of them creates first, the safer order."""
    secret: frozenset[str] = frozenset()
    """Inputs whose values are secrets (the resource also lists them as secret outputs). Their values
    are redacted from check failures and from the errors create and update raise."""
    local: frozenset[str] = LOCAL_INPUTS
    """Inputs that steer aicompute itself and never reach a platform API (a change alone calls nothing)."""
    calls: Mapping[str, str] = field(default_factory=dict)
    """The platform call that makes an in-place change of each updatable input ("": none)."""
    replace_rules: Mapping[str, ReplaceWhen] = field(default_factory=dict)
    """Declared rules: a change of an updatable input the platform cannot make in place replaces."""

    @classmethod
    def of(
        cls,
        model: type[BaseModel],
        *,
        normalisers: Mapping[str, Callable[[Any], Any]] | None = None,
        delete_before_replace: bool = False,
        unique_key: frozenset[str] = frozenset(),
    ) -> Fields:
        """The field table of an Args model whose fields carry ``provider.schema`` markers.

        Raises ``SchemaError`` when an input is unclassified or classified more than once."""
        problems = classification_problems(model)
        if problems:
            raise SchemaError("; ".join(problems))
        specs = schema_of(model).values()
        updatable = {spec.name: spec.updatable for spec in specs if spec.updatable is not None}
        return cls(
            create_only=frozenset(spec.name for spec in specs if spec.create_only),
            updatable=frozenset(updatable),
            set_like=frozenset(spec.name for spec in specs if spec.has(SetLike)),
            write_only=frozenset(spec.name for spec in specs if spec.has(WriteOnly)),
            secret=frozenset(spec.name for spec in specs if spec.has(Secret)),
            local=frozenset(spec.name for spec in specs if spec.local),
            calls={name: marker.via for name, marker in updatable.items()},
            replace_rules=replace_rules(model),
            normalisers=dict(normalisers or {}),
            delete_before_replace=delete_before_replace,
            unique_key=unique_key,
        )

    def inputs_via(self, call: str) -> frozenset[str]:
        """The updatable inputs whose change the platform call ``call`` makes."""
        return frozenset(key for key, via in self.calls.items() if via == call)

    def deletes_first(self, changed: frozenset[str]) -> bool:
        """Whether a replace with these changed inputs must delete the old object before creating."""
        if self.delete_before_replace:
            return True
        return bool(self.unique_key) and not (changed & self.unique_key)


def is_unknown(value: Any) -> bool:
    """A preview's not-yet-known value: the SDK's provider server hands it over as an ``Unknown``
    object, a test or an older server as the sentinel string."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknown(v) for v in value)
    return False


def prune(value: Any) -> Any:
    """Drop None values from dicts, at every depth."""
    if isinstance(value, dict):
        return {k: prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def _unknowns_as_old(value: Any, old: Any) -> Any:
    """``value`` with each unknown replaced by the old value at its path, where there is one."""
    if is_unknown(value):
        return value if old is None else old
    if isinstance(value, dict):
        return {k: _unknowns_as_old(v, old.get(k) if isinstance(old, dict) else None) for k, v in value.items()}
    if isinstance(value, list):
        olds = old if isinstance(old, list) else []
        return [_unknowns_as_old(v, olds[i] if i < len(olds) else None) for i, v in enumerate(value)]
    return value


def _unknowns_back(given: Any, checked: Any) -> Any:
    """``checked`` with the unknowns of ``given`` put back where they were."""
    if is_unknown(given):
        return given
    if isinstance(given, dict) and isinstance(checked, dict):
        return {k: _unknowns_back(given.get(k), v) for k, v in checked.items()}
    if isinstance(given, list) and isinstance(checked, list) and len(given) == len(checked):
        return [_unknowns_back(g, c) for g, c in zip(given, checked, strict=True)]
    return checked


def restrict(live: Any, template: Any, unordered: bool = False) -> Any:
    """``live`` cut down to the shape of ``template``: only the dict keys the template sets.

    This is how a server-filled default (a field the program never set) stays out of a diff.
    Lists are matched element by element; with ``unordered`` each template element is paired with
    the live element that matches it, wherever it is.
    """
    if isinstance(template, dict) and isinstance(live, dict):
        return {k: restrict(live.get(k), v) for k, v in template.items() if v is not None}
    if isinstance(template, list) and isinstance(live, list):
        if unordered:
            return _restrict_unordered(live, template)
        if len(template) == len(live):
            return [restrict(item, shape) for item, shape in zip(live, template, strict=True)]
    return live


def _restrict_unordered(live: list[Any], template: list[Any]) -> list[Any]:
    remaining = list(live)
    matched: list[Any] = []
    for shape in template:
        wanted = prune(shape)
        for index, item in enumerate(remaining):
            if _same(restrict(item, shape), wanted):
                matched.append(remaining.pop(index))
                break
    return [restrict(item, shape) for item, shape in zip(matched, template, strict=False)] + remaining


def _same(a: Any, b: Any, unordered: bool = False) -> bool:
    return not DeepDiff(a, b, ignore_order=unordered, ignore_numeric_type_changes=True)


def _property_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


REDACTED = "[secret]"


class InvalidInputs(ValueError):
    """Inputs the Args model rejects, met outside check (the message is redacted like check's)."""


def secret_values(keys: frozenset[str], *props: Mapping[str, Any]) -> list[str]:
    """The string leaves of the secret inputs in ``props`` (dict values and list items; dict keys
    are names, not secrets), longest first so that a value containing another is redacted whole."""
    found: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            if value:
                found.add(value)
        elif isinstance(value, Mapping):
            for item in value.values():
                collect(item)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item)

    for values in props:
        for key in keys:
            collect(values.get(key))
    return sorted(found, key=len, reverse=True)


SHORT_SECRET = 4
"""A secret value shorter than this is masked only where it stands alone: replacing it inside other
text (the ``0`` of ``HTTP 400``) garbles the message and gives the value away by elimination."""
SHORT_NOTE = f"(secret values shorter than {SHORT_SECRET} characters are masked only where they stand alone)"


def _occurrences(value: str) -> re.Pattern[str]:
    if len(value) >= SHORT_SECRET:
        return re.compile(re.escape(value))
    return re.compile(rf"(?<![\w.]){re.escape(value)}(?![\w.])")


def redact(text: str, secrets: list[str]) -> str:
    """``text`` with each secret value replaced by ``[secret]`` (see ``SHORT_SECRET``); a note says
    so when a short value also occurs inside other text, where it is left alone."""
    redacted = text
    for value in secrets:
        redacted = _occurrences(value).sub(REDACTED, redacted)
    if any(len(value) < SHORT_SECRET and value in redacted.replace(REDACTED, " ") for value in secrets):
        redacted = f"{redacted} {SHORT_NOTE}"
    return redacted


@contextmanager
def redacting(secrets: list[str]) -> Iterator[None]:
    """Re-raise an error whose text holds a secret value as one with the value replaced."""
    try:
        yield
    except Exception as error:
        text = str(error)
        redacted = redact(text, secrets)
        if redacted == text:
            raise
        raise RuntimeError(f"{type(error).__name__}: {redacted}") from None


def _failures(error: ValidationError, skip: set[str], secrets: list[str] | None = None) -> list[CheckFailure]:
    failures = []
    for item in error.errors():
        loc = tuple(item["loc"])
        if loc and str(loc[0]) in skip:
            continue
        path = _property_path(loc) or "(resource)"
        failures.append(CheckFailure(path, redact(f"{path}: {item['msg']}", secrets or [])))
    return failures


class GenericProvider(ResourceProvider, ABC, Generic[ArgsT, ApiT]):
    """Pulumi's provider methods implemented once, from a resource's declaration and hooks."""

    args_model: ClassVar[type[BaseModel]]
    outputs_model: ClassVar[type[BaseModel] | None] = None
    """The outputs the platform computes besides the inputs, declared with markers like the inputs."""
    summary: ClassVar[str] = ""
    """What the resource is and what its id is: the program-side class's docstring and the docs' lead."""
    fields: ClassVar[Fields]
    default_timeouts: ClassVar[dict[Operation, float]] = {"create": 1800, "update": 1800, "delete": 1800}
    kind: ClassVar[str] = "resource"
    serialize_as_secret_always: bool = False
    """Read by the SDK's dynamic ``Resource``: the pickled provider (``__provider``) holds no
    credential (see ``__getstate__``), so it need not be stored as a secret (the SDK still makes it
    one if a secret Output was captured while pickling)."""

    def __init__(self) -> None:
        self._config: dict[str, Any] = {}

    # No credential may travel in the pickle Pulumi stores in the state.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._config = {}

    def configure(self, req: ConfigureRequest) -> None:
        """Keep the stack config, and refuse one the platform client cannot work with (no
        credentials, no endpoint): Pulumi configures providers at preview too, so a missing
        credential fails the preview instead of the ``up`` after it."""
        raw = getattr(req.config, "_props", {})
        self._config = dict(raw) if isinstance(raw, Mapping) else {}
        self.open_client(self.settings()).close()

    def settings(self) -> ProviderSettings:
        return ProviderSettings.load(getattr(self, "_config", {}), os.environ)

    # hooks -------------------------------------------------------------------------------------
    @abstractmethod
    def open_client(self, settings: ProviderSettings) -> ApiT:
        """A platform client; closed by the caller when the operation ends."""

    @abstractmethod
    def create_resource(self, api: ApiT, args: ArgsT, timeout: float) -> str: ...

    @abstractmethod
    def read_resource(self, api: ApiT, resource_id: str) -> dict[str, Any] | None: ...

    def update_resource(
        self, api: ApiT, resource_id: str, old: ArgsT, new: ArgsT, changed: frozenset[str], timeout: float
    ) -> None:
        """Make the declared call of each changed input (``provider/update_calls.py``)."""
        self.make_calls(api, resource_id, old, new, changed, time.monotonic() + timeout)

    def make_calls(
        self, api: ApiT, resource_id: str, old: ArgsT, new: ArgsT, changed: frozenset[str], deadline: float
    ) -> None:
        steps = update_steps(type(self), self.fields.calls, self.call_order(new), changed)
        run_steps(self, api, steps, resource_id, old, new, deadline)

    def call_order(self, new: ArgsT) -> Sequence[str]:
        """Update calls that must come before the others, in this order (the rest follow field order)."""
        return ()

    @classmethod
    def unmade_calls(cls) -> list[str]:
        """Declared update calls no method makes, and methods making calls no input declares."""
        return unmade_calls(cls, cls.fields.calls)

    @abstractmethod
    def delete_resource(self, api: ApiT, resource_id: str, args: ArgsT | None, timeout: float) -> None: ...

    # helpers -----------------------------------------------------------------------------------
    @contextmanager
    def client(self) -> Iterator[ApiT]:
        api = self.open_client(self.settings())
        try:
            yield api
        finally:
            api.close()

    @classmethod
    def input_names(cls) -> list[str]:
        return list(cls.args_model.model_fields)

    @classmethod
    def parse(cls, props: Mapping[str, Any]) -> ArgsT:
        values = {k: v for k, v in props.items() if k in cls.args_model.model_fields}
        return cls.args_model.model_validate(values)  # type: ignore[return-value]

    @classmethod
    def parse_valid(cls, props: Mapping[str, Any]) -> ArgsT:
        """``parse`` for create and update: a rejection names fields and rules, never an input value
        (pydantic's own text would quote every input, secrets included)."""
        try:
            return cls.parse(props)
        except ValidationError as error:
            reasons = [f.reason for f in _failures(error, set(), secret_values(cls.fields.secret, props))]
            raise InvalidInputs(f"invalid {cls.kind} inputs: " + "; ".join(reasons)) from None

    @classmethod
    def parse_lenient(cls, props: Mapping[str, Any]) -> ArgsT | None:
        try:
            return cls.parse(props)
        except ValidationError:
            return None

    @classmethod
    def dump(cls, args: BaseModel) -> dict[str, Any]:
        return args.model_dump(mode="json")

    def timeout(self, args: BaseModel | None, operation: Operation) -> float:
        timeouts = getattr(args, "timeouts", None) if args is not None else None
        default = self.default_timeouts[operation]
        return timeouts.seconds(operation, default) if isinstance(timeouts, Timeouts) else default

    def normalise(self, key: str, value: Any) -> Any:
        normaliser = self.fields.normalisers.get(key)
        return normaliser(value) if normaliser is not None and value is not None else value

    def changed_keys(self, olds: Mapping[str, Any], news: Mapping[str, Any]) -> frozenset[str]:
        """Inputs whose new value differs from the old output, as the program sets them."""
        changed = set()
        for key in self.input_names():
            new = news.get(key)
            if new is None:
                continue  # unset: the platform decides
            if contains_unknown(new):
                changed.add(key)
                continue
            unordered = key in self.fields.set_like
            wanted = prune(self.normalise(key, new))  # the template is normalised like the old value
            old = restrict(self.normalise(key, olds.get(key)), wanted, unordered)
            if not _same(old, wanted, unordered):
                changed.add(key)
        return frozenset(changed)

    def outputs(self, api: ApiT, resource_id: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        live = self.read_resource(api, resource_id)
        if live is None:
            raise NotFound(404, "NotFound", f"{self.kind} {resource_id} disappeared right after it was written")
        return {**inputs, **self.reconcile_live(live, inputs)}

    def wait_created(self, api: ApiT, resource_id: str, waiter: Waiter[T], timeout: float) -> T:
        """Wait for a new object to be ready; if it fails or runs out of time, delete it.

        No state records an object whose create did not return, so keeping it would orphan it (and,
        where names are unique, block the next attempt). The error says whether the delete worked.
        An error other than the wait's own (the polls failing) leaves the object alone: its create's
        outcome is unknown (``create``), and the next update adopts it.
        """
        try:
            return wait_for(waiter, api.settings, timeout)
        except WaitError as failure:
            raise failure.with_aftermath(self.delete_unfinished(api, resource_id)) from None

    def delete_unfinished(self, api: ApiT, resource_id: str) -> str:
        """Delete an object whose create did not complete, and say how that went (for the error).
        Once it is gone the create is known to have left nothing behind (``api.wrote`` is cleared)."""
        try:
            self.delete_resource(api, resource_id, None, self.default_timeouts["delete"])
            api.wrote = False
            return f"the unfinished {self.kind} {resource_id} was deleted"
        except NotFound:
            api.wrote = False
            return f"the unfinished {self.kind} {resource_id} is gone"
        except (ApiError, WaitError, OutcomeUnknown) as error:
            return f"deleting the unfinished {self.kind} {resource_id} also failed: {error}"

    @contextmanager
    def outcome_known(self, api: ApiT) -> Iterator[None]:
        """Re-raise a create's failure as ``CreateOutcomeUnknown`` when a write of it may have taken
        effect (``api.wrote``): a timeout or a lost answer after the POST, a 5xx after the commit,
        the polls that follow failing. A failure before any write (bad input, a refusal, a refused
        connection) is known to have created nothing and is raised as it is."""
        try:
            yield
        except Exception as error:
            if not api.wrote or isinstance(error, CreateOutcomeUnknown | ExistingObject):
                raise
            raise CreateOutcomeUnknown(self.kind, error) from None

    list_page_limit: int | None = None
    """A page size below the platform's largest, for list calls (None: the largest; tests lower it
    to exercise paging)."""

    def page_size(self, largest: int) -> int:
        """The page size for a list whose platform maximum is ``largest``."""
        return min(largest, self.list_page_limit or largest)

    def list_live(self, api: ApiT) -> Iterator[tuple[str, dict[str, Any]]] | None:
        """Every object of this type the credentials can see, as ``(id, live)`` pairs where ``live``
        is exactly what ``read_resource`` answers for that id, read page by page from the platform's
        list endpoint(s) — so reading N objects costs pages, not N calls.

        ``None`` (the default) when the type has no list endpoint that returns everything a single
        read does; callers then read objects one by one.
        """
        return None

    def list_ids(self, api: ApiT) -> Iterator[str] | None:
        """The ids of every object of this type the credentials can see, for finding objects no
        stack manages: ``list_live``'s ids by default. A type whose list items lack fields of the
        single read overrides this alone; ``None`` when the type cannot be listed at all."""
        listed = self.list_live(api)
        return None if listed is None else (resource_id for resource_id, _ in listed)

    def owner(self, resource_id: str, live: Mapping[str, Any]) -> tuple[str, str] | None:
        """The ``(type token, id)`` of the object a listed object belongs to — one the platform made
        along with that owner and deletes with it (a resource pool's default node pool) — else None.
        A stack that manages the owner manages what it owns (drift's unmanaged check)."""
        return None

    def read_live(self, api: ApiT, resource_id: str, props: Mapping[str, Any]) -> dict[str, Any] | None:
        """One object's live values as ``read`` sees them, given its state ``props``:
        ``read_resource`` unless the object is defined by its state (e.g. a node group's members)."""
        return self.read_resource(api, resource_id)

    def reconcile_live(self, live: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
        """The live values as this resource owns them, given the program's (or the old) inputs.

        Called on every read and after every write, before diffing or restricting. The default keeps
        ``live`` as it is; a resource overrides it to keep the program's value of a sub-field the API
        never returns, or to leave out parts of a shared object that other resources manage.
        """
        return live

    # Pulumi's provider methods ------------------------------------------------------------------
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        props = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        unknown = {k for k, v in props.items() if contains_unknown(v)}
        try:
            args = self.parse(props)
        except ValidationError as error:
            failures = _failures(error, unknown, secret_values(self.fields.secret, props))
            return CheckResult(self.checked_with_unknowns(olds, news) if unknown and not failures else news, failures)
        # Keys seeded with None name the resource's outputs (see resources/base.py), not inputs.
        extra = sorted(k for k in set(props) - set(self.input_names()) if props[k] is not None)
        if extra:
            allowed = ", ".join(self.input_names())
            return CheckResult(
                news,
                [CheckFailure(key, f"{key}: not an input of {self.kind} (inputs: {allowed})") for key in extra],
            )
        if unknown:
            return CheckResult(self.checked_with_unknowns(olds, news), [])
        return CheckResult({**self.dump(args), PROVIDER_KEY: news.get(PROVIDER_KEY)}, [])

    def checked_with_unknowns(self, olds: Mapping[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """Inputs holding unknowns (a preview), normalised as check normalises known ones — defaults
        filled, ``"0.5"`` for a string field given ``0.5`` — so that only the unknowns and real
        changes differ from the old inputs: each unknown stands in as its old value for the
        parse, then goes back in place. Unparseable that way (a new unknown), they stay as given."""
        props = {k: v for k, v in news.items() if k != PROVIDER_KEY}
        try:
            args = self.parse({k: _unknowns_as_old(v, olds.get(k)) for k, v in props.items()})
        except ValidationError:
            return news
        return {**_unknowns_back(props, self.dump(args)), PROVIDER_KEY: news.get(PROVIDER_KEY)}

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Create-only changes replace; so does a change a declared ``ReplaceWhen`` rule names."""
        changed = set(self.changed_keys(olds, news))
        replaces = changed & self.fields.create_only
        for key, rule in self.fields.replace_rules.items():
            if rule.rule(olds.get(key), news.get(key)):
                changed.add(key)
                replaces.add(key)
        return DiffResult(
            changes=bool(changed),
            replaces=sorted(replaces),
            delete_before_replace=bool(replaces) and self.fields.deletes_first(frozenset(changed)),
        )

    def create(self, props: dict[str, Any]) -> CreateResult:
        args = self.parse_valid(props)
        with redacting(secret_values(self.fields.secret, props)), self.client() as api, self.outcome_known(api):
            resource_id = self.create_resource(api, args, self.timeout(args, "create"))
            return CreateResult(resource_id, self.outputs(api, resource_id, self.dump(args)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        with self.client() as api:
            live = self.read_live(api, id_, props)
        return self.read_result(id_, live, props)

    def read_result(self, id_: str, live: dict[str, Any] | None, props: Mapping[str, Any]) -> ReadResult:
        """What ``read`` answers for an object whose live values (``read_resource``'s answer, or a
        ``list_live`` item) are ``live``, given the old state ``props``."""
        if live is None:
            return ReadResult("", {})
        old_inputs = {k: v for k, v in props.items() if k in self.args_model.model_fields}
        live = self.reconcile_live(live, old_inputs)
        outs = {**old_inputs, **live}
        inputs: dict[str, Any] = {}
        for key in self.input_names():
            if key in self.fields.local or key in self.fields.write_only or key not in live:
                if old_inputs.get(key) is not None:
                    inputs[key] = old_inputs[key]
                continue
            template = old_inputs.get(key)
            inputs[key] = (
                live[key] if template is None else restrict(live[key], prune(template), key in self.fields.set_like)
            )
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        new = self.parse_valid(news)
        old = self.parse_lenient(olds) or new
        # Only what the field table declares updatable is changed in place (a create-only change
        # replaced the object instead; a local one needs no call).
        changed = (self.changed_keys(olds, news) - self.fields.local) & self.fields.updatable
        with redacting(secret_values(self.fields.secret, news, olds)), self.client() as api:
            if changed:
                self.update_resource(api, id_, old, new, changed, self.timeout(new, "update"))
            return UpdateResult(self.outputs(api, id_, self.dump(new)))

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        args = self.parse_lenient(props)
        with self.client() as api:
            try:
                self.delete_resource(api, id_, args, self.timeout(args, "delete"))
            except NotFound:
                return
