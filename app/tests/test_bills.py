"""Bills: open, add parent bags, close; the rules that refuse each step."""

import pytest
from conftest import add_user, fill_parent, login, scan_child, session_headers


@pytest.fixture
def biller(app, client):
    add_user(app, "biller", "biller")
    login(client, "biller")
    return session_headers(client)


def create(client, headers, number="B-100", expected=2):
    return client.post(
        "/api/v1/bills", json={"bill_number": number, "expected_parent_count": expected}, headers=headers
    )


def test_bill_lifecycle_open_fill_close(client, device, biller):
    fill_parent(client, device, "SB20001", 30, first_child=20_000)
    fill_parent(client, device, "SB20002", 5, first_child=21_000)
    opened = create(client, biller)
    assert opened.status_code == 201
    assert opened.get_json()["status"] == "open"
    client.post("/api/v1/bills/B-100/parents", json={"qr_id": "SB20001"}, headers=biller)
    filled = client.post("/api/v1/bills/B-100/parents", json={"qr_id": "SB20002"}, headers=biller)
    assert filled.status_code == 200
    assert filled.get_json()["status"] == "filled"
    assert [p["qr_id"] for p in filled.get_json()["parents"]] == ["SB20001", "SB20002"]
    closed = client.post("/api/v1/bills/B-100/close", headers=biller)
    assert closed.status_code == 200
    assert closed.get_json()["status"] == "closed"
    assert closed.get_json()["closed_at"].endswith("Z")
    child = client.get("/api/v1/bags/CB20000", headers=device).get_json()
    assert child["status"] == "dispatched"
    assert child["bill"] == {"bill_number": "B-100", "status": "closed"}


def test_bill_rules_refuse_with_409(client, device, biller):
    fill_parent(client, device, "SB20003", 3, first_child=22_000)
    fill_parent(client, device, "SB20004", 3, first_child=23_000)
    client.post("/api/v1/scans/parent", json={"qr_id": "SB20005"}, headers=device)
    create(client, biller, "B-200", expected=1)
    create(client, biller, "B-201", expected=5)

    def add(number, qr):
        return client.post(f"/api/v1/bills/{number}/parents", json={"qr_id": qr}, headers=biller)

    assert create(client, biller, "B-200").get_json()["error"]["code"] == "bill_exists"
    assert client.post("/api/v1/bills/B-201/close", headers=biller).get_json()["error"]["code"] == "bill_empty"
    assert add("B-200", "SB20005").get_json()["error"]["code"] == "parent_empty"
    assert add("B-200", "SB20003").status_code == 200
    assert add("B-200", "SB20004").get_json()["error"]["code"] == "bill_full"
    assert add("B-201", "SB20003").get_json()["error"] == {
        "code": "already_billed",
        "message": "SB20003 is already on bill B-200",
    }
    assert client.post("/api/v1/bills/B-200/close", headers=biller).status_code == 200
    assert add("B-200", "SB20004").get_json()["error"]["code"] == "bill_closed"
    dispatched = scan_child(client, device, "CB29999", "SB20003")
    assert dispatched.status_code == 409
    assert dispatched.get_json()["error"]["message"] == "SB20003 was dispatched on bill B-200"
    assert add("B-999", "SB20004").status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"bill_number": "", "expected_parent_count": 1}, "bill_number must be"),
        ({"bill_number": "B 1", "expected_parent_count": 1}, "bill_number must be"),
        ({"bill_number": "B1", "expected_parent_count": "3"}, "expected_parent_count must be an integer"),
        ({"bill_number": "B1", "expected_parent_count": True}, "expected_parent_count must be an integer"),
        ({"bill_number": "B1", "expected_parent_count": 0}, "between 1 and 500"),
    ],
)
def test_bill_input_is_validated(client, biller, body, message):
    response = client.post("/api/v1/bills", json=body, headers=biller)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["message"]


def test_devices_and_dispatchers_may_not_manage_bills(app, client, device):
    refused = create(client, device)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["message"] == "role 'device' may not bill"
    assert client.get("/api/v1/bills", headers=device).status_code == 200


def test_bill_pages_open_add_and_close(app, client, device):
    fill_parent(client, device, "SB20006", 2, first_child=24_000)
    add_user(app, "biller", "biller")
    login(client, "biller")
    token = session_headers(client)["X-CSRFToken"]
    opened = client.post(
        "/bills", data={"bill_number": "P-1", "expected_parent_count": 2, "csrf_token": token}, follow_redirects=True
    )
    assert "Bill P-1 opened." in opened.get_data(as_text=True)
    added = client.post(
        "/bills/P-1", data={"qr_id": "sb20006", "action": "add", "csrf_token": token}, follow_redirects=True
    )
    assert "SB20006 added." in added.get_data(as_text=True)
    refused = client.post(
        "/bills/P-1", data={"qr_id": "SB20006", "action": "add", "csrf_token": token}, follow_redirects=True
    )
    assert "already on bill P-1" in refused.get_data(as_text=True)
    closed = client.post("/bills/P-1", data={"action": "close", "csrf_token": token}, follow_redirects=True)
    assert "Bill P-1 closed and dispatched." in closed.get_data(as_text=True)
    assert 'id="bill-status">closed<' in closed.get_data(as_text=True)
