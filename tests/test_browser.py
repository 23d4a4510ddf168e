"""End to end in a real headless Chromium (Debian's `chromium`, driven by Playwright): a curator
logs in, opens a conflict from the queue, gives verdicts (one by keyboard, one by mouse with a
note) and sees the conflict resolved; `miner conflicts` and `miner export` show the change.
A real uvicorn server on loopback over a seeded database of the test's own (it writes). Slow (a
browser and two `miner` processes): left out of `make test-fast`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from playwright.sync_api import expect
from web_seed import PASSWORDS, seed
from web_server import serve

from miner.config import Settings
from miner.web import create_app

pytestmark = pytest.mark.slow
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def miner(database_url: str, *args: str) -> str:
    env = {**os.environ, "MINER_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-m", "miner.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_curator_resolves_a_conflict_in_the_browser(browser, database, database_url):
    seed(database)
    settings = Settings().replace(
        "web", secret_key="Uvyaz9_6p8-vkuiXEHObbGg4azpnMUH2hLcSNG90664"
    )  # Secure cookies, as deployed
    with serve(create_app(settings, database)) as url:
        page = browser.new_page()
        page.goto(f"{url}/conflicts")
        expect(page.get_by_role("heading", name="Conflicting findings")).to_be_visible()
        page.get_by_role("link", name="Prevotella").click()
        expect(page.locator("#conflict-status")).to_have_text("open")

        page.get_by_role("link", name="Log in").first.click()
        page.get_by_label("User name").fill("alice")
        page.get_by_label("Password").fill(PASSWORDS["alice"])
        page.get_by_role("button", name="Log in").click()
        expect(page.locator("#conflict-status")).to_have_text("open")  # back where she was
        expect(page.locator(".account")).to_contain_text("alice")

        # keyboard: j moves to the first claim (1002, on the increased side), 3 = wrong taxon
        page.keyboard.press("j")
        expect(page.locator("article.claim.current")).to_contain_text("PMID 1002")
        page.keyboard.press("3")
        claim_1002 = page.locator("article.claim", has_text="PMID 1002")
        expect(claim_1002.locator(".verdict")).to_contain_text("wrong taxon by alice")
        expect(page.locator("#conflict-status")).to_have_text("open")  # the review still says increased

        # mouse: the review's direction is wrong, with a note
        review = page.locator("article.claim", has_text="PMID 1003")
        review.locator("summary").click()
        review.get_by_label("Note").fill("the review reports a decrease")
        review.get_by_role("button", name="wrong direction").click()

        expect(page.locator("#conflict-status")).to_have_text("resolved")
        expect(page.locator(".side.increased")).to_contain_text("No claims on this side now")
        expect(page.locator(".side.decreased")).to_contain_text("PMID 1003")
        expect(page.locator("table.events")).to_contain_text("the review reports a decrease")
        page.goto(f"{url}/conflicts?status=resolved")
        expect(page.locator("table.queue")).to_contain_text("Prevotella")
        page.close()

    resolved = json.loads(miner(database_url, "conflicts", "--status", "resolved", "--format", "json"))
    assert [(c["taxon"], c["status_by"], c["increased"], sorted(c["decreased"])) for c in resolved] == [
        ("Prevotella", "system", [], ["1001", "1003"])
    ]
    exported = [json.loads(line) for line in miner(database_url, "export", "relations").splitlines()]
    by_pmid = {row["pmid"]: row for row in exported if row["taxon"] == "Prevotella"}
    assert "1002" not in by_pmid  # wrong taxon: out of every read
    assert (by_pmid["1003"]["direction"], by_pmid["1003"]["extracted_direction"], by_pmid["1003"]["verdict"]) == (
        "decreased",
        "increased",
        "wrong direction",
    )
