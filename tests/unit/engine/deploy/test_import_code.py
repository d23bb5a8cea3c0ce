"""``aicompute import``: the registry of resource classes by type token, and the generated code."""

from __future__ import annotations

import ast

import pytest

from aicompute.engine.deploy.import_code import declaration_code, python_name
from aicompute.engine.deploy.resource_types import UnknownResourceType, resolve_type, resource_classes
from aicompute.provider.generic import UNRECORDED
from aicompute.resources.base import DynamicResource
from aicompute.resources.hilens import Secret
from aicompute.resources.modelarts import Network


def test_every_resource_class_is_registered_under_its_type_token() -> None:
    registry = resource_classes()
    assert registry["pulumi-python:dynamic/modelarts:Network"].cls is Network
    assert registry["pulumi-python:dynamic/hilens:Secret"].cls is Secret
    assert {token.split("/")[1].split(":")[0] for token in registry} == {"modelarts", "hilens", "central"}
    assert all(issubclass(entry.cls, DynamicResource) for entry in registry.values())
    assert len({entry.cls for entry in registry.values()}) == len(registry)


def test_an_unknown_type_names_the_known_ones_and_the_pulumi_cli() -> None:
    with pytest.raises(UnknownResourceType, match="pulumi-python:dynamic/modelarts:Workspace") as caught:
        resolve_type("aws:s3/bucket:Bucket")
    assert "Pulumi CLI" in str(caught.value)


@pytest.mark.parametrize(("name", "variable"), [("my-net", "my_net"), ("9lives", "r_9lives"), ("class", "class_")])
def test_variable_names(name: str, variable: str) -> None:
    assert python_name(name) == variable


def test_code_keeps_constructor_order_leaves_defaults_out_and_numbers_integral() -> None:
    inputs = {
        "peer_connections": [{"vpc_id": "v", "subnet_id": "s", "default_gateway": True}],
        "workspace_id": "0",
        "cidr": "192.168.0.0/24",
        "name": "net-1",
        "description": "",
        "timeouts": {"create": 600.0},
        "__provider": "ZGlsbA==",
    }
    declaration = declaration_code(
        resolve_type("pulumi-python:dynamic/modelarts:Network"), "net-1", inputs, protect=False
    )
    assert declaration.code == (
        "from aicompute.resources.modelarts import Network\n\n"
        "net_1 = Network(\n"
        "    'net-1',\n"
        "    name='net-1',\n"
        "    cidr='192.168.0.0/24',\n"
        "    peer_connections=[{'vpc_id': 'v', 'subnet_id': 's', 'default_gateway': True}],\n"
        "    timeouts={'create': 600},\n"
        ")\n"
    )
    ast.parse(declaration.code)
    assert declaration.secret_config_keys == () and declaration.left_out == ()


def test_secret_inputs_are_read_from_secret_config_never_written_out() -> None:
    inputs = {"name": "creds", "data": {"password": "hunter2"}, "workspace_id": "ws-1", "unknown": 1}
    declaration = declaration_code(resolve_type("pulumi-python:dynamic/hilens:Secret"), "creds", inputs, protect=True)
    assert "hunter2" not in declaration.code
    assert "    data=config.require_secret_object('creds_data'),\n" in declaration.code
    assert "config = pulumi.Config()\n# aicompute config set --secret creds_data <JSON>\n" in declaration.code
    assert declaration.code.startswith("import pulumi\n\nfrom aicompute.resources.hilens import Secret\n")
    assert declaration.secret_config_keys == ("creds_data",) and declaration.left_out == ("unknown",)
    ast.parse(declaration.code)


def test_an_input_the_platform_does_not_return_is_read_from_config_not_printed_as_a_value() -> None:
    """Issue #14 item 19: a HiLens Device's workspace_id was printed as ``'(not recorded: imported)'``."""
    inputs = {"name": "cam-1", "workspace_id": UNRECORDED, "provider": "hilens"}
    declaration = declaration_code(resolve_type("pulumi-python:dynamic/hilens:Device"), "cam-1", inputs, protect=False)
    assert UNRECORDED not in declaration.code
    assert "    workspace_id=config.get('cam_1_workspace_id'),\n" in declaration.code
    assert (
        "# aicompute config set cam_1_workspace_id <the workspace_id it was created with, if any>\n" in declaration.code
    )
    assert declaration.code.startswith("import pulumi\n") and "config = pulumi.Config()\n" in declaration.code
    assert declaration.unrecorded_config_keys == ("cam_1_workspace_id",) and declaration.secret_config_keys == ()
    ast.parse(declaration.code)
