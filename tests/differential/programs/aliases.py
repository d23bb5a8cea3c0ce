"""Aliases. Step 1 renames a thing (alias by name); step 2 renames a component whose child is
named after it (the child inherits the component's alias, as Pulumi's parent-alias rules say);
step 3 retypes the component; step 4 moves the renamed thing under the component. Nothing is
replaced or recreated at any step."""

import pulumi
from things import Thing

step = pulumi.Config().get_int("step") or 0


class Group(pulumi.ComponentResource):
    def __init__(self, kind: str, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(kind, name, None, opts)
        self.item = Thing(f"{name}-item", {"name": "group-item", "value": 1}, pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


group_name = "team" if step >= 2 else "group"
group_type = "test:index:Team" if step >= 3 else "test:index:Group"
group_aliases = [pulumi.Alias(name="group")] if step >= 2 else []
if step >= 3:
    group_aliases.append(pulumi.Alias(type_="test:index:Group"))  # its name stays "team"
group = Group(group_type, group_name, pulumi.ResourceOptions(aliases=group_aliases))

thing_name = "renamed" if step >= 1 else "first"
thing_aliases: list[pulumi.Alias] = [pulumi.Alias(name="first")] if step >= 1 else []
thing_parent = group if step >= 4 else None
if step >= 4:
    thing_aliases.append(pulumi.Alias(name="first", parent=pulumi.ROOT_STACK_RESOURCE))
    thing_aliases.append(pulumi.Alias(name="renamed", parent=pulumi.ROOT_STACK_RESOURCE))
Thing(thing_name, {"name": "first", "value": 2}, pulumi.ResourceOptions(aliases=thing_aliases, parent=thing_parent))
