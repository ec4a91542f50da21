"""Parent and child scans, capacity, single-linking and undo, on SQLite and PostgreSQL."""

import pytest
from conftest import fill_parent, scan_child, scan_parent


def test_first_parent_scan_registers_the_bag_and_later_scans_find_it(client, device):
    first = scan_parent(client, device, "sb12345")
    again = scan_parent(client, device, "SB12345")
    assert first.status_code == 201
    assert first.get_json() == {
        "parent": {"qr_id": "SB12345", "child_count": 0, "capacity": 30, "status": "empty"},
        "created": True,
    }
    assert again.status_code == 200
    assert again.get_json()["created"] is False


def test_child_scan_links_to_the_current_parent_and_counts_progress(client, device):
    scan_parent(client, device, "SB10001")
    response = scan_child(client, device, "CB20001")
    assert response.status_code == 201
    body = response.get_json()
    assert body == {
        "child": {"qr_id": "CB20001", "parent_qr_id": "SB10001"},
        "parent": {"qr_id": "SB10001", "child_count": 1, "capacity": 30, "status": "filling"},
        "event_id": body["event_id"],
    }
    assert isinstance(body["event_id"], int)


def test_the_31st_child_is_refused_with_the_parent_full(client, device):
    fill_parent(client, device, "SB10002", 30)
    refused = scan_child(client, device, "CB99999", "SB10002")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert error["code"] == "parent_full"
    assert error["message"] == "SB10002 is full (30/30)"
    assert error["details"]["parent"]["child_count"] == 30
    bag = client.get("/api/v1/bags/SB10002", headers=device).get_json()
    assert bag["child_count"] == 30
    assert bag["status"] == "filled"
    assert len(bag["children"]) == 30


def test_a_child_is_never_linked_twice(client, device):
    scan_parent(client, device, "SB10003")
    scan_parent(client, device, "SB10004")
    assert scan_child(client, device, "CB30001", "SB10003").status_code == 201
    other_parent = scan_child(client, device, "CB30001", "SB10004")
    assert other_parent.status_code == 409
    assert other_parent.get_json()["error"] == {
        "code": "already_linked",
        "message": "CB30001 is already in SB10003",
        "details": {"parent_qr_id": "SB10003"},
    }
    assert client.get("/api/v1/bags/SB10004", headers=device).get_json()["child_count"] == 0


def test_a_repeated_child_scan_answers_200_with_the_same_result(client, device):
    scan_parent(client, device, "SB10013")
    first = scan_child(client, device, "CB30011", "SB10013")
    again = scan_child(client, device, "CB30011", "SB10013")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    bag = client.get("/api/v1/bags/SB10013", headers=device).get_json()
    assert (bag["child_count"], bag["children"]) == (1, ["CB30011"])
    # Also once the parent is full: a retry of its last scan is not refused as "full".
    fill_parent(client, device, "SB10014", 30)
    assert scan_child(client, device, "CB10029", "SB10014").status_code == 200


def _undo(client, device, **named):
    return client.post("/api/v1/scans/undo", json=named, headers=device)


def test_undo_unlinks_the_named_child_and_frees_its_place(client, device):
    fill_parent(client, device, "SB10005", 30)
    undone = _undo(client, device, qr_id="CB10029")
    assert undone.status_code == 200
    named = undone.get_json()["undone"]
    assert named == {"event_id": named["event_id"], "child_qr_id": "CB10029", "parent_qr_id": "SB10005"}
    assert undone.get_json()["parent"]["child_count"] == 29
    child = client.get("/api/v1/bags/CB10029", headers=device).get_json()
    assert child["parent_qr_id"] is None
    assert child["history"][0]["action"] == "undo"
    assert child["history"][1]["reverted"] is True
    # The freed place can be taken, by the same child or another one.
    assert scan_child(client, device, "CB10029", "SB10005").status_code == 201


def test_a_repeated_undo_unlinks_one_child_only(client, device):
    fill_parent(client, device, "SB10015", 3, first_child=31_000)
    by_code = [_undo(client, device, qr_id="CB31002") for _ in range(2)]
    assert [r.status_code for r in by_code] == [200, 200]
    assert by_code[1].get_json() == by_code[0].get_json()
    event_id = by_code[0].get_json()["undone"]["event_id"]
    assert _undo(client, device, event_id=event_id).get_json() == by_code[0].get_json()
    bag = client.get("/api/v1/bags/SB10015", headers=device).get_json()
    assert (bag["child_count"], bag["children"]) == (2, ["CB31000", "CB31001"])
    # Undo by event id: the event a child scan answered with.
    scan = scan_child(client, device, "CB31002", "SB10015").get_json()
    again = [_undo(client, device, event_id=scan["event_id"]) for _ in range(2)]
    assert [r.get_json()["parent"]["child_count"] for r in again] == [2, 2]


def test_undo_must_name_a_child_scan(client, device):
    unnamed = client.post("/api/v1/scans/undo", json={}, headers=device)
    assert unnamed.status_code == 400
    assert unnamed.get_json()["error"]["message"] == "name the child scan to undo: event_id, or qr_id of the child"
    assert _undo(client, device, qr_id="CB77777").status_code == 404
    assert _undo(client, device, event_id=987654).status_code == 404
    assert _undo(client, device, event_id="1").status_code == 400


def test_child_scan_without_a_parent_asks_for_one(client, device):
    response = scan_child(client, device, "CB40001")
    assert response.status_code == 400
    assert "scan a parent bag first" in response.get_json()["error"]["message"]


def test_child_scan_into_an_unknown_parent_is_404(client, device):
    response = scan_child(client, device, "CB40002", "SB77777")
    assert response.status_code == 404
    assert response.get_json()["error"]["message"] == "parent bag SB77777 has not been scanned"


def test_current_parent_follows_the_devices_latest_parent_scan(client, device):
    scan_parent(client, device, "SB10006")
    scan_parent(client, device, "SB10007")
    assert scan_child(client, device, "CB40003").get_json()["parent"]["qr_id"] == "SB10007"
    current = client.get("/api/v1/scans/current", headers=device).get_json()
    assert current == {"parent": {"qr_id": "SB10007", "child_count": 1, "capacity": 30, "status": "filling"}}


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/api/v1/scans/parent", {}, "qr_id is required"),
        ("/api/v1/scans/parent", {"qr_id": 12345}, "qr_id is required"),
        ("/api/v1/scans/parent", {"qr_id": "CB12345"}, "qr_id 'CB12345' is not a parent bag id like SB12345"),
        ("/api/v1/scans/parent", {"qr_id": "SB1"}, "qr_id 'SB1' is not a parent bag id like SB12345"),
        ("/api/v1/scans/child", {"qr_id": "SB12345", "parent_qr_id": "SB12345"}, "not a child bag id"),
        ("/api/v1/scans/child", {"qr_id": "CB12345", "parent_qr_id": "XX1"}, "parent_qr_id 'XX1' is not"),
        ("/api/v1/scans/child", ["CB12345"], "the request body must be a JSON object"),
    ],
)
def test_bad_input_gets_a_400_that_says_why(client, device, path, body, message):
    response = client.post(path, json=body, headers=device)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_malformed_json_and_wrong_content_type_are_400_not_500(client, device):
    json_header = device | {"Content-Type": "application/json"}
    broken = client.post("/api/v1/scans/parent", data="{not json", headers=json_header)
    form = client.post("/api/v1/scans/parent", data={"qr_id": "SB12345"}, headers=device)
    assert broken.status_code == 400
    assert form.status_code == 400
    assert form.get_json()["error"]["message"] == "send a JSON object with Content-Type: application/json"


def test_oversized_body_is_413(client, device):
    response = client.post("/api/v1/scans/parent", json={"qr_id": "SB12345", "pad": "x" * 70_000}, headers=device)
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"
