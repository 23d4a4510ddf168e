"""The digest as an Atom feed (RFC 4287): one entry per week, newest first, each with its summary
and the whole HTML digest as content (relative links resolved by xml:base).
Imports: lxml, stdlib, `miner` (version), `miner.store`.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from miner import __version__
from miner.store.models import DigestIssue

ATOM = "http://www.w3.org/2005/Atom"
XML = "http://www.w3.org/XML/1998/namespace"


def atom_feed(issues: list[DigestIssue], public_url: str) -> bytes:
    base = public_url.rstrip("/")
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _text(feed, "id", f"{base}/digest/")
    _text(feed, "title", "miner: the gut–brain literature, week by week")
    _text(
        feed, "subtitle", "New findings, shifts in consensus and conflicts from PubMed abstracts on the gut–brain axis."
    )
    _text(feed, "updated", _stamp(max(issue.generated_at for issue in issues)) if issues else "1970-01-01T00:00:00Z")
    author = etree.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "miner")
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=f"{base}/digest/feed.xml")
    etree.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=f"{base}/digest/")
    generator = _text(feed, "generator", "miner")
    generator.set("version", __version__)
    for issue in issues:
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", f"{base}/digest/{issue.week}")
        _text(entry, "title", issue.title)
        _text(entry, "updated", _stamp(issue.generated_at))
        _text(entry, "published", _stamp(issue.generated_at))
        etree.SubElement(
            entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=f"{base}/digest/{issue.week}"
        )
        _text(entry, "summary", issue.summary)
        content = _text(entry, "content", issue.html)
        content.set("type", "html")
        content.set(f"{{{XML}}}base", f"{base}/digest/")
    document: bytes = etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)
    return document


def _text(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
