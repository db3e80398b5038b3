"""API tokens: stored as hashes, listed without secrets, revoked and expired end to end."""

import os
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from clientele.app import create_app
from clientele.auth.domain import Role, token_hash
from clientele.auth.service import create_token, list_tokens, revoke_token
from clientele.cli import app as cli
from clientele.errors import NotFound

ME = "/api/v1/customers/count"


async def _status(database_url, settings, uow_factory, token):
    """A fresh app (no cached token checks), as after a restart or the cache's 30 s."""
    app = create_app(database_url=database_url, settings=settings, uow_factory=uow_factory)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            answer = await client.get(ME, headers={"Authorization": f"Bearer {token}"})
            return answer.status_code


async def test_only_a_hash_of_the_token_is_stored(uow_factory, connection):
    secret = await create_token(uow_factory(), name="hashed", role=Role.VIEWER)
    stored = (
        await connection.execute(text("SELECT token_hash FROM api_tokens WHERE name = 'hashed'"))
    ).scalar_one()
    assert stored == token_hash(secret)
    assert secret.encode() not in stored


async def test_an_expired_token_is_refused_end_to_end(database_url, settings, uow_factory):
    past = datetime.now(UTC) - timedelta(seconds=1)
    future = datetime.now(UTC) + timedelta(days=1)
    expired = await create_token(uow_factory(), name="old", role=Role.ADMIN, expires_at=past)
    current = await create_token(uow_factory(), name="new", role=Role.ADMIN, expires_at=future)
    assert await _status(database_url, settings, uow_factory, expired) == 401
    assert await _status(database_url, settings, uow_factory, current) == 200


async def test_a_token_stops_working_once_it_expires(
    database_url, settings, uow_factory, connection
):
    token = await create_token(uow_factory(), name="soon", role=Role.VIEWER)
    assert await _status(database_url, settings, uow_factory, token) == 200
    await connection.execute(
        text("UPDATE api_tokens SET expires_at = now() - interval '1 ms' WHERE name = 'soon'")
    )
    assert await _status(database_url, settings, uow_factory, token) == 401


async def test_a_revoked_token_is_refused(database_url, settings, uow_factory):
    token = await create_token(uow_factory(), name="leaked", role=Role.ADMIN)
    assert await _status(database_url, settings, uow_factory, token) == 200
    (revoked,) = await revoke_token(uow_factory(), name_or_id="leaked")
    assert revoked.name == "leaked"
    assert await _status(database_url, settings, uow_factory, token) == 401
    listed = {t.name: t for t in await list_tokens(uow_factory())}
    assert listed["leaked"].state(datetime.now(UTC)) == "revoked"
    with pytest.raises(NotFound):
        await revoke_token(uow_factory(), name_or_id="leaked")


def test_the_cli_lists_and_revokes_tokens(fresh_database_url, monkeypatch):
    monkeypatch.setenv("CLIENTELE_DATABASE_URL", fresh_database_url)
    runner = CliRunner()
    created = runner.invoke(cli, ["tokens", "create", "ci-bot", "--role", "agent"])
    assert created.exit_code == 0, created.output
    secret = created.stdout.strip().splitlines()[-1]
    listed = runner.invoke(cli, ["tokens", "list"])
    assert listed.exit_code == 0, listed.output
    assert "ci-bot" in listed.stdout
    assert "live" in listed.stdout
    assert secret not in listed.stdout
    revoked = runner.invoke(cli, ["tokens", "revoke", "ci-bot"])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in revoked.stdout
    assert "revoked" in runner.invoke(cli, ["tokens", "list"]).stdout
    again = runner.invoke(cli, ["tokens", "revoke", "ci-bot"])
    assert again.exit_code == 1
    assert os.environ["CLIENTELE_DATABASE_URL"] == fresh_database_url
