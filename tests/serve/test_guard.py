"""Who may call the app: token and same-origin rules."""

from __future__ import annotations

from fastapi.testclient import TestClient

from allocate.serve import Guard, create_app
from allocate.serve.guard import is_loopback


def test_loopback_hosts() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")


def test_loopback_reads_freely_but_changes_need_token_or_same_origin(workspace) -> None:
    c = TestClient(create_app(workspace, Guard.for_host("127.0.0.1", "t0k")))
    assert c.get("/api/state").status_code == 200
    body = {"account_ids": ["A0003"], "locked": True}
    assert c.post("/api/lock", json=body).status_code == 403
    assert c.post("/api/lock", json=body, headers={"Origin": "http://evil.example"}).status_code == 403
    assert c.post("/api/lock", json=body, headers={"Origin": "http://testserver"}).status_code == 200
    assert c.post("/api/lock", json=body, headers={"Sec-Fetch-Site": "same-origin"}).status_code == 200
    assert c.post("/api/lock", json=body, headers={"X-Allocate-Token": "t0k"}).status_code == 200
    assert c.post("/api/lock", json=body, headers={"X-Allocate-Token": "wrong"}).status_code == 403


def test_other_hosts_need_the_token_on_every_request(workspace) -> None:
    guard = Guard.for_host("0.0.0.0")
    assert guard.token_always and len(guard.token) >= 24
    c = TestClient(create_app(workspace, guard))
    assert c.get("/").status_code == 403
    assert c.get("/api/state").status_code == 403
    assert c.get("/api/state", headers={"Origin": "http://testserver"}).status_code == 403
    assert c.get("/", params={"token": guard.token}).status_code == 200
    assert c.get("/api/state", headers={"X-Allocate-Token": guard.token}).status_code == 200
