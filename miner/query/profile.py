"""The transdiagnostic view: which taxa move the same way across disorders.

- `profile`: a taxon × disorder-group matrix of consensus (`miner.query.pairs`: papers up, down,
  unchanged, label), one row per taxon, each row with the direction most of its disorders agree
  on and how many agree; rows sorted by agreement (or papers, or name).
- `shared`: the taxa whose consensus is the same direction ("increased" or "decreased") in at
  least `k` of the named disorder groups, with the groups that agree and those that do not.

Both read the consensus of every pair of the named groups for one subject (human by default);
the matrix is computed once per state of the data and kept (`miner.query.kept`): a new claim, a
verdict or a finished ingest run makes the next read compute it again.
Imports: SQLAlchemy, `miner.errors`, `miner.query.filters`, `miner.query.kept`, `miner.query.names`,
`miner.query.pairs`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

from sqlalchemy.orm import Session

from miner.errors import InvalidValue
from miner.query.filters import RelationFilter, taxon_ids
from miner.query.kept import kept
from miner.query.names import disorder_groups, split_values, taxids
from miner.query.pairs import PairOptions, pairs

MAX_TAXA = 200
ProfileSortName = Literal["agreement", "papers", "taxon"]
PROFILE_SORTS: dict[ProfileSortName, str] = {
    "agreement": "most disorders agreeing first",
    "papers": "most papers first",
    "taxon": "taxon name A → Z",
}
AGREEING = ("increased", "decreased")


def profile(
    session: Session,
    disorders: str,
    *,
    taxa: str | None = None,
    subject: str = "human",
    options: PairOptions = PairOptions(),
    sort: str = "agreement",
    limit: int = 50,
) -> dict[str, Any]:
    """The matrix for the named taxa (comma-separated; with `taxa` None, the `limit` taxa with the
    most papers over the groups)."""
    if sort not in PROFILE_SORTS:
        raise InvalidValue(f"no sort {sort!r}; use one of {', '.join(PROFILE_SORTS)}")
    groups = disorder_groups(session, disorders)
    rows = _matrix(session, groups, subject, options)
    if taxa is not None:
        wanted = _wanted_taxa(session, taxa, options)
        rows = [row for row in rows if _taxon_key(row, options) in wanted]
    keys = {
        "agreement": lambda r: (-r["agreeing"], -r["papers"], r["taxon"]),
        "papers": lambda r: (-r["papers"], r["taxon"]),
        "taxon": lambda r: (r["taxon"],),
    }
    rows = sorted(rows, key=keys[sort])
    return {
        "disorders": groups,
        "subject": subject,
        "evidence": options.evidence,
        "roll_up": options.roll_up,
        "sort": sort,
        "rows": [_shown(row) for row in rows[:limit]],
    }


def shared(
    session: Session,
    disorders: str,
    *,
    k: int | None = None,
    subject: str = "human",
    options: PairOptions = PairOptions(),
    limit: int = 100,
) -> dict[str, Any]:
    """Taxa whose consensus agrees in at least `k` of the groups (default: all of them, at least 2)."""
    groups = disorder_groups(session, disorders)
    if len(groups) < 2:
        raise InvalidValue(f"name at least two disorder groups, not {len(groups)} ({', '.join(groups)})")
    k = len(groups) if k is None else k
    if not 2 <= k <= len(groups):
        raise InvalidValue(f"k is between 2 and the number of groups named ({len(groups)}), not {k}")
    rows = [row for row in _matrix(session, groups, subject, options) if row["agreeing"] >= k]
    rows.sort(key=lambda r: (-r["agreeing"], -r["papers"], r["taxon"]))
    return {
        "disorders": groups,
        "k": k,
        "subject": subject,
        "evidence": options.evidence,
        "roll_up": options.roll_up,
        "items": [_shown(row) for row in rows[:limit]],
    }


def _matrix(session: Session, groups: list[str], subject: str, options: PairOptions) -> list[dict[str, Any]]:
    """The rows of every taxon reported in the groups, kept per state of the data."""
    return kept(
        session,
        ("profile", tuple(groups), subject, options),
        lambda: _rows(_pair_table(session, groups, subject, options), groups),
    )


def _wanted_taxa(session: Session, taxa: str, options: PairOptions) -> set[int]:
    names = split_values(taxa)
    if len(names) > MAX_TAXA:
        raise InvalidValue(f"at most {MAX_TAXA} taxa at once")
    if options.roll_up:  # rows are ancestors: match the named taxa's own taxids
        return {taxid for name in names for taxid in taxids(session, name)}
    return set(taxon_ids(session, taxa))


def _taxon_key(row: dict[str, Any], options: PairOptions) -> int | None:
    key: int | None = row["taxid"] if options.roll_up else row["taxon_id"]
    return key


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A kept row as answered: a copy, without the stored taxon's row id."""
    return {name: value for name, value in row.items() if name != "taxon_id"}


def _rows(table: list[dict[str, Any]], groups: list[str]) -> list[dict[str, Any]]:
    """One row per taxon: its cell per group, and the direction most groups agree on."""
    by_taxon: dict[tuple[int | None, int | None, str], dict[str, Any]] = {}
    for pair in table:
        key = (pair["taxon_id"], pair["taxid"], pair["taxon"])
        row = by_taxon.setdefault(
            key,
            {
                "taxon_id": pair["taxon_id"],
                "taxon": pair["taxon"],
                "taxid": pair["taxid"],
                "rank": pair["rank"],
                "cells": dict.fromkeys(groups),
                "papers": 0,
            },
        )
        row["cells"][pair["disorder_group"]] = {
            name: pair[name]
            for name in (
                "increased",
                "decreased",
                "unchanged",
                "papers",
                "score",
                "consensus",
                "reviews_papers",
                "conflict",
            )
        }
        row["papers"] += pair["papers"]
    for row in by_taxon.values():
        labels = Counter(cell["consensus"] for cell in row["cells"].values() if cell and cell["consensus"] in AGREEING)
        direction, agreeing = labels.most_common(1)[0] if labels else (None, 0)
        if labels and list(labels.values()).count(agreeing) > 1:
            direction = None  # as many groups up as down: no shared direction
        row["direction"], row["agreeing"] = direction, agreeing if direction else 0
        row["agree"] = [g for g, cell in row["cells"].items() if cell and direction and cell["consensus"] == direction]
        row["disagree"] = [
            g
            for g, cell in row["cells"].items()
            if cell and cell["consensus"] in AGREEING and cell["consensus"] != direction
        ]
        row["reported_in"] = sum(1 for cell in row["cells"].values() if cell)
    return list(by_taxon.values())


def _pair_table(session: Session, groups: list[str], subject: str, options: PairOptions) -> list[dict[str, Any]]:
    """Every pair of the groups for the subject (`pairs`, kept per state of the data)."""
    return pairs(session, RelationFilter(disorder=",".join(groups), subject=subject), limit=None, options=options)
