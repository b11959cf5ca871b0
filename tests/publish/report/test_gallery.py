"""The gallery page of a maps folder: links every map and report, never replaces a foreign page."""

from __future__ import annotations

from pathlib import Path

from allocate.publish.report import INDEX_PAGE, update_index


def test_the_gallery_never_overwrites_someone_elses_index(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<html><title>Map A</title></html>")
    own = "<html><body>my own page</body></html>"
    (tmp_path / "index.html").write_text(own)
    assert update_index(tmp_path) is None
    assert (tmp_path / "index.html").read_text() == own
    # a gallery written by allocate is rewritten with what the folder holds now
    (tmp_path / "index.html").unlink()
    assert update_index(tmp_path) == tmp_path / "index.html"
    (tmp_path / "b.html").write_text("<html><title>Map B</title></html>")
    update_index(tmp_path)
    page = (tmp_path / "index.html").read_text()
    assert "Map A" in page and "Map B" in page


def test_reports_are_listed_and_names_escaped(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / INDEX_PAGE).write_text("<html><title>Report &amp; co</title></html>")
    (tmp_path / "x&y.html").write_text("<html><title><b>bold</b></title></html>")
    (tmp_path / ".hidden.html").write_text("<html><title>hidden</title></html>")
    page = update_index(tmp_path).read_text()  # type: ignore[union-attr]
    assert 'href="models/index.html"' in page and "Report &amp; co" in page
    assert 'href="x%26y.html"' in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "hidden" not in page
