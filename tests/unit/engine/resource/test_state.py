"""URNs, property encoding with secrets, the deployment model, schema validation and integrity rules."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

import pytest

from aicompute.engine.resource.checkpoint_values import (
    MASK,
    SECRET_SIG,
    SIG_KEY,
    UNKNOWN,
    RedactingCrypter,
    decode_properties,
    encode_properties,
    mask_secrets,
    reveal_secrets,
    secret,
    unwrap_secrets,
)
from aicompute.engine.resource.schema import StateValidationError, is_valid_deployment, validate_deployment
from aicompute.engine.resource.state import (
    Deployment,
    Manifest,
    PendingOperation,
    ResourceState,
    StateError,
    default_provider_resource,
    manifest_magic,
    root_stack_resource,
    topological_order,
    verify_integrity,
)
from aicompute.engine.resource.urn import (
    UrnError,
    default_provider_urn,
    make_urn,
    parse_provider_reference,
    parse_urn,
    provider_reference,
    stack_urn,
)
from aicompute.engine.secrets.passphrase import PassphraseSecretsManager, SecretsError

VECTOR_SALT = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ=="
DYNAMIC = "pulumi-python:dynamic/modelarts:ResourcePool"


@pytest.fixture(scope="module")
def secrets() -> PassphraseSecretsManager:
    return PassphraseSecretsManager.from_encryption_salt(VECTOR_SALT, "password")


# URNs ---------------------------------------------------------------------------------------------
def test_stack_and_top_level_urns() -> None:
    root = stack_urn("dev", "demo")
    assert root == "urn:pulumi:dev::demo::pulumi:pulumi:Stack::demo-dev"
    assert make_urn("dev", "demo", DYNAMIC, "pool", parent=root) == f"urn:pulumi:dev::demo::{DYNAMIC}::pool"
    assert make_urn("dev", "demo", DYNAMIC, "pool") == f"urn:pulumi:dev::demo::{DYNAMIC}::pool"


def test_children_of_components_carry_the_parent_type_chain() -> None:
    platform = make_urn("dev", "demo", "aicompute:stacks:TrainingPlatform", "train", parent=stack_urn("dev", "demo"))
    inner = make_urn("dev", "demo", "aicompute:stacks:Network", "net", parent=platform)
    leaf = make_urn("dev", "demo", DYNAMIC, "pool", parent=inner)
    assert leaf == (
        "urn:pulumi:dev::demo::aicompute:stacks:TrainingPlatform$aicompute:stacks:Network$" + DYNAMIC + "::pool"
    )
    parsed = parse_urn(leaf)
    assert (parsed.stack, parsed.project, parsed.type, parsed.name) == ("dev", "demo", DYNAMIC, "pool")
    assert str(parsed) == leaf


def test_names_may_contain_double_colons() -> None:
    urn = make_urn("dev", "demo", "t:m:T", "a::b")
    assert parse_urn(urn).name == "a::b"


@pytest.mark.parametrize("bad", ["", "urn:other:x", "urn:pulumi:dev::demo", "urn:pulumi:::demo::t::n"])
def test_malformed_urns_are_refused(bad: str) -> None:
    with pytest.raises(UrnError):
        parse_urn(bad)


def test_provider_references() -> None:
    urn = default_provider_urn("dev", "demo", "pulumi-python")
    assert urn == "urn:pulumi:dev::demo::pulumi:providers:pulumi-python::default"
    reference = provider_reference(urn, "3f2a")
    assert reference == f"{urn}::3f2a"
    assert parse_provider_reference(reference) == (urn, "3f2a")
    with pytest.raises(UrnError):
        parse_provider_reference(urn + "::")


# property values ----------------------------------------------------------------------------------
def test_secrets_are_encrypted_json_in_the_checkpoint(secrets: PassphraseSecretsManager) -> None:
    props = {"password": secret("hunter2"), "spec": {"n": 2.0, "tags": ["a", secret({"k": 1})]}, "u": UNKNOWN}
    encoded = encode_properties(props, secrets)
    assert set(encoded["password"]) == {SIG_KEY, "ciphertext"}
    assert encoded["password"][SIG_KEY] == SECRET_SIG
    assert json.loads(secrets.decrypt(encoded["password"]["ciphertext"])) == "hunter2"
    assert encoded["spec"]["n"] == 2 and isinstance(encoded["spec"]["n"], int)
    assert "hunter2" not in json.dumps(encoded)
    assert decode_properties(encoded, secrets) == {
        "password": secret("hunter2"),
        "spec": {"n": 2, "tags": ["a", secret({"k": 1})]},
        "u": UNKNOWN,
    }


def test_nested_secrets_are_encrypted_inside_the_outer_ciphertext(secrets: PassphraseSecretsManager) -> None:
    encoded = encode_properties({"outer": secret({"inner": secret("deep")})}, secrets)
    inner_json = json.loads(secrets.decrypt(encoded["outer"]["ciphertext"]))
    assert inner_json["inner"][SIG_KEY] == SECRET_SIG and "ciphertext" in inner_json["inner"]
    assert decode_properties(encoded, secrets) == {"outer": secret({"inner": secret("deep")})}


def test_plaintext_secrets_from_an_export_decode(secrets: PassphraseSecretsManager) -> None:
    exported = {"p": {SIG_KEY: SECRET_SIG, "plaintext": '{"a":[1,2]}'}}
    assert decode_properties(exported, None) == {"p": secret({"a": [1, 2]})}


def test_reveal_secrets_turns_ciphertext_into_plaintext(secrets: PassphraseSecretsManager) -> None:
    encoded = encode_properties({"p": secret({"inner": secret("x")})}, secrets)
    revealed = reveal_secrets(encoded, secrets)
    assert json.loads(revealed["p"]["plaintext"]) == {"inner": {SIG_KEY: SECRET_SIG, "plaintext": '"x"'}}
    assert decode_properties(revealed, None) == {"p": secret({"inner": secret("x")})}


def test_decoding_ciphertext_needs_a_crypter(secrets: PassphraseSecretsManager) -> None:
    encoded = encode_properties({"p": secret("x")}, secrets)
    with pytest.raises(SecretsError, match="no secrets manager"):
        decode_properties(encoded, None)
    masked = decode_properties(encoded, RedactingCrypter())
    assert mask_secrets(masked) == {"p": MASK}


def test_masking_and_unwrapping() -> None:
    value = {"a": secret("x"), "b": [secret(1), 2]}
    assert mask_secrets(value) == {"a": MASK, "b": [MASK, 2]}
    assert unwrap_secrets(value) == {"a": "x", "b": [1, 2]}


# deployment ---------------------------------------------------------------------------------------
def sample_deployment(secrets: PassphraseSecretsManager) -> Deployment:
    root = root_stack_resource("dev", "demo", {"endpoint": "http://x", "password": secret("p")})
    provider = default_provider_resource("dev", "demo", provider_id="11111111-2222-3333-4444-555555555555")
    pool_urn = make_urn("dev", "demo", DYNAMIC, "pool", parent=root.urn)
    pool = ResourceState(
        urn=pool_urn,
        type=DYNAMIC,
        custom=True,
        id="pool-1",
        inputs={"__provider": secret("ZGlsbA=="), "name": "pool", "count": 2},
        outputs={"__provider": secret("ZGlsbA=="), "name": "pool", "count": 2, "token": secret("t")},
        parent=root.urn,
        provider=provider_reference(provider.urn, provider.id),
        dependencies=[],
        property_dependencies={"name": [], "count": []},
        protect=True,
        additional_secret_outputs=["token"],
        custom_timeouts={"create": 600},
    )
    node_pool = ResourceState(
        urn=make_urn("dev", "demo", DYNAMIC, "nodes", parent=root.urn),
        type=DYNAMIC,
        custom=True,
        id="np-1",
        parent=root.urn,
        provider=provider_reference(provider.urn, provider.id),
        dependencies=[pool_urn],
        property_dependencies={"pool": [pool_urn]},
        aliases=["urn:pulumi:dev::demo::old:type:T::nodes"],
    )
    pending = PendingOperation(ResourceState(urn=node_pool.urn + "2", type=DYNAMIC, custom=True), "creating")
    return Deployment(
        secrets_providers=secrets.secrets_providers(),
        resources=[root, provider, pool, node_pool],
        pending_operations=[pending],
    )


def test_deployment_round_trip_and_strict_schema_validity(secrets: PassphraseSecretsManager) -> None:
    deployment = sample_deployment(secrets)
    encoded = deployment.to_json(secrets)
    validate_deployment({"version": 3, "deployment": encoded}, strict=True)
    assert Deployment.from_json(json.loads(json.dumps(encoded)), secrets) == deployment


def test_resource_json_follows_pulumi_field_names_order_and_omits_empties(secrets: PassphraseSecretsManager) -> None:
    pool = sample_deployment(secrets).resources[2].to_json(secrets)
    assert list(pool) == [
        "urn",
        "custom",
        "id",
        "type",
        "inputs",
        "outputs",
        "parent",
        "protect",
        "provider",
        "propertyDependencies",
        "additionalSecretOutputs",
        "customTimeouts",
    ]
    provider = sample_deployment(secrets).resources[1].to_json(secrets)
    assert provider == {
        "urn": "urn:pulumi:dev::demo::pulumi:providers:pulumi-python::default",
        "custom": True,
        "id": "11111111-2222-3333-4444-555555555555",
        "type": "pulumi:providers:pulumi-python",
    }


def test_unknown_fields_survive_a_round_trip(secrets: PassphraseSecretsManager) -> None:
    doc = {"urn": "urn:pulumi:dev::demo::t:m:T::n", "custom": False, "type": "t:m:T", "snippetID": "abc"}
    assert ResourceState.from_json(doc, secrets).to_json(secrets) == doc


def test_go_type_fields_validate_only_in_the_default_mode(secrets: PassphraseSecretsManager) -> None:
    deployment = sample_deployment(secrets)
    deployment.resources[2].retain_on_delete = True
    deployment.resources[2].created = "2026-01-02T03:04:05Z"
    document = {"version": 3, "deployment": deployment.to_json(secrets)}
    validate_deployment(document)
    assert not is_valid_deployment(document, strict=True)


def test_a_state_written_by_the_pulumi_cli_validates_and_keeps_its_extra_fields(
    secrets: PassphraseSecretsManager,
) -> None:
    """Fields Pulumi v3.277's Go types write beyond its published schema: a resource's stackTrace
    (was refused: 'stackTrace was unexpected', found handing a stack from pulumi to aicompute) and
    the deployment's metadata, which a round trip keeps."""
    deployment = sample_deployment(secrets).to_json(secrets)
    deployment["resources"][2]["stackTrace"] = [{"sourcePosition": "project:///__main__.py#12"}]
    deployment["resources"][2]["hideDiff"] = ["value"]
    deployment["metadata"] = {"integrity_error_metadata": {"version": "v3.277.0", "command": "pulumi up"}}
    validate_deployment({"version": 3, "deployment": deployment})
    again = Deployment.from_json(deployment, secrets).to_json(secrets)  # (secrets get new nonces)
    assert again["metadata"] == deployment["metadata"]
    assert again["resources"][2]["stackTrace"] == deployment["resources"][2]["stackTrace"]
    assert again["resources"][2]["hideDiff"] == ["value"]


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["deployment"].pop("manifest"), "deployment"),
        (lambda d: d["deployment"]["resources"][0].pop("urn"), "deployment/resources/0"),
        (lambda d: d["deployment"]["resources"][2].update(bogus=1), "deployment/resources/2"),
        (lambda d: d["deployment"]["pending_operations"][0].update(type="exploding"), "pending_operations/0/type"),
        (lambda d: d["deployment"]["resources"][2]["inputs"].update(s={SIG_KEY: SECRET_SIG}), "inputs/s"),
    ],
)
def test_invalid_deployments_are_refused_naming_the_path(
    secrets: PassphraseSecretsManager, mutate: Any, where: str
) -> None:
    document = {"version": 3, "deployment": sample_deployment(secrets).to_json(secrets)}
    broken = copy.deepcopy(document)
    mutate(broken)
    with pytest.raises(StateValidationError, match=where):
        validate_deployment(broken)


def test_revalidation_after_a_change_still_catches_it(secrets: PassphraseSecretsManager) -> None:
    document = {"version": 3, "deployment": sample_deployment(secrets).to_json(secrets)}
    validate_deployment(document)
    validate_deployment({"version": 3, "deployment": sample_deployment(secrets).to_json(secrets)})
    document["deployment"]["resources"][3]["dependencies"] = [7]
    with pytest.raises(StateValidationError, match="deployment/resources/3/dependencies/0"):
        validate_deployment(document)


def test_manifest_magic_is_the_sha256_of_the_version() -> None:
    manifest = Manifest.new("v3.100.0")
    assert manifest.magic == hashlib.sha256(b"v3.100.0").hexdigest() == manifest_magic("v3.100.0")
    assert manifest_magic("") == ""
    assert manifest.time.endswith("Z")


def test_stack_outputs_come_from_the_root_stack_resource(secrets: PassphraseSecretsManager) -> None:
    outputs = sample_deployment(secrets).stack_outputs()
    assert outputs == {"endpoint": "http://x", "password": secret("p")}
    assert Deployment().stack_outputs() == {}


def test_integrity_accepts_a_well_ordered_state(secrets: PassphraseSecretsManager) -> None:
    verify_integrity(sample_deployment(secrets))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r.reverse(), "does not appear before it"),
        (lambda r: r.pop(1), "provider .* does not appear before it"),
        (lambda r: setattr(r[2], "provider", r[2].provider[:-1] + "X"), "does not match the provider's id"),
        (lambda r: setattr(r[2], "provider", f"{r[0].urn}::x"), "not a provider"),
        (lambda r: r.append(r[3]), "duplicate URN"),
        (lambda r: setattr(r[3], "deleted_with", "urn:pulumi:dev::demo::t:m:T::later"), "deletedWith"),
    ],
)
def test_integrity_violations_are_refused(secrets: PassphraseSecretsManager, mutate: Any, message: str) -> None:
    deployment = sample_deployment(secrets)
    mutate(deployment.resources)
    with pytest.raises(StateError, match=message):
        verify_integrity(deployment)


def _old_half(resource: ResourceState, old_id: str) -> ResourceState:
    """The old object of a create-before-delete replacement, as the state keeps it until deleted."""
    old = copy.deepcopy(resource)
    old.id, old.delete = old_id, True
    return old


def test_a_state_taken_mid_replacement_is_valid(secrets: PassphraseSecretsManager) -> None:
    # Pulumi's order: the new (live) copy first, then the old half marked delete.
    deployment = sample_deployment(secrets)
    pool = deployment.resources[2]
    deployment.resources.insert(3, _old_half(pool, "pool-0"))
    verify_integrity(deployment)
    assert deployment.find(pool.urn) is pool
    document = {"version": 3, "deployment": deployment.to_json(secrets)}
    validate_deployment(document)
    verify_integrity(Deployment.from_json(document["deployment"], secrets))


def test_a_urn_may_repeat_in_several_later_delete_marked_copies(secrets: PassphraseSecretsManager) -> None:
    deployment = sample_deployment(secrets)
    nodes = deployment.resources[3]
    deployment.resources += [_old_half(nodes, "np-0"), _old_half(nodes, "np-00")]
    verify_integrity(deployment)
    only_old = sample_deployment(secrets)
    only_old.resources[3].delete = True
    only_old.resources.append(_old_half(nodes, "np-0"))
    verify_integrity(only_old)  # nothing live, two copies waiting to be deleted


def test_a_live_copy_after_a_delete_marked_one_is_refused(secrets: PassphraseSecretsManager) -> None:
    deployment = sample_deployment(secrets)
    pool = deployment.resources[2]
    deployment.resources.insert(2, _old_half(pool, "pool-0"))
    with pytest.raises(StateError, match="duplicate URN not marked delete"):
        verify_integrity(deployment)


def test_two_live_copies_are_refused(secrets: PassphraseSecretsManager) -> None:
    deployment = sample_deployment(secrets)
    deployment.resources.append(copy.deepcopy(deployment.resources[3]))
    with pytest.raises(StateError, match="duplicate URN not marked delete"):
        verify_integrity(deployment)


def test_provider_references_name_a_provider_copy_by_urn_and_id(secrets: PassphraseSecretsManager) -> None:
    deployment = sample_deployment(secrets)
    provider, nodes = deployment.resources[1], deployment.resources[3]
    old_provider = _old_half(provider, "00000000-0000-0000-0000-000000000000")
    old_nodes = _old_half(nodes, "np-0")
    old_nodes.provider = provider_reference(provider.urn, old_provider.id)
    deployment.resources[2:2] = [old_provider]
    deployment.resources.append(old_nodes)
    verify_integrity(deployment)  # the old half still uses the provider it was made with
    old_nodes.provider = provider_reference(provider.urn, "11111111-0000-0000-0000-000000000000")
    with pytest.raises(StateError, match="does not match the provider's id"):
        verify_integrity(deployment)


def test_topological_order_moves_a_resource_only_past_what_it_refers_to(secrets: PassphraseSecretsManager) -> None:
    deployment = sample_deployment(secrets)
    root, provider, pool, nodes = deployment.resources
    old_pool = _old_half(pool, "pool-0")
    assert topological_order([root, provider, pool, nodes, old_pool]) == [root, provider, pool, nodes, old_pool]
    # nodes (depending on pool) and the old half listed before the live pool: both move past it.
    reordered = topological_order([root, nodes, old_pool, provider, pool])
    assert reordered == [root, provider, pool, nodes, old_pool]
    verify_integrity(Deployment(resources=reordered))
    cyclic = copy.deepcopy(pool)
    cyclic.dependencies = [nodes.urn]
    assert topological_order([root, provider, nodes, cyclic]) == [root, provider, nodes, cyclic]  # left as it was
