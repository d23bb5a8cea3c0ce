"""Declares the things listed in the JSON file named by config ``filestate:spec``.

The spec: ``{"things": [{"name", "value", "kind", "size", "sleep", "adopt", "resource" (the resource
name, default the thing's name), "protect", "retain", "ignore": [...], "replace_on": [...], "dbr",
"secret", "from": "<other thing>", "parent": "<component>", "aliases": [old names]}],
"components": [names], "outputs": {...}, "password": <exported as a secret>,
"stackref": "<stack name>", "gets": {"<resource name>": "<id of an existing thing>"},
"interpreter": bool, "aws": bool}``; a thing's ``program_sleep_before`` makes the program sleep that
many seconds before declaring it. ``from`` makes ``value`` the other thing's ``path`` output,
which is unknown in a preview while that thing is still to be created; ``gets`` reads existing
things (``Resource.get``); ``interpreter`` exports the program's ``sys.executable``.
"""

import json
import sys
import time
from pathlib import Path

import pulumi
from things import Thing

config = pulumi.Config("filestate")
spec = json.loads(Path(config.require("spec")).read_text())

components = {name: pulumi.ComponentResource("test:index:Group", name) for name in spec.get("components", [])}
things: dict[str, Thing] = {}
for item in spec.get("things", []):
    if item.get("program_sleep_before"):
        time.sleep(float(item["program_sleep_before"]))  # a slow program, between two registrations
    props = {k: item[k] for k in ("name", "value", "kind", "size", "sleep", "adopt") if k in item}
    if "from" in item:
        props["value"] = things[item["from"]].path.apply(lambda p: f"after {p}")
    if item.get("secret"):
        props["value"] = pulumi.Output.secret(props.get("value"))
    opts = pulumi.ResourceOptions(
        protect=item.get("protect", False),
        retain_on_delete=item.get("retain", False),
        ignore_changes=item.get("ignore"),
        replace_on_changes=item.get("replace_on"),
        delete_before_replace=item.get("dbr"),
        parent=components.get(item.get("parent", "")),
        aliases=[pulumi.Alias(name=a) for a in item.get("aliases", [])] or None,
    )
    things[item["name"]] = Thing(item.get("resource", item["name"]), props, opts)

for resource_name, object_id in spec.get("gets", {}).items():
    read = Thing(resource_name, {"name": object_id}, pulumi.ResourceOptions(id=object_id))
    pulumi.export(f"{resource_name}_value", read.value)

for name, value in spec.get("outputs", {}).items():
    pulumi.export(name, value)
pulumi.export("paths", {name: thing.path for name, thing in things.items()})
if "password" in spec:
    pulumi.export("password", pulumi.Output.secret(spec["password"]))
if "stackref" in spec:
    other = pulumi.StackReference(spec["stackref"])
    pulumi.export("ref_greeting", other.get_output("greeting"))
    pulumi.export("ref_password", other.get_output("password"))
if spec.get("interpreter"):
    pulumi.export("interpreter", sys.executable)
if spec.get("aws"):
    pulumi.CustomResource("aws:s3/bucket:Bucket", "bucket", {})
