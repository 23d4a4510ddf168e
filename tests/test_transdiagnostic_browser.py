"""The transdiagnostic page (/transdiagnostic) in a real headless Chromium, JavaScript off, against
a real uvicorn server on loopback, over the known corpus of `tests/api_seed.py` (the session's
shared copy, only read), on SQLite and PostgreSQL: the heat map has one row per
taxon and one cell per disorder group with the model's consensus and counts, the rows are in
agreement order, a cell opens the pair's evidence, the taxa shared by k groups are listed with
their direction, and an unknown disorder is shown with "did you mean".
Expectations come from the corpus model (`api_seed.expected_pairs`), never from `miner.query`.
Slow (a browser): left out of `make test-fast`.
Imports: Playwright, the test helper `api_seed` and the `corpus_site` fixture.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from api_seed import expected_pairs, visible
from playwright.sync_api import expect

pytestmark = pytest.mark.slow
GROUPS = ["depression", "bipolar", "parkinson"]


@pytest.fixture
def site(corpus_site):
    return corpus_site


def model_rows() -> dict[str, dict]:
    """taxon → {group: pair} for human claims, with the direction most groups agree on."""
    rows: dict[str, dict] = {}
    for (taxon, group, subject), pair in expected_pairs(visible()).items():
        if subject == "human" and group in GROUPS:
            rows.setdefault(taxon, {})[group] = pair
    found = {}
    for taxon, cells in rows.items():
        labels = Counter(p["consensus"] for p in cells.values() if p["consensus"] in ("increased", "decreased"))
        top = labels.most_common()
        direction = top[0][0] if top and (len(top) == 1 or top[0][1] > top[1][1]) else None
        found[taxon] = {
            "cells": cells,
            "direction": direction,
            "agreeing": labels[direction] if direction else 0,
            "papers": sum(p["papers"] for p in cells.values()),
        }
    return found


def test_heat_map_matrix_links_and_shared_taxa(browser, site):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/transdiagnostic?disorders={','.join(GROUPS)}&k=2&limit=200")
    expect(page.get_by_role("heading", level=1)).to_have_text("Which taxa move the same way across disorders?")
    want = model_rows()
    assert len(want) >= 5 and any(row["agreeing"] >= 2 for row in want.values())
    svg = page.locator("svg.heatmap")
    expect(svg).to_be_visible()
    expect(svg.locator("text.group")).to_have_text([*GROUPS, "groups agreeing"])
    rows = svg.locator("g.row")
    expect(rows).to_have_count(len(want))
    shown = [rows.nth(i).get_attribute("data-taxon") for i in range(len(want))]
    assert shown == sorted(want, key=lambda t: (-want[t]["agreeing"], -want[t]["papers"], t))  # agreement order
    for i, taxon in enumerate(shown):
        row = rows.nth(i)
        for group in GROUPS:
            pair = want[taxon]["cells"].get(group)
            cell = row.locator(f'rect[data-group="{group}"]')
            if pair is None:
                expect(cell).to_have_count(0)
                continue
            expect(cell).to_have_attribute("data-consensus", pair["consensus"])
            tip = cell.locator("title").text_content()
            assert (
                f"{pair['increased']} increased, {pair['decreased']} decreased, {pair['unchanged']} unchanged "
                f"({pair['papers']} papers)" in tip
            )
        direction = want[taxon]["direction"]
        expect(row.locator("text.agree")).to_have_class(re.compile(direction or "none"))

    shared = page.locator("table.shared tbody tr")
    agreeing = [t for t in shown if want[t]["agreeing"] >= 2]
    expect(shared).to_have_count(len(agreeing))
    for i, taxon in enumerate(agreeing):
        expect(shared.nth(i).locator("td").nth(0)).to_contain_text(taxon)
        expect(shared.nth(i).locator("td").nth(1)).to_have_text(want[taxon]["direction"])

    # a cell opens the evidence of its pair
    taxon = agreeing[0]
    group = next(g for g in GROUPS if g in want[taxon]["cells"])
    rows.nth(shown.index(taxon)).locator(f'a:has(rect[data-group="{group}"])').click()
    expect(page).to_have_url(re.compile(rf"/search/claims\?taxon=\d+&disorder={group}&subject=human"))
    claims = [c for c in visible() if (c.taxon, c.group, c.subject) == (taxon, group, "human")]
    expect(page.locator("li.claim")).to_have_count(len(claims))
    context.close()


def test_unknown_disorder_is_shown_with_candidates(browser, site):
    page = browser.new_page()
    answer = page.goto(f"{site}/transdiagnostic?disorders=depression,bipolr")
    assert answer.status == 404
    expect(page.get_by_role("alert")).to_contain_text("no disorder 'bipolr'")
    expect(page.get_by_role("alert")).to_contain_text("did you mean")
    expect(page.locator("svg.heatmap")).to_have_count(0)
    page.close()
