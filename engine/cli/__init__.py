"""The ``aicompute`` command line."""

from __future__ import annotations

import typer

from aicompute import __version__
from aicompute.engine.cli.cancel import register as register_cancel_command
from aicompute.engine.cli.config import register as register_config_commands
from aicompute.engine.cli.deploy import register as register_deploy_commands
from aicompute.engine.cli.drift import register as register_drift_command
from aicompute.engine.cli.localcloud import register as register_localcloud_commands
from aicompute.engine.cli.report import register as register_report_command
from aicompute.engine.cli.stack import register as register_stack_commands
from aicompute.engine.cli.state import register as register_state_commands
from aicompute.engine.util.pipes import discard_stdout

app = typer.Typer(no_args_is_help=True, help="Infrastructure as code for AI compute.")
register_localcloud_commands(app)
register_stack_commands(app)
register_state_commands(app)
register_config_commands(app)
register_deploy_commands(app)
register_cancel_command(app)
register_drift_command(app)
register_report_command(app)


@app.command()
def version() -> None:
    """Print the aicompute version."""
    typer.echo(__version__)


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # stdout read by `| head` outside a command's own error handling
        discard_stdout()
        raise SystemExit(1) from None
