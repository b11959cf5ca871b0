"""Fixtures for the map and report tests: one instance with hostile names, two solved runs
(session scope) and a headless Chromium (helpers in :mod:`tests.publish.publishing`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.publish.publishing import CHROMIUM, open_browser, published_runs


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return published_runs(tmp_path_factory)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed")
    pytest.importorskip("playwright.sync_api")
    pw, ctx = open_browser(tmp_path_factory.mktemp("chromium-profile"))
    yield ctx
    ctx.close()
    pw.stop()
