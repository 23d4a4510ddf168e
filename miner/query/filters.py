"""What researchers filter claims by, checked and turned into SQL conditions.

`RelationFilter` is the one description of a claim query shared by the API, the search page, the
CLI and the exports. `conditions(session, f)` resolves its names (`miner.query.names`: taxa by
any name or NCBI taxid, optionally with every descendant through the stored lineage; disorders by
MeSH id, name, term, abbreviation or group; several of each comma-separated) and returns
conditions over the joins of `miner.store.claims`. A filter that cannot mean anything is an
`InvalidValue` (HTTP 400); a name nobody knows is `NotFound` (HTTP 404) with "did you mean".
Claims can also be chosen by what the paper's own study is (`miner.study_facts`: design, host,
body site, method, country, participants).
Imports: SQLAlchemy, `miner.errors`, `miner.records`, `miner.store`, `miner.study_facts`, `miner.query.names`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, fields

from sqlalchemy import ColumnElement, Select, and_, func, intersect, literal, or_, select, true
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.query.names import MAX_INTEGER as MAX_INTEGER  # re-exported: the API's parameters check against it
from miner.query.names import disorder_meshes, folded, split_values
from miner.query.names import taxids as named_taxids
from miner.records import DIRECTIONS, SUBJECTS
from miner.store.claims import REJECTING, VERDICTS, effective_direction, not_rejected, verdict_on_relation
from miner.store.models import Article, Conflict, Disorder, Relation, StudyFact, Taxon, Verdict
from miner.study_facts import BODY_SITES, DESIGNS, METHODS

# article.sample_size is a 32-bit INTEGER: PostgreSQL refuses a larger number compared with it
MAX_SAMPLE_SIZE = 2**31 - 1

RANKS = ("superkingdom", "kingdom", "phylum", "class", "order", "family", "genus", "species", "strain", "no rank")
VERDICT_FILTERS = ("unreviewed", "reviewed", "rejected", "any", *VERDICTS)
ACTIVE_CONFLICT = ("open", "confirmed")
YEARS = (1800, 2100)  # the publication years a filter may name


@dataclass(frozen=True)
class RelationFilter:
    taxon: str | None = None  # names or NCBI taxids, comma-separated
    descendants: bool = False  # with the taxon, every taxon below it
    rank: str | None = None
    disorder: str | None = None  # MeSH descriptors, disorder names, terms, abbreviations or groups, comma-separated
    direction: str | None = None  # as read through the verdicts
    subject: str | None = None  # human or animal
    year_from: int | None = None
    year_to: int | None = None
    min_confidence: float | None = None
    pmid: str | None = None
    conflict_only: bool = False  # only pairs with an open or confirmed conflict
    verdict: str | None = None  # None: every claim but the rejected; see VERDICT_FILTERS
    # what the paper's own study is (miner.study_facts), comma-separated values: any of them matches
    design: str | None = None
    host: str | None = None
    body_site: str | None = None
    method: str | None = None
    country: str | None = None
    min_sample_size: int | None = None

    def is_empty(self) -> bool:
        return all(getattr(self, f.name) in (None, False) for f in fields(self))

    def described(self) -> str:
        """ "taxon=Faecalibacterium, disorder=depression": for logs, pages and file names."""
        return (
            ", ".join(
                f"{f.name}={getattr(self, f.name)}" for f in fields(self) if getattr(self, f.name) not in (None, False)
            )
            or "everything"
        )


@dataclass
class Resolved:
    """A filter with its names resolved: the stored taxon row ids and MeSH descriptors it means
    (None: no restriction), its conditions over the relation table — `where` on what a pair is
    (rank, subject, conflict), `claim_where` on single claims (years, confidence, PMID) — and its
    verdict and direction tests, which come in two forms (`conditions`)."""

    taxon_ids: list[int] | None
    meshes: list[str] | None
    where: list[ColumnElement[bool]]
    claim_where: list[ColumnElement[bool]]
    direction: str | None
    verdict: str | None
    studied: Select[str] | None = None  # the PMIDs whose study facts the filter asks for (None: any)
    # kind → values asked for ("min_sample_size" → [n])
    study_values: dict[str, list[str | int]] = field(default_factory=dict)

    def conditions(self, *, seek: bool = True, verdict_joined: bool = False) -> list[ColumnElement[bool]]:
        """The SQL conditions. Without `verdict_joined` they use the relation table alone (the
        verdicts through small subqueries of judged claim ids), so a query can filter, order and
        limit before any join; with it they test the outer-joined Verdict row, which aggregates
        read from a covering index. With `seek` False the taxon and descriptor tests are
        written so no index serves them (`taxon_id + 0`): the database then walks the id or year
        order and stops at the page's end, fastest when the filter matches many claims."""
        found = [*self.pair_conditions(seek=seek), *self.claim_where]
        if self.studied is not None:
            # seeking by nothing else: the list of the papers that qualify drives the query; otherwise each
            # claim the walk or the taxon/descriptor index yields has its own facts looked up by their key
            by_list = seek and self.taxon_ids is None and self.meshes is None
            found += [Relation.pmid.in_(self.studied)] if by_list else _study_tests(self.study_values)
        if verdict_joined:
            found += _joined_verdict_conditions(self.verdict)
            if self.direction:
                found.append(effective_direction == self.direction)
        else:
            found += _verdict_conditions(self.verdict)
            if self.direction:
                found.append(_reads_as(self.direction))
        return found

    def pair_conditions(self, *, seek: bool = True, meshes: list[str] | None = None) -> list[ColumnElement[bool]]:
        """The conditions on what a pair is (taxon, descriptors, rank, subject, conflict), which
        every claim of a chosen pair meets; `meshes` replaces the filter's descriptors (a pair
        counts every descriptor of its disorder group)."""
        found = list(self.where)
        if self.taxon_ids is not None:
            found.append((Relation.taxon_id if seek else Relation.taxon_id + 0).in_(self.taxon_ids))
        meshes = meshes if meshes is not None else self.meshes
        if meshes is not None:
            found.append((Relation.mesh if seek else Relation.mesh + "").in_(meshes))
        return found

    def claim_test(self, extra: list[ColumnElement[bool]]) -> ColumnElement[bool] | None:
        """One test over the joined verdict of whether a claim matches the filter's claim-level
        conditions and `extra`; None when there are none (every claim of a pair matches)."""
        if not (self.claim_where or self.direction or self.verdict is not None or self.studied is not None or extra):
            return None
        direction = [effective_direction == self.direction] if self.direction else []
        studied = [Relation.pmid.in_(self.studied)] if self.studied is not None else []
        return and_(true(), *self.claim_where, *studied, *_joined_verdict_conditions(self.verdict), *direction, *extra)


def resolve(session: Session, f: RelationFilter) -> Resolved:
    where: list[ColumnElement[bool]] = []
    claim_where: list[ColumnElement[bool]] = []
    taxa = taxon_ids(session, f.taxon, f.descendants) if f.taxon else None
    meshes = disorder_meshes(session, f.disorder) if f.disorder else None
    if f.rank:
        if f.rank not in RANKS:
            raise InvalidValue(f"no rank {f.rank!r}; use one of {', '.join(RANKS)}")
        where.append(Relation.taxon_id.in_(select(Taxon.id).where(Taxon.rank == f.rank)))
    if f.direction and f.direction not in DIRECTIONS:
        raise InvalidValue(f"no direction {f.direction!r}; use one of {', '.join(DIRECTIONS)}")
    if f.subject:
        if f.subject not in SUBJECTS:
            raise InvalidValue(f"no subject {f.subject!r}; use one of {', '.join(SUBJECTS)}")
        where.append(Relation.subject == f.subject)
    for name in ("year_from", "year_to"):
        year = getattr(f, name)
        if year is not None and not YEARS[0] <= year <= YEARS[1]:
            raise InvalidValue(f"{name} is between {YEARS[0]} and {YEARS[1]}, not {year}")
    if f.year_from is not None and f.year_to is not None and f.year_from > f.year_to:
        raise InvalidValue(f"year_from {f.year_from} is after year_to {f.year_to}")
    if f.year_from is not None:
        claim_where.append(Relation.year >= f.year_from)
    if f.year_to is not None:
        claim_where.append(Relation.year <= f.year_to)
    if f.min_confidence is not None:
        if not 0 <= f.min_confidence <= 1:
            raise InvalidValue(f"min_confidence is between 0 and 1, not {f.min_confidence}")
        claim_where.append(Relation.confidence >= f.min_confidence)
    if f.pmid:
        if not f.pmid.isdigit():
            raise InvalidValue(f"a PMID is digits, not {f.pmid!r}")
        claim_where.append(Relation.pmid == f.pmid)
    if f.conflict_only:
        where.append(
            select(Conflict.id)
            .join(Disorder, Disorder.group == Conflict.disorder_group)
            .where(
                Conflict.taxon_id == Relation.taxon_id,
                Disorder.mesh == Relation.mesh,
                Conflict.subject == Relation.subject,
                Conflict.status.in_(ACTIVE_CONFLICT),
            )
            .correlate(Relation)
            .exists()
        )
    study_values: dict[str, list[str | int]] = {}
    studied = _studied(session, f, study_values)
    if f.verdict is not None and f.verdict not in VERDICT_FILTERS:
        raise InvalidValue(f"no verdict filter {f.verdict!r}; use one of {', '.join(VERDICT_FILTERS)}")
    return Resolved(taxa, meshes, where, claim_where, f.direction, f.verdict, studied, study_values)


STUDY_KINDS = {"design": DESIGNS, "host": None, "body_site": BODY_SITES, "method": METHODS, "country": None}


def _studied(session: Session, f: RelationFilter, asked: dict[str, list[str | int]]) -> Select[str] | None:
    """The PMIDs whose own study has one of the named facts of each kind (design, host, body site,
    method, country) and at least `min_sample_size` participants, as one SELECT (an INTERSECT
    of the kinds), so a query tests each claim against one list of the papers that qualify.
    Designs, body sites and methods come from fixed lists; hosts and countries are checked
    against the stored ones, so a misspelt one is a NotFound with did-you-mean rather than an
    empty answer. `asked` gets the values asked for, by kind."""
    chosen: list[Select[str]] = []
    for kind, allowed in STUDY_KINDS.items():
        text = getattr(f, kind)
        if not text:
            continue
        choices = allowed if allowed is not None else _stored_values(session, kind)
        by_folded = {folded(choice): choice for choice in choices}
        values: list[str | int] = []
        for value in split_values(text):
            if folded(value) in by_folded:
                values.append(by_folded[folded(value)])
            elif allowed is not None:
                raise InvalidValue(f"no {kind.replace('_', ' ')} {value!r}; use one of {', '.join(allowed)}")
            else:
                close = difflib.get_close_matches(folded(value), list(by_folded), n=3, cutoff=0.75)
                if close:
                    raise NotFound(f"no stored paper has {kind} {value!r}", candidates=[by_folded[c] for c in close])
                values.append(value)  # a real name no stored paper has yet: nothing matches
        chosen.append(select(StudyFact.pmid).where(StudyFact.kind == kind, StudyFact.value.in_(values)))
        asked[kind] = values
    if f.min_sample_size is not None:
        if not 1 <= f.min_sample_size <= MAX_SAMPLE_SIZE:
            raise InvalidValue(
                f"min_sample_size is a whole number from 1 to {MAX_SAMPLE_SIZE}, not {f.min_sample_size}"
            )
        chosen.append(select(Article.pmid).where(Article.sample_size >= f.min_sample_size))
        asked["min_sample_size"] = [f.min_sample_size]
    if not chosen:
        return None
    return chosen[0] if len(chosen) == 1 else select(intersect(*chosen).subquery().c[0])


def _study_tests(asked: dict[str, list[str | int]]) -> list[ColumnElement[bool]]:
    """One test per kind of study fact asked for, on the claim's own PMID: a primary-key lookup a
    claim, cheap where a walk tests a few thousand claims (building the list of every paper that
    qualifies would cost more). Written as "(SELECT 1 … LIMIT 1) IS NOT NULL" rather than EXISTS:
    PostgreSQL turns an EXISTS into a join it then plans as a scan of every claim, while a scalar
    subquery stays a per-row test and the walk in id order stops at the page's end."""
    tests: list[ColumnElement[bool]] = []
    for kind, values in asked.items():
        if kind == "min_sample_size":
            found = select(literal(1)).where(Article.pmid == Relation.pmid, Article.sample_size >= values[0])
        else:
            found = select(literal(1)).where(
                StudyFact.pmid == Relation.pmid, StudyFact.kind == kind, StudyFact.value.in_(values)
            )
        tests.append(found.limit(1).scalar_subquery().is_not(None))
    return tests


def _stored_values(session: Session, kind: str) -> list[str]:
    return list(session.scalars(select(StudyFact.value).where(StudyFact.kind == kind).distinct()))


def conditions(session: Session, f: RelationFilter) -> list[ColumnElement[bool]]:
    """All of a filter's conditions, over the relation table alone."""
    return resolve(session, f).conditions()


def _judged(verdicts: tuple[str, ...] | None = None) -> Select[int]:
    """Ids of the claims with a verdict (of these kinds): few, so a subquery the database
    computes once."""
    query = select(Relation.id).join(Verdict, verdict_on_relation)
    return query.where(Verdict.verdict.in_(verdicts)) if verdicts else query


def _reads_as(direction: str) -> ColumnElement[bool]:
    """The claim reads as `direction` through its verdict: extracted so and not turned round, or
    turned round to it."""
    turned = _judged(("wrong direction",))
    turned_to = (
        select(Relation.id)
        .join(Verdict, verdict_on_relation)
        .where(Verdict.verdict == "wrong direction", effective_direction == direction)
    )
    return or_(and_(Relation.direction == direction, Relation.id.not_in(turned)), Relation.id.in_(turned_to))


def _verdict_conditions(verdict: str | None) -> list[ColumnElement[bool]]:
    if verdict is None:
        return [not_rejected()]
    named: dict[str, list[ColumnElement[bool]]] = {
        "any": [],
        "unreviewed": [Relation.id.not_in(_judged())],
        "reviewed": [Relation.id.in_(_judged())],
        "rejected": [Relation.id.in_(_judged(REJECTING))],
    }
    return named.get(verdict, [Relation.id.in_(_judged((verdict,)))])


def _joined_verdict_conditions(verdict: str | None) -> list[ColumnElement[bool]]:
    if verdict is None:
        return [Verdict.verdict.is_(None) | Verdict.verdict.not_in(REJECTING)]
    named: dict[str, list[ColumnElement[bool]]] = {
        "any": [],
        "unreviewed": [Verdict.verdict.is_(None)],
        "reviewed": [Verdict.verdict.is_not(None)],
        "rejected": [Verdict.verdict.in_(REJECTING)],
    }
    return named.get(verdict, [Verdict.verdict == verdict])


def taxon_ids(session: Session, taxon: str, descendants: bool = False) -> list[int]:
    """The stored taxon rows a taxon filter means (may be none: a real taxon nobody reported);
    several names comma-separated."""
    found: set[int] = set()
    for value in split_values(taxon):
        taxids = named_taxids(session, value)
        if not taxids:  # a name without an NCBI id, stored as such
            query = select(Taxon.id).where(func.lower(Taxon.name) == " ".join(value.lower().split()))
        elif descendants:
            query = select(Taxon.id).where(
                or_(*(Taxon.lineage.like(f"%/{taxid}/%") for taxid in taxids), Taxon.taxid.in_(taxids))
            )
        else:
            query = select(Taxon.id).where(Taxon.taxid.in_(taxids))
        found.update(session.scalars(query))
    return sorted(found)
