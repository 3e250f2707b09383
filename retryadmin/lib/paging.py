"""Lists of large tables: counts that stop at a cap, and keyset pages (no OFFSET scans) with their cursors."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet

# A list counts matches only up to here: COUNT(*) over a million rows on every page view is slow,
# "10,000+" is as useful to a person.
COUNT_CAP = 10_000

Cursor = tuple[datetime, int]


class CappedCount(int):
    """A count that reached its cap, shown as "10,000+" (also where a template prints it)."""

    def __str__(self):
        return f"{int(self):,}+"

    # Django's templates escape through __html__ when it exists: the same text, so "10,000+" is what they show.
    def __html__(self):
        return str(self)


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows match, counting at most cap + 1 (only their keys, unordered); the flag says the
    true number is larger than `cap`."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def keyset_page(
    qs: QuerySet, field: str, cursor: Cursor | None, size: int, *, descending: bool = False
) -> tuple[list, Cursor | None]:
    """One page of `qs` (already ordered by `field`, id in that direction) after `cursor`, and the cursor
    of the next page: (value of `field`, id) of the page's last row, or None on the last page."""
    if cursor is not None:
        value, pk = cursor
        beyond = "lt" if descending else "gt"
        qs = qs.filter(Q(**{f"{field}__{beyond}": value}) | Q(**{field: value, f"id__{beyond}": pk}))
    rows = list(qs[: size + 1])
    if len(rows) > size:
        rows = rows[:size]
        return rows, (getattr(rows[-1], field), rows[-1].id)
    return rows, None


def encode_cursor(cursor: Cursor) -> str:
    return f"{cursor[0].isoformat()}|{cursor[1]}"


def decode_cursor(value: str) -> Cursor | None:
    """The (instant, id) of a cursor parameter; None when it is missing or malformed."""
    if not value:
        return None
    instant, sep, pk = value.rpartition("|")
    if not sep:
        return None
    try:
        parsed = datetime.fromisoformat(instant.replace(" ", "+"))
        number = int(pk)
    except ValueError:
        return None
    if parsed.tzinfo is None or number < 0:
        return None
    return parsed, number
