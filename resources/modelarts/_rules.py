"""Input rules shared by several ModelArts Args models, with messages that state the rule."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from aicompute.resources.rules import matching

# Network and resource-pool display names: 4-32 characters [a-z0-9-], starting with a letter and
# ending with a letter or digit (each Args field states the rule in its own description).
DisplayName = Annotated[str, Field(min_length=4, max_length=32, pattern=r"^[a-z][a-z0-9-]*[a-z0-9]$")]

# Model and service names (seed tables 7-18 and 9-22): 1-64 letters, Chinese, digits, '-' and '_'.
NAME_RULE = "1-64 characters: letters, Chinese, digits, '-' and '_'"
NAME_PATTERN = r"[A-Za-z0-9_\-\u4e00-\u9fa5]{1,64}"

Name = Annotated[str, matching(NAME_PATTERN, NAME_RULE)]
