"""Turn what people type into stored rows: a disorder by MeSH descriptor, name or group.

Names are compared folded ("Parkinson's disease", "Parkinson Disease" and "parkinson-disease"
alike). Imports: SQLAlchemy, `miner.errors`, `miner.store.models`.
"""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from miner.errors import InvalidValue
from miner.store.models import Disorder

_FOLD = re.compile(r"'s\b|[^a-z0-9]+")


def disorder_meshes(session: Session, disorder: str) -> list[str]:
    """The MeSH descriptors a disorder filter names: a group (all its descriptors: "depression"
    is depression, major depressive disorder and depressive disorder), else a descriptor or a
    disorder's name."""
    wanted = _folded(disorder)
    rows = session.execute(select(Disorder.mesh, Disorder.name, Disorder.group)).all()
    for match in (lambda mesh, name, group: _folded(group) == wanted, lambda mesh, name, group: wanted in (_folded(mesh), _folded(name))):
        found = sorted(mesh for mesh, name, group in rows if match(mesh, name, group))
        if found:
            return found
    groups = sorted({group for _, _, group in rows})
    raise InvalidValue(f"no disorder {disorder!r}; use a MeSH id, a disorder name or one of the groups: {', '.join(groups) or 'none stored yet'}")


def disorder_group_of(session: Session, disorder: str) -> str:
    """The one disorder group a disorder filter names."""
    meshes = disorder_meshes(session, disorder)
    return session.scalar(select(Disorder.group).where(Disorder.mesh == meshes[0]))


def _folded(name: str) -> str:
    """"Parkinson's disease", "Parkinson Disease" and "parkinson-disease" alike."""
    return " ".join(_FOLD.sub(" ", name.lower()).split())
