"""When demo things happen: moments over the three years before a day, drawn with a shop's
seasons — busier in November and December (Black Friday most of all), quieter in the summer
and after New Year, a weekly rhythm (Sunday evening and Monday high, Saturday low), and a
growing business. The same random generator gives the same moments."""

import bisect
import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

YEARS = 3
MONTHS = (0.8, 0.75, 0.9, 0.95, 1.0, 0.9, 0.8, 0.85, 1.0, 1.1, 1.9, 1.7)  # January first
WEEKDAYS = (1.2, 1.1, 1.05, 1.0, 0.95, 0.75, 1.05)  # Monday first
BLACK_FRIDAY = 4.0
HOURS = tuple(0.2 if h < 7 else 1.6 if 19 <= h <= 22 else 1.0 for h in range(24))
GROWTH = 0.8  # the last day is 1.8 times as busy as the first


def _black_friday(year: int) -> date:
    """The fourth Friday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7 + 21)


class Calendar:
    """The days of the ``years`` years up to ``end`` (excluded), each with its weight."""

    def __init__(self, end: date, years: int = YEARS):
        self.start = end - timedelta(days=365 * years)
        self.days = [self.start + timedelta(days=n) for n in range((end - self.start).days)]
        fridays = {_black_friday(year) for year in range(self.start.year, end.year + 1)}
        weights = [
            MONTHS[day.month - 1]
            * WEEKDAYS[day.weekday()]
            * (BLACK_FRIDAY if day in fridays else 1.0)
            * (1 + GROWTH * n / len(self.days))
            for n, day in enumerate(self.days)
        ]
        self.cumulative = list(accumulate(weights))
        self.hours = list(accumulate(HOURS))

    def moment(self, rng: random.Random, after: datetime | None = None) -> datetime:
        """A moment in the calendar (after ``after``, if given), busy days and hours likelier."""
        low = 0.0
        if after is not None:
            index = (after.date() - self.start).days
            low = self.cumulative[index - 1] if 0 < index <= len(self.days) else 0.0
        point = low + rng.random() * (self.cumulative[-1] - low)
        day = self.days[min(bisect.bisect_right(self.cumulative, point), len(self.days) - 1)]
        hour = bisect.bisect_right(self.hours, rng.random() * self.hours[-1])
        moment = datetime.combine(day, time(min(hour, 23)), tzinfo=UTC) + timedelta(
            seconds=rng.randrange(3600)
        )
        return max(moment, after) if after is not None else moment
