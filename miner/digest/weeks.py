"""ISO weeks: "2026-W47" ↔ the UTC interval [Monday 00:00, next Monday 00:00), and the week just
ended at a given moment. Weeks compare in time order; `moment in week` says whether a moment falls
in one. Imports: stdlib, `miner.errors`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from miner.errors import InvalidValue

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True, order=True)
class Week:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Week:
        match = _WEEK.match(text.strip())
        if not match:
            raise InvalidValue(f"a week is written YYYY-Www (e.g. 2026-W47), not {text!r}")
        week = cls(int(match[1]), int(match[2]))
        try:
            date.fromisocalendar(week.year, week.number, 1)
        except ValueError as exc:
            raise InvalidValue(f"{text} is not a week of {week.year}") from exc
        return week

    @classmethod
    def containing(cls, moment: datetime) -> Week:
        year, number, _ = moment.astimezone(UTC).date().isocalendar()
        return cls(year, number)

    @classmethod
    def just_ended(cls, now: datetime) -> Week:
        """The last complete week before `now`."""
        return cls.containing(now).previous()

    def __str__(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def start(self) -> datetime:
        return datetime.combine(date.fromisocalendar(self.year, self.number, 1), datetime.min.time(), tzinfo=UTC)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(days=7)

    def __contains__(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def previous(self, weeks: int = 1) -> Week:
        return Week.containing(self.start - timedelta(days=7 * weeks))

    def label(self) -> str:
        """ "17–23 November 2026"."""
        first, last = self.start.date(), (self.end - timedelta(days=1)).date()
        if first.month == last.month:
            return f"{first.day}–{last.day} {last:%B %Y}"
        if first.year == last.year:
            return f"{first.day} {first:%B} – {last.day} {last:%B %Y}"
        return f"{first.day} {first:%B %Y} – {last.day} {last:%B %Y}"
