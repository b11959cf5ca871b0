"""Map building without a browser: hostile names are escaped in the page."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from allocate.io import read_instance
from allocate.io.runfolder import read_run
from allocate.publish.maps import changed_owner, plot_territories, render_html
from tests.publish.publishing import XSS


def test_names_are_escaped(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    run = read_run(published["geo"], inst)
    page = render_html(
        plot_territories(run.alignment, inst, seller_kpis=run.sellers, title=XSS), offline=True
    )
    assert XSS not in page
    # html-escaped, then "&" written as \u0026 inside the script data
    assert "\\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    assert page.count("</script><script>alert(3)") == 0


def test_changed_owner_compares_first_owners(published: dict[str, Path]) -> None:
    inst = read_instance(published["instance"])
    geo = read_run(published["geo"], inst).alignment
    size = read_run(published["size"], inst).alignment
    assert not changed_owner(inst, geo, geo).any()
    diff = changed_owner(inst, geo, size)
    assert diff.shape == (len(inst.accounts),) and diff.dtype == np.bool_
