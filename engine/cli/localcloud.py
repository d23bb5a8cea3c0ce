"""``aicompute localcloud serve``: the bundled emulator of the platform APIs, started from the CLI."""

from __future__ import annotations

import typer

localcloud_app = typer.Typer(no_args_is_help=True, help="The bundled emulator of the platform APIs.")


def register(app: typer.Typer) -> None:
    """Add the ``localcloud`` command group to the ``aicompute`` app."""
    app.add_typer(localcloud_app, name="localcloud")


@localcloud_app.command("serve")
def localcloud_serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8080, help="Port; 0 picks a free one."),
    db: str = typer.Option(":memory:", help="SQLite file that keeps the world across restarts."),
    time_scale: float = typer.Option(1.0, help="Multiplier for lifecycle delays; 0 makes them immediate."),
    project_id: str = typer.Option(None, help="Default project id (32 hex)."),
    access_key: str = typer.Option(None, help="Default project's access key."),
    secret_key: str = typer.Option(None, help="Default project's secret key.", envvar="LOCALCLOUD_SECRET_KEY"),
    region: str = typer.Option(None, help="Default project's region."),
    client_id: str = typer.Option(None, help="Default project's OAuth2 client id (central platform)."),
    client_secret: str = typer.Option(
        None, help="Default project's OAuth2 client secret (central platform).", envvar="LOCALCLOUD_CLIENT_SECRET"
    ),
    token_lifetime: int = typer.Option(None, min=1, help="Lifetime of OAuth2 access tokens, seconds (3600)."),
    tls: bool = typer.Option(False, "--tls", help="Serve HTTPS with a self-signed certificate made at start."),
    tls_cert: str = typer.Option(None, help="Serve HTTPS with this PEM certificate (with --tls-key)."),
    tls_key: str = typer.Option(None, help="PEM private key of --tls-cert."),
    admin_token: str = typer.Option(
        None,
        help="Token the admin API (/_localcloud/...) requires as 'Authorization: Bearer <token>'; "
        "needed to listen beyond loopback.",
        envvar="LOCALCLOUD_ADMIN_TOKEN",
    ),
    kubernetes_cluster: str = typer.Option(
        None,
        help="JSON file {server, caCertData, clientCertData, clientKeyData}: a real Kubernetes API server "
        "every central cluster's license (/CCP/clusters/{code}/license) hands out.",
    ),
    log_level: str = typer.Option("warning", help="uvicorn log level."),
) -> None:
    """Start localcloud; prints ``listening on http://HOST:PORT`` (``https://`` with TLS) first."""
    from pydantic import ValidationError

    from aicompute.localcloud.server import serve
    from aicompute.localcloud.settings import LocalCloudSettings

    if (tls_cert is None) != (tls_key is None):
        raise typer.BadParameter("--tls-cert and --tls-key are given together")
    backing = _read_backing_cluster(kubernetes_cluster) if kubernetes_cluster else None
    overrides = {
        "project_id": project_id,
        "access_key": access_key,
        "secret_key": secret_key,
        "region": region,
        "central_client_id": client_id,
        "central_client_secret": client_secret,
        "token_lifetime_seconds": token_lifetime,
        "admin_token": admin_token,
        "kubernetes_cluster": backing,
    }
    try:
        settings = LocalCloudSettings(
            host=host,
            port=port,
            db=db,
            time_scale=time_scale,
            tls=tls,
            tls_cert=tls_cert,
            tls_key=tls_key,
            **{key: value for key, value in overrides.items() if value is not None},
        )
    except ValidationError as error:  # e.g. beyond loopback without an admin token: refuse to start
        problems = "; ".join(str(item["msg"]).removeprefix("Value error, ") for item in error.errors())
        typer.echo(f"localcloud: {problems}", err=True)
        raise typer.Exit(2) from None
    serve(settings, log_level=log_level)


def _read_backing_cluster(path: str) -> object:
    import json
    from pathlib import Path

    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise typer.BadParameter(f"--kubernetes-cluster {path}: {error}") from None
