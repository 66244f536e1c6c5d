"""The trending score, documented on /about.

hotness = log10(max(upvotes, 1)) + (submitted_at - EPOCH) / DECAY_SECONDS

It does not change as time passes, so it can live in an indexed column and /trending is a
plain ORDER BY. Newer papers start higher: every DECAY_SECONDS (12.5 hours) of age is worth a
tenfold difference in upvotes, so a paper from a day ago needs about 100 times the votes of
one submitted now to rank beside it. (The scheme is Reddit's and Lobsters' "hot" ranking.)
"""

import math
from datetime import UTC, datetime

EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
DECAY_SECONDS = 45_000


def hotness(upvotes: int, submitted_at: datetime) -> float:
    age = (submitted_at - EPOCH).total_seconds()
    return round(math.log10(max(upvotes, 1)) + age / DECAY_SECONDS, 7)
