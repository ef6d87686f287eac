"""The teaching plans API: shapes and codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import token_client


def test_issue_read_list_patch_progress(app, plan_body):
    town = token_client(app, "town")
    reply = town.post("/api/v1/teaching-plans", json=plan_body)
    assert reply.status_code == 201, reply.json
    plan = reply.json
    assert plan["screenings_made"] == 6 and plan["move_window_days"] == 2
    assert plan["lacking"][0]["sites"] == ["P-001", "P-002"]
    assert plan["batch_url"].startswith("/distribution/batches/new?")
    assert town.get(f"/api/v1/teaching-plans/{plan['id']}").json["sessions"][0]["rule"] == {
        "kind": "six_days"}
    assert town.get("/api/v1/teaching-plans").json["total"] == 1
    changed = town.patch(f"/api/v1/teaching-plans/{plan['id']}", json={"name": "月计划（改）"})
    assert changed.status_code == 200 and changed.json["name"] == "月计划（改）"
    progress = town.get(f"/api/v1/teaching-plans/{plan['id']}/progress").json
    assert progress["sessions"][0]["ahead"] == 6
    assert {s["site"] for s in progress["sites"]} == {"P-001", "P-002"}
    screenings = town.get("/api/v1/screenings?site=P-001").json["items"]
    assert screenings[0]["teaching_plan"]["name"] == "月计划（改）"
    assert screenings[0]["session"]["topic"] == "果树春季管理"


def test_codes(app, plan_body):
    town, op = token_client(app, "town"), token_client(app, "op-a")
    assert op.post("/api/v1/teaching-plans", json=plan_body).status_code == 403
    outside = {**plan_body, "sites": {"codes": ["P-003"]}}
    assert town.post("/api/v1/teaching-plans", json=outside).status_code == 403
    assert town.post("/api/v1/teaching-plans",
                     json={**plan_body, "sites": {}}).status_code == 422
    never = {**plan_body, "sessions": [{"topic": "x", "rule": {"kind": "dates",
                                                               "dates": ["2001-01-01"]}}]}
    assert town.post("/api/v1/teaching-plans", json=never).status_code == 422
    assert town.post("/api/v1/teaching-plans", json=plan_body).status_code == 201
    assert town.post("/api/v1/teaching-plans", json=plan_body).status_code == 409
    assert town.get("/api/v1/teaching-plans/nope").status_code == 404


def test_the_operator_moves_and_cancels_through_the_screenings_api(app, plan_body):
    town, op = token_client(app, "town"), token_client(app, "op-a")
    town.post("/api/v1/teaching-plans", json=plan_body)
    first, second = op.get("/api/v1/screenings?site=P-001").json["items"][:2]
    start = datetime.fromisoformat(first["starts_at"]).astimezone(UTC)
    far = {"starts_at": (start + timedelta(days=3)).isoformat(),
           "ends_at": (start + timedelta(days=3, minutes=90)).isoformat()}
    refused = op.patch(f"/api/v1/screenings/{first['id']}", json=far)
    assert refused.status_code == 422 and "2" in refused.json["error"]["message"]
    near = {"starts_at": (start + timedelta(days=1)).isoformat(),
            "ends_at": (start + timedelta(days=1, minutes=90)).isoformat()}
    moved = op.patch(f"/api/v1/screenings/{first['id']}", json=near)
    assert moved.status_code == 200 and moved.json["site_change"] == "moved"
    assert op.patch(f"/api/v1/screenings/{first['id']}",
                    json={"topic": "别的"}).status_code == 403
    assert op.patch(f"/api/v1/screenings/{second['id']}",
                    json={"status": "cancelled"}).status_code == 422
    cancelled = op.patch(f"/api/v1/screenings/{second['id']}",
                         json={"status": "cancelled", "reason": "停电"})
    assert cancelled.json["status_reason"] == "停电"


def test_the_openapi_document_has_the_plans(app, client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {"/api/v1/teaching-plans", "/api/v1/teaching-plans/{plan_id}",
            "/api/v1/teaching-plans/{plan_id}/progress"} <= set(paths)
