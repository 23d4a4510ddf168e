"""One parsed `<PubmedArticle>` element → an `Article` (the field extraction half of miner.parse).

`article_from_element` reads PMID and version, title and abstract sections (label, NLM category,
`<i>` spans), journal, year, Entrez date, the record's own DOI, language, authors, MeSH headings
and publication types. `flatten` joins an element's text through inline markup (`<i>`, `<b>`,
`<sup>`, `<sub>`, `<u>`, MathML) without adding or losing characters, then makes each run of
whitespace (any Unicode space, so pretty-printing and NBSPs alike) one space and strips the ends.
`collapse` is that whitespace rule alone, shared with the JSON Lines reader.

Imports: stdlib, lxml (elements only; parsing happens in miner.parse), miner.records.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lxml import etree

from miner.records import Article, MeshHeading, Section

Spans = tuple[tuple[int, int], ...]

DIGITS = re.compile(r"[0-9]+")
_YEAR = re.compile(r"\b(1[0-9]{3}|2[0-9]{3})\b")
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MATH_TOKENS = {"mi", "mn", "mo", "ms"}
_MONTHS = {
    name: i
    for i, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)
}
_DOI_PREFIXES = ("https://doi.org/", "http://dx.doi.org/", "doi:")


def text_of(element: etree._Element | None) -> str:
    """All text inside `element`, whitespace collapsed."""
    if element is None:
        return ""
    text = element.text if len(element) == 0 else "".join(element.itertext())
    return " ".join(text.split()) if text else ""


def _math_text(root: etree._Element) -> str:
    """MathML as plain text: token contents joined, layout whitespace dropped, prescripts
    first (`<mmultiscripts>He<mprescripts/><none/>3</mmultiscripts>` is "3He"). Iterative, so
    nesting as deep as libxml2 allows cannot exhaust Python's stack."""
    values: list[str] = []
    todo: list[tuple[etree._Element, int | None]] = [(root, None)]
    while todo:
        node, count = todo.pop()
        if count is not None:  # all `count` children are done: join their texts
            joined = "".join(values[len(values) - count :]) if count else ""
            del values[len(values) - count :]
            values.append(joined)
            continue
        name = str(node.tag).rpartition("}")[2]
        if name in _MATH_TOKENS:
            values.append("".join(node.itertext()).strip())
        elif name == "mtext":
            values.append("".join(node.itertext()))
        elif name in ("annotation", "annotation-xml"):
            values.append("")
        else:
            children = _math_children(node, name)
            todo.append((node, len(children)))
            todo.extend((child, None) for child in reversed(children))
    return values[0]


def _math_children(node: etree._Element, name: str) -> list[etree._Element]:
    """The children whose text makes a layout element's text, in reading order."""
    children = [child for child in node if isinstance(child.tag, str)]
    if name == "semantics":
        return children[:1]
    if name == "mmultiscripts":
        names = [child.tag.rpartition("}")[2] for child in children]
        if "mprescripts" in names:
            split = names.index("mprescripts")
            return children[split + 1 :] + children[:split]
    return children


class _Flat:
    """Concatenates the text of an element and its inline markup, noting `<i>` spans."""

    __slots__ = ("parts", "size", "spans")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.spans: list[tuple[int, int]] = []

    def add(self, text: str | None) -> None:
        if text:
            self.parts.append(text)
            self.size += len(text)

    def walk(self, root: etree._Element) -> None:
        """Add `root`'s text through its markup, depth first with a stack of its own (no
        recursion: `<i>` nested 2,000 deep is as fine as one)."""
        todo: list[tuple[etree._Element, int | None]] = [(root, None)]
        while todo:
            node, start = todo.pop()
            if start is not None:  # leaving `node`: close its span, then its tail follows
                if node.tag == "i":
                    self.spans.append((start, self.size))
                self.add(node.tail)
                continue
            tag = node.tag
            if node is not root and not isinstance(tag, str):  # a comment or PI: only its tail
                self.add(node.tail)
            elif node is not root and (tag.startswith(_MATHML) or tag == "math"):
                self.add(_math_text(node))
                self.add(node.tail)
            else:
                opened = self.size
                self.add(node.text)
                if node is not root:
                    todo.append((node, opened))
                todo.extend((child, None) for child in reversed(node))


def _moved(raw: str, points: list[int], limit: int) -> dict[int, int]:
    """Where each offset in `raw` lands once whitespace is collapsed (one pass, in order)."""
    mapped: dict[int, int] = {}
    size, pending, last = 0, False, 0
    for x in sorted(set(points)):
        piece, last = raw[last:x], x
        words = piece.split()
        if words:
            if size and (pending or piece[0].isspace()):
                size += 1
            size += sum(map(len, words)) + len(words) - 1
            pending = piece[-1].isspace()
        elif piece and size:
            pending = True
        mapped[x] = min(size + pending, limit)
    return mapped


def collapse(raw: str, spans: list[tuple[int, int]] | Spans = ()) -> tuple[str, Spans]:
    """`raw` with whitespace runs made one space and ends stripped; `spans` moved to match,
    trimmed of edge spaces, empty ones dropped, and spans that overlap or are parted only by a
    space merged (`<i>Blautia</i> <i>obeum</i>` is one span)."""
    text = " ".join(raw.split())
    if not spans:
        return text, ()
    moved = _moved(raw, [x for span in spans for x in span], len(text))
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        a, b = moved[a], moved[b]
        while a < b and text[a] == " ":
            a += 1
        while b > a and text[b - 1] == " ":
            b -= 1
        if a >= b:
            continue
        if out and (a <= out[-1][1] or text[out[-1][1] : a].isspace()):
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return text, tuple(out)


_LITERAL_TAG = re.compile(r"</?(i|b|u|sup|sub)>", re.IGNORECASE)


def unmark(raw: str) -> tuple[str, Spans]:
    """Text that carries PubMed's inline markup as literal tags (JSON Lines exports such as
    GutBrainIE's: "abundance of <i>Blautia</i> was"), as plain collapsed text with its `<i>`
    spans. Only these simple tags are read; any other "<" stays text ("p < 0.05")."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    opened: int | None = None
    size = last = 0
    for match in _LITERAL_TAG.finditer(raw):
        parts.append(raw[last : match.start()])
        size += match.start() - last
        last = match.end()
        if match.group(1).lower() == "i":
            if match.group(0)[1] == "/":
                if opened is not None:
                    spans.append((opened, size))
                opened = None
            else:
                opened = size
    parts.append(raw[last:])
    return collapse("".join(parts), spans)


def flatten(element: etree._Element | None) -> tuple[str, Spans]:
    """The element's text through inline markup, collapsed, with its `<i>` spans."""
    if element is None:
        return "", ()
    if len(element) == 0:
        return collapse(element.text or "")
    flat = _Flat()
    flat.walk(element)
    return collapse("".join(flat.parts), flat.spans)


def _int(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if DIGITS.fullmatch(text) else None


def _entrez(element: etree._Element) -> datetime | None:
    date = element.find('PubmedData/History/PubMedPubDate[@PubStatus="entrez"]')
    if date is None:
        return None
    month_text = (date.findtext("Month") or "").strip()
    month = _int(month_text) or _MONTHS.get(month_text[:3].lower())
    year, day = _int(date.findtext("Year")), _int(date.findtext("Day"))
    if year is None or month is None or day is None:
        return None
    hour, minute = _int(date.findtext("Hour")) or 0, _int(date.findtext("Minute")) or 0
    try:
        return datetime(year, month, day, hour, minute, tzinfo=UTC)
    except ValueError:  # no such date or time
        return None


def _year(article: etree._Element) -> int | None:
    """PubDate/Year, else the first year in PubDate/MedlineDate, else ArticleDate/Year."""
    year = _int(article.findtext("Journal/JournalIssue/PubDate/Year"))
    if year is None:
        found = _YEAR.search(article.findtext("Journal/JournalIssue/PubDate/MedlineDate") or "")
        year = int(found.group(1)) if found else None
    return year if year is not None else _int(article.findtext("ArticleDate/Year"))


def _doi(element: etree._Element, article: etree._Element) -> str | None:
    """The record's own DOI: PubmedData/ArticleIdList, else Article/ELocationID. Never a
    reference's (PubmedData/ReferenceList/Reference/ArticleIdList is not searched)."""
    candidates = [e for e in element.iterfind("PubmedData/ArticleIdList/ArticleId") if e.get("IdType") == "doi"]
    candidates += [
        e for e in article.iterfind("ELocationID") if e.get("EIdType") == "doi" and e.get("ValidYN", "Y") != "N"
    ]
    for candidate in candidates:
        doi = text_of(candidate)
        for prefix in _DOI_PREFIXES:
            doi = doi.removeprefix(prefix)
        if doi:
            return doi
    return None


def _authors(article: etree._Element) -> tuple[str, ...]:
    """ "ForeName LastName" (Initials when there is no ForeName) or CollectiveName; ValidYN="N" skipped."""
    names = []
    for author in article.iterfind("AuthorList/Author"):
        if author.get("ValidYN") == "N":
            continue
        parts = {
            child.tag: text_of(child)
            for child in author
            if child.tag in ("LastName", "ForeName", "Initials", "CollectiveName")
        }
        name = parts.get("CollectiveName") or " ".join(
            filter(None, (parts.get("ForeName") or parts.get("Initials"), parts.get("LastName")))
        )
        if name:
            names.append(name)
    return tuple(names)


def _mesh(citation: etree._Element) -> tuple[MeshHeading, ...]:
    """MeSH headings; `major` as PubMed's [majr]: the descriptor or any of its qualifiers starred."""
    headings = []
    for heading in citation.iterfind("MeshHeadingList/MeshHeading"):
        descriptor, qualifiers = None, []
        for child in heading:
            if child.tag == "DescriptorName":
                descriptor = child
            elif child.tag == "QualifierName":
                qualifiers.append(child)
        if descriptor is None:
            continue
        major = any(e.get("MajorTopicYN") == "Y" for e in (descriptor, *qualifiers))
        headings.append(
            MeshHeading(descriptor.get("UI", ""), text_of(descriptor), major, tuple(text_of(q) for q in qualifiers))
        )
    return tuple(headings)


def article_from_element(element: etree._Element) -> Article | str:
    """The Article in a `<PubmedArticle>` element, or a one-line reason why there is none."""
    citation = element.find("MedlineCitation")
    pmid_element = citation.find("PMID") if citation is not None else None
    pmid = text_of(pmid_element)
    if not pmid:
        return "no PMID"
    if not DIGITS.fullmatch(pmid):
        return f"PMID {pmid[:40]!r} is not a number"
    assert citation is not None and pmid_element is not None
    article = citation.find("Article")
    if article is None:
        return "no <Article> element (no title and no abstract)"
    title, title_italics = flatten(article.find("ArticleTitle"))
    sections = []
    for part in article.iterfind("Abstract/AbstractText"):
        text, italics = flatten(part)
        if text:
            sections.append(Section(text, part.get("Label", "").strip(), part.get("NlmCategory", "").strip(), italics))
    if not title and not sections:
        return "no title and no abstract"
    return Article(
        pmid=pmid,
        title=title,
        sections=tuple(sections),
        version=_int(pmid_element.get("Version")) or 1,
        journal=text_of(article.find("Journal/Title")),
        year=_year(article),
        entrez_date=_entrez(element),
        doi=_doi(element, article),
        language=text_of(article.find("Language")),
        authors=_authors(article),
        mesh=_mesh(citation),
        publication_types=tuple(text_of(p) for p in article.iterfind("PublicationTypeList/PublicationType")),
        title_italics=title_italics,
    )
