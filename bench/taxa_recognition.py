"""Taxon recognition measured against GutBrainIE 2025's expert entity annotations (label `bacteria`).

A measuring tool, not part of the product: nothing in tests/ uses it, and the GutBrainIE files
stay outside the repository (their licence is unstated; see the folder's SOURCES.md).

    python bench/taxa_recognition.py [DATA_DIR] [--errors N] [--against all|taxa] [--json FILE]
                                     [--keep-markup]

DATA_DIR is the GutBrainIE folder (default: ../shared/data/third_party/gutbrainie2025 relative to
the repository root); its annotations/dev.json and train_platinum.json are the expert splits,
train_gold.json a third, larger check. Each is reported apart, and dev+platinum together.

Text. GutBrainIE's titles and abstracts keep PubMed's inline markup as literal tags (`<i>`, `<b>`,
`<sup>`, `<sub>`, `<u>`). miner reads PubMed XML, where parse removes that markup and keeps the
`<i>` spans as italics, and makes every whitespace run (NBSP too) one space. This script does the
same to the GutBrainIE text (tags out, `<i>` spans → `doc._.italics`, whitespace collapsed) and
moves the gold offsets along; `--keep-markup` feeds the text with its tags instead.
The article is `Article(title, (Section(abstract),))` through `article_text`: title, newline,
abstract. Gold offsets (`end_idx` inclusive, per title/abstract) become half-open offsets into that.
The pipeline (miner/pipelines/miner.cfg) runs up to its `taxa` component, whose `doc.spans["taxa"]`
are the predictions.

Gold sets.
  all   every `bacteria` span (duplicates at the same offsets counted once);
  taxa  the `bacteria` spans that name a taxon by the project's guidelines
        (/work/shared/data/gold/GUIDELINES.md: "gut microbiota", "bacteria", "probiotics",
        "butyrate-producing bacteria" are not taxa). The rule is automatic, and reads the gazetteer
        file (miner/pipelines/taxa/names.tsv.gz) directly, never the recognizer's code. A span names a
        taxon when it contains, as whole words (split at spaces, `_`, brackets and punctuation; then
        also at `-`, `/`, `.` and where a digit follows a letter: "Prevotella7", "Lachnospiraceae.g"):
          1. a gazetteer name of one to four words, case-insensitively — except that a name flagged
             `ambiguous_word`, `short` or `uppercase` must be spelt as the gazetteer spells it
             ("Bacilli" counts, "bacilli" does not); plurals such as "lactobacilli" are gazetteer
             names (kind `plural`);
          2. an abbreviated species "X. epithet" (or "Xy. epithet") whose genus initial and epithet
             match a gazetteer binomial ("P. copri", "F. rodentium");
          3. a reference-database label: UCG-nnn, CAG-nnn, UBA-nnn, NK4A136-style codes;
          4. a likely misspelling: a capitalised word of 7+ letters, no gazetteer name itself, one
             edit from a one-word gazetteer name of the same initial (two edits at 13+ letters:
             "Biffdobacterium", "Sutteralla", "Lachinospiracea"), or starting with such a name of
             7+ letters (words run together: "Clostridiuminnocuumgroup", "Selenomonadalesare").
        Non-microbes the annotators marked `bacteria` ("Toxoplasma gondii", "HEK293 cells", the
        plant "Scutellaria baicalensis") fall outside it: the gazetteer holds bacteria, archaea
        and fungi only.
        Bare strain codes ("PS150", "CCFM8661", "F4") are not taxa by this rule: they name a strain
        only through an earlier mention, and no gazetteer lists them.

Matching, per split, over (PMID, start, end) sets of predictions and gold spans:
  exact    a prediction is a true positive when a gold span has the same start and end;
  overlap  precision = predictions that overlap any gold span / predictions;
           recall    = gold spans that any prediction overlaps / gold spans;
           F1 from those two (lenient, not one-to-one).

`--errors N` prints, per split, up to N false positives and N false negatives (exact matching,
against the gold set `--against`, default `taxa`) with 60 characters of context either side, the
mention in [[ ]]. Each is tagged: `boundary` (it overlaps a span on the other side), `spurious` /
`missed` (it overlaps nothing), `non-taxon gold` (a false positive inside a `bacteria` span the
taxa rule left out), `gold label=X` (a false positive inside a span of another GutBrainIE label).
`--json FILE` writes the figures.

Imports: stdlib, miner.extract (Extractor, article_text), miner.records.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from miner.extract import Extractor, article_text  # noqa: E402
from miner.records import Article, Section  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "third_party" / "gutbrainie2025"
NAMES = ROOT / "miner" / "pipelines" / "taxa" / "names.tsv.gz"
CONFIG = ROOT / "miner" / "pipelines" / "miner.cfg"
SPLITS = (("dev", "dev.json"), ("platinum", "train_platinum.json"), ("gold", "train_gold.json"))
COMBINED = ("dev+platinum", ("dev", "platinum"))
LABEL = "bacteria"
COMPONENT = "taxa"
CONTEXT = 60

_TAG = re.compile(r"</?(?:i|b|u|sup|sub)>")
_COARSE = re.compile(r"[\s_()\[\],;:]+")
_FINE = re.compile(r"[\s_()\[\],;:/.\-]+|(?<=[a-z])(?=[0-9])")
_ABBREVIATED = re.compile(r"\b([A-Z][a-z]?)\.\s*([A-Za-z][a-z]{2,})\b")
_DB_LABEL = re.compile(r"\b(?:UCG|CAG|UBA)[-_ ]?\d{2,5}\b|\b[A-Z]{1,3}\d[A-Z0-9]{2,}[-_ ]group\b")

Span = tuple[str, int, int]  # (pmid, start, end), end exclusive, offsets into the prepared text


# ---------------------------------------------------------------- text and offsets


@dataclass
class Plain:
    """A title or abstract with markup removed: `origin[i]` is the raw offset of `text[i]`."""

    text: str
    origin: list[int]
    italics: list[tuple[int, int]]

    def span(self, start: int, end_inclusive: int) -> tuple[int, int] | None:
        """The raw inclusive span [start, end_inclusive] as a half-open span of `text`."""
        kept = [i for i, raw in enumerate(self.origin) if start <= raw <= end_inclusive]
        return (kept[0], kept[-1] + 1) if kept else None


def plain(raw: str, keep_markup: bool) -> Plain:
    """`raw` without inline tags (`<i>` spans noted) and with whitespace collapsed, as parse
    makes PubMed XML; with `keep_markup`, `raw` unchanged."""
    if keep_markup:
        return Plain(raw, list(range(len(raw))), [])
    chars: list[str] = []
    origin: list[int] = []
    italics: list[tuple[int, int]] = []
    opened: int | None = None
    pos = 0
    for match in [*_TAG.finditer(raw), None]:
        stop = match.start() if match else len(raw)
        for i in range(pos, stop):
            ch = raw[i]
            if ch.isspace():
                if not chars or chars[-1] == " ":
                    continue
                ch = " "
            chars.append(ch)
            origin.append(i)
        if match is None:
            break
        pos = match.end()
        if match.group(0) == "<i>":
            opened = len(chars)
        elif match.group(0) == "</i>" and opened is not None:
            italics.append((opened, len(chars)))
            opened = None
    while chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    italics = [(a, min(b, len(chars))) for a, b in italics if a < min(b, len(chars))]
    return Plain("".join(chars), origin, italics)


@dataclass
class Record:
    pmid: str
    text: str  # the prepared text the pipeline reads
    italics: tuple[tuple[int, int], ...]
    gold: list[tuple[int, int, str, str]] = field(default_factory=list)  # (start, end, label, text)


def load_split(path: Path, keep_markup: bool) -> list[Record]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        sys.exit(f"taxa_recognition: cannot read {path}: {exc}")
    try:
        return [_record(str(pmid), entry, keep_markup) for pmid, entry in data.items()]
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        sys.exit(f"taxa_recognition: {path} is not in GutBrainIE's JSON format ({type(exc).__name__}: {exc})")


def _record(pmid: str, entry: dict, keep_markup: bool) -> Record:
    """One GutBrainIE entry as the pipeline's text, with every entity moved into that text."""
    meta = entry["metadata"]
    parts = {where: plain(meta.get(where) or "", keep_markup) for where in ("title", "abstract")}
    article = Article(
        pmid=pmid,
        title=parts["title"].text,
        sections=(Section(parts["abstract"].text, italics=tuple(parts["abstract"].italics)),),
        title_italics=tuple(parts["title"].italics),
    )
    prepared = article_text(article)
    offsets = {("title" if label == "TITLE" else "abstract"): start for start, _, label in prepared.sections}
    for where, part in parts.items():
        if part.text and prepared.text[offsets[where] : offsets[where] + len(part.text)] != part.text:
            sys.exit(f"taxa_recognition: PMID {pmid}: {where} not where expected in the prepared text")
    record = Record(pmid, prepared.text, prepared.italics)
    for entity in entry.get("entities", []):
        where = entity.get("location")
        if where not in offsets:
            continue
        moved = parts[where].span(int(entity["start_idx"]), int(entity["end_idx"]))
        if moved is None:
            continue
        start, end = offsets[where] + moved[0], offsets[where] + moved[1]
        record.gold.append((start, end, entity["label"], prepared.text[start:end]))
    return record


# ---------------------------------------------------------------- which gold spans name a taxon


class TaxonRule:
    """The automatic rule of the module docstring, over the gazetteer's names file."""

    def __init__(self, names_path: Path):
        self.names: dict[str, list[tuple[str, bool]]] = defaultdict(list)  # lower case → [(form, flagged)]
        self.binomials: set[tuple[str, str]] = set()  # (genus initial, epithet)
        words_by_initial: dict[str, set[str]] = defaultdict(set)
        with gzip.open(names_path, "rt", encoding="utf-8") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                name = row["name"]
                self.names[name.lower()].append((name, bool(row["flags"])))
                words = name.split()
                if len(words) == 2 and words[1].islower() and words[0][:1].isupper():
                    self.binomials.add((words[0][:1], words[1]))
                if len(words) == 1 and name[:1].isupper() and name.isalpha():
                    words_by_initial[name[0]].add(name.lower())
        self.words_by_initial = {initial: sorted(names) for initial, names in words_by_initial.items()}

    def reason(self, text: str) -> str | None:
        """Why `text` names a taxon ("name:…", "abbreviation:…", "label:…", "typo:…"), or None."""
        coarse = [w for w in _COARSE.split(text) if w]
        fine = [w for w in _FINE.split(text) if w]
        for words in (coarse, fine):
            for size in (4, 3, 2, 1):
                for i in range(len(words) - size + 1):
                    phrase = " ".join(words[i : i + size]).rstrip(".")
                    for form, flagged in self.names.get(phrase.lower(), ()):
                        if not flagged or phrase == form:
                            return f"name:{form}"
        for initial, epithet in _ABBREVIATED.findall(text):
            if (initial[0], epithet.lower()) in self.binomials:
                return f"abbreviation:{initial}. {epithet}"
        label = _DB_LABEL.search(text)
        if label:
            return f"label:{label.group(0)}"
        for word in fine:
            if len(word) < 7 or not (word[0].isupper() and word[1:].isalpha() and word[1:].islower()):
                continue
            lower = word.lower()
            limit = 2 if len(word) >= 13 else 1
            for name in self.words_by_initial.get(word[0], ()):
                if len(name) >= 7 and lower.startswith(name):
                    return f"typo:{word}={name}+"
                if abs(len(name) - len(word)) <= limit and _distance(name, lower, limit) <= limit:
                    return f"typo:{word}~{name}"
        return None


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, cut short once it exceeds `limit`."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


# ---------------------------------------------------------------- running and scoring


def predict(extractor: Extractor, records: list[Record]) -> dict[str, list[tuple[int, int, str]]]:
    """PMID → taxon spans (start, end, "name|taxid|rank") from the pipeline's `taxa` spans.
    Runs the components up to and including `taxa` (the later ones cannot change its spans)."""
    nlp = extractor.nlp
    if COMPONENT not in nlp.pipe_names:
        sys.exit(f"taxa_recognition: {CONFIG} has no `{COMPONENT}` component (it has {', '.join(nlp.pipe_names)})")
    upto = nlp.pipeline[: nlp.pipe_names.index(COMPONENT) + 1]
    found: dict[str, list[tuple[int, int, str]]] = {}
    for record in records:
        doc = nlp.make_doc(record.text)
        doc._.italics = record.italics
        for _, proc in upto:
            doc = proc(doc)
        spans = []
        for span in doc.spans.get("taxa", []):
            ref = span._.taxon
            note = f"{ref.name}|{ref.taxid}|{ref.rank}" if ref is not None else ""
            spans.append((span.start_char, span.end_char, note))
        found[record.pmid] = spans
    return found


def prf(tp_pred: int, n_pred: int, tp_gold: int, n_gold: int) -> dict:
    p = tp_pred / n_pred if n_pred else 0.0
    r = tp_gold / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"tp_pred": tp_pred, "tp_gold": tp_gold, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4)}


def _overlaps(a: Span, others_by_pmid: dict[str, list[Span]]) -> bool:
    return any(a[1] < b[2] and b[1] < a[2] for b in others_by_pmid.get(a[0], ()))


def score(pred: set[Span], gold: set[Span]) -> dict:
    exact = len(pred & gold)
    by_pmid_gold: dict[str, list[Span]] = defaultdict(list)
    by_pmid_pred: dict[str, list[Span]] = defaultdict(list)
    for g in gold:
        by_pmid_gold[g[0]].append(g)
    for p in pred:
        by_pmid_pred[p[0]].append(p)
    pred_hit = sum(_overlaps(p, by_pmid_gold) for p in pred)
    gold_hit = sum(_overlaps(g, by_pmid_pred) for g in gold)
    return {
        "gold": len(gold),
        "predicted": len(pred),
        "exact": prf(exact, len(pred), exact, len(gold)),
        "overlap": prf(pred_hit, len(pred), gold_hit, len(gold)),
    }


@dataclass
class SplitResult:
    records: list[Record]
    pred: set[Span]
    notes: dict[Span, str]  # prediction → "name|taxid|rank"
    gold_all: set[Span]
    gold_taxa: set[Span]
    reasons: dict[Span, str]  # gold span → why it names a taxon


def evaluate(records: list[Record], predictions: dict[str, list[tuple[int, int, str]]], rule: TaxonRule) -> SplitResult:
    pred: set[Span] = set()
    notes: dict[Span, str] = {}
    for pmid, spans in predictions.items():
        for start, end, note in spans:
            pred.add((pmid, start, end))
            notes[(pmid, start, end)] = note
    gold_all: set[Span] = set()
    reasons: dict[Span, str] = {}
    for record in records:
        for start, end, label, text in record.gold:
            if label != LABEL:
                continue
            key = (record.pmid, start, end)
            gold_all.add(key)
            why = rule.reason(text)
            if why:
                reasons[key] = why
    return SplitResult(records, pred, notes, gold_all, set(reasons), reasons)


# ---------------------------------------------------------------- output


def context(text: str, start: int, end: int) -> str:
    left = text[max(0, start - CONTEXT) : start]
    right = text[end : end + CONTEXT]
    return f"{left}[[{text[start:end]}]]{right}".replace("\n", " ¶ ")


def _by_pmid(spans: set[Span]) -> dict[str, list[Span]]:
    grouped: dict[str, list[Span]] = defaultdict(list)
    for span in spans:
        grouped[span[0]].append(span)
    return grouped


def print_errors(name: str, result: SplitResult, against: str, limit: int) -> None:
    gold = result.gold_taxa if against == "taxa" else result.gold_all
    gold_index, all_index, pred_index = _by_pmid(gold), _by_pmid(result.gold_all), _by_pmid(result.pred)
    texts = {r.pmid: r.text for r in result.records}
    other_labels = {r.pmid: [(start, end, label) for start, end, label, _ in r.gold] for r in result.records}

    def kind_fp(span: Span) -> str:
        pmid, start, end = span
        if _overlaps(span, gold_index):
            return "boundary"
        if _overlaps(span, all_index):
            return "non-taxon gold"
        labels = sorted({label for s, e, label in other_labels[pmid] if start < e and s < end})
        return f"gold label={','.join(labels)}" if labels else "spurious"

    false_pos = sorted(result.pred - gold)
    false_neg = sorted(gold - result.pred)
    print(f"\n== {name}: false positives ({len(false_pos)}) against `{against}`")
    for span in false_pos[:limit]:
        pmid, start, end = span
        print(f"{pmid}  [{kind_fp(span)}]  {result.notes.get(span, '')}\n    {context(texts[pmid], start, end)}")
    print(f"\n== {name}: false negatives ({len(false_neg)}) against `{against}`")
    for span in false_neg[:limit]:
        pmid, start, end = span
        kind = "boundary" if _overlaps(span, pred_index) else "missed"
        why = result.reasons.get(span, "not a taxon by the rule")
        print(f"{pmid}  [{kind}]  ({why})\n    {context(texts[pmid], start, end)}")


def table(figures: dict) -> str:
    head = (
        f"{'split':<13} {'gold set':<8} {'docs':>4} {'gold':>5} {'pred':>5}  "
        f"{'exact P':>7} {'R':>6} {'F1':>6}  {'overlap P':>9} {'R':>6} {'F1':>6}"
    )
    lines = [head, "-" * len(head)]
    for split, entry in figures["splits"].items():
        for gold_set in ("all", "taxa"):
            s = entry[gold_set]
            e, o = s["exact"], s["overlap"]
            lines.append(
                f"{split:<13} {gold_set:<8} {entry['documents']:>4} {s['gold']:>5} {s['predicted']:>5}  "
                f"{e['precision']:>7.3f} {e['recall']:>6.3f} {e['f1']:>6.3f}  "
                f"{o['precision']:>9.3f} {o['recall']:>6.3f} {o['f1']:>6.3f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    first_line = __doc__.splitlines()[0]
    parser = argparse.ArgumentParser(description=first_line)
    parser.add_argument(
        "data", nargs="?", type=Path, default=DEFAULT_DATA, help=f"GutBrainIE folder (default {DEFAULT_DATA})"
    )
    parser.add_argument(
        "--errors",
        type=int,
        default=0,
        metavar="N",
        help="print up to N false positives and N false negatives per split",
    )
    parser.add_argument(
        "--against", choices=("all", "taxa"), default="taxa", help="gold set the --errors listing uses (default taxa)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE")
    parser.add_argument(
        "--keep-markup", action="store_true", help="feed GutBrainIE's text with its <i>/<b>/<sup>/<sub> tags"
    )
    args = parser.parse_args(argv)

    annotations = args.data / "annotations"
    if not annotations.is_dir():
        sys.exit(
            f"taxa_recognition: no GutBrainIE annotations folder at {annotations} "
            "(give the GutBrainIE folder as the first argument)"
        )
    missing = [file for _, file in SPLITS if not (annotations / file).is_file()]
    if missing:
        sys.exit(f"taxa_recognition: {annotations} lacks {', '.join(missing)}")

    started = time.perf_counter()
    extractor = Extractor(CONFIG)
    rule = TaxonRule(NAMES)
    results: dict[str, SplitResult] = {}
    for name, file in SPLITS:
        records = load_split(annotations / file, args.keep_markup)
        results[name] = evaluate(records, predict(extractor, records), rule)
    combined_name, parts = COMBINED
    results[combined_name] = SplitResult(
        [r for p in parts for r in results[p].records],
        set().union(*(results[p].pred for p in parts)),
        {k: v for p in parts for k, v in results[p].notes.items()},
        set().union(*(results[p].gold_all for p in parts)),
        set().union(*(results[p].gold_taxa for p in parts)),
        {k: v for p in parts for k, v in results[p].reasons.items()},
    )

    figures: dict = {
        "data": str(args.data),
        "pipeline_version": extractor.version,
        "markup": "kept" if args.keep_markup else "removed",
        "label": LABEL,
        "splits": {},
    }
    for name, result in results.items():
        figures["splits"][name] = {
            "documents": len(result.records),
            "all": score(result.pred, result.gold_all),
            "taxa": score(result.pred, result.gold_taxa),
            "taxa_rule": {
                kind: sum(1 for why in result.reasons.values() if why.startswith(kind + ":"))
                for kind in ("name", "abbreviation", "label", "typo")
            },
        }
    figures["seconds"] = round(time.perf_counter() - started, 1)

    print(table(figures))
    print(
        f"\n`taxa`: the `{LABEL}` spans that name a taxon by the guidelines' rule (see the docstring); "
        f"markup {figures['markup']}; pipeline {extractor.version}; {figures['seconds']} s"
    )
    if args.errors > 0:
        for name, _ in SPLITS:
            print_errors(name, results[name], args.against, args.errors)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
