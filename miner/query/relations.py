"""Claims as rows: a page at a time with a stable cursor (the API and the search page), or every
one streamed (exports, `miner query`), always read through the curators' verdicts.

Rows are plain column tuples from one SQL statement (no ORM objects), so a page costs one
indexed query and an export runs at tens of thousands of rows a second with flat memory.
Pagination is by keyset: the cursor holds the last row's sort value and id, so pages neither
skip nor repeat rows when claims are added meanwhile.
Imports: SQLAlchemy, `miner.errors`, `miner.store`, `miner.query.{filters,estimates,study}`.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, overload

from sqlalchemy import Row, Select, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from miner.errors import InvalidValue
from miner.query.estimates import walk_is_cheaper
from miner.query.filters import MAX_INTEGER, RelationFilter, resolve
from miner.query.study import empty_study, study_of
from miner.store.claims import effective_direction, joined_claims
from miner.store.models import Article, Disorder, Relation, Taxon, Verdict

RELATION_COLUMNS = (
    "id",
    "pmid",
    "taxon",
    "taxid",
    "rank",
    "disorder",
    "mesh",
    "disorder_group",
    "direction",
    "extracted_direction",
    "verdict",
    "subject",
    "confidence",
    "evidence",
    "taxon_text",
    "taxon_start",
    "taxon_end",
    "disorder_text",
    "disorder_start",
    "disorder_end",
    "trigger",
    "trigger_start",
    "trigger_end",
    "section",
    "journal",
    "year",
    "doi",
    "pipeline_version",
)
MAX_PAGE = 500
SortName = Literal["-id", "id", "-year", "year", "-confidence", "confidence"]
SORTS: dict[SortName, tuple[InstrumentedAttribute[Any], bool]] = {  # name → (sort key, descending?)
    "-id": (Relation.id, True),
    "id": (Relation.id, False),
    "-year": (Relation.year, True),
    "year": (Relation.year, False),
    "-confidence": (Relation.confidence, True),
    "confidence": (Relation.confidence, False),
}
_WALKABLE = {"-id", "id", "-year", "year"}  # orders an index serves


def with_columns(query: Select[*tuple[Any, ...]]) -> Select[*tuple[Any, ...]]:
    """Every column of RELATION_COLUMNS for the relations `query` (over Relation) selects."""
    return joined_claims(
        query.add_columns(
            Relation.pmid,
            Taxon.name.label("taxon"),
            Taxon.taxid,
            Taxon.rank,
            Disorder.name.label("disorder"),
            Relation.mesh,
            Disorder.group.label("disorder_group"),
            effective_direction.label("direction"),
            Relation.direction.label("extracted_direction"),
            Verdict.verdict,
            Relation.subject,
            Relation.confidence,
            Relation.evidence,
            Relation.taxon_text,
            Relation.taxon_start,
            Relation.taxon_end,
            Relation.disorder_text,
            Relation.disorder_start,
            Relation.disorder_end,
            Relation.trigger,
            Relation.trigger_start,
            Relation.trigger_end,
            Relation.section,
            Article.journal,
            Article.year,
            Article.doi,
            Relation.pipeline_version,
        )
    )


def relation_select(session: Session, f: RelationFilter, *, seek: bool = True) -> Select[*tuple[Any, ...]]:
    """One SELECT of every column in RELATION_COLUMNS, filtered; no order yet."""
    return with_columns(select(Relation.id).select_from(Relation).where(*resolve(session, f).conditions(seek=seek)))


@dataclass
class Page:
    items: list[dict[str, Any]]
    next_cursor: str | None
    sort: str
    limit: int


def relation_page(
    session: Session, f: RelationFilter, *, sort: str = "-id", limit: int = 50, cursor: str | None = None
) -> Page:
    """One page of claims, each with its paper's study facts (`study`). The ids are chosen first,
    from the relation table alone (walking the sort order or seeking the filter's index,
    whichever reads less), then those rows are joined with their taxon, disorder, article and
    verdict."""
    if sort not in SORTS:
        raise InvalidValue(f"no sort {sort!r}; use one of {', '.join(SORTS)}")
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidValue(f"limit is between 1 and {MAX_PAGE}, not {limit}")
    key, descending = SORTS[sort]
    resolved = resolve(session, f)
    walk = (
        sort in _WALKABLE
        and not f.pmid
        and walk_is_cheaper(session, resolved.taxon_ids, resolved.meshes, limit + 1, resolved.study_values)
    )
    ids = select(Relation.id, key.label("sort_key")).where(*resolved.conditions(seek=not walk))
    if cursor:
        value, last_id = _read_cursor(cursor, sort)
        if key is Relation.id:
            ids = ids.where(Relation.id < last_id if descending else Relation.id > last_id)
        else:
            ids = ids.where(
                tuple_(key, Relation.id) < tuple_(value, last_id)
                if descending
                else tuple_(key, Relation.id) > tuple_(value, last_id)
            )
    order = [key.desc() if descending else key.asc()]
    if key is not Relation.id:
        order.append(Relation.id.desc() if descending else Relation.id.asc())
    chosen = session.execute(ids.order_by(*order).limit(limit + 1)).all()
    wanted = [row.id for row in chosen[:limit]]
    rows = (
        {
            row["id"]: dict(row)
            for row in session.execute(with_columns(select(Relation.id).where(Relation.id.in_(wanted)))).mappings()
        }
        if wanted
        else {}
    )
    items = [rows[i] for i in wanted]
    studies = study_of(session, (item["pmid"] for item in items))
    for item in items:
        item["study"] = studies.get(item["pmid"]) or empty_study()
    next_cursor = _write_cursor(sort, chosen[limit - 1].sort_key, chosen[limit - 1].id) if len(chosen) > limit else None
    return Page(items, next_cursor, sort, limit)


@overload
def relation_rows(
    session: Session, f: RelationFilter | None = None, batch: int = 5000, *, as_tuples: Literal[False] = False
) -> Iterator[dict[str, Any]]: ...


@overload
def relation_rows(
    session: Session, f: RelationFilter | None = None, batch: int = 5000, *, as_tuples: Literal[True]
) -> Iterator[Row[*tuple[Any, ...]]]: ...


@overload
def relation_rows(
    session: Session, f: RelationFilter | None = None, batch: int = 5000, *, as_tuples: bool
) -> Iterator[dict[str, Any]] | Iterator[Row[*tuple[Any, ...]]]: ...


def relation_rows(
    session: Session, f: RelationFilter | None = None, batch: int = 5000, *, as_tuples: bool = False
) -> Iterator[dict[str, Any]] | Iterator[Row[*tuple[Any, ...]]]:
    """Every claim the filter matches, in id order, streamed (server-side cursor on PostgreSQL):
    dicts, or with `as_tuples` plain tuples in RELATION_COLUMNS order (exports: no dict per row)."""
    f = f or RelationFilter()
    resolved = resolve(session, f)
    walk = not f.pmid and walk_is_cheaper(session, resolved.taxon_ids, resolved.meshes, batch, resolved.study_values)
    query = with_columns(select(Relation.id).where(*resolved.conditions(seek=not walk)))
    # Core execution on the session's connection: no ORM result processing, ~2× the rows/s
    result = (
        session.connection()
        .execution_options(stream_results=True, yield_per=batch)
        .execute(query.order_by(Relation.id))
    )
    keys = list(result.keys())
    assert tuple(keys) == RELATION_COLUMNS, keys
    if as_tuples:
        yield from result
        return
    for row in result:
        yield dict(zip(keys, row, strict=True))


def _write_cursor(sort: str, value: float, last_id: int) -> str:
    raw = json.dumps([sort, value, last_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str, sort: str) -> tuple[float, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        made_for, value, last_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(last_id, int) or not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ValueError
        if not 0 <= last_id <= MAX_INTEGER or not math.isfinite(value) or abs(value) > MAX_INTEGER:
            raise ValueError  # a number the database would choke on
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as exc:
        raise InvalidValue("the cursor is not one this API gave out; start again without it") from exc
    if made_for != sort:
        raise InvalidValue(f"the cursor belongs to sort {made_for!r}, not {sort!r}")
    return value, last_id
