"""The weekly digest end to end, on SQLite and (with MINER_TEST_DATABASE_URL) PostgreSQL.

- ISO weeks: parsing, formatting, bad input, the week just ended across a year boundary, labels.
- What the digest of 2026-W47 says about the known database of tests/digest_seed.py (numbers,
  findings by disorder, moves, conflicts, chart), each expectation derived from the seed's model
  (each article's Entrez date is when the seed stores it; tests/test_digest_calendar.py tells
  the two apart).
- Its HTML (parsed with lxml), plain text and Markdown, and their escaping.
- Mail through a real aiosmtpd server on loopback (tests/smtp_server.py): the message's parts,
  once per week and recipient, recipients added later, a refused recipient, a server that is down,
  the job record, and a password that must never show.
- `miner digest --week --out` files, and the pages and Atom feed (the app called in process).
Only the clock is given: every call gets `now` explicitly. The digest's content is read from the
session's shared copy of the seed (`shared_seeded`, only read); tests that publish or send get a
copy of their own (`seeded`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin

import digest_seed as seed
import lxml.html
import pytest
from lxml import etree
from smtp_server import closed_port, smtp_server
from sqlalchemy import select, update
from web_server import asgi_client

from miner.cli import main
from miner.config import Settings
from miner.digest import pending_deliveries, retry_failed, send_weekly_digest
from miner.digest.chart import chart_alt
from miner.digest.content import build_digest
from miner.digest.mail import compose
from miner.digest.publish import deliver, publish
from miner.digest.render import render
from miner.digest.weeks import Week
from miner.errors import DeliveryError, InvalidValue
from miner.jobs import recorded
from miner.store.models import Article, DigestDelivery, DigestIssue, JobRun
from miner.web import create_app

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PUBLIC_URL = "https://miner.example.org"
SENDER = "digest@miner.example.org"
ADA, BEN, CARL = "ada@clinic.example.org", "ben@clinic.example.org", "carl@clinic.example.org"
PASSWORD = "hunter2-never-shown-9f3a"
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


# --- fixtures and helpers ------------------------------------------------------------------------


def seed_as_pubmed(database) -> None:
    """The seed, each article added to PubMed (its Entrez date) when the seed first stores it, so
    that the seed's model, told in first-seen times, is also PubMed's calendar."""
    seed.seed(database)
    with database.session() as session:
        session.execute(update(Article).values(entrez_date=Article.first_seen_at))


@pytest.fixture
def seeded(seeded_copy):
    """That seed in a database of the test's own, for tests that publish or send."""
    return seeded_copy("digest", seed_as_pubmed)


def url_of(database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


@pytest.fixture
def shared_seeded(seeded_databases):
    """That seed in the session's shared database, for tests that only read."""
    return seeded_databases.get("digest", seed_as_pubmed)


@pytest.fixture
def digest(shared_seeded):
    with shared_seeded.session() as session:
        return build_digest(session, Week.parse(seed.WEEK), PUBLIC_URL, seed.NOW)


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


def settings_for(port: int, tmp_path: Path, recipients: list[str], **smtp) -> Settings:
    return (
        Settings()
        .replace("smtp", host="127.0.0.1", port=port, security="none", sender=SENDER, timeout_seconds=10.0, **smtp)
        .replace("digest", recipients=recipients, out_dir=str(tmp_path / "digests"), public_url=PUBLIC_URL)
    )


def deliveries(database) -> dict[tuple[str, str], dict]:
    """(week, recipient) → the delivery row's fields."""
    with database.session() as session:
        rows = session.scalars(select(DigestDelivery)).all()
        return {
            (r.week, r.recipient): {
                "status": r.status,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "message_id": r.message_id,
                "sent_at": r.sent_at,
            }
            for r in rows
        }


def stored_issue(database, week: str) -> DigestIssue:
    with database.session() as session:
        issue = session.get(DigestIssue, week)
        session.expunge(issue)
        return issue


def findings_by_group(digest) -> dict[str, dict[tuple[str, str], list[str]]]:
    return {s.group: {(f.taxon, f.direction): [p.pmid for p in f.papers] for f in s.findings} for s in digest.sections}


def sides(taxon: str, group: str) -> dict[str, set[str]]:
    """The PMIDs on each side of a pair, as the model reads them now."""
    found: dict[str, set[str]] = {"increased": set(), "decreased": set(), "unchanged": set()}
    for c in seed.claims():
        if c.shown and (c.taxon, c.group) == (taxon, group):
            found[c.direction].add(c.pmid)
    return found


# --- weeks ---------------------------------------------------------------------------------------


def test_a_week_parses_formats_and_knows_its_interval():
    week = Week.parse(" 2026-W47 ")
    assert (week.year, week.number, str(week)) == (2026, 47, "2026-W47")
    assert week.start == seed.WEEK_START and week.end == seed.WEEK_END
    assert week.start.utcoffset() == timedelta(0)
    assert str(Week.parse("2026-W01")) == "2026-W01" and Week.parse("2026-W01").start == datetime(
        2025, 12, 29, tzinfo=seed.UTC
    )
    assert str(Week.parse("2026-W53")) == "2026-W53"  # 2026 begins on a Thursday: it has 53 weeks
    assert str(week.previous()) == "2026-W46" and str(Week.parse("2026-W01").previous()) == "2025-W52"
    assert (
        Week.parse("2025-W52") < Week.parse("2026-W01") < Week.parse("2026-W10") < week
        and max(week, week.previous()) == week
    )
    assert seed.WEEK_START in week and seed.WEEK_END - timedelta(microseconds=1) in week and seed.WEEK_END not in week


@pytest.mark.parametrize(
    "text", ["2026-47", "2026-W7", "26-W47", "2026-w47", "2026-W47x", "", "2025-W53", "2026-W00", "2026-W54"]
)
def test_a_bad_week_is_an_invalid_value_naming_it(text):
    with pytest.raises(InvalidValue) as caught:
        Week.parse(text)
    assert "YYYY-Www" in str(caught.value) or text in str(caught.value)


@pytest.mark.parametrize(
    "now, ended",
    [
        (seed.NOW, "2026-W47"),
        (datetime(2027, 1, 4, 0, 0, tzinfo=seed.UTC), "2026-W53"),  # Monday 00:00 of 2027-W01
        (datetime(2027, 1, 3, 23, 59, 59, tzinfo=seed.UTC), "2026-W52"),  # still inside 2026-W53
        (datetime(2026, 1, 1, 12, tzinfo=seed.UTC), "2025-W52"),  # 1 January 2026 lies in 2026-W01
        (datetime.fromisoformat("2027-01-04T00:30:00+02:00"), "2026-W52"),  # 22:30 UTC on Sunday 3 January
        (datetime(2021, 1, 4, 8, tzinfo=seed.UTC), "2020-W53"),
    ],
)
def test_the_week_just_ended_is_taken_in_utc_across_year_ends(now, ended):
    assert str(Week.just_ended(now)) == ended


@pytest.mark.parametrize(
    "week, label",
    [
        ("2026-W47", seed.LABEL),
        ("2026-W49", "30 November – 6 December 2026"),
        ("2026-W53", "28 December 2026 – 3 January 2027"),
    ],
)
def test_a_week_label_names_its_days(week, label):
    assert Week.parse(week).label() == label


# --- content -------------------------------------------------------------------------------------


def test_the_numbers_count_the_week_only(digest):
    week_claims = seed.week_claims()
    assert digest.week == seed.WEEK and digest.label == seed.LABEL and digest.generated_at == seed.NOW
    assert digest.numbers["new_articles"] == len(seed.week_articles()) == 4
    assert digest.numbers["new_claims"] == len(week_claims) == 6
    assert digest.numbers["new_pairs"] == len({(c.taxon, c.group) for c in week_claims}) == 5
    opened = [key for key, (first, _) in seed.CONFLICT_TIMES.items() if seed.in_week(first)]
    changed = [key for key, (first, at) in seed.CONFLICT_TIMES.items() if not seed.in_week(first) and seed.in_week(at)]
    assert (
        (digest.numbers["new_conflicts"], digest.numbers["changed_conflicts"]) == (len(opened), len(changed)) == (2, 1)
    )
    assert digest.numbers["confirmed"] == sum(1 for c in week_claims if c.verdict == "correct") == 1
    with_findings = len({c.pmid for c in week_claims})
    assert digest.numbers["articles_with_findings"] == with_findings == 3
    assert (
        f"{len(seed.week_articles())} new articles ({with_findings} with findings), {len(week_claims)} new findings"
        in digest.summary
    )


def test_findings_are_grouped_by_disorder_with_their_papers(digest):
    expected: dict[str, dict[tuple[str, str], list[str]]] = {}
    for c in seed.week_claims():
        papers = expected.setdefault(c.group, {}).setdefault((c.taxon, c.direction), [])
        if c.pmid not in papers:
            papers.append(c.pmid)
    expected = {g: {k: sorted(v) for k, v in found.items()} for g, found in expected.items()}
    assert findings_by_group(digest) == expected
    assert {s.group: s.name for s in digest.sections} == {g: seed.GROUP_NAMES[g] for g in expected}
    assert [s.group for s in digest.sections] == ["depression", "parkinson"]  # the most papers first
    shown = {p.pmid for s in digest.sections for f in s.findings for p in f.papers}
    assert "3104" not in shown  # retracted
    assert not {"3000", "3001", "3002", "3003", "3005", "3201"} & shown  # first seen before or after the week
    assert all(
        f.subject == "human" and f.link.startswith(PUBLIC_URL + "/search/claims?")
        for s in digest.sections
        for f in s.findings
    )


def test_a_confirmed_finding_comes_first_and_a_corrected_one_shows_the_curators_direction(digest):
    depression, parkinson = digest.sections
    first = depression.findings[0]
    assert (first.taxon, first.direction, first.review) == ("Blautia", "increased", "confirmed")
    # without the curator's word, the two-paper Faecalibacterium finding would lead
    assert [f.taxon for f in depression.findings] == ["Blautia", "Faecalibacterium", "Bacteroides"]
    [akkermansia] = [f for f in parkinson.findings if f.taxon == "Akkermansia"]
    assert (akkermansia.direction, akkermansia.review) == ("decreased", "corrected")  # extracted "increased"
    reviews = {f.taxon: f.review for s in digest.sections for f in s.findings}
    assert reviews == {
        "Blautia": "confirmed",
        "Faecalibacterium": "extraction only",
        "Bacteroides": "extraction only",
        "Akkermansia": "corrected",
        "Roseburia": "extraction only",
    }


def test_a_rejected_claim_and_a_retracted_article_are_left_out(digest):
    taxa = {f.taxon for s in digest.sections for f in s.findings}
    assert "Coprococcus" not in taxa  # "not a finding"
    assert "Lactobacillus" not in taxa  # its article is retracted
    assert "Sutterella" not in taxa  # first seen the instant the week ended
    assert "bipolar" not in {s.group for s in digest.sections}  # Coprococcus was its only finding this week


def test_pairs_whose_consensus_changed_this_week_are_moves(digest):
    moves = {(m.taxon, m.group): m for m in digest.moves}
    expected_labels = {
        ("Faecalibacterium", "depression"): ("decreased", "mixed"),
        ("Bacteroides", "depression"): ("single paper", "mixed"),
        ("Roseburia", "Parkinson's disease"): ("single paper", "decreased"),
    }
    assert set(moves) == set(expected_labels)
    group_keys = {name: group for group, name in seed.GROUP_NAMES.items()}
    for (taxon, name), (before, after) in expected_labels.items():
        move = moves[(taxon, name)]
        shown = [c for c in seed.claims() if c.shown and (c.taxon, c.group) == (taxon, group_keys[name])]
        earlier = {c.pmid for c in shown if c.first_seen < seed.WEEK_START}
        until_end = [c for c in shown if c.first_seen < seed.WEEK_END]
        assert (move.before["consensus"], move.after["consensus"]) == (before, after)
        assert move.before["papers"] == len(earlier)
        assert move.after["papers"] == len({c.pmid for c in until_end})  # not 3201, first seen after the week
        for direction in ("increased", "decreased"):
            assert move.after[direction] == len({c.pmid for c in until_end if c.direction == direction})
    assert digest.moves[0].taxon == "Faecalibacterium"  # the most papers first


def test_a_conflict_opened_this_week_is_new_with_both_sides(digest):
    new = {(n.taxon, n.group): n for n in digest.new_conflicts}
    assert set(new) == {("Faecalibacterium", "depression"), ("Bacteroides", "depression")}
    for (taxon, _), note in new.items():
        expected = sides(taxon, "depression")
        assert (set(note.increased), set(note.decreased)) == (expected["increased"], expected["decreased"])
        assert note.link.startswith(PUBLIC_URL + "/conflicts/")
    faecalibacterium = new[("Faecalibacterium", "depression")]
    assert faecalibacterium.side("increased") == "increased in 2 papers (PMID 3101, 3102)"
    assert faecalibacterium.side("decreased") == "decreased in 2 papers (PMID 3001, 3002)"
    assert new[("Bacteroides", "depression")].side("decreased") == "decreased in 1 paper (PMID 3103)"


def test_a_conflict_a_curator_changed_this_week_is_changed(digest):
    [note] = digest.changed_conflicts
    assert (note.taxon, note.status) == ("Prevotella", "confirmed")
    assert note.group == "Parkinson's disease"
    assert seed.CURATOR[0] in note.change and seed.CONFIRM_REASON in note.change
    assert (set(note.increased), set(note.decreased)) == (
        sides("Prevotella", "parkinson")["increased"],
        sides("Prevotella", "parkinson")["decreased"],
    )


def test_the_chart_covers_twelve_weeks_ending_with_this_one(digest):
    weeks = seed.chart_weeks()
    assert digest.chart_weeks == weeks and len(weeks) == 12 and weeks[-1] == seed.WEEK
    counts = seed.chart_counts()
    assert set(digest.chart_series) == {"depression", "Parkinson's disease"}  # nothing on bipolar disorder since 2025
    for group, name in (("depression", "depression"), ("parkinson", "Parkinson's disease")):
        values = digest.chart_series[name]
        assert len(values) == 12
        assert values[:-1] == [counts[group][w] for w in weeks[:-1]]
    assert sum(digest.chart_series["Parkinson's disease"][-1:]) == counts["parkinson"][seed.WEEK] == 2


def test_the_charts_last_week_counts_the_weeks_findings(digest):
    counts = seed.chart_counts()
    assert digest.chart_series["depression"][-1] == counts["depression"][seed.WEEK] == 4
    assert sum(values[-1] for values in digest.chart_series.values()) == digest.numbers["new_claims"]


def test_the_chart_counts_only_the_claims_the_findings_count(shared_seeded, digest):
    """Above the trusted confidence (every seeded claim has 0.8) only curator-confirmed claims are
    findings; the week's bar says the same number as the text."""
    with shared_seeded.session() as session:
        session.info["trusted_confidence"] = 0.9
        strict = build_digest(session, Week.parse(seed.WEEK), PUBLIC_URL, seed.NOW)
    assert strict.numbers["new_claims"] < digest.numbers["new_claims"]
    assert sum(values[-1] for values in strict.chart_series.values()) == strict.numbers["new_claims"]


def test_the_method_note_quotes_the_measured_quality(digest):
    assert digest.method["held_out"]["abstracts"] > 0
    assert 0 < digest.method["held_out"]["triple_precision"] <= 1
    assert digest.links["feed"] == PUBLIC_URL + "/digest/feed.xml"


# --- rendering -----------------------------------------------------------------------------------


def test_the_html_has_the_summary_the_links_and_the_chart(digest):
    rendered = render(digest, "digest-2026-W47.png")
    document = lxml.html.document_fromstring(rendered.html)
    body = " ".join(document.text_content().split())
    assert digest.summary in body
    assert document.findtext(".//title") == digest.title
    for pmid in {c.pmid for c in seed.week_claims()}:
        assert document.xpath(f'//a[@href="https://pubmed.ncbi.nlm.nih.gov/{pmid}/"]'), pmid
    for pmid in ("3104", "3201", "3000"):
        assert not document.xpath(f'//a[@href="https://pubmed.ncbi.nlm.nih.gov/{pmid}/"]'), pmid
    [image] = document.xpath("//img")
    assert image.get("src") == "digest-2026-W47.png"
    assert image.get("alt") == chart_alt(digest.chart_weeks, digest.chart_series) and image.get("alt").startswith(
        "Chart: "
    )
    for heading in ("New findings by disorder", "Where the literature moved", "Conflicts"):
        assert heading in [" ".join(h.text_content().split()) for h in document.xpath("//h2")]
    assert "is now confirmed (alice: both cohorts are sound)" in body
    assert "increased in 2 papers (PMID 3101, 3102); decreased in 2 papers (PMID 3001, 3002)" in body
    assert not document.xpath("//style | //link[@rel='stylesheet']")  # inline CSS only: mail clients drop the rest


def test_the_html_escapes_a_title_with_markup(digest):
    html = render(digest, "cid:chart@miner").html
    document = lxml.html.document_fromstring(html)
    assert not document.xpath("//script")
    links = document.xpath('//a[@href="https://pubmed.ncbi.nlm.nih.gov/3102/"]')
    assert len(links) == 2  # 3102 backs two findings
    assert all(link.text_content() == seed.HOSTILE_TITLE for link in links)
    assert "&lt;script&gt;" in html and seed.SCRIPT not in html
    assert document.xpath("//img")[0].get("src") == "cid:chart@miner"


def test_the_text_part_is_plain_and_readable(digest):
    text = render(digest, "digest-2026-W47.png").text
    without_title = text.replace(seed.SCRIPT, "")
    assert not re.search(r"</?[a-zA-Z][^>\n]*>", without_title)  # no tags of ours
    assert not re.search(r"&(amp|lt|gt|quot|#\d+);", text)  # and nothing escaped for HTML
    assert text.splitlines()[0] == digest.title
    assert " ".join(digest.summary.split()) in " ".join(text.split())
    for pmid in {c.pmid for c in seed.week_claims()}:
        assert f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" in text
    for heading in (
        "NEW FINDINGS BY DISORDER",
        "DEPRESSION",
        "PARKINSON'S DISEASE",
        "WHERE THE LITERATURE MOVED",
        "CONFLICTS",
    ):
        assert heading in text.splitlines()
    assert "* Blautia: increased [confirmed]" in text and "* Akkermansia: decreased [corrected]" in text
    assert chart_alt(digest.chart_weeks, digest.chart_series).split(";")[0] in " ".join(text.split())


def test_the_text_part_is_wrapped_at_78_columns(digest):
    text = render(digest, "digest-2026-W47.png").text
    long = [line for line in text.splitlines() if len(line) > 78 and "://" not in line]
    assert long == []


def test_the_markdown_has_the_headings_and_escapes_special_characters(digest):
    markdown = render(digest, "digest-2026-W47.png").markdown
    lines = markdown.splitlines()
    assert lines[0] == f"# {digest.title}"
    for heading in (
        "## New findings by disorder",
        "### Depression",
        "### Parkinson's disease",
        "## Where the literature moved",
        "## Conflicts",
        "## How these findings are made",
    ):
        assert heading in lines
    assert lines.index("### Depression") < lines.index("### Parkinson's disease")
    assert "![Chart: " in markdown and "](digest-2026-W47.png)" in markdown
    escaped = r'Akkermansia \<script\>alert("x")\</script\> & \*stars\* \_under\_ \[cohort\] \#2 in depression'
    assert f"[{escaped}](https://pubmed.ncbi.nlm.nih.gov/3102/)" in markdown
    assert seed.SCRIPT not in markdown and "*stars*" not in markdown.replace(r"\*", "")


# --- publishing ----------------------------------------------------------------------------------


def test_an_issue_is_rebuilt_until_it_was_sent_then_kept(seeded, smtp, tmp_path):
    settings = settings_for(smtp.port, tmp_path, [ADA])
    week = Week.parse(seed.WEEK)
    first = publish(seeded, settings, week, seed.NOW)
    again = publish(seeded, settings, week, seed.NOW + timedelta(hours=1))
    assert again.generated_at == first.generated_at == seed.NOW  # stored once per week
    rebuilt = publish(seeded, settings, week, seed.NOW + timedelta(hours=2), rebuild=True)
    assert rebuilt.generated_at == seed.NOW + timedelta(hours=2)  # never sent: built again
    report = deliver(seeded, settings, week, [ADA], seed.NOW + timedelta(hours=3))
    assert report.sent == [(seed.WEEK, ADA)]
    kept = publish(seeded, settings, week, seed.NOW + timedelta(hours=4), rebuild=True)
    assert kept.generated_at == seed.NOW + timedelta(hours=2) and kept.html == rebuilt.html  # as it was sent
    with seeded.session() as session:
        assert session.scalars(select(DigestIssue.week)).all() == [seed.WEEK]


# --- mail ----------------------------------------------------------------------------------------


def test_the_weekly_digest_reaches_two_recipients_as_a_complete_message(seeded, smtp, tmp_path):
    settings = settings_for(smtp.port, tmp_path, [ADA, BEN])
    line = send_weekly_digest(settings, seeded, seed.NOW)
    assert "2 sent, 0 failed" in line
    issue = stored_issue(seeded, seed.WEEK)
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == [ADA, BEN]
    rows = deliveries(seeded)
    for recipient in (ADA, BEN):
        [received] = smtp.to(recipient)
        message = received.message
        assert received.mail_from == SENDER
        assert message["Subject"] == issue.title == f"Gut–brain literature, week {seed.WEEK} ({seed.LABEL})"
        assert message["From"] == SENDER and message["To"] == recipient
        parts = list(message.walk())
        [plain] = [p for p in parts if p.get_content_type() == "text/plain"]
        [html] = [p for p in parts if p.get_content_type() == "text/html"]
        text = plain.get_content().replace("\r\n", "\n")  # as it came over the wire
        assert text.strip() == issue.text.strip()
        assert "<" not in text.replace(seed.SCRIPT, "")
        document = lxml.html.document_fromstring(html.get_content())
        assert [img.get("src") for img in document.xpath("//img")] == ["cid:chart@miner"]
        images = [p for p in parts if p.get_content_type() == "image/png"]
        [inline] = [p for p in images if p["Content-ID"] == "<chart@miner>"]
        [attached] = [p for p in images if p["Content-ID"] is None]
        assert any(
            p.get_content_type() == "multipart/related" and inline in p.get_payload() and html in p.get_payload()
            for p in parts
        )
        assert (
            attached.get_content_disposition() == "attachment" and attached.get_filename() == f"digest-{seed.WEEK}.png"
        )
        for image in (inline, attached):
            png = image.get_content()
            assert png.startswith(PNG_SIGNATURE) and png == issue.chart_png
        assert rows[(seed.WEEK, recipient)]["status"] == "sent" and rows[(seed.WEEK, recipient)]["attempts"] == 1
        assert rows[(seed.WEEK, recipient)]["message_id"] == message["Message-ID"].strip()  # folded on the wire
        assert rows[(seed.WEEK, recipient)]["sent_at"] is not None
    assert sorted(p.name for p in (tmp_path / "digests").iterdir()) == sorted(
        f"digest-{seed.WEEK}.{ext}" for ext in ("html", "txt", "md", "png")
    )


def test_the_inline_chart_is_marked_inline():
    png = PNG_SIGNATURE + b"not a real image"
    message = compose(
        sender=SENDER, recipient=ADA, subject="s", text="t", html='<img src="cid:chart@miner">', png=png, week=seed.WEEK
    )
    [inline] = [p for p in message.walk() if p["Content-ID"] == "<chart@miner>"]
    assert inline.get_content_disposition() == "inline"


def test_a_second_run_sends_nothing_and_a_new_recipient_gets_only_the_missing_week(seeded, smtp, tmp_path):
    settings = settings_for(smtp.port, tmp_path, [ADA, BEN])
    send_weekly_digest(settings, seeded, seed.NOW)
    assert len(smtp.messages) == 2
    line = send_weekly_digest(settings, seeded, seed.NOW + timedelta(hours=2))
    assert "0 sent, 0 failed, 2 sent before" in line
    assert len(smtp.messages) == 2
    assert {key: (row["status"], row["attempts"]) for key, row in deliveries(seeded).items()} == {
        (seed.WEEK, ADA): ("sent", 1),
        (seed.WEEK, BEN): ("sent", 1),
    }
    later = settings_for(smtp.port, tmp_path, [ADA, BEN, CARL])
    send_weekly_digest(later, seeded, seed.NOW + timedelta(days=1))
    assert len(smtp.messages) == 3
    [received] = smtp.to(CARL)
    assert received.message["Subject"] == stored_issue(seeded, seed.WEEK).title
    assert len(smtp.to(ADA)) == len(smtp.to(BEN)) == 1
    assert {key: (row["status"], row["attempts"]) for key, row in deliveries(seeded).items()} == {
        (seed.WEEK, ADA): ("sent", 1),
        (seed.WEEK, BEN): ("sent", 1),
        (seed.WEEK, CARL): ("sent", 1),
    }


def test_a_refused_recipient_fails_alone_is_recorded_and_is_retried_next_run(seeded, smtp, tmp_path, capsys):
    settings = settings_for(smtp.port, tmp_path, [ADA, BEN])
    smtp.refuse(BEN, "550 5.1.1 no such user")
    with pytest.raises(DeliveryError) as caught:
        recorded(seeded, "digest", lambda: send_weekly_digest(settings, seeded, seed.NOW))
    assert BEN in str(caught.value) and ADA not in str(caught.value).split("sent before")[-1]
    assert [m.rcpt_tos for m in smtp.messages] == [(ADA,)]
    rows = deliveries(seeded)
    assert (rows[(seed.WEEK, ADA)]["status"], rows[(seed.WEEK, ADA)]["attempts"]) == ("sent", 1)
    failed = rows[(seed.WEEK, BEN)]
    assert (failed["status"], failed["attempts"], failed["sent_at"]) == ("failed", 1, None)
    assert "550" in failed["last_error"] and BEN in failed["last_error"]
    with seeded.session() as session:
        [run] = session.scalars(select(JobRun).where(JobRun.job_id == "digest")).all()
        assert run.status == "failed" and run.finished_at is not None
        assert run.message.startswith("DeliveryError: ") and BEN in run.message
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{url_of(seeded)}"\n')
    assert main(["--config", str(config), "jobs"]) == 0
    listing = capsys.readouterr().out
    assert "digest" in listing and "failed" in listing and "DeliveryError" in listing

    smtp.accept_all()
    line = recorded(seeded, "digest", lambda: send_weekly_digest(settings, seeded, seed.NOW + timedelta(hours=1)))
    assert "1 sent, 0 failed, 1 sent before" in line
    assert [m.rcpt_tos for m in smtp.messages] == [(ADA,), (BEN,)]
    rows = deliveries(seeded)
    assert (rows[(seed.WEEK, BEN)]["status"], rows[(seed.WEEK, BEN)]["attempts"]) == ("sent", 2)
    assert rows[(seed.WEEK, ADA)]["attempts"] == 1
    with seeded.session() as session:
        assert [r.status for r in session.scalars(select(JobRun).order_by(JobRun.id))] == ["failed", "ok"]


def test_a_refused_recipient_keeps_the_servers_reply(seeded, smtp, tmp_path):
    smtp.refuse(BEN, "550 5.1.1 no such user")
    with pytest.raises(DeliveryError):
        send_weekly_digest(settings_for(smtp.port, tmp_path, [BEN]), seeded, seed.NOW)
    assert "no such user" in deliveries(seeded)[(seed.WEEK, BEN)]["last_error"]


def test_a_server_that_is_down_fails_everyone_and_marks_nothing_sent(seeded, tmp_path):
    with closed_port() as port:
        settings = settings_for(port, tmp_path, [ADA, BEN])
        with pytest.raises(DeliveryError) as caught:
            send_weekly_digest(settings, seeded, seed.NOW)
    assert ADA in str(caught.value) and BEN in str(caught.value) and "0 sent, 2 failed" in str(caught.value)
    rows = deliveries(seeded)
    assert {key: (row["status"], row["attempts"], row["sent_at"]) for key, row in rows.items()} == {
        (seed.WEEK, ADA): ("failed", 1, None),
        (seed.WEEK, BEN): ("failed", 1, None),
    }
    assert all("refused" in row["last_error"].lower() for row in rows.values())
    assert stored_issue(seeded, seed.WEEK).summary  # the issue is stored all the same, ready for the retry


def test_a_later_week_retries_recent_failures_but_not_old_ones(seeded, smtp, tmp_path):
    with closed_port() as port:
        down = settings_for(port, tmp_path, [ADA])
        for now in (seed.NOW - timedelta(weeks=5), seed.NOW):  # 2026-W42, then 2026-W47
            with pytest.raises(DeliveryError):
                send_weekly_digest(down, seeded, now)
    assert {key: row["status"] for key, row in deliveries(seeded).items()} == {
        ("2026-W42", ADA): "failed",
        (seed.WEEK, ADA): "failed",
    }
    line = send_weekly_digest(settings_for(smtp.port, tmp_path, [ADA]), seeded, seed.NOW + timedelta(weeks=1))
    assert "2 sent, 0 failed" in line
    subjects = sorted(m.message["Subject"] for m in smtp.to(ADA))
    assert subjects == [stored_issue(seeded, week).title for week in (seed.WEEK, "2026-W48")]
    rows = deliveries(seeded)
    assert (rows[("2026-W42", ADA)]["status"], rows[("2026-W42", ADA)]["attempts"]) == (
        "failed",
        1,
    )  # five weeks old: given up
    assert (rows[(seed.WEEK, ADA)]["status"], rows[(seed.WEEK, ADA)]["attempts"]) == ("sent", 2)
    assert (rows[("2026-W48", ADA)]["status"], rows[("2026-W48", ADA)]["attempts"]) == ("sent", 1)


def test_the_password_never_shows_in_errors_rows_or_job_runs(seeded, smtp, tmp_path):
    settings = settings_for(smtp.port, tmp_path, [ADA, BEN], username="miner", password=PASSWORD)
    with pytest.raises(DeliveryError) as caught:
        recorded(seeded, "digest", lambda: send_weekly_digest(settings, seeded, seed.NOW))
    assert smtp.messages == []  # the server offers no AUTH: the login fails before any message
    assert "AUTH" in str(caught.value)
    assert PASSWORD not in str(caught.value) and PASSWORD not in repr(caught.value)
    rows = deliveries(seeded)
    assert [row["status"] for row in rows.values()] == ["failed", "failed"]
    assert all(row["last_error"] and PASSWORD not in row["last_error"] for row in rows.values())
    with seeded.session() as session:
        [run] = session.scalars(select(JobRun)).all()
        assert run.status == "failed" and PASSWORD not in run.message
        issue = session.get(DigestIssue, seed.WEEK)
        assert PASSWORD not in issue.text + issue.html + issue.email_html + issue.markdown


# --- files ---------------------------------------------------------------------------------------


def test_miner_digest_writes_the_four_files(seeded, tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{url_of(seeded)}"\n[digest]\npublic_url = "{PUBLIC_URL}"\n')
    out = tmp_path / "out"
    assert main(["--config", str(config), "digest", "--week", seed.WEEK, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    names = [f"digest-{seed.WEEK}.{ext}" for ext in ("html", "txt", "md", "png")]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    for name in names:
        assert name in printed
    assert "6 new findings" in printed
    document = lxml.html.document_fromstring((out / names[0]).read_text(encoding="utf-8"))
    [image] = document.xpath("//img")
    beside = out / image.get("src")
    assert beside.is_file() and beside.read_bytes().startswith(PNG_SIGNATURE)
    assert (out / names[1]).read_text(encoding="utf-8").startswith(f"Gut–brain literature, week {seed.WEEK}")
    assert (out / names[2]).read_text(encoding="utf-8").startswith(f"# Gut–brain literature, week {seed.WEEK}")


def test_miner_digest_refuses_a_malformed_week(seeded, tmp_path, capsys):
    config = tmp_path / "config.toml"
    config.write_text(f'[database]\nurl = "{url_of(seeded)}"\n')
    assert (
        main(["--config", str(config), "digest", "--week", "2026-47", "--out", str(tmp_path / "out")])
        == InvalidValue.exit_code
    )
    assert "YYYY-Www" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --- web and feed --------------------------------------------------------------------------------


@pytest.fixture
def site(seeded, tmp_path):
    """W46's and W47's issues, and a client of the app (in process) that serves them."""
    settings = settings_for(25, tmp_path, []).replace(
        "web", secure_cookies=False, secret_key="4v8S3ZEei56NyYGP4kEd4EDsgeKofeDP9G-WyFgycIk"
    )
    publish(seeded, settings, Week.parse("2026-W46"), seed.NOW - timedelta(days=7))
    publish(seeded, settings, Week.parse(seed.WEEK), seed.NOW)
    with asgi_client(create_app(settings, seeded)) as client:
        yield client, seeded


def test_the_digest_pages_serve_the_stored_issue_and_its_chart(site):
    client, database = site
    issue = stored_issue(database, seed.WEEK)
    index = client.get("/digest/")
    assert index.status_code == 200
    links = [a.get("href") for a in lxml.html.document_fromstring(index.text).xpath("//a")]
    assert "/digest/2026-W47" in links and "/digest/2026-W46" in links
    assert links.index("/digest/2026-W47") < links.index("/digest/2026-W46")  # newest first
    assert issue.title in index.text.replace("&ndash;", "–")
    page = client.get(f"/digest/{seed.WEEK}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.text == issue.html
    [image] = lxml.html.document_fromstring(page.text).xpath("//img")
    chart = client.get(urljoin(f"/digest/{seed.WEEK}", image.get("src")))
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/png"
    assert chart.content.startswith(PNG_SIGNATURE) and chart.content == issue.chart_png
    assert client.get("/digest/2026-W01").status_code == 404
    assert client.get("/digest/digest-2026-W01.png").status_code == 404
    for malformed in ("/digest/2026-47", "/digest/2025-W53", "/digest/digest-2026-47.png"):
        assert client.get(malformed).status_code == 400, malformed


def test_the_feed_is_valid_atom_with_one_entry_per_issue(site):
    client, database = site
    response = client.get("/digest/feed.xml")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/atom+xml")
    root = etree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{name}") or "").strip(), name
    assert [link.get("href") for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"] == [
        f"{PUBLIC_URL}/digest/feed.xml"
    ]
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        f"{PUBLIC_URL}/digest/2026-W47",
        f"{PUBLIC_URL}/digest/2026-W46",
    ]
    for entry, week, generated in zip(
        entries, ("2026-W47", "2026-W46"), (seed.NOW, seed.NOW - timedelta(days=7)), strict=True
    ):
        issue = stored_issue(database, week)
        assert entry.findtext(f"{ATOM}title") == issue.title
        updated = entry.findtext(f"{ATOM}updated")
        assert RFC3339.match(updated) and datetime.fromisoformat(updated.replace("Z", "+00:00")) == generated
        [alternate] = [link for link in entry.findall(f"{ATOM}link") if link.get("rel") == "alternate"]
        assert alternate.get("href") == f"{PUBLIC_URL}/digest/{week}"
        assert entry.findtext(f"{ATOM}summary") == issue.summary
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html" and content.text == issue.html
        assert lxml.html.document_fromstring(content.text).findtext(".//title") == issue.title


def test_the_hourly_retry_sends_only_failed_deliveries_and_records_only_when_it_did(seeded, smtp, tmp_path):
    settings = settings_for(smtp.port, tmp_path, [ADA, BEN])
    assert pending_deliveries(seeded, seed.NOW) == 0
    smtp.refuse(BEN, "451 4.3.0 try again later")
    with pytest.raises(DeliveryError):
        send_weekly_digest(settings, seeded, seed.NOW)
    assert pending_deliveries(seeded, seed.NOW) == 1
    smtp.accept_all()
    line = recorded(seeded, "digest-retry", lambda: retry_failed(settings, seeded, seed.NOW + timedelta(hours=1)))
    assert "1 sent, 0 failed" in line
    assert [m.rcpt_tos for m in smtp.messages] == [(ADA,), (BEN,)]  # Ada is not mailed twice
    assert pending_deliveries(seeded, seed.NOW) == 0
    with seeded.session() as session:
        assert [(r.job_id, r.status) for r in session.scalars(select(JobRun).order_by(JobRun.id))] == [
            ("digest-retry", "ok")
        ]


def test_a_failed_delivery_to_someone_no_longer_a_recipient_is_cancelled_not_retried(seeded, smtp, tmp_path):
    smtp.refuse(BEN, "451 4.3.0 try again later")
    with pytest.raises(DeliveryError):
        send_weekly_digest(settings_for(smtp.port, tmp_path, [ADA, BEN]), seeded, seed.NOW)
    smtp.accept_all()
    report = retry_failed(settings_for(smtp.port, tmp_path, [ADA]), seeded, seed.NOW + timedelta(hours=1))
    assert "0 sent, 0 failed" in report
    assert deliveries(seeded)[(seed.WEEK, BEN)]["status"] == "cancelled"
    assert [m.rcpt_tos for m in smtp.messages] == [(ADA,)]
