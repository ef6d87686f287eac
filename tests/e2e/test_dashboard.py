"""The dashboard and the printed monthly report card in Chromium, on the demo network."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ADMIN_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(params=["zh", "en"])
def lang(request) -> str:
    return request.param


@pytest.fixture
def admin(new_page, lang, logged_in):
    return new_page(lang, storage_state=logged_in("admin", ADMIN_PASSWORD),
                    viewport={"width": 1280, "height": 900})


def test_dashboard(admin, lang, shoot):
    admin.goto("/reports/")
    admin.locator("nav.report-tabs a").nth(1).click()  # the roll-up links to the dashboard
    expect(admin).to_have_url(re.compile(r"/reports/dashboard$"))
    expect(admin.locator("html")).to_have_attribute("lang", "zh-CN" if lang == "zh" else "en")
    charts = admin.locator("figure.dash-chart svg.pygal-chart")
    expect(charts).to_have_count(3)
    expect(charts.first).to_be_visible()
    # Chinese data reads in the charts: the series names of the coverage chart.
    expect(admin.locator("#chart-coverage svg")).to_contain_text(
        "农村实用科技" if lang == "zh" else "Practical rural technology")
    idle = admin.locator("#table-idle tbody tr")
    expect(idle.first).to_be_visible()
    assert idle.count() > 10  # the demo network has idle sites
    expect(admin.locator("#table-monthly tbody tr")).to_have_count(12)
    expect(admin.locator("#table-titles tbody tr").first).to_be_visible()
    if lang == "en":
        expect(admin.locator("h1")).to_contain_text("Dashboard: the city")
        expect(admin.locator("#idle h2")).to_have_text("Idle sites")
    shoot(admin, f"dashboard-{lang}")

    admin.locator("select[name=township]").select_option("河口乡")
    admin.locator("#dashboard-filters button").click()
    expect(admin).to_have_url(re.compile(r"township="))
    expect(admin.locator("h1")).to_contain_text("河口乡")
    expect(admin.locator("#table-idle")).not_to_contain_text("城关镇")


def test_dashboard_on_a_phone(new_page, logged_in, shoot):
    page = new_page("zh", storage_state=logged_in("chengguan"),
                    viewport={"width": 375, "height": 740}, device_scale_factor=2)
    page.goto("/reports/dashboard")
    expect(page.locator("h1")).to_contain_text("城关镇")
    chart = page.locator("#chart-screenings svg")
    expect(chart).to_be_visible()
    box = chart.bounding_box()
    assert box is not None and box["width"] <= 375 and box["height"] > 100  # scaled to the width
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 380, width  # nothing wider than the screen
    shoot(page, "dashboard-mobile-zh")


def test_printed_report_card(new_page, logged_in, shoot):
    page = new_page("zh", storage_state=logged_in("op-p001"),
                    viewport={"width": 800, "height": 1100})
    page.goto("/reports/")
    expect(page).to_have_url(re.compile(r"/reports/monthly\?site=P-001"))
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("nav.report-tabs")).to_be_hidden()
    rows = page.locator("#quotas tbody tr")
    # A playback point's default rules: group sessions, the 6th/16th/26th, hours, study hours
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text(re.compile("✓|✗"))
    expect(page.locator("#rating .reasons li")).to_have_count(6)  # four criteria, teaching plans, the audit
    expect(page.locator(".signatures")).to_be_visible()
    shoot(page, "report-card-print")


def test_rating_page(admin, lang):
    admin.goto("/reports/rating?sort=stars_asc")
    rows = admin.locator("#ratings tbody tr")
    expect(rows.first).to_be_visible()
    first = int(rows.first.get_attribute("data-stars"))
    admin.locator("#sort-stars").click()
    expect(admin).to_have_url(re.compile(r"sort=stars(&|$)"))
    assert int(rows.first.get_attribute("data-stars")) >= first
    rows.first.locator("details summary").click()
    expect(rows.first.locator(".reasons li")).to_have_count(6)  # four criteria, teaching plans, the audit
