"""Lookup with history, search, and the dashboard figures."""

from conftest import add_user, fill_parent, login, scan_parent


def test_child_lookup_shows_who_scanned_it_when_and_into_which_parent(client, device):
    fill_parent(client, device, "SB30001", 2, first_child=30_000)
    bag = client.get("/api/v1/bags/cb30001", headers=device).get_json()
    assert bag["qr_id"] == "CB30001"
    assert bag["kind"] == "child"
    assert bag["status"] == "linked"
    assert bag["parent_qr_id"] == "SB30001"
    assert bag["bill"] is None
    [entry] = bag["history"]
    assert entry["action"] == "child_scan"
    assert entry["parent_qr_id"] == "SB30001"
    assert entry["actor"] == {"type": "device", "name": "scanner-1"}
    assert entry["at"].endswith("Z")


def test_parent_lookup_lists_children_and_their_scans(client, device):
    fill_parent(client, device, "SB30002", 3, first_child=31_000)
    bag = client.get("/api/v1/bags/SB30002", headers=device).get_json()
    assert bag["children"] == ["CB31000", "CB31001", "CB31002"]
    assert [e["action"] for e in bag["history"]] == ["child_scan"] * 3 + ["parent_scan"]


def test_lookup_of_unknown_and_malformed_ids(client, device):
    unknown = client.get("/api/v1/bags/SB99999", headers=device)
    malformed = client.get("/api/v1/bags/hello", headers=device)
    assert unknown.status_code == 404
    assert unknown.get_json()["error"]["message"] == "bag SB99999 has never been scanned"
    assert malformed.status_code == 400


def test_search_by_prefix_finds_bags_and_bills(client, device):
    fill_parent(client, device, "SB30003", 2, first_child=32_000)
    scan_parent(client, device, "SB40000")
    found = client.get("/api/v1/bags?q=sb3&limit=5", headers=device).get_json()
    assert [b["qr_id"] for b in found["bags"]] == ["SB30003"]
    children = client.get("/api/v1/bags?q=CB3200&kind=child", headers=device).get_json()["bags"]
    assert children == [
        {"qr_id": "CB32000", "kind": "child", "parent_qr_id": "SB30003"},
        {"qr_id": "CB32001", "kind": "child", "parent_qr_id": "SB30003"},
    ]
    for bad in ("", "?q=%25", "?q=SB&kind=box", "?q=SB&limit=0", "?q=SB&limit=x"):
        assert client.get("/api/v1/bags" + bad, headers=device).status_code == 400


def test_dashboard_counts_todays_work(client, device):
    fill_parent(client, device, "SB30004", 30, first_child=33_000)
    stats = client.get("/api/v1/dashboard/stats", headers=device).get_json()
    assert stats["today"] == {"scans": 31, "child_scans": 30, "bags_filled": 1, "bills_dispatched": 0}
    assert stats["totals"]["parent_bags"] == 1
    assert stats["totals"]["child_bags"] == 30
    assert len(stats["scans_per_hour"]["values"]) == 24
    assert stats["scans_per_hour"]["values"][-1] == 31
    assert stats["per_day"]["scans"][-1] == 31
    assert stats["per_day"]["bags_filled"][-1] == 1


def test_pages_show_lookup_results_and_dashboard(app, client, device):
    fill_parent(client, device, "SB30005", 1, first_child=34_000)
    add_user(app, "viewer", "biller")
    login(client, "viewer")
    redirect = client.get("/lookup?q=cb34000")
    assert redirect.status_code == 302
    assert redirect.headers["Location"].endswith("/bags/CB34000")
    page = client.get("/bags/CB34000").get_data(as_text=True)
    assert "CB34000 into SB30005" in page
    assert "scanner-1" in page
    listing = client.get("/lookup?q=SB3").get_data(as_text=True)
    assert "SB30005" in listing
    assert client.get("/bags/SB00000").status_code == 404
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'id="today-scans">2<' in dashboard
