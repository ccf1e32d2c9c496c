"""Cases over HTTP: import, read with ETag, update with If-Match (a stale write is 412, never
lost), events recompute the clocks."""

from pathlib import Path

from api.models import Role

DEMO = Path(__file__).resolve().parents[2] / "examples" / "demo" / "case.yaml"


def test_read_case_gives_etag_and_masks_for_managers(service):
    r = service.client.get(f"/api/cases/{service.own}", headers=service.auth(Role.legal_staff))
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == '"v1"'
    assert r.json()["data"]["creditor"]["service"]["id_number"] == "310104198605210028"
    m = service.client.get(f"/api/cases/{service.own}", headers=service.auth(Role.manager)).json()
    assert m["data"]["creditor"]["service"]["id_number"] == "310104********0028"
    assert m["data"]["creditor"]["service"]["phone"] == "138****0001"


def test_stale_write_is_refused_with_412_and_nothing_lost(service):
    c, h = service.client, service.auth(Role.legal_staff)
    tag = c.get(f"/api/cases/{service.own}", headers=h).headers["etag"]
    first = c.patch(f"/api/cases/{service.own}", json={"branch": "滨江支行"}, headers={**h, "If-Match": tag})
    assert first.status_code == 200, first.text
    assert first.headers["etag"] == '"v2"'
    stale = c.patch(f"/api/cases/{service.own}", json={"branch": "浦东支行"}, headers={**h, "If-Match": tag})
    assert stale.status_code == 412
    assert c.get(f"/api/cases/{service.own}", headers=h).json()["branch"] == "滨江支行"
    assert c.patch(f"/api/cases/{service.own}", json={"branch": "x"}, headers=h).status_code == 428


def test_import_refuses_invalid_case_with_every_problem(service):
    bad = DEMO.read_text(encoding="utf-8").replace("case_id: DEMO-2025-001", "case_id: NEW-1").replace(
        'id_number: "310104198605210028"', 'id_number: "310104198605210029"')
    r = service.client.post("/api/cases", content=bad.encode(), headers={
        **service.auth(Role.legal_staff), "Content-Type": "application/yaml"})
    assert r.status_code == 422, r.text
    fields = [p["field"] for p in r.json()["detail"]["problems"]]
    assert "creditor.service.id_number" in fields
    ok = DEMO.read_text(encoding="utf-8").replace("case_id: DEMO-2025-001", "case_id: NEW-1")
    r = service.client.post("/api/cases", content=ok.encode(), headers={
        **service.auth(Role.legal_staff), "Content-Type": "application/yaml"})
    assert r.status_code == 201, r.text
    again = service.client.post("/api/cases", content=ok.encode(), headers={
        **service.auth(Role.legal_staff), "Content-Type": "application/yaml"})
    assert again.status_code == 409


def test_if_match_is_strong_and_a_change_of_nothing_makes_no_version(service):
    c, h = service.client, service.auth(Role.legal_staff)
    assert c.patch(f"/api/cases/{service.own}", json={"branch": "x"},
                   headers={**h, "If-Match": 'W/"v1"'}).status_code == 412  # RFC 9110: If-Match is strong
    same = c.patch(f"/api/cases/{service.own}", json={}, headers={**h, "If-Match": '"v1"'})
    assert same.status_code == 200 and same.headers["etag"] == '"v1"'
    branch = same.json()["branch"]
    again = c.patch(f"/api/cases/{service.own}", json={"branch": branch}, headers={**h, "If-Match": '"v1"'})
    assert again.headers["etag"] == '"v1"'
