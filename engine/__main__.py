"""The ``aicompute`` command's entry point: the stack's key derived while the command line is imported.

A command that opens a passphrase stack derives its key first (PBKDF2, a million rounds: about a
quarter of a second), and it used to start only once the command line had been imported (about
0.3 s more). Before that import, the entry point looks for the stack the arguments name
(``--stack``/``-s`` and ``--cwd``/``-C``, else the stack last selected for the project), and when its
``Pulumi.<stack>.yaml`` holds a salt and the passphrase is in the environment, it starts deriving that
key on a thread (``derive_key_ahead``), which another core runs while the imports go on. Opening the
stack then takes the key (or waits for the rest of it). A wrong guess costs only that thread's CPU:
the command derives the key it needs as it always did, and reports every problem as it always did.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence
from pathlib import Path

COMMANDS_OPENING_A_STACK = frozenset({"up", "preview", "destroy", "refresh", "import", "drift"})


def main() -> None:
    derive_stack_key_ahead(sys.argv[1:], Path.cwd())
    from aicompute.engine.cli import main as cli_main

    cli_main()


def derive_stack_key_ahead(argv: Sequence[str], cwd: Path) -> None:
    """Start deriving the key of the stack ``argv`` opens, if that can be told without the command line."""
    if not argv or argv[0] not in COMMANDS_OPENING_A_STACK:
        return
    with contextlib.suppress(Exception):  # any problem is the command's to report, later
        _derive_ahead(option(argv, "--stack", "-s"), Path(option(argv, "--cwd", "-C") or cwd))


def _derive_ahead(stack: str | None, cwd: Path) -> None:
    from aicompute.engine.backend.base import StackRef
    from aicompute.engine.backend.project import load_project, load_stack_settings
    from aicompute.engine.backend.workspace import current_stack
    from aicompute.engine.secrets.passphrase import derive_key_ahead, passphrase_from_environment

    project = load_project(cwd)
    name = stack or current_stack(project, backend_url="")
    if not name:
        return
    salt = load_stack_settings(project, StackRef.parse(name, project.name).name).encryption_salt
    if salt:
        derive_key_ahead(passphrase_from_environment(), salt)


def option(argv: Sequence[str], long: str, short: str) -> str | None:
    """The value of an option given as ``--long V``, ``--long=V`` or ``-s V`` (the last one wins)."""
    value = None
    for index, word in enumerate(argv):
        if word in (long, short) and index + 1 < len(argv):
            value = argv[index + 1]
        elif word.startswith(long + "="):
            value = word.split("=", 1)[1]
    return value


if __name__ == "__main__":
    main()
