"""The CLI's start-up diet: importing the command line loads none of what only some commands need.

Every command (``up``, ``preview``, ``destroy`` included) pays for what ``aicompute.engine.cli``
imports before it starts. The generic provider and what it brings (``deepdiff``, ``httpx``,
pydantic) are needed only by ``drift`` (in-process providers) and the provider processes; the
declaration code only by ``import``. Command modules import those inside their functions.
"""

from __future__ import annotations

import json
import subprocess
import sys

NOT_AT_START_UP = (
    "deepdiff",
    "httpx",
    "aicompute.provider.generic",
    "aicompute.engine.deploy.import_code",
)


def test_importing_the_cli_loads_no_provider_nor_import_code() -> None:
    probe = (
        "import json, sys\n"
        "import aicompute.engine.cli\n"
        f"print(json.dumps([m for m in {list(NOT_AT_START_UP)!r} if m in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [], f"importing aicompute.engine.cli loads {loaded}: import them where they are used"
