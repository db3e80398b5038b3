"""The web UI over HTTP (httpx, no browser): login, sessions, CSRF, roles, forms."""

import re
from html import unescape

import psycopg
from typer.testing import CliRunner

from clientele.auth.domain import Role
from clientele.cli import app as cli
from clientele.customers import service as customers_service
from clientele.history import service as history_service
from tests.support.web import SEED_ACTOR, csrf_of, log_in, logged_in, new_customer

HTML = "text/html; charset=utf-8"


async def test_pages_send_a_visitor_without_a_session_to_the_login_page(web):
    home = await web.get("/")
    assert home.status_code == 303
    assert home.headers["location"] == "/login"
    page = await web.get("/customers/4b1e6f3c-0000-4000-8000-000000000000")
    assert page.headers["location"].startswith("/login?next=%2Fcustomers%2F")
    fragment = await web.get("/?q=x", headers={"HX-Request": "true"})
    assert fragment.headers["HX-Redirect"] == "/login"


async def test_a_wrong_password_is_refused_and_a_right_one_opens_a_session(web, users):
    password = await users("asha", Role.AGENT)
    wrong = await log_in(web, "asha", password + "x")
    assert wrong.status_code == 401
    assert "Wrong username or password." in wrong.text
    unknown = await log_in(web, "nobody", password)
    assert "Wrong username or password." in unknown.text

    right = await log_in(web, "ASHA ", password)
    assert right.status_code == 303
    cookie = right.headers["set-cookie"]
    assert cookie.startswith("clientele_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # served over http here; https adds it
    home = await web.get("/")
    assert home.status_code == 200
    assert "asha" in home.text


async def test_the_session_cookie_is_secure_over_https(database_url, settings, uow_factory, users):
    import httpx

    from clientele.app import create_app

    app = create_app(database_url=database_url, settings=settings, uow_factory=uow_factory)
    password = await users("secure-asha", Role.VIEWER)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://test") as client:
            answer = await log_in(client, "secure-asha", password)
    assert "Secure" in answer.headers["set-cookie"]


async def test_login_refuses_a_form_without_its_csrf_token(web, users):
    password = await users("asha", Role.AGENT)
    await web.get("/login")
    answer = await web.post("/login", data={"username": "asha", "password": password})
    assert answer.status_code == 403
    assert "clientele_session" not in answer.headers.get("set-cookie", "")


async def test_login_only_redirects_to_paths_on_this_site(web, users):
    password = await users("asha", Role.VIEWER)
    page = await web.get("/login?next=//evil.example/x")
    answer = await web.post(
        "/login",
        data={
            "csrf_token": csrf_of(page.text),
            "username": "asha",
            "password": password,
            "next": "//evil.example/x",
        },
    )
    assert answer.headers["location"] == "/"


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    web, users, uow_factory
):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.ADMIN)
    answer = await web.post(f"/customers/{customer.id}/block", data={"reason": "unpaid"})
    assert answer.status_code == 403
    assert "security token" in answer.text
    wrong = await web.post(
        f"/customers/{customer.id}/block", data={"reason": "unpaid", "csrf_token": "forged"}
    )
    assert wrong.status_code == 403
    json_body = await web.post(f"/customers/{customer.id}/block", json={"reason": "unpaid"})
    assert json_body.status_code == 403
    after = await customers_service.get_customer(uow_factory(), customer_id=customer.id)
    assert after.status.value == "active"


async def test_the_csrf_token_is_accepted_from_the_htmx_header(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.ADMIN)
    page = await web.get(f"/customers/{customer.id}")
    answer = await web.post(
        f"/customers/{customer.id}/block",
        data={"reason": "unpaid"},
        headers={"X-CSRF-Token": csrf_of(page.text)},
    )
    assert answer.status_code == 303
    after = await customers_service.get_customer(uow_factory(), customer_id=customer.id)
    assert after.blocked_reason == "unpaid"
    assert after.updated_by == "user:web-admin"


async def test_logging_out_ends_the_session_on_the_server(web, users):
    await logged_in(web, users, Role.VIEWER)
    page = await web.get("/")
    secret = web.cookies["clientele_session"]
    answer = await web.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303
    web.cookies.set("clientele_session", secret)  # a copy of the old cookie is worthless
    assert (await web.get("/")).status_code == 303


async def test_a_viewer_reads_but_cannot_edit(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.VIEWER)
    page = await web.get(f"/customers/{customer.id}")
    assert page.status_code == 200
    assert "/edit" not in page.text
    assert (await web.get(f"/customers/{customer.id}/edit")).status_code == 403
    answer = await web.post(
        f"/customers/{customer.id}/edit",
        data={"csrf_token": csrf_of(page.text), "version": "1", "name": "X"},
    )
    assert answer.status_code == 403
    assert "needs the agent role" in answer.text
    assert (await web.get("/reports")).status_code == 403


async def test_an_agent_edits_but_cannot_block(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT)
    page = await web.get(f"/customers/{customer.id}")
    assert 'action="/customers/' + str(customer.id) + '/block"' not in page.text
    answer = await web.post(
        f"/customers/{customer.id}/block",
        data={"csrf_token": csrf_of(page.text), "reason": "x"},
    )
    assert answer.status_code == 403


def _edit_form(html: str) -> dict[str, str]:
    """The edit form's fields as the browser would send them."""
    inputs = r'<input id="f-[a-z_0-9]+" name="([a-z_0-9]+)" type="[a-z]+" value="([^"]*)"'
    data = dict(re.findall(inputs, html))
    for name, options in re.findall(
        r'<select id="f-[a-z_]+" name="([a-z_]+)"(.*?)</select>', html, re.S
    ):
        chosen = re.search(r'<option value="([a-z]*)" selected>', options)
        assert chosen, name
        data[name] = chosen.group(1)
    assert {"customer_type", "tier", "preferred_language"} <= data.keys()
    for name, text in re.findall(
        r'<textarea id="f-[a-z_]+" name="([a-z_]+)"[^>]*>(.*?)</textarea>', html, re.S
    ):
        data[name] = unescape(text)
    data["version"] = re.search(r'name="version" value="(\d+)"', html).group(1)  # type: ignore[union-attr]
    data["csrf_token"] = csrf_of(html)
    return data


async def test_an_edit_is_saved_with_the_user_as_actor_and_shows_in_the_timeline(
    web, users, uow_factory
):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT, name="asha")
    form = _edit_form((await web.get(f"/customers/{customer.id}/edit")).text)
    form["primary_phone"] = "098765 43210"
    answer = await web.post(f"/customers/{customer.id}/edit", data=form)
    assert answer.status_code == 303, answer.text
    page = await web.get(answer.headers["location"])
    assert "Changes saved." in page.text
    assert "+91 98765 43210" in page.text
    assert "Phone changed" in page.text
    assert "user:asha" in page.text


async def test_an_unchanged_edit_writes_nothing(web, users, uow_factory):
    customer = await new_customer(uow_factory, tags=["mri"])
    await logged_in(web, users, Role.AGENT)
    form = _edit_form((await web.get(f"/customers/{customer.id}/edit")).text)
    answer = await web.post(f"/customers/{customer.id}/edit", data=form)
    assert answer.headers["location"].endswith("notice=unchanged")
    after = await customers_service.get_customer(uow_factory(), customer_id=customer.id)
    assert after.version == customer.version


async def test_validation_messages_appear_next_to_their_fields(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT)
    form = _edit_form((await web.get(f"/customers/{customer.id}/edit")).text)
    form.update(primary_phone="12345", name="", postal_code="99", primary_email="not-an-email")
    answer = await web.post(f"/customers/{customer.id}/edit", data=form)
    assert answer.status_code == 422
    for field in ("primary_phone", "name", "postal_code", "primary_email"):
        assert f'<p class="field-error" id="e-{field}">' in answer.text, field
    assert "This field is required." in answer.text
    assert 'value="12345"' in answer.text  # what the agent typed is kept


async def test_a_stale_version_explains_who_changed_the_customer_and_when(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT)
    form = _edit_form((await web.get(f"/customers/{customer.id}/edit")).text)
    await customers_service.update_customer(
        uow_factory(),
        customer_id=customer.id,
        changes={"city": "Pune"},
        expected_version=None,
        actor=SEED_ACTOR,
    )
    form["name"] = "Sunrise Hospital"
    answer = await web.post(f"/customers/{customer.id}/edit", data=form)
    assert answer.status_code == 412
    assert "This customer was changed by test:seed at" in answer.text
    assert "IST" in answer.text
    assert "Reload the form" in answer.text
    after = await customers_service.get_customer(uow_factory(), customer_id=customer.id)
    assert after.name == customer.name


async def test_a_phone_held_by_another_active_customer_is_explained(web, users, uow_factory):
    holder = await new_customer(uow_factory, name="Lotus Clinic", primary_phone="+919876543210")
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT)
    form = _edit_form((await web.get(f"/customers/{customer.id}/edit")).text)
    form["primary_phone"] = "+91-98765-43210"
    answer = await web.post(f"/customers/{customer.id}/edit", data=form)
    assert answer.status_code == 409
    assert "An active customer already has this phone." in answer.text
    assert f"/customers/{holder.id}" in answer.text


async def test_a_new_customer_form_shows_likely_duplicates_before_saving(web, users, uow_factory):
    existing = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT)
    page = await web.get("/customers/new")
    live = await web.get(
        "/customers/likely-duplicates",
        params={"name": "Sunrise Multispeciality Hosp", "primary_phone": ""},
        headers={"HX-Request": "true"},
    )
    assert "Likely duplicates" in live.text
    assert str(existing.id) in live.text
    data = {
        "csrf_token": csrf_of(page.text),
        "customer_type": "hospital",
        "tier": "standard",
        "name": "Sunrise Multi Speciality Hospital",
        "primary_phone": "022 2345 6780",
        # The API's online check counts a different phone against a duplicate; a phone in
        # common (here the other's primary as this one's second number) makes it likely.
        "secondary_phone": "022 2345 6789",
    }
    first = await web.post("/customers/new", data=data)
    assert first.status_code == 200
    assert "Likely duplicates" in first.text
    assert "None of these: create a new customer" in first.text
    confirmed = await web.post("/customers/new", data={**data, "confirm_new": "yes"})
    assert confirmed.status_code == 303
    created = await web.get(confirmed.headers["location"])
    assert "Customer created." in created.text
    assert "user:web-agent" in created.text


async def test_a_ticket_is_created_from_the_customer_page(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.AGENT)
    page = await web.get(f"/customers/{customer.id}/tickets/new")
    blank = await web.post(
        f"/customers/{customer.id}/tickets/new",
        data={"csrf_token": csrf_of(page.text), "title": " ", "priority": "high"},
    )
    assert blank.status_code == 422
    assert "Title is required" in blank.text
    answer = await web.post(
        f"/customers/{customer.id}/tickets/new",
        data={"csrf_token": csrf_of(page.text), "title": "MRI coil fault", "priority": "high"},
    )
    assert answer.status_code == 303, answer.text
    shown = await web.get(answer.headers["location"])
    assert re.search(r"Ticket TKT-\d{4}-\d+ created", shown.text)
    assert "MRI coil fault" in shown.text
    hits = await web.get("/?q=sunrise", headers={"HX-Request": "true"})
    assert "1 open ticket<" in hits.text


async def test_a_blocked_customer_cannot_take_a_ticket_and_the_form_says_why(
    web, users, uow_factory
):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.ADMIN)
    page = await web.get(f"/customers/{customer.id}")
    token = csrf_of(page.text)
    block = {"csrf_token": token, "reason": "unpaid"}
    await web.post(f"/customers/{customer.id}/block", data=block)
    answer = await web.post(
        f"/customers/{customer.id}/tickets/new",
        data={"csrf_token": token, "title": "Fault", "priority": "low"},
    )
    assert answer.status_code == 422
    assert "blocked" in answer.text
    activated = await web.post(f"/customers/{customer.id}/activate", data={"csrf_token": token})
    assert activated.headers["location"].endswith("notice=activated")


async def test_blocking_needs_a_reason(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.ADMIN)
    page = await web.get(f"/customers/{customer.id}")
    answer = await web.post(
        f"/customers/{customer.id}/block", data={"csrf_token": csrf_of(page.text), "reason": " "}
    )
    assert answer.status_code == 422
    assert 'id="block-error"' in answer.text


async def test_search_finds_by_typo_and_by_phone_and_htmx_gets_only_the_hits(
    web, users, uow_factory
):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.VIEWER)
    typo = await web.get("/", params={"q": "sunrse multispeciality"})
    assert "Sunrise Multispeciality Hospital" in typo.text
    assert "<html" in typo.text
    by_phone = await web.get("/", params={"q": "022 2345 6789"}, headers={"HX-Request": "true"})
    assert f"/customers/{customer.id}" in by_phone.text
    assert "matched on phone" in by_phone.text
    assert "<html" not in by_phone.text
    nothing = await web.get("/", params={"q": "zzzzqqq"}, headers={"HX-Request": "true"})
    assert "No customer matches" in nothing.text


async def test_as_of_shows_the_record_as_it_was(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    history = await history_service.customer_history(
        uow_factory(), customer_id=customer.id, cursor=None, limit=5
    )
    created = history.items[-1].version.valid_from
    await customers_service.update_customer(
        uow_factory(),
        customer_id=customer.id,
        changes={"primary_phone": "+919876543210"},
        expected_version=None,
        actor=SEED_ACTOR,
    )
    await logged_in(web, users, Role.VIEWER)
    page = await web.get(f"/customers/{customer.id}", params={"as_of": created.isoformat()})
    assert 'id="as-of-banner"' in page.text
    record = page.text.split('id="as-of-record"')[1]
    assert "+91 22 2345 6789" in record
    assert "now: +91 98765 43210" in record
    bad = await web.get(f"/customers/{customer.id}", params={"as_of": "yesterday"})
    assert 'id="as-of-error"' in bad.text
    early = await web.get(f"/customers/{customer.id}", params={"as_of": "2001-01-01T10:00"})
    assert "did not exist yet" in early.text


async def test_web_pages_carry_security_headers_and_the_api_keeps_its_own(web, users, viewer):
    login = await web.get("/login")
    csp = login.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert login.headers["x-frame-options"] == "DENY"
    assert login.headers["x-content-type-options"] == "nosniff"
    assert login.headers["referrer-policy"] == "same-origin"
    api = await web.get("/api/v1/customers", headers=viewer)
    assert "content-security-policy" not in api.headers
    assert api.headers["x-content-type-options"] == "nosniff"
    static = await web.get("/static/htmx.min.js")
    assert static.status_code == 200


async def test_the_reports_page_draws_its_chart_on_the_server(web, users, uow_factory):
    customer = await new_customer(uow_factory)
    await logged_in(web, users, Role.ADMIN)
    page = await web.get(f"/customers/{customer.id}/tickets/new")
    await web.post(
        f"/customers/{customer.id}/tickets/new",
        data={"csrf_token": csrf_of(page.text), "title": "Fault", "priority": "low"},
    )
    report = await web.get("/reports")
    assert report.status_code == 200
    assert '<svg class="chart"' in report.text
    assert "Sunrise Multispeciality Hospital" in report.text
    assert "<script" not in report.text.split("</head>")[1]


async def test_unknown_customers_and_malformed_ids_are_not_found_pages(web, users):
    await logged_in(web, users, Role.AGENT)
    for path in ("/customers/not-a-uuid", "/customers/4b1e6f3c-0000-4000-8000-000000000000/edit"):
        answer = await web.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"] == HTML


def test_the_cli_creates_a_user_who_can_log_in_and_refuses_a_second_one(
    fresh_database_url, monkeypatch
):
    from argon2 import PasswordHasher

    monkeypatch.setenv("CLIENTELE_DATABASE_URL", fresh_database_url)
    runner = CliRunner()
    made = runner.invoke(cli, ["users", "create", "Asha", "--role", "agent"])
    assert made.exit_code == 0, made.output
    password = made.output.strip().splitlines()[-1]
    with psycopg.connect(fresh_database_url) as conn:
        row = conn.execute("SELECT username, role, password_hash FROM users").fetchone()
    assert row is not None
    assert row[:2] == ("asha", "agent")
    assert row[2].startswith("$argon2id$")
    assert password not in row[2]
    assert PasswordHasher().verify(row[2], password)
    again = runner.invoke(cli, ["users", "create", "asha"])
    assert again.exit_code == 1
