"""The `clientele` command, assembled from a module per command group. Feature command groups
that live beside their feature (privacy, reports, events, webhooks, ops) are registered here too."""

import typer

from clientele.cli import bench, customers, db, duplicates, legacy, serve, tokens
from clientele.events import cli as events_cli
from clientele.privacy.cli import app as privacy_app
from clientele.reports.cli import app as reports_app
from clientele.webhooks import cli as webhooks_cli

app = typer.Typer(help="Clientele: the customer master.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(tokens.tokens_app, name="tokens")
app.add_typer(events_cli.app, name="events")
app.add_typer(webhooks_cli.app, name="webhooks")
app.add_typer(webhooks_cli.worker_app, name="worker")
app.command()(serve.serve)
app.command()(serve.demo)
app.add_typer(customers.app, name="customers")
app.add_typer(tokens.users_app, name="users", no_args_is_help=True)
app.command()(bench.bench)
app.add_typer(legacy.app, name="legacy")
app.add_typer(reports_app, name="reports")
app.add_typer(duplicates.app, name="duplicates")
app.add_typer(privacy_app, name="privacy")
