"""Fixtures for map tests: one instance with hostile names and two solved runs (session scope)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from publishing import CHROMIUM, make_instance, open_browser, solve_run  # noqa: E402


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("publish")
    inst = make_instance(root / "inst")
    return {
        "instance": inst,
        "geo": solve_run(inst, "geography", root / "run_geo"),
        "size": solve_run(inst, "size", root / "run_size"),
    }


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed")
    pytest.importorskip("playwright.sync_api")
    pw, ctx = open_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield ctx
    ctx.close()
    pw.stop()
