"""Which articles a week's digest speaks of: it follows PubMed's calendar, as known when the
digest is built (`now`; only articles first stored by then count).

- An article's week is the ISO week of its Entrez date (when PubMed added it), or of its first
  storage (`first_seen_at`) when it has none (JSON Lines input). Week W's digest lists the
  articles of week W; the chart and "before the week" in the moves count the same way.
- An article first stored after the issue of its week was generated (`digest_issue.generated_at`)
  missed that issue: it is a late addition. It is listed exactly once, by the first issue
  generated after it was stored among the issues of weeks after its own. So the issue of week W
  built at `now` lists as late the articles whose week is before W, whose week's issue was
  generated before they were first stored, that were first stored by `now`, and such that no
  issue of a week after theirs (other than W's) was generated between their storage and `now`.
  An article stored before its week's issue is generated (or rebuilt) is in that issue, never
  late. (The one exception: rebuilding an issue after an issue of a later week was generated
  drops the late additions the first build listed, since that later issue, already made, did
  not list them.)
- When the digests learn of an article (its arrival): its Entrez date, or its first storage if
  it is a late addition. A conflict is new in the digest that lists the paper whose arrival made
  its two sides contradict.
Imports: SQLAlchemy, stdlib, `miner.store`, `miner.digest.weeks`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, SQLColumnExpression, func, select
from sqlalchemy.orm import Session

from miner.digest.weeks import Week
from miner.store.models import Article, DigestIssue

# when PubMed added the article, else when it was first stored
ADDED = func.coalesce(Article.entrez_date, Article.first_seen_at)
CHUNK = 500  # PMIDs per IN list


def during(column: SQLColumnExpression[datetime], week: Week) -> ColumnElement[bool]:
    """SQL: the moment in `column` falls in `week`."""
    return (column >= week.start) & (column < week.end)


@dataclass(frozen=True)
class Calendar:
    """The issue being built (its week, at `now`) and the other weeks' issues generated before it."""

    week: Week
    now: datetime
    issues: dict[Week, datetime]  # week → generated_at

    @classmethod
    def load(cls, session: Session, week: Week, now: datetime) -> Calendar:
        rows = session.execute(
            select(DigestIssue.week, DigestIssue.generated_at).where(
                DigestIssue.week != str(week), DigestIssue.generated_at < now
            )
        )
        return cls(week, now, {Week.parse(name): at for name, at in rows})

    def stored(self) -> ColumnElement[bool]:
        """SQL: the article was first stored by `now`."""
        return Article.first_seen_at <= self.now

    def added_in(self, week: Week) -> ColumnElement[bool]:
        """SQL: the article belongs to `week` (by PubMed's calendar) and was stored by `now`."""
        return during(ADDED, week) & self.stored()

    def missed(self, added: datetime, seen: datetime) -> bool:
        """The article was first stored after its week's issue was generated."""
        generated = self.issues.get(Week.containing(added))
        return generated is not None and generated < seen

    def arrival(self, added: datetime, seen: datetime) -> datetime:
        return seen if self.missed(added, seen) else added

    def is_late(self, added: datetime, seen: datetime) -> bool:
        """This issue is the one that lists the article as a late addition."""
        own = Week.containing(added)
        return (
            own < self.week
            and seen <= self.now
            and self.missed(added, seen)
            and not any(own < week and seen <= at for week, at in self.issues.items())
        )

    def late_pmids(self, session: Session) -> list[str]:
        """This issue's late additions, oldest first (retracted articles are no news). Each was
        stored after the issue of the last week before this one that has an issue: that week is
        theirs, or after theirs."""
        earlier = [week for week in self.issues if week < self.week]
        if not earlier:
            return []
        rows = session.execute(
            select(Article.pmid, ADDED, Article.first_seen_at)
            .where(
                self.week.start > ADDED,
                Article.first_seen_at > self.issues[max(earlier)],
                self.stored(),
                Article.is_retracted.is_(False),
            )
            .order_by(ADDED, Article.pmid)
        )
        return [pmid for pmid, added, seen in rows if self.is_late(added, seen)]

    def arrivals(self, session: Session, pmids: set[str]) -> dict[str, datetime]:
        """PMID → arrival, for the articles of `pmids` stored by `now`."""
        ordered, found = sorted(pmids), {}
        for start in range(0, len(ordered), CHUNK):
            query = select(Article.pmid, ADDED, Article.first_seen_at).where(
                Article.pmid.in_(ordered[start : start + CHUNK]), self.stored()
            )
            found.update({pmid: self.arrival(added, seen) for pmid, added, seen in session.execute(query)})
        return found
