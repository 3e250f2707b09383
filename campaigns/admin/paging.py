"""What keeps the admin's changelists of large tables (a million contacts, millions of attempts) fast.

- `CappedCountPaginator` counts matches only up to COUNT_CAP: the changelist shows "10,000+" and pages
  through the first COUNT_CAP rows; a filter or a search narrows the rest.
- `PeriodProbeQuerySet` answers the date hierarchy's "which years / months / days have rows" with one
  EXISTS per candidate period, each an index probe, instead of a DISTINCT date_trunc over every row.
- `FixedValuesFilter` offers known values, where the admin's field filter would run SELECT DISTINCT over
  the whole table on every page view.
"""

from datetime import datetime, timedelta

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import Exists, F, Max, Min, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property

from retryadmin.lib.paging import COUNT_CAP, CappedCount, capped_count


class CappedCountPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows, so a page of a million rows costs no COUNT(*) over all of them.

    Past the cap, `count` is a `CappedCount` of COUNT_CAP: the pages reach the first COUNT_CAP rows.
    """

    @cached_property
    def count(self):
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        n, capped = capped_count(rows, COUNT_CAP)
        return CappedCount(COUNT_CAP) if capped else n


def _period_starts(first: datetime, last: datetime, kind: str) -> list[datetime]:
    """The starts of the `kind` periods ("year", "month" or "day") from the one holding `first` to the one
    holding `last`, both aware and in the zone the periods are counted in, plus the end of the last one."""
    zone = first.tzinfo
    if kind == "year":
        return [datetime(year, 1, 1, tzinfo=zone) for year in range(first.year, last.year + 2)]
    if kind == "month":
        months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month + 1)
        return [datetime(m // 12, m % 12 + 1, 1, tzinfo=zone) for m in months]
    days = (last.date() - first.date()).days + 2
    return [datetime.combine(first.date() + timedelta(days=n), datetime.min.time(), tzinfo=zone) for n in range(days)]


# The most periods probed in one query; the date hierarchy asks at most 31 unless years are far apart.
MAX_PROBES = 100


def _min_max_field(aggregates: dict) -> str | None:
    """The field every one of `aggregates` is a plain Min or Max of; None for anything else."""
    names = set()
    for agg in aggregates.values():
        if type(agg) not in (Min, Max) or agg.filter is not None or len(agg.source_expressions) != 1:
            return None
        source = agg.source_expressions[0]
        if not isinstance(source, F):
            return None
        names.add(source.name)
    return names.pop() if len(names) == 1 else None


class PeriodProbeQuerySet(QuerySet):
    """A QuerySet whose `datetimes(field, "year" | "month" | "day")` costs three queries whatever the row count.

    Django's version is a SELECT DISTINCT date_trunc(...) over every matching row: 150 ms for 520,000
    callbacks, seconds for millions of attempts. Here: the first and last value (two probes of an index on the
    field), then one query of EXISTS(rows in the period) per candidate period between them, each a probe of
    the same index. The date hierarchy narrows before it asks (years, then a year's months, then a month's
    days), so there are at most 31 candidates, or one per year between the first and last row; past
    MAX_PROBES (a stray date centuries away) it is Django's DISTINCT again.
    """

    def aggregate(self, *args, **kwargs):
        """As QuerySet.aggregate; the date hierarchy's {first: Min(field), last: Max(field)} is read as the first
        and last row in the field's order, and kept: the hierarchy asks it, then `datetimes` needs it again.
        Both are None when no row has a value, as with Django's aggregate.

        MIN and MAX over a filtered join (a search by contact name) make PostgreSQL join every matching row;
        ORDER BY ... LIMIT 1 lets it walk the field's index and stop at the first match.
        """
        field_name = _min_max_field(kwargs)
        if args or field_name is None:
            return super().aggregate(*args, **kwargs)
        cache = self.__dict__.setdefault("_bounds_cache", {})
        if field_name not in cache:
            rows = self.filter(**{f"{field_name}__isnull": False}).values_list(field_name, flat=True)
            cache[field_name] = {
                "first": rows.order_by(field_name).first(),
                "last": rows.order_by(f"-{field_name}").first(),
            }
        bounds = cache[field_name]
        return {name: bounds["first" if isinstance(agg, Min) else "last"] for name, agg in kwargs.items()}

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        if kind not in ("year", "month", "day"):
            return super().datetimes(field_name, kind, order, tzinfo)
        zone = tzinfo or timezone.get_current_timezone()
        bounds = self.aggregate(first=Min(field_name), last=Max(field_name))
        if bounds["first"] is None:
            return []
        starts = _period_starts(bounds["first"].astimezone(zone), bounds["last"].astimezone(zone), kind)
        if len(starts) > MAX_PROBES + 1:
            return super().datetimes(field_name, kind, order, tzinfo)
        rows = self.order_by()
        probes = {
            f"p{n}": Exists(rows.filter(**{f"{field_name}__gte": start, f"{field_name}__lt": end}))
            for n, (start, end) in enumerate(zip(starts, starts[1:], strict=False))
        }
        # The probes do not depend on the outer row: any one row of the table carries them (PostgreSQL runs
        # each once, as an InitPlan). The table has a row, since it has a first value.
        found = next(iter(self.model._base_manager.order_by().annotate(**probes).values(*probes)[:1]))
        periods = [start for n, start in enumerate(starts[:-1]) if found[f"p{n}"]]
        return periods if order == "ASC" else periods[::-1]


def probing_dates(queryset: QuerySet) -> PeriodProbeQuerySet:
    """`queryset` as a PeriodProbeQuerySet: for a ModelAdmin.get_queryset with a date_hierarchy."""
    return PeriodProbeQuerySet(queryset.model, query=queryset.query.chain(), using=queryset._db, hints=queryset._hints)


class LargeTableAdmin(admin.ModelAdmin):
    """A ModelAdmin for a table of millions of rows: capped count, no total count, no facet counts."""

    paginator = CappedCountPaginator
    show_full_result_count = False
    # Facets count every filter choice over the whole table: a COUNT per choice on each page view.
    show_facets = admin.ShowFacets.NEVER

    def get_queryset(self, request):
        return probing_dates(super().get_queryset(request))


BLANK = "-"  # the filter value of an empty field: a query string cannot carry an empty choice apart from "All"


def fixed_values_filter(field_name: str, title: str, choices) -> type[admin.SimpleListFilter]:
    """A list filter on `field_name` offering `choices` [(value, label)] (BLANK for an empty field), with no
    query to find them."""

    class FixedValuesFilter(admin.SimpleListFilter):
        parameter_name = field_name

        def lookups(self, request, model_admin):
            return list(choices)

        def queryset(self, request, queryset):
            if self.value() is None:
                return queryset
            return queryset.filter(**{field_name: "" if self.value() == BLANK else self.value()})

    FixedValuesFilter.title = title
    return FixedValuesFilter
