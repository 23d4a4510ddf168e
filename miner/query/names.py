"""Names as researchers write them, turned into what is stored.

- Disorders: a MeSH descriptor (D003865), a descriptor's name, a disorder group (depression), or
  any term or abbreviation of the extractor's disorder lexicon (MDD, GAD, FEP, "major depression",
  "first-episode psychosis"), compared folded ("Parkinson's disease" = "parkinson disease").
- Taxa: an NCBI taxid, a stored name, or any name of the taxon gazetteer (scientific, synonym,
  former: Bacillota = Firmicutes, Segatella copri = Prevotella copri).
- Several values: `split_values("schizophrenia,psychosis")`; each must be known.
- An unknown name is `NotFound` carrying "did you mean" candidates (`NotFound.candidates`).
Imports: stdlib, SQLAlchemy, `miner.errors`, `miner.reference`, `miner.store`.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from miner.errors import InvalidValue, NotFound
from miner.reference import ReferenceData, reference_of
from miner.store.models import Disorder, Taxon

MAX_VALUES = 20  # names one filter may list
MAX_INTEGER = 2**63 - 1  # the largest integer SQLite and PostgreSQL (bigint) hold
_FOLD = re.compile(r"'s\b|[^a-z0-9]+")


def folded(name: str) -> str:
    """ "Parkinson's disease", "Parkinson Disease" and "parkinson-disease" alike."""
    return " ".join(_FOLD.sub(" ", name.lower()).split())


def split_values(text: str) -> list[str]:
    """ "schizophrenia, psychosis" → the names, blanks dropped, duplicates once, order kept."""
    values = list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not values:
        raise InvalidValue("an empty name")
    if len(values) > MAX_VALUES:
        raise InvalidValue(f"at most {MAX_VALUES} names at once, not {len(values)}")
    return values


@lru_cache(maxsize=8)
def _disorder_index(rows: tuple[tuple[str, str, str], ...], reference: ReferenceData) -> dict[str, set[str]]:
    """Folded name → MeSH descriptors, for the stored descriptors: their ids, names, lexicon terms
    and abbreviations; a group's name means all its descriptors ("depression"). Kept per set of
    descriptors (they change when a new one is first stored); callers do not change it."""
    index: dict[str, set[str]] = {}
    groups: dict[str, set[str]] = {}
    lexicon = reference.disorder_lexicon
    for mesh, name, group in rows:
        groups.setdefault(folded(group), set()).add(mesh)
        entry = lexicon.get(mesh)
        for written in (mesh, name, *(entry.terms if entry else ()), *(entry.abbreviations if entry else ())):
            index.setdefault(folded(written), set()).add(mesh)
    index.update(groups)
    return index


def known_disorders(session: Session) -> list[tuple[str, str, str]]:
    """(MeSH, name, group) of every descriptor stored or in the lexicon: a disorder nobody has
    reported yet is still a name that means something (an empty answer, not an unknown name)."""
    rows = {
        mesh: (mesh, name, group)
        for mesh, name, group in session.execute(select(Disorder.mesh, Disorder.name, Disorder.group))
    }
    for mesh, entry in reference_of(session).disorder_lexicon.items():
        rows.setdefault(mesh, (mesh, entry.terms[0], entry.group))
    return sorted(rows.values())


def disorder_meshes(session: Session, disorder: str) -> list[str]:
    """The MeSH descriptors a disorder filter names; several names comma-separated."""
    rows = known_disorders(session)
    index = _disorder_index(tuple(rows), reference_of(session))
    found: set[str] = set()
    for value in split_values(disorder):
        meshes = index.get(folded(value))
        if not meshes:
            groups = sorted({group for _, _, group in rows})
            candidates = difflib.get_close_matches(folded(value), list(index), n=5, cutoff=0.75)
            raise NotFound(
                f"no disorder {value!r}; use a MeSH id, a disorder's name, term or abbreviation, or a group: "
                f"{', '.join(groups) or 'none stored yet'}",
                candidates=candidates,
            )
        found |= meshes
    return sorted(found)


def disorder_groups(session: Session, disorder: str) -> list[str]:
    """The disorder groups a disorder filter names, in the order named."""
    groups = {mesh: group for mesh, _, group in known_disorders(session)}
    named: list[str] = []
    for value in split_values(disorder):
        for mesh in disorder_meshes(session, value):
            if groups[mesh] not in named:
                named.append(groups[mesh])
    return named


def taxids(session: Session, taxon: str) -> list[int]:
    """The NCBI taxids one taxon name means: a taxid, a stored name, or a gazetteer name. Empty
    for a stored name without a taxid (a reference database's label)."""
    text = taxon.strip()
    if not text:
        raise InvalidValue("an empty taxon filter")
    if text.isascii() and text.isdigit():
        taxid = int(text)
        if taxid > MAX_INTEGER:
            raise InvalidValue(f"an NCBI taxid is at most {MAX_INTEGER}, not {text}")
        if (
            session.scalar(select(Taxon.id).where(Taxon.taxid == taxid)) is None
            and reference_of(session).taxon_tree.node(taxid) is None
        ):
            raise NotFound(f"no taxon with NCBI taxid {taxid}")
        return [taxid]
    stored = (
        session.execute(select(Taxon.taxid).where(func.lower(Taxon.name) == " ".join(text.lower().split())))
        .scalars()
        .all()
    )
    if stored:
        return sorted({t for t in stored if t is not None})
    known = reference_of(session).taxon_tree.taxids(text)
    if not known:
        raise NotFound(f"no taxon named {text!r}", candidates=close_taxon_names(session, text))
    return known


def close_taxon_names(session: Session, text: str, limit: int = 5) -> list[str]:
    """What a mistyped or shortened taxon name may mean: names of the gazetteer first, then stored
    names spelled alike."""
    found = reference_of(session).taxon_tree.close_names(text, limit)
    if len(found) < limit:
        start = " ".join(text.lower().split())[:3]
        stored = session.scalars(select(Taxon.name).where(func.lower(Taxon.name).like(f"{start}%")).limit(2000)).all()
        found += [name for name in difflib.get_close_matches(text, stored, n=limit, cutoff=0.8) if name not in found]
    return found[:limit]


def one_taxid(session: Session, taxon: str) -> int:
    """The one NCBI taxid a taxid or taxon name means; a name several taxa share names them."""
    found = taxids(session, taxon)
    if not found:
        raise NotFound(
            f"{taxon.strip()!r} is a reference database's label without an NCBI taxid; "
            f"search claims with taxon={taxon.strip()}"
        )
    if len(found) > 1:
        stored = [t for t in session.scalars(select(Taxon.taxid).where(Taxon.taxid.in_(found))) if t is not None]
        if len(stored) != 1:
            raise InvalidValue(
                f"{taxon.strip()!r} names several taxa: NCBI taxids {', '.join(map(str, found))}; use one of them"
            )
        return stored[0]
    return found[0]
