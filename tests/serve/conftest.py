"""Fixtures of the app tests: the small hostile-named instance of the publishing tests, one
solved geography run (session scope), and a fresh workspace and API client per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.publish.publishing import make_instance, solve_run

TOKEN = "test-token"


@pytest.fixture(scope="session")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("serve")
    inst = make_instance(root / "inst")
    return {"instance": inst, "run": solve_run(inst, "geography", root / "runs" / "geo")}


@pytest.fixture()
def workspace(small_run: dict[str, Path], tmp_path: Path):
    from allocate.serve import Workspace

    return Workspace.open(small_run["instance"], [small_run["run"]], tmp_path / "versions")


@pytest.fixture()
def client(workspace):
    from fastapi.testclient import TestClient

    from allocate.serve import Guard, create_app

    return TestClient(create_app(workspace, Guard.for_host("127.0.0.1", TOKEN)), headers={"X-Allocate-Token": TOKEN})
