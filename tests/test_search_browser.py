"""The researchers' search page (/search and /search/claims) in a real headless Chromium (Debian's
`chromium`, driven by Playwright) against a real uvicorn server on loopback, over the known
corpus of `tests/api_seed.py` (the session's shared copy, only read), on SQLite and PostgreSQL:
suggestions from the API as one types, the pairs table's counts, the evidence page with its
marked sentences and PubMed links, "Did you mean" for an unknown taxon, and the same search with
JavaScript turned off. Slow (a browser): left out of `make test-fast`.
Imports: Playwright, the test helper `api_seed` (the model) and the `corpus_site` fixture.
"""

from __future__ import annotations

import re

import pytest
from api_seed import DISORDERS, LACHNOSPIRACEAE_AND_BELOW, TAXA, TRIGGERS, expected_pairs, visible
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.slow


@pytest.fixture
def site(corpus_site):
    return corpus_site


def pair_row(page: Page, taxon: str, group: str, subject: str):
    rows = page.locator("table.pairs tbody tr").filter(
        has=page.locator("td:nth-child(1) em", has_text=re.compile(f"^{re.escape(taxon)}$"))
    )
    return rows.filter(has=page.locator("td:nth-child(2)", has_text=re.compile(f"^{group}$"))).filter(
        has=page.locator("td:nth-child(3)", has_text=re.compile(f"^{subject}$"))
    )


def expect_counts(page: Page, taxon: str, group: str, subject: str) -> None:
    """The row of a pair shows the model's paper counts and consensus."""
    wanted = expected_pairs(visible())[(taxon, group, subject)]
    row = pair_row(page, taxon, group, subject)
    expect(row).to_have_count(1)
    expect(row.locator("td.num.up")).to_have_text(str(wanted["increased"]))
    expect(row.locator("td.num.down")).to_have_text(str(wanted["decreased"]))
    expect(row.locator("td:nth-child(7)")).to_have_text(str(wanted["unchanged"]))
    expect(row.locator(".consensus")).to_have_text(wanted["consensus"])
    papers = wanted["papers"]
    expect(row.locator("td:last-child a")).to_have_text(f"{papers} paper{'' if papers == 1 else 's'} ›")


def test_search_suggest_pairs_and_evidence(browser, site):
    page = browser.new_page()
    page.goto(f"{site}/search")
    expect(page.get_by_role("heading", name="What does the literature say?")).to_be_visible()

    # suggestions as one types, from /api/v1/suggest
    with page.expect_response(lambda r: "/api/v1/suggest?q=Blau" in r.url and r.status == 200):
        page.locator("#taxon").press_sequentially("Blau", delay=30)
    options = page.locator("#taxon-options option")
    expect(options.nth(1)).to_be_attached()
    # the stored taxa first, then gazetteer names starting so (no findings yet)
    assert [options.nth(i).get_attribute("value") for i in range(2)] == ["Blautia", "Blautia obeum"]
    assert options.nth(0).get_attribute("label") == "genus · 572511"
    with page.expect_response(lambda r: "/api/v1/suggest?q=Parkin" in r.url):
        page.locator("#disorder").press_sequentially("Parkin", delay=30)
    expect(page.locator("#disorder-options option")).to_have_count(1)
    assert page.locator("#disorder-options option").get_attribute("value") == "Parkinson's disease"

    # a taxon and a disorder: the pairs with their counts
    page.locator("#taxon").fill("Faecalibacterium")
    page.locator("#disorder").fill("depression")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"/search\?taxon=Faecalibacterium&.*disorder=depression"))
    expect(page.locator("table.pairs tbody tr")).to_have_count(2)  # human and animal kept apart
    expect_counts(page, "Faecalibacterium", "depression", "human")
    expect_counts(page, "Faecalibacterium", "depression", "animal")
    human = pair_row(page, "Faecalibacterium", "depression", "human")
    counted = expected_pairs(visible())[
        ("Faecalibacterium", "depression", "human")
    ]  # primary studies: the review apart
    expect(human.locator(".score")).to_have_text(f"{counted['score']:+.2f}")
    expect(human.locator("a.status")).to_have_text("conflict open")

    # drill down to every evidence sentence of the human pair, newest first
    human.locator("td:last-child a").click()
    expect(page).to_have_url(re.compile(r"/search/claims\?taxon=216851&disorder=depression&subject=human"))
    expect(page.locator("h1")).to_have_text("Evidence: Faecalibacterium in depression")
    shown = sorted(
        (c for c in visible() if (c.taxon, c.group, c.subject) == ("Faecalibacterium", "depression", "human")),
        key=lambda c: -c.year,
    )
    claims = page.locator("li.claim")
    expect(claims).to_have_count(len(shown))
    assert len(shown) == 8
    for i in range(len(shown)):
        item = claims.nth(i)
        pmid = item.locator("a.pmid").inner_text().removeprefix("PMID ")
        claim = next(c for c in shown if c.pmid == pmid and item.locator("blockquote").inner_text() == c.evidence)
        assert item.locator("a.pmid").get_attribute("href") == f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
        expect(item.locator("blockquote mark.taxon")).to_have_text("Faecalibacterium")
        expect(item.locator("blockquote mark.disorder")).to_have_text(DISORDERS[claim.mesh][2])
        expect(item.locator("blockquote mark.trigger")).to_have_text(TRIGGERS[claim.extracted])
        expect(item.locator(".dir")).to_have_text(claim.direction)
    assert [claims.nth(i).locator("a.pmid").inner_text() for i in range(2)] == ["PMID 2015", "PMID 2015"]  # 2024 first
    expect(page.locator("li.claim", has_text="PMID 2001").locator(".tag")).to_have_text("verdict: correct")
    expect(page.locator(".facts")).to_contain_text(
        f"{counted['increased']} paper{'' if counted['increased'] == 1 else 's'} increased, {counted['decreased']} "
        f"decreased, {counted['unchanged']} unchanged"
    )
    page.close()


def test_did_you_mean_and_search_without_javascript(browser, site):
    page = browser.new_page()
    page.goto(f"{site}/search?taxon=Blautiaa")
    expect(page.get_by_role("alert")).to_contain_text("no taxon named 'Blautiaa'")
    expect(page.locator("p", has_text="Did you mean")).to_contain_text(re.compile(r"Did you mean: Blautia, "))
    page.get_by_role("link", name="Blautia", exact=True).click()
    expect_counts(page, "Blautia", "depression", "human")  # 2010 counts as decreased through its verdict
    expect(pair_row(page, "Blautia", "depression", "human").locator("a.status")).to_have_text("conflict open")
    page.close()

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/search")
    page.locator("#taxon").fill("Lachnospiraceae")
    page.get_by_label("with the taxa below it").check()
    page.locator("#subject").select_option("human")
    page.locator("#year_from").fill("2016")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"include_descendants=true.*subject=human.*year_from=2016"))
    since = expected_pairs(
        [c for c in visible() if c.taxon in LACHNOSPIRACEAE_AND_BELOW and c.subject == "human" and c.year >= 2016]
    )
    expect(page.locator("table.pairs tbody tr")).to_have_count(len(since))
    row = pair_row(page, "Coprococcus", "depression", "human")
    expect(row.locator("td.num.down")).to_have_text(str(since[("Coprococcus", "depression", "human")]["decreased"]))
    expect(page.locator("#taxon-options option")).to_have_count(0)  # no script ran
    row.locator("td:last-child a").click()
    expect(page.locator("li.claim")).to_have_count(
        len(
            [
                c
                for c in visible()
                if (c.taxon, c.group, c.subject) == ("Coprococcus", "depression", "human") and c.year >= 2016
            ]
        )
    )
    expect(page.locator("li.claim a.pmid").first).to_have_attribute(
        "href", re.compile(r"^https://pubmed\.ncbi\.nlm\.nih\.gov/\d+/$")
    )
    assert f"taxon={TAXA['Coprococcus'][0]}" in page.url
    context.close()
