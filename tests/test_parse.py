"""Tests for miner.parse: real efetch responses (tests/fixtures/eutils) and bad inputs built here."""

from __future__ import annotations

import gzip
import io
import json
import random
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from miner.errors import ParseError
from miner.parse import JsonlReader, PubmedReader, read_jsonl, read_pubmed, read_records
from miner.pubmed_record import collapse
from miner.records import Article, Deletion, Problem

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "eutils"
SAMPLE = ROOT / "miner" / "samples" / "gutbrain-sample.xml.gz"
DOCTYPE = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)


def record(
    pmid: str | None = "1001",
    title: str | None = "Gut microbes and mood.",
    abstract: str | None = "Abstract text.",
    *,
    article_extra: str = "",
    data_extra: str = "",
) -> str:
    """One PubmedArticle; `title`/`abstract` are raw XML content, None leaves the element out."""
    parts = ['<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">']
    if pmid is not None:
        parts.append(f'<PMID Version="1">{pmid}</PMID>')
    parts.append(
        '<Article PubModel="Print"><Journal><JournalIssue><PubDate><Year>2020</Year></PubDate>'
        "</JournalIssue><Title>Test journal</Title></Journal>"
    )
    if title is not None:
        parts.append(f"<ArticleTitle>{title}</ArticleTitle>")
    if abstract is not None:
        parts.append(f"<Abstract><AbstractText>{abstract}</AbstractText></Abstract>")
    parts.append(f"{article_extra}<Language>eng</Language></Article></MedlineCitation>")
    parts.append(f"<PubmedData>{data_extra}</PubmedData></PubmedArticle>")
    return "".join(parts)


def pubmed_set(*records: str, close: bool = True) -> bytes:
    text = f'<?xml version="1.0" ?>\n{DOCTYPE}\n<PubmedArticleSet>\n' + "\n".join(records) + "\n"
    return (text + ("</PubmedArticleSet>\n" if close else "")).encode("utf-8")


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def items(source, **kwargs) -> list:
    return list(read_pubmed(source, **kwargs))


def articles(found: list) -> dict[str, Article]:
    return {item.pmid: item for item in found if isinstance(item, Article)}


def problems(found: list) -> list[Problem]:
    return [item for item in found if isinstance(item, Problem)]


# ------------------------------------------------------------------------- real efetch responses


def test_pubmed1_title_only_record_and_mesh():
    reader = read_pubmed(FIXTURES / "pubmed1.xml")
    found = list(reader)
    assert [a.pmid for a in found] == ["12091962", "9997"]
    first, second = found
    assert first.title == "The treatment of AIDS behind the walls of correctional facilities."
    assert first.sections == () and first.abstract == ""
    assert first.journal == "Social justice (San Francisco, Calif.)"
    assert first.year == 1990
    assert first.doi is None
    assert first.authors == ("J Michael Olivero",)
    assert first.publication_types == ("Journal Article", "Review")
    assert first.entrez_date == datetime(1990, 4, 1, 0, 0, tzinfo=UTC)
    assert [(m.ui, m.name, m.major) for m in first.mesh[:2]] == [
        ("D015492", "AIDS Serodiagnosis", False),
        ("D000163", "Acquired Immunodeficiency Syndrome", True),
    ]
    assert len(first.mesh) == 19
    assert second.doi == "10.1016/0005-2795(76)90109-4"
    assert second.entrez_date == datetime(1976, 9, 28, tzinfo=UTC)
    assert second.abstract.startswith("Electron paramagnetic resonance and magnetic susceptibility")
    chromatium = next(m for m in second.mesh if m.ui == "D002844")
    # the qualifier "enzymology" is starred, which makes the heading major in PubMed's [majr] sense
    assert chromatium.qualifiers == ("enzymology",) and chromatium.major
    assert reader.stats.articles == 2 and reader.stats.problems == 0


def test_pubmed2_entities_authors_and_qualifiers():
    found = articles(items(FIXTURES / "pubmed2.xml"))
    assert set(found) == {"11748933", "11700088"}
    first = found["11748933"]
    assert "compared with 24% in the fresh sample (P < 0.001)." in first.abstract
    assert first.doi == "10.1006/cryo.2001.2328"
    assert first.authors[0] == "A R Taddei" and len(first.authors) == 8
    bream = next(m for m in first.mesh if m.ui == "D021541")
    assert bream.name == "Sea Bream" and bream.qualifiers == ("anatomy & histology", "physiology")
    assert first.entrez_date == datetime(2001, 12, 26, 10, 0, tzinfo=UTC)
    assert found["11700088"].title == "Proton MRI of (13)C distribution by J and chemical shift editing."


def test_pubmed4_structured_abstract_and_title_italics():
    (article,) = items(FIXTURES / "pubmed4.xml")
    assert article.pmid == "27797938"
    assert [s.label for s in article.sections] == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert all(s.category == "" for s in article.sections)
    assert article.title == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer."
    )
    assert [article.title[a:b] for a, b in article.title_italics] == ["TERT"]
    conclusions = article.sections[-1]
    assert conclusions.text == (
        "Prediagnostic leucocyte telomere length and genetic variants at the "
        "TERT gene region were associated with risk of pancreatic cancer."
    )
    assert [conclusions.text[a:b] for a, b in conclusions.italics] == ["TERT"]
    assert "OBJECTIVE" not in article.abstract  # labels are not part of the text
    assert "p trend" not in article.sections[2].text and "ptrend=0.048" in article.sections[2].text
    assert article.doi == "10.1136/gutjnl-2016-312510"
    assert article.journal == "Gut" and article.year == 2017
    assert article.entrez_date == datetime(2016, 11, 1, 6, 0, tzinfo=UTC)
    adeno = article.mesh[0]
    assert (adeno.ui, adeno.name, adeno.qualifiers) == ("D000230", "Adenocarcinoma", ("epidemiology", "genetics"))
    assert "Observational Study" in article.publication_types


def test_pubmed5_labels_and_nlm_categories():
    (article,) = items(FIXTURES / "pubmed5.xml")
    assert article.pmid == "28775130"
    assert [(s.label, s.category) for s in article.sections] == [
        ("OBJECTIVES", "OBJECTIVE"),
        ("METHODS", "METHODS"),
        ("RESULTS", "RESULTS"),
        ("CONCLUSIONS", "CONCLUSIONS"),
    ]
    assert article.sections[3].text == (
        "Our results suggest that long-term exposure to aldrin, pendimethalin "
        "and methyl bromide may alter thyroid function among male pesticide applicators."
    )
    assert article.doi == "10.1136/oemed-2017-104431"
    assert article.year == 2018  # PubDate 2018 Feb, not the 2017 ArticleDate
    assert article.entrez_date == datetime(2017, 8, 5, 6, 0, tzinfo=UTC)


def test_pubmed6_markup_and_mathml_spacing():
    (article,) = items(FIXTURES / "pubmed6.xml")
    assert article.pmid == "30108519"
    assert article.title.startswith('A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent')
    assert [article.title[a:b] for a, b in article.title_italics] == ['Blood Relationship"']
    text = article.abstract
    assert '"Minimum Lactate Equivalent" (LEmin), first described' in text
    assert "15.0 ± 1.1 km·h-1; maximal oxygen uptake ( V.O2max ) 67.6" in text
    assert "running test for V.O2max determination, and 2)" in text
    assert "\n" not in text and "  " not in text
    section = article.sections[0]
    assert {section.text[a:b] for a, b in section.italics} == {"P", "r"}
    assert article.doi == "10.3389/fphys.2018.01034"


def test_pubmed7_mathml_collective_author_and_own_doi():
    (article,) = items(FIXTURES / "pubmed7.xml")
    assert article.pmid == "29963580"
    assert "included: (1) inhaled 3He/129Xe MRI ventilation and apparent diffusion coefficients" in article.abstract
    assert "(3) ultrashort echo-time 1H MRI proton density" in article.abstract
    assert article.authors[0] == "Fumin Guo"
    assert "Canadian Respiratory Research Network" in article.authors
    assert article.doi == "10.1117/1.JMI.5.2.026002"
    assert article.entrez_date == datetime(2018, 7, 3, 6, 0, tzinfo=UTC)


def test_reference_dois_are_never_the_records_doi(tmp_path):
    """pubmed7's ReferenceList carries its own ArticleIdList; with the record's own DOI removed
    and a DOI put into a reference, the record has no DOI, not the reference's."""
    original = (FIXTURES / "pubmed7.xml").read_text(encoding="utf-8")
    assert original.count("10.1117/1.JMI.5.2.026002") == 2
    no_own = (
        original.replace('<ArticleId IdType="doi">10.1117/1.JMI.5.2.026002</ArticleId>', "")
        .replace('<ELocationID EIdType="doi" ValidYN="Y">10.1117/1.JMI.5.2.026002</ELocationID>', "")
        .replace(
            '<ArticleId IdType="pubmed">25144646</ArticleId>',
            '<ArticleId IdType="pubmed">25144646</ArticleId>'
            '<ArticleId IdType="doi">10.1148/radiol.14140070</ArticleId>',
        )
    )
    assert "10.1148/radiol.14140070" in no_own and "10.1117" not in no_own
    (article,) = items(write(tmp_path, "refs.xml", no_own.encode()))
    assert article.pmid == "29963580" and article.doi is None
    # with only the ELocationID left, that is the DOI (and still not the reference's)
    eloc_only = no_own.replace(
        "<Abstract>", '<ELocationID EIdType="doi" ValidYN="Y">10.1117/1.JMI.5.2.026002</ELocationID><Abstract>', 1
    )
    (article,) = items(write(tmp_path, "eloc.xml", eloc_only.encode()))
    assert article.doi == "10.1117/1.JMI.5.2.026002"


def test_tab_indented_record():
    (article,) = items(FIXTURES / "pubmed-29768149.xml")
    assert article.pmid == "29768149" and article.version == 1
    assert article.title == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert [s.label for s in article.sections] == ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
    background = article.sections[0].text
    assert background.startswith("In patients with mild asthma, as-needed use of an inhaled glucocorticoid")
    assert background.endswith("an alternative to conventional treatment strategies.")
    assert not any(c in article.abstract for c in "\t\n")
    assert article.doi == "10.1056/NEJMoa1715274"
    assert article.journal == "The New England journal of medicine" and article.year == 2018
    assert article.authors[0] == "Paul M O'Byrne"
    assert article.entrez_date == datetime(2018, 5, 17, 6, 0, tzinfo=UTC)
    bronchodilators = next(m for m in article.mesh if m.ui == "D001993")
    assert bronchodilators.qualifiers == ("administration & dosage", "adverse effects")
    assert "Randomized Controlled Trial" in article.publication_types


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("pubmed*.xml")))
def test_every_fixture_parses_without_problems(name):
    reader = read_records(FIXTURES / name)
    assert isinstance(reader, PubmedReader)
    found = list(reader)
    assert found and all(isinstance(item, Article) for item in found)
    assert reader.stats.problems == 0 and reader.stats.articles == len(found)
    for article in found:
        assert article.language == "eng" and article.entrez_date is not None
        assert article.to_json()["pmid"] == article.pmid


# ------------------------------------------------------------------------------- text and markup


def test_inline_markup_joined_without_adding_or_losing_spaces(tmp_path):
    abstract = (
        "The abundance of <i>Faecalibacterium</i> was lower;\n\t\t   <i>Faecali</i>bacterium "
        "and <b><i>Akkermansia muciniphila</i></b> rose (p&lt;0.05), CO<sub>2</sub> and m<sup>2</sup>"
        " &amp; <u>more</u>."
    )
    data = pubmed_set(record("1", title="  Changes in <i>Bacteroides</i>\n spp.  ", abstract=abstract))
    (article,) = items(write(tmp_path, "markup.xml", data))
    assert article.title == "Changes in Bacteroides spp."
    assert [article.title[a:b] for a, b in article.title_italics] == ["Bacteroides"]
    section = article.sections[0]
    assert section.text == (
        "The abundance of Faecalibacterium was lower; Faecalibacterium and "
        "Akkermansia muciniphila rose (p<0.05), CO2 and m2 & more."
    )
    assert [section.text[a:b] for a, b in section.italics] == ["Faecalibacterium", "Faecali", "Akkermansia muciniphila"]


def test_italic_offsets_survive_whitespace_collapse(tmp_path):
    abstract = "\n   A\n\n <i>  Lacto\n\tbacillus  </i>\u00a0\u00a0 and <i>Blautia</i><i> obeum</i>."
    (article,) = items(write(tmp_path, "ws.xml", pubmed_set(record("2", abstract=abstract))))
    section = article.sections[0]
    assert section.text == "A Lacto bacillus and Blautia obeum."
    assert [section.text[a:b] for a, b in section.italics] == ["Lacto bacillus", "Blautia obeum"]


def test_italic_offsets_match_a_character_by_character_reference():
    """collapse() maps spans in one pass; check it against the slow obvious way on random text."""

    def reference(raw, spans):
        out, where = [], []  # collapsed characters and the raw offset each came from
        for i, char in enumerate(raw):
            if not char.isspace():
                out.append(char)
                where.append(i)
            elif out and out[-1] != " ":
                out.append(" ")
                where.append(i)
        if out and out[-1] == " ":
            out.pop()
            where.pop()
        text, merged = "".join(out), []
        for a, b in sorted(spans):
            inside = [k for k, i in enumerate(where) if a <= i < b and text[k] != " "]
            if not inside:
                continue
            start, end = inside[0], inside[-1] + 1
            if merged and (start <= merged[-1][1] or text[merged[-1][1] : start].isspace()):
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return text, tuple(merged)

    rng = random.Random(7)
    for _ in range(3000):
        raw = "".join(rng.choice("ab  \n\t\u00a0c") for _ in range(rng.randint(0, 25)))
        spans = []
        for _ in range(rng.randint(0, 4)):
            a = rng.randint(0, len(raw))
            spans.append((a, rng.randint(a, len(raw))))
        assert collapse(raw, spans) == reference(raw, spans), (raw, spans)


def test_dates_years_and_authors_fallbacks(tmp_path):
    medline_date = record("3").replace(
        "<PubDate><Year>2020</Year></PubDate>", "<PubDate><MedlineDate>1998 Dec-1999 Jan</MedlineDate></PubDate>"
    )
    article_date = record(
        "4",
        article_extra='<ArticleDate DateType="Electronic"><Year>2021</Year></ArticleDate>'
        '<AuthorList><Author ValidYN="Y"><LastName>Smith</LastName><Initials>J</Initials></Author>'
        '<Author ValidYN="N"><LastName>Wrong</LastName></Author>'
        "<Author><CollectiveName>GBD Collaborators</CollectiveName></Author></AuthorList>",
        data_extra='<History><PubMedPubDate PubStatus="pubmed"><Year>2022</Year><Month>1</Month>'
        '<Day>2</Day></PubMedPubDate><PubMedPubDate PubStatus="entrez"><Year>2021</Year>'
        "<Month>3</Month><Day>4</Day></PubMedPubDate></History>",
    )
    article_date = article_date.replace(
        "<PubDate><Year>2020</Year></PubDate>", "<PubDate><Season>Spring</Season></PubDate>"
    )
    found = articles(items(write(tmp_path, "dates.xml", pubmed_set(medline_date, article_date))))
    assert found["3"].year == 1998 and found["3"].entrez_date is None
    assert found["4"].year == 2021
    assert found["4"].entrez_date == datetime(2021, 3, 4, tzinfo=UTC)
    assert found["4"].entrez_date.tzinfo is UTC
    assert found["4"].authors == ("J Smith", "GBD Collaborators")


# ------------------------------------------------------------------------------ broken records


def test_truncated_file_yields_complete_records_then_a_problem(tmp_path):
    data = pubmed_set(record("11", abstract="One."), record("12", abstract="Two."), record("13", abstract="Three."))
    cut = data[: data.index(b"Three")]
    reader = read_pubmed(write(tmp_path, "cut.xml", cut))
    found = list(reader)
    assert [a.pmid for a in found[:2]] == ["11", "12"]
    (problem,) = problems(found)
    assert found[-1] is problem
    assert problem.pmid == "13" and problem.position == 3
    assert "ends inside" in problem.message
    assert str(problem).startswith(f"{tmp_path / 'cut.xml'}: PMID 13: ")
    assert reader.stats.articles == 2 and reader.stats.problems == 1


def test_file_cut_between_records_is_reported(tmp_path):
    data = pubmed_set(record("21"), record("22"), close=False)
    found = items(write(tmp_path, "open.xml", data))
    assert list(articles(found)) == ["21", "22"]
    (problem,) = problems(found)
    assert "</PubmedArticleSet>" in problem.message


def test_record_without_pmid_among_good_ones(tmp_path):
    data = pubmed_set(record("31"), record(None, title="Lost PMID."), record("33"), record("x34"))
    reader = read_pubmed(write(tmp_path, "nopmid.xml", data))
    found = list(reader)
    assert list(articles(found)) == ["31", "33"]
    no_pmid, bad_pmid = problems(found)
    assert (no_pmid.pmid, no_pmid.position, no_pmid.message) == (None, 2, "no PMID")
    assert str(no_pmid) == f"{tmp_path / 'nopmid.xml'}: record 2: no PMID"
    assert bad_pmid.position == 4 and "'x34' is not a number" in bad_pmid.message
    assert reader.stats.records == 4 and reader.stats.articles == 2 and reader.stats.problems == 2


def test_title_only_is_kept_but_no_title_and_no_abstract_is_a_problem(tmp_path):
    data = pubmed_set(
        record("41", abstract=None),
        record("42", title=None, abstract=None),
        record("43", title=None, abstract="Only an abstract."),
        record("44", title="", abstract=" "),
    )
    found = items(write(tmp_path, "empty.xml", data))
    kept = articles(found)
    assert set(kept) == {"41", "43"}
    assert kept["41"].sections == () and kept["43"].title == ""
    assert [(p.pmid, p.message) for p in problems(found)] == [
        ("42", "no title and no abstract"),
        ("44", "no title and no abstract"),
    ]


def test_malformed_record_is_skipped_and_named(tmp_path):
    broken = record("52", abstract="Unclosed <b>bold.")
    entity = record("53", abstract="Undefined &nbsp; entity.")
    data = pubmed_set(record("51"), broken, entity, record("54"))
    found = items(write(tmp_path, "malformed.xml", data))
    assert list(articles(found)) == ["51", "54"]
    assert [(p.pmid, p.position) for p in problems(found)] == [("52", 2), ("53", 3)]
    assert all(p.message.startswith("not well-formed XML") and "\n" not in p.message for p in problems(found))


def test_record_without_end_tag_does_not_swallow_the_next(tmp_path):
    unclosed = record("62").replace("</PubmedArticle>", "")
    data = pubmed_set(record("61"), unclosed, record("63"))
    found = items(write(tmp_path, "unclosed.xml", data))
    assert list(articles(found)) == ["61", "63"]
    (problem,) = problems(found)
    assert problem.pmid == "62" and "no end tag" in problem.message


def test_invalid_utf8_is_replaced_and_warned(tmp_path):
    data = pubmed_set(record("71", abstract="Gut \xff\xfe flora."), record("72", abstract="Caf\u00e9 clean."))
    data = data.replace("\xff\xfe".encode(), b"\xff\xfe")
    found = items(write(tmp_path, "latin.xml", data))
    kept = articles(found)
    assert kept["71"].abstract == "Gut \ufffd\ufffd flora."
    assert kept["72"].abstract == "Café clean."
    (warning,) = problems(found)
    assert warning.pmid == "71" and warning.severity == "warning" and "U+FFFD" in warning.message


def test_oversize_record_is_skipped_without_holding_it(tmp_path):
    big = record("82", abstract="word " * 200_000)
    data = pubmed_set(record("81"), big, record("83"))
    reader = PubmedReader(write(tmp_path, "big.xml", data), max_record_bytes=100_000)
    found = list(reader)
    assert list(articles(found)) == ["81", "83"]
    (problem,) = problems(found)
    assert problem.pmid == "82" and "larger than 100,000 bytes" in problem.message


def test_external_entities_are_never_read(tmp_path):
    secret = write(tmp_path, "secret.txt", b"TOP-SECRET-VALUE")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        f"<PubmedArticleSet>{record('91', abstract='Leak: &xxe;')}{record('92')}</PubmedArticleSet>"
    ).encode()
    found = items(write(tmp_path, "xxe.xml", data))
    assert "TOP-SECRET-VALUE" not in repr(found)
    assert list(articles(found)) == ["92"]
    assert problems(found)[0].pmid == "91"


def test_namespace_prefix_declared_only_on_the_root(tmp_path):
    math = "<mml:math><mml:msub><mml:mi>CO</mml:mi><mml:mn>2</mml:mn></mml:msub></mml:math>"
    data = pubmed_set(record("95", abstract=f"Breath {math} rose."))
    declared = data.replace(b"<PubmedArticleSet>", b'<PubmedArticleSet xmlns:mml="http://www.w3.org/1998/Math/MathML">')
    for name, content in (("declared.xml", declared), ("undeclared.xml", data)):
        (article,) = items(write(tmp_path, name, content))
        assert article.abstract == "Breath CO2 rose."


# ------------------------------------------------------------------------- other record kinds


def test_delete_citation_and_book_article(tmp_path):
    book = (
        '<PubmedBookArticle><BookDocument><PMID Version="1">20301295</PMID><ArticleTitle>A book chapter.'
        "</ArticleTitle></BookDocument><PubmedBookData/></PubmedBookArticle>"
    )
    deletion = '<DeleteCitation><PMID Version="1">101</PMID>\n  <PMID Version="1">102</PMID></DeleteCitation>'
    data = pubmed_set(record("100"), book, record("103"), deletion)
    reader = read_pubmed(write(tmp_path, "update.xml", data))
    found = list(reader)
    assert [type(item) for item in found] == [Article, Article, Deletion]
    assert found[2] == Deletion(("101", "102"))
    assert (reader.stats.articles, reader.stats.deletions, reader.stats.books_skipped, reader.stats.problems) == (
        2,
        2,
        1,
        0,
    )


# ---------------------------------------------------------------------------- whole-file input


def test_missing_file(tmp_path):
    with pytest.raises(ParseError, match=r"nothing\.xml: cannot open \(No such file or directory\)$"):
        read_records(tmp_path / "nothing.xml")


def test_empty_file(tmp_path):
    path = write(tmp_path, "x.xml", b"")
    with pytest.raises(ParseError, match=r"^.*x\.xml: empty file$"):
        read_records(path)
    with pytest.raises(ParseError, match="empty file"):
        read_pubmed(path)
    with pytest.raises(ParseError, match="empty file"):
        read_records(write(tmp_path, "x.xml.gz", gzip.compress(b"")))


@pytest.mark.parametrize(
    "content, shown",
    [
        (b"hello world\nsecond line", "'hello world'"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (b"PMID- 12345\nTI  - A MEDLINE-format file", "'PMID- 12345'"),
    ],
)
def test_not_xml_or_jsonl_is_one_clear_line(tmp_path, content, shown):
    path = write(tmp_path, "x.txt", content)
    with pytest.raises(ParseError) as caught:
        read_records(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: not PubMed XML or JSON Lines (starts with ")
    assert shown in message and "\n" not in message
    with pytest.raises(ParseError, match="not XML"):
        read_pubmed(path)


def test_other_xml_is_refused(tmp_path):
    data = b'<?xml version="1.0"?>\n<eSearchResult><Count>0</Count></eSearchResult>'
    with pytest.raises(ParseError, match=r"root element is <eSearchResult>, not <PubmedArticleSet>"):
        read_records(write(tmp_path, "search.xml", data))


def test_gzip_is_detected_by_content_not_name(tmp_path):
    data = (FIXTURES / "pubmed2.xml").read_bytes()
    for name, content in (("plain-name.xml", gzip.compress(data)), ("not-really.xml.gz", data)):
        reader = read_records(write(tmp_path, name, content))
        assert isinstance(reader, PubmedReader)
        assert [a.pmid for a in reader] == ["11748933", "11700088"]


def test_truncated_gzip_keeps_what_was_complete(tmp_path):
    records = [record(str(1000 + i), abstract=f"Abstract number {i} " + "x" * (i % 97)) for i in range(3000)]
    compressed = gzip.compress(pubmed_set(*records))
    reader = read_pubmed(write(tmp_path, "cut.xml.gz", compressed[: len(compressed) // 2]))
    found = list(reader)
    kept = [a.pmid for a in found if isinstance(a, Article)]
    assert 100 < len(kept) < 3000
    assert kept == [str(1000 + i) for i in range(len(kept))]
    messages = [p.message for p in problems(found)]
    assert any("compressed data ends early" in m for m in messages)
    assert any("ends inside" in m for m in messages)


def test_streams_and_reading_twice(tmp_path):
    data = (FIXTURES / "pubmed1.xml").read_bytes()
    reader = read_pubmed(io.BytesIO(gzip.compress(data)), name="upload.xml.gz")
    assert reader.name == "upload.xml.gz"
    assert [a.pmid for a in reader] == ["12091962", "9997"]
    with pytest.raises(ValueError):
        list(reader)
    by_path = read_pubmed(FIXTURES / "pubmed1.xml")
    assert len(list(by_path)) == len(list(by_path)) == 2  # a path can be read again


def test_read_records_from_stdin(tmp_path):
    script = (
        "import sys; from miner.parse import read_records\n"
        "r = read_records('-'); print(r.name, [getattr(x, 'pmid', None) for x in r])"
    )
    data = gzip.compress((FIXTURES / "pubmed2.xml").read_bytes())
    done = subprocess.run([sys.executable, "-c", script], input=data, capture_output=True, cwd=ROOT, check=True)
    assert done.stdout.decode().strip() == "<stdin> ['11748933', '11700088']"


class Drip(io.RawIOBase):
    """A stream that hands out at most `size` bytes per read, as a slow pipe or socket can."""

    def __init__(self, data: bytes, size: int = 7) -> None:
        self._data, self._pos, self._size = data, 0, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        piece = self._data[self._pos : self._pos + min(len(buffer), self._size)]
        buffer[: len(piece)] = piece
        self._pos += len(piece)
        return len(piece)


def test_tags_split_across_tiny_reads():
    records = [
        (FIXTURES / name).read_text(encoding="utf-8") for name in sorted(p.name for p in FIXTURES.glob("pubmed*.xml"))
    ]
    bodies = [text[text.index("<PubmedArticle>") : text.rindex("</PubmedArticleSet>")] for text in records]
    deletion = '<DeleteCitation><PMID Version="1">7</PMID></DeleteCitation>'
    data = pubmed_set(*bodies, deletion, *bodies)
    assert len(data) > 300_000  # well past the 64 KiB head, so the splitter sees 7-byte reads
    dripped = list(read_pubmed(Drip(data), name="drip.xml"))
    whole = list(read_pubmed(io.BytesIO(data)))
    assert dripped == whole
    assert len(dripped) == 2 * 9 + 1 and not problems(dripped)


def test_declared_single_byte_encoding(tmp_path):
    data = pubmed_set(record("5", abstract="Caf\u00e9 &amp; gut.")).replace(
        b'<?xml version="1.0" ?>', b'<?xml version="1.0" encoding="ISO-8859-1"?>'
    )
    (article,) = items(write(tmp_path, "latin1.xml", data.decode("utf-8").encode("latin-1")))
    assert article.abstract == "Caf\u00e9 & gut."
    with pytest.raises(ParseError, match="unknown encoding"):
        read_pubmed(write(tmp_path, "odd.xml", data.replace(b"<?xml", b'<?xml encoding="klingon"', 1)))


def _peak_rss_kib(path: Path, records: int) -> int:
    """Parse `path` in a fresh interpreter; its peak resident memory (KiB) after the pass."""
    script = (
        "import resource, sys; from miner.parse import read_pubmed\n"
        "r = read_pubmed(sys.argv[1]); n = sum(1 for _ in r)\n"
        "assert r.stats.articles == n and r.stats.problems == 0, r.stats\n"
        "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, cwd=ROOT, check=True)
    count, peak = done.stdout.split()
    assert int(count) == records  # every record came out, across 1 MiB chunk joins
    return int(peak)


@pytest.mark.slow  # parses a large generated file in a child process
def test_memory_stays_flat_on_a_large_file(tmp_path):
    abstract = "Gut <i>Bacteroides</i> and mood. " + "plain words " * 800
    one = "\n".join(record(str(2000 + i), abstract=abstract) for i in range(500))
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    small.write_bytes(pubmed_set(one))
    with large.open("wb") as out:
        out.write(b'<?xml version="1.0"?>\n<PubmedArticleSet>\n')
        for _ in range(14):
            out.write(one.encode())
        out.write(b"\n</PubmedArticleSet>\n")
    assert large.stat().st_size > 65_000_000
    # 14 times the data, a few MiB more memory at most (one chunk and one record are held)
    assert _peak_rss_kib(large, 14 * 500) - _peak_rss_kib(small, 500) < 16_000


# ----------------------------------------------------------------------------------- JSON Lines


def test_jsonl_good_and_bad_lines(tmp_path):
    lines = [
        json.dumps(
            {
                "pmid": "31890161",
                "title": "Microbiome changes: an indicator of Parkinson's disease?",
                "abstract": "Parkinson's disease is\u00a0characterized by  loss.",
            }
        ),
        "",
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"title": "no pmid", "abstract": "x"}),
        json.dumps({"pmid": "12ab", "title": "t", "abstract": "a"}),
        json.dumps({"pmid": 555, "title": "Numeric pmid is fine.", "abstract": ""}),
        json.dumps({"pmid": "556", "title": "", "abstract": None}),
        json.dumps({"pmid": "557", "title": ["not", "text"], "abstract": "a"}),
    ]
    raw = "\n".join(lines).encode() + b'\n{"pmid": "558", "title": "Bad \xff byte", "abstract": "ok"}'
    reader = read_jsonl(write(tmp_path, "texts.jsonl", raw))
    found = list(reader)
    kept = articles(found)
    assert list(kept) == ["31890161", "555", "558"]
    assert kept["31890161"].abstract == "Parkinson's disease is characterized by loss."
    assert kept["31890161"].sections[0].label == ""
    assert kept["555"].sections == ()
    assert kept["558"].title == "Bad \ufffd byte"
    assert [(p.position, p.pmid) for p in problems(found)] == [
        (3, None),
        (4, None),
        (5, None),
        (6, None),
        (8, "556"),
        (9, "557"),
        (10, "558"),
    ]
    assert "not valid JSON" in problems(found)[0].message
    assert problems(found)[-1].severity == "warning"
    assert reader.stats.articles == 3 and reader.stats.problems == 7


def test_jsonl_is_sniffed_even_gzipped(tmp_path):
    data = gzip.compress(b'\xef\xbb\xbf  {"pmid": "1", "title": "T", "abstract": "A"}\n')
    reader = read_records(write(tmp_path, "texts.gz", data))
    assert isinstance(reader, JsonlReader)
    (article,) = list(reader)
    assert (article.pmid, article.title, article.abstract) == ("1", "T", "A")


# -------------------------------------------------------------------------------- sample corpus


def test_bundled_sample_corpus():
    reader = read_records(SAMPLE)
    found = list(reader)
    assert reader.stats.problems == 0 and reader.stats.articles == len(found) == 359
    assert len({a.pmid for a in found}) == 359
    assert all(a.title and a.abstract and a.journal and a.year and a.authors for a in found)
    assert all(a.doi is None and a.mesh == () and a.entrez_date is None for a in found)  # nothing invented
    text = " ".join(a.title + " " + a.abstract for a in found)
    assert "<i>" not in text and "&lt;" not in text and "&amp;" not in text
    assert " < 0.05" in text  # escaped comparison signs came back as text
    italics = [s.text[a:b] for art in found for s in art.sections for a, b in s.italics]
    assert len(italics) > 300 and "Akkermansia muciniphila" in italics


def test_jsonl_literal_markup_becomes_italics(tmp_path):
    """JSON Lines exports carry PubMed's inline tags as text (GutBrainIE does): read them like XML."""
    path = tmp_path / "in.jsonl"
    path.write_text(
        '{"pmid": "9", "title": "<i>Blautia</i> in PD", '
        '"abstract": "Lower <i>Faecali</i><i>bacterium</i> (p < 0.05) and <sup>13</sup>C."}\n'
    )
    [article] = [a for a in read_jsonl(path) if isinstance(a, Article)]
    assert article.title == "Blautia in PD" and article.title_italics == ((0, 7),)
    section = article.sections[0]
    assert section.text == "Lower Faecalibacterium (p < 0.05) and 13C."
    assert [section.text[a:b] for a, b in section.italics] == ["Faecalibacterium"]
