"""The issued plan's link to a new batch: the batch form and its consign step come pre-filled
with the titles the sites lack and those sites."""

from __future__ import annotations

import html as markup
import re

from sqlalchemy import select

from app.extensions import db
from app.models import Shipment
from tests.conftest import client_of, token_client


def form_value(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return markup.unescape(re.search(r'value="([^"]*)"', tag).group(1))


def test_the_lacking_titles_batch_is_pre_filled_through_to_the_consignment(app, net, plan_body):
    reply = token_client(app, "town").post("/api/v1/teaching-plans", json=plan_body)
    link = reply.json["batch_url"]
    town = client_of(app, "town")
    page = town.get(link).get_data(as_text=True)
    assert form_value(page, "name") == "月计划"
    checked = re.findall(r'<input type="hidden" name="titles" value="([^"]+)">', page)  # picker
    assert checked == [str(net["lacking"].id)]
    assert 'id="prefilled-sites"' in page and form_value(page, "sites") == "P-001, P-002"

    made = town.post("/distribution/batches/new", data={
        "csrf_token": form_value(page, "csrf_token"), "name": form_value(page, "name"),
        "form": "DVD", "titles": checked, "sites": form_value(page, "sites")})
    assert made.status_code == 302 and made.headers["Location"].endswith("#consign")
    batch_page = town.get(made.headers["Location"]).get_data(as_text=True)
    consign = batch_page.split('id="consign"')[1]
    assert form_value(consign, "sites") == "P-001, P-002"

    action = re.search(r'action="([^"]+/consign)"', batch_page).group(1)
    town.post(action, data={"csrf_token": form_value(consign, "csrf_token"), "copies": "1",
                            "sites": form_value(consign, "sites")})
    kits = db.session.scalars(select(Shipment)).all()
    assert sorted(k.site.code for k in kits) == ["P-001", "P-002"]


def test_a_plain_new_batch_form_is_empty(app, net):
    page = client_of(app, "town").get("/distribution/batches/new").get_data(as_text=True)
    assert not re.findall(r'name="titles" value="([^"]+)"', page)  # nothing chosen in the picker
    assert 'id="prefilled-sites"' not in page
