"""Run the pipeline over articles and return plain `Relation` records.

The article text the pipeline reads is the title, a newline, and the abstract sections joined by
newlines (so each starts a sentence); italic spans from the XML travel along in `doc.user_data`
as evidence for taxon names. With `n_process > 1` batches go to worker processes that each
build their own pipeline; results come back in input order.

Each article stands alone: when a batch fails, its articles are read one at a time, and an
article the pipeline still fails on comes back as a `Failed` with the reason while the rest go
on. An article longer than a piece (`miner.extract.pieces`) is read in pieces. Names and texts a
relation quotes are clipped to what the database holds (`miner.record_checks`).
Imports: spaCy, stdlib, `miner.errors`, `miner.records`, `miner.record_checks`,
`miner.extract.{attributes,phrases,pieces,pipeline,relations,taxa,taxonomy}`.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from miner import records
from miner.errors import PipelineError
from miner.extract.attributes import section_of
from miner.extract.phrases import TEXT
from miner.extract.pieces import Piece, pieces
from miner.extract.pipeline import load_pipeline, pipeline_version
from miner.extract.relations import Finding
from miner.extract.taxa import TaxonRecognizer
from miner.extract.taxonomy import Taxonomy
from miner.record_checks import MAX_LABEL, clip

MAX_TAXON_NAME = 200  # a taxon row's key is "name:" + the name, in 255 characters


@dataclass(frozen=True)
class ArticleText:
    text: str
    italics: tuple[tuple[int, int], ...]
    sections: tuple[tuple[int, int, str], ...]  # (start, end, label); the title is labelled TITLE


def article_text(article: records.Article) -> ArticleText:
    parts = [(article.title, article.title_italics, "TITLE")]
    parts += [(s.text, s.italics, s.label or s.category or "") for s in article.sections]
    text: list[str] = []
    italics: list[tuple[int, int]] = []
    sections: list[tuple[int, int, str]] = []
    offset = 0
    for part_text, part_italics, label in parts:
        if not part_text:
            continue
        if text:
            text.append("\n")
            offset += 1
        text.append(part_text)
        sections.append((offset, offset + len(part_text), label))
        italics += [(offset + start, offset + end) for start, end in part_italics]
        offset += len(part_text)
    return ArticleText("".join(text), tuple(italics), tuple(sections))


def prepared_docs(nlp: Language, articles: Iterable[records.Article]) -> Iterator[tuple[Doc, records.Article]]:
    """(tokenized Doc, article) pairs ready for `nlp.pipe(..., as_tuples=True)`: the article text
    with its italics and sections attached."""
    for article in articles:
        prepared = article_text(article)
        doc = nlp.make_doc(prepared.text)
        doc.user_data[TEXT] = prepared.text
        doc._.italics = prepared.italics
        doc._.sections = prepared.sections
        yield doc, article


class Extractor:
    """Extract relations from articles with the pipeline named by `config_path`."""

    def __init__(
        self,
        config_path: str | Path,
        *,
        batch_size: int = 64,
        n_process: int = 1,
        min_confidence: float = 0.0,
        overrides: dict[str, Any] | None = None,
    ):
        self.config_path = str(config_path)
        self.overrides = dict(overrides or {})
        self.batch_size = max(1, batch_size)
        self.n_process = max(1, n_process)
        self.min_confidence = min_confidence
        self.version = pipeline_version(config_path, self.overrides)
        self._nlp: Language | None = None

    @property
    def nlp(self) -> Language:
        if self._nlp is None:
            self._nlp = load_pipeline(self.config_path, overrides=self.overrides)
        return self._nlp

    def extract(
        self, articles: Iterable[records.Article]
    ) -> Iterator[tuple[records.Article, list[records.Relation] | Failed]]:
        """(article, its relations) in input order; an article the pipeline fails on comes back
        with a `Failed` (the reason) instead, and the rest go on."""
        if self.n_process == 1:
            yield from self._extract_here(articles)
            return
        yield from self._extract_in_workers(articles)

    def relations(self, article: records.Article) -> list[records.Relation]:
        """One article's relations; PipelineError when the pipeline fails on it."""
        [(_, found)] = list(self._extract_here([article]))
        if isinstance(found, Failed):
            raise PipelineError(f"PMID {article.pmid}: {found.reason}")
        return found

    def _extract_here(
        self, articles: Iterable[records.Article]
    ) -> Iterator[tuple[records.Article, list[records.Relation] | Failed]]:
        """Batch by batch; when a batch fails, its articles are read one by one so only the
        article that fails is lost (as a `Failed`)."""
        iterator = iter(articles)
        while batch := list(islice(iterator, self.batch_size)):
            try:
                done: list[tuple[records.Article, list[records.Relation] | Failed]] = list(
                    zip(batch, self._read(batch), strict=True)
                )
            except Exception:  # noqa: BLE001  whatever broke the batch, each article is tried alone
                done = [(article, self._read_alone(article)) for article in batch]
            yield from done

    def _read_alone(self, article: records.Article) -> list[records.Relation] | Failed:
        try:
            return self._read([article])[0]
        except Exception as exc:  # noqa: BLE001  this article's failure must not stop the others
            return Failed(f"extraction failed ({type(exc).__name__}: {_first_line(exc)})")

    def _read(self, articles: list[records.Article]) -> list[list[records.Relation]]:
        """Relations of each article; a long article is read in pieces (miner.extract.pieces)."""
        nlp = self.nlp
        cut = [(index, piece) for index, article in enumerate(articles) for piece in pieces(article)]
        found: list[list[records.Relation]] = [[] for _ in articles]
        docs = nlp.pipe(
            prepared_docs(nlp, (piece.article for _, piece in cut)), as_tuples=True, batch_size=self.batch_size
        )
        for (index, piece), (doc, _) in zip(cut, docs, strict=True):  # one Doc per piece
            found[index] += [_placed(relation, piece) for relation in self.relations_of(doc, articles[index])]
        return [unique_relations(relations) for relations in found]

    def _extract_in_workers(
        self, articles: Iterable[records.Article]
    ) -> Iterator[tuple[records.Article, list[records.Relation] | Failed]]:
        iterator = iter(articles)
        context = multiprocessing.get_context("fork")
        options = (self.config_path, self.batch_size, self.min_confidence, self.overrides)
        with concurrent.futures.ProcessPoolExecutor(
            self.n_process, mp_context=context, initializer=_start_worker, initargs=options
        ) as pool:
            pending: list[
                tuple[list[records.Article], concurrent.futures.Future[list[list[records.Relation] | Failed]]]
            ] = []
            while True:
                while len(pending) < self.n_process * 2:
                    batch = list(islice(iterator, self.batch_size))
                    if not batch:
                        break
                    pending.append((batch, pool.submit(_work, batch)))
                if not pending:
                    return
                batch, future = pending.pop(0)
                yield from zip(batch, future.result(), strict=True)  # `_work` answers each article

    def relations_of(self, doc: Doc, article: records.Article) -> list[records.Relation]:
        recognizer = self.nlp.get_pipe("taxa")
        if not isinstance(recognizer, TaxonRecognizer) or recognizer.taxonomy is None:
            raise PipelineError(f"{self.config_path}: the taxa component is not an initialized miner_taxa")
        taxonomy = recognizer.taxonomy
        found = [_relation(f, article.pmid, self.version, taxonomy) for f in doc._.findings or []]
        return unique_relations(r for r in found if r.confidence >= self.min_confidence)


@dataclass(frozen=True)
class Failed:
    """The pipeline could not read an article: why, in one line."""

    reason: str


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:200] if lines else ""


def _placed(relation: records.Relation, piece: Piece) -> records.Relation:
    """The relation with its sentence offset in the whole article (not in the piece)."""
    start = piece.whole_offset(relation.sentence_start)
    return relation if start == relation.sentence_start else dataclasses.replace(relation, sentence_start=start)


def unique_relations(relations: Iterable[records.Relation]) -> list[records.Relation]:
    """One relation per (taxon, disorder, direction, subject), the most confident, in text order."""
    best: dict[tuple[object, ...], records.Relation] = {}
    for relation in relations:
        key = (relation.taxid or relation.taxon.lower(), relation.mesh, relation.direction, relation.subject)
        if key not in best or relation.confidence > best[key].confidence:
            best[key] = relation
    return sorted(best.values(), key=lambda r: (r.sentence_start, r.taxon_start))


def _relation(finding: Finding, pmid: str, version: str, taxonomy: Taxonomy) -> records.Relation:
    sentence = finding.sentence
    offset = sentence.start_char
    ref = finding.taxon._.taxon
    lineage = taxonomy.lineage(ref.taxid) if ref.taxid else ()
    node = taxonomy.node(ref.taxid) if ref.taxid else None
    disorder_span = finding.disorder_span
    section = section_of(sentence.doc, offset)
    return records.Relation(
        pmid=pmid,
        taxon=clip(ref.name, MAX_TAXON_NAME),
        taxid=ref.taxid,
        rank=ref.rank,
        disorder=finding.disorder.name,
        mesh=finding.disorder.mesh,
        direction=finding.direction,
        subject=finding.subject,
        evidence=sentence.text.strip(),
        confidence=finding.confidence,
        taxon_text=clip(finding.taxon.text),
        taxon_start=finding.taxon.start_char - offset,
        taxon_end=finding.taxon.end_char - offset,
        disorder_text=clip(disorder_span.text) if disorder_span is not None else "",
        disorder_start=disorder_span.start_char - offset if disorder_span is not None else None,
        disorder_end=disorder_span.end_char - offset if disorder_span is not None else None,
        trigger=clip(finding.trigger.text) if finding.trigger is not None else "",
        trigger_start=finding.trigger.start_char - offset if finding.trigger is not None else None,
        trigger_end=finding.trigger.end_char - offset if finding.trigger is not None else None,
        sentence_start=offset,
        section=clip(section, MAX_LABEL),
        pipeline_version=version,
        taxon_lineage=lineage,
        parent_taxid=node.parent if node else None,
        disorder_group=finding.disorder.group,
    )


_worker: Extractor | None = None


def _start_worker(config_path: str, batch_size: int, min_confidence: float, overrides: dict[str, Any]) -> None:
    global _worker
    _worker = Extractor(config_path, batch_size=batch_size, min_confidence=min_confidence, overrides=overrides)
    _ = _worker.nlp  # build now, not on the first batch


def _work(batch: list[records.Article]) -> list[list[records.Relation] | Failed]:
    assert _worker is not None  # holds: the pool runs `_start_worker` in each worker before any `_work`
    return [relations for _, relations in _worker._extract_here(batch)]
