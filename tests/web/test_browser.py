"""The web UI end to end in a real browser: Debian's chromium driven by Playwright, against
uvicorn on its own database.

Skipped (with the reason) where /usr/bin/chromium or Playwright is missing; CI installs
chromium with `.ci/browser`. `CLIENTELE_SCREENSHOTS=1` also writes docs/screenshots/*.png.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from clientele.auth.users import hash_password
from tests.support.live import database_copy, uvicorn_server

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian's chromium at /usr/bin/chromium (run .ci/browser)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need Playwright (pip install -e '.[dev]')"
)

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
IST = ZoneInfo("Asia/Kolkata")
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Site:
    base_url: str
    customer_id: str
    database_url: str


SEED = """
SELECT set_config('clientele.actor', 'user:priya', false);
INSERT INTO customers (id, customer_type, name, primary_phone, whatsapp_number, primary_email,
    address_line1, city, state, postal_code, tier, tags, created_by, updated_by)
VALUES
 ('11111111-1111-4111-8111-111111111111', 'hospital', 'Sunrise Multispeciality Hospital',
  '+912223456789', '+919876543210', 'biomed@sunrisehospital.in', 'Plot 12, LBS Marg', 'Mumbai',
  'Maharashtra', '400070', 'premium', '["mri","amc"]', 'user:priya', 'user:priya'),
 ('22222222-2222-4222-8222-222222222222', 'lab', 'Sunrise Diagnostics Centre', '+912025501234',
  NULL, NULL, NULL, 'Pune', 'Maharashtra', NULL, 'premium', '[]', 'user:priya', 'user:priya'),
 ('33333333-3333-4333-8333-333333333333', 'clinic', 'Lotus Eye Clinic', '+914422334455',
  NULL, NULL, NULL, 'Chennai', 'Tamil Nadu', NULL, 'standard', '[]', 'user:priya', 'user:priya'),
 ('44444444-4444-4444-8444-444444444444', 'dealer', 'Apex Medical Systems', '+918041234567',
  NULL, NULL, NULL, 'Bengaluru', 'Karnataka', NULL, 'vip', '[]', 'user:priya', 'user:priya');
INSERT INTO customer_contacts (id, customer_id, name, role, phone, email)
VALUES ('55555555-5555-4555-8555-555555555555', '11111111-1111-4111-8111-111111111111',
        'Dr. Meera Nair', 'Head of Radiology', '+919812345678', 'meera@sunrisehospital.in');
INSERT INTO equipment (serial_number, model, manufacturer, customer_id, contact_id,
    installation_city, installed_at)
VALUES ('MRI-7781-X', 'Magnetom Sola 1.5T', 'Siemens Healthineers',
        '11111111-1111-4111-8111-111111111111', '55555555-5555-4555-8555-555555555555',
        'Mumbai', '2024-03-18'),
       ('CT-2231-B', 'Revolution EVO', 'GE HealthCare', '11111111-1111-4111-8111-111111111111',
        NULL, 'Mumbai', '2022-11-02');
INSERT INTO service_tickets (ticket_number, customer_id, title, status, priority, closed_at,
    created_by)
VALUES
 ('TKT-2026-900001', '11111111-1111-4111-8111-111111111111', 'Helium level alarm on MRI',
  'in_progress', 'high', NULL, 'user:priya'),
 ('TKT-2026-900002', '11111111-1111-4111-8111-111111111111', 'Annual preventive maintenance',
  'closed', 'low', now(), 'user:priya'),
 ('TKT-2026-900003', '44444444-4444-4444-8444-444444444444', 'Demo unit calibration',
  'open', 'medium', NULL, 'user:priya'),
 ('TKT-2026-900004', '44444444-4444-4444-8444-444444444444', 'Spare parts quote',
  'closed', 'low', now(), 'user:priya'),
 ('TKT-2026-900005', '22222222-2222-4222-8222-222222222222', 'Analyser error E42',
  'open', 'critical', NULL, 'user:priya');
"""


@pytest.fixture(scope="module")
def site(server_url: str, template_database: str) -> Iterator[Site]:
    with database_copy(server_url, template_database, "clientele_web") as url:
        with psycopg.connect(url) as conn:
            conn.execute(SEED)  # type: ignore[arg-type]
            for name, role in (("asha", "admin"), ("vikram", "viewer")):
                conn.execute(
                    "INSERT INTO users (username, role, password_hash) VALUES (%s, %s, %s)",
                    (name, role, hash_password(PASSWORD)),
                )
        with uvicorn_server(url) as base_url:
            yield Site(base_url, "11111111-1111-4111-8111-111111111111", url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _shoot(page: Any, name: str) -> None:
    if os.environ.get("CLIENTELE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def _log_in(page: Any, site: Site, username: str = "asha") -> None:
    page.goto(f"{site.base_url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{site.base_url}/")


def _search(page: Any, text: str, expect: str) -> None:
    box = page.locator("#q")
    box.fill("")
    box.press_sequentially(text, delay=20)
    sync_api.expect(page.locator("#hits [aria-selected=true] .hit-title")).to_have_text(expect)


def test_an_agent_finds_edits_and_raises_a_ticket_in_a_browser(browser, site):
    context = browser.new_context(viewport=DESKTOP, locale="en-IN")
    page = context.new_page()
    errors: list[str] = []
    # Script errors and CSP refusals; a 422 answer to a bad form is logged too, and is fine.
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    _log_in(page, site)

    # A typo, then the keyboard: the second hit, back up to the first, Enter opens it.
    _search(page, "sunrse multispecialty", "Sunrise Multispeciality Hospital")
    page.locator("#q").press("ArrowDown")
    page.locator("#q").press("ArrowUp")
    sync_api.expect(page.locator("#hits [aria-selected=true] .hit-tickets")).to_have_text(
        "1 open ticket"
    )
    _shoot(page, "search-1366x768")
    page.locator("#q").press("Enter")
    page.wait_for_url(f"{site.base_url}/customers/{site.customer_id}")

    # A phone number, typed the way a caller says it; Enter before the debounce fires.
    page.goto(f"{site.base_url}/")
    page.locator("#q").press_sequentially("098765 43210", delay=5)
    page.locator("#q").press("Enter")
    page.wait_for_url(f"{site.base_url}/customers/{site.customer_id}")
    sync_api.expect(page.locator("h1")).to_contain_text("Sunrise Multispeciality Hospital")
    sync_api.expect(page.locator("#equipment")).to_contain_text("MRI-7781-X")
    sync_api.expect(page.locator("#contacts")).to_contain_text("Dr. Meera Nair")
    _shoot(page, "customer-1366x768")

    # Edit the phone: a bad value first (message by the field), then a good one.
    page.get_by_role("link", name="Edit").click()
    page.fill("#f-primary_phone", "12345")
    page.click("button:has-text('Save changes')")
    sync_api.expect(page.locator("#e-primary_phone")).to_be_visible()
    _shoot(page, "edit-validation-1366x768")
    before_edit = datetime.now(IST).replace(microsecond=0)
    page.fill("#f-primary_phone", "022 2345 0000")
    page.click("button:has-text('Save changes')")
    sync_api.expect(page.locator(".alert.ok")).to_have_text("Changes saved.")
    sync_api.expect(page.locator(".timeline li").first).to_contain_text("Phone changed")
    sync_api.expect(page.locator(".timeline li").first).to_contain_text("+91 22 2345 0000")
    sync_api.expect(page.locator(".timeline li").first).to_contain_text("user:asha")

    # "As of" a moment before the edit shows the old phone.
    page.fill("#as_of", before_edit.strftime("%Y-%m-%dT%H:%M:%S"))
    page.click("form.as-of button")
    record = page.locator("#as-of-record [data-field=primary_phone]")
    sync_api.expect(record).to_contain_text("+91 22 2345 6789")
    sync_api.expect(record).to_contain_text("now: +91 22 2345 0000")

    # A ticket from the customer page.
    page.get_by_role("link", name="New ticket").click()
    page.fill("#t-title", "Gradient coil noise during scans")
    page.select_option("#t-priority", "high")
    page.select_option("#t-equipment", label="MRI-7781-X · Magnetom Sola 1.5T")
    page.click("button:has-text('Create ticket')")
    sync_api.expect(page.locator(".alert.ok")).to_have_text(re.compile(r"Ticket TKT-\d{4}-\d+"))
    sync_api.expect(page.locator("#tickets tbody tr").first).to_contain_text("Gradient coil")

    # The other main pages, for the README.
    page.goto(f"{site.base_url}/customers/new")
    page.fill("#f-name", "Sunrise Multi Speciality Hosp")
    sync_api.expect(page.locator("#likely-duplicates")).to_contain_text("Likely duplicates")
    _shoot(page, "new-customer-1366x768")
    page.goto(f"{site.base_url}/reports")
    sync_api.expect(page.locator("svg.chart rect")).to_have_count(3)
    _shoot(page, "reports-1366x768")
    assert errors == []  # no CSP violation, no script error
    context.close()


def test_a_post_without_the_csrf_token_is_refused_in_the_browser(browser, site):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, site)
    refused = page.request.post(
        f"{site.base_url}/customers/{site.customer_id}/block", form={"reason": "forged"}
    )
    assert refused.status == 403
    page.goto(f"{site.base_url}/customers/{site.customer_id}")
    sync_api.expect(page.locator("h1 .badge")).to_have_text("Active")
    context.close()


def test_the_pages_fit_a_phone_screen(browser, site):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    _log_in(page, site, "vikram")
    _search(page, "sunrise multi", "Sunrise Multispeciality Hospital")
    _shoot(page, "search-phone")
    page.goto(f"{site.base_url}/customers/{site.customer_id}")
    sync_api.expect(page.get_by_role("link", name="Edit")).to_have_count(0)  # a viewer reads only
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"]  # nothing forces sideways scrolling
    _shoot(page, "customer-phone")
    context.close()


DUPLICATE_PAIR = """
INSERT INTO customers (customer_type, name, primary_phone, status, primary_email, city, state)
VALUES ('hospital', 'Vatsalya Hospital', '+919845077777', 'active', NULL, 'Mysuru', 'Karnataka'),
       ('hospital', 'VATSALYA HOSP.', '+919845077777', 'inactive', 'info@vatsalya.in', 'Mysuru',
        'Karnataka');
"""


def _scan(database_url: str) -> None:
    """`clientele duplicates scan`, as an operator runs it (Playwright's loop owns this thread)."""
    env = {**os.environ, "CLIENTELE_DATABASE_URL": database_url}
    command = [str(Path(sys.executable).parent / "clientele"), "duplicates", "scan"]
    subprocess.run(command, env=env, check=True, capture_output=True)  # noqa: S603


def test_an_admin_merges_two_duplicates_and_undoes_it_in_a_browser(browser, site):
    with psycopg.connect(site.database_url) as conn:
        conn.execute(DUPLICATE_PAIR)  # type: ignore[arg-type]
    _scan(site.database_url)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, site)

    page.goto(f"{site.base_url}/duplicates")
    group = page.locator("form[action='/duplicates/merge']").filter(has_text="VATSALYA HOSP.")
    sync_api.expect(group).to_contain_text("Vatsalya Hospital")
    _shoot(page, "duplicates-1366x768")
    group.get_by_label("keep Vatsalya Hospital").check()
    group.get_by_role("button", name="Preview merge").click()
    sync_api.expect(page.locator("body")).to_contain_text("Nothing has been written yet")
    sync_api.expect(page.locator("body")).to_contain_text("info@vatsalya.in")
    page.get_by_role("button", name=re.compile(r"Merge 1 into the survivor")).click()
    page.wait_for_url(re.compile(r".*/merges/[0-9a-f-]{36}.*"))
    sync_api.expect(page.locator("#merge-status")).to_have_text("applied")

    page.get_by_role("button", name="Undo this merge").click()
    sync_api.expect(page.locator("#merge-status")).to_have_text("undone")
    with psycopg.connect(site.database_url) as conn:
        rows = conn.execute(
            "SELECT name, status, primary_email, merged_into_id FROM customers"
            " WHERE name ILIKE 'vatsalya%' ORDER BY name"
        ).fetchall()
    assert rows == [
        ("VATSALYA HOSP.", "inactive", "info@vatsalya.in", None),
        ("Vatsalya Hospital", "active", None, None),
    ]
    context.close()
