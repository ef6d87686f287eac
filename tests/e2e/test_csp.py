"""The Content-Security-Policy breaks no page: Chromium reports no violation on the main pages,
those with scripts (kiosk, player, scan, roll-call), the SVG charts and the QR codes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD, planned_open_screening

pytestmark = pytest.mark.browser


def watched(page) -> list[str]:
    """Collect what Chromium says about the page's CSP (console) and any script error."""
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None)
    page.on("pageerror", lambda exc: problems.append(f"script error: {exc}"))
    return problems


def test_no_page_violates_the_content_security_policy(new_page, logged_in):
    with planned_open_screening(new_page, logged_in, "E2E CSP") as screening_id:
        admin = new_page("zh", storage_state=logged_in("admin", ADMIN_PASSWORD))
        problems = watched(admin)
        for path in ("/", "/sites/", "/sites/P-001", "/titles", "/files/unassigned", "/people",
                     "/reports/dashboard", "/reports/monthly?site=P-001", "/reports/rating",
                     "/distribution/", f"/screenings/{screening_id}",
                     f"/screenings/{screening_id}/rollcall", f"/screenings/{screening_id}/record",
                     f"/screenings/{screening_id}/paper", "/sync/", "/no-such-page"):
            admin.goto(path)
            admin.wait_for_load_state("load")
            assert not problems, f"{path}: {problems}"
        # the charts are drawn (inline SVG with its own <style>), the print button is wired
        admin.goto("/reports/dashboard")
        expect(admin.locator("figure.dash-chart svg").first).to_be_visible()
        admin.goto("/distribution/")  # a batch's kit labels: inline QR codes
        hrefs = admin.locator("a[href*='/distribution/batches/']").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")
        batch = next(h for h in hrefs if re.search(r"/batches/[0-9a-f-]{36}$", h))
        admin.goto(batch + "/labels")
        expect(admin.locator("svg.qr").first).to_be_visible()
        admin.goto(f"/screenings/{screening_id}/record")
        admin.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
        admin.locator("button[data-print]").click()
        expect(admin.locator("body")).to_have_attribute("data-printed", "yes")

        operator = new_page("zh", storage_state=logged_in("op-p001"))
        problems += watched(operator)
        with operator.expect_response(lambda r: "/api/v1/player/status" in r.url):
            operator.goto("/player")  # player.js polls the status
        operator.goto("/sites/P-001/library")
        operator.locator("#scan-now").click()  # scan.js follows the job
        expect(operator).to_have_url(re.compile(r"/scans/[0-9a-f-]{36}$"))
        expect(operator.locator("#scan-summary")).to_be_visible(timeout=30_000)
        assert not problems, problems

        kiosk = new_page("zh", storage_state=logged_in("kiosk-p001"))
        problems += watched(kiosk)
        kiosk.goto("/kiosk")  # kiosk.js: search as you type, the QR code (an SVG image)
        assert kiosk.locator("#kiosk-qr").evaluate("img => img.complete && img.naturalWidth > 0")
        kiosk.locator("#kiosk-q").press_sequentially("zs", delay=50)
        expect(kiosk.locator("#kiosk-results button.person").first).to_be_visible()
        assert not problems, problems
