"""The timeline: incidents (by event date) and evidence (by capture time) counted per
day in the database (GROUP BY), drawn as server-rendered SVG bars; a day zooms to
its hours where times are known. Long periods fold to months, so a page never
draws more than MAX_BARS bars. Time runs right to left in a right-to-left language.

Counting is done by `day_counts` / `hour_counts` (in the database); `buckets_by_day`
and `Chart` turn counts into buckets and bar geometry in plain Python, tested on
their own; `svg` writes the bars."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, QuerySet, Sum
from django.db.models.functions import ExtractHour, TruncDate
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marsad.incidents.filters import parse_date

MAX_DAYS = 400  # longer periods are drawn by month
MAX_MONTHS = 600  # bars at most: fifty years by month
WIDTH, TOP, BOTTOM, GAP = 1000.0, 120.0, 56.0, 18.0


@dataclass
class Bucket:
    key: str  # "2019-05-05", "2019-05" or "17"
    label: str
    incidents: int = 0
    approximate: int = 0  # incidents dated only to the week or month (ACLED time_precision 2, 3)
    evidence: int = 0
    start: dt.date | None = None
    end: dt.date | None = None
    # geometry, filled by Chart
    x: float = 0.0
    width: float = 0.0
    bars: dict = field(default_factory=dict)


def _span(incidents: QuerySet, items: QuerySet) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day of the incidents' and the evidence's dates."""
    span = incidents.aggregate(a=Min("event_date"), b=Max("event_date"))
    seen = items.aggregate(a=Min("captured_at"), b=Max("captured_at"))
    firsts = [d for d in (span["a"], seen["a"] and seen["a"].astimezone(dt.UTC).date()) if d]
    lasts = [d for d in (span["b"], seen["b"] and seen["b"].astimezone(dt.UTC).date()) if d]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def _months(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def period(filters, incidents: QuerySet, items: QuerySet) -> tuple[dt.date, dt.date] | None:
    """The filter's dates, else the span of the incidents' and the evidence's dates. A
    period of more than MAX_MONTHS (a filter may name the year 1 or 9999) is narrowed to
    the records inside it, and then, if still too long, to its last MAX_MONTHS months."""
    start, end = parse_date(filters.date_from), parse_date(filters.date_to)
    if not (start and end):
        first, last = _span(incidents, items)
        start, end = start or first, end or last
    if not start or not end:
        return None
    start, end = min(start, end), max(start, end)
    if _months(start, end) > MAX_MONTHS:
        first, last = _span(incidents.filter(event_date__gte=start, event_date__lte=end),
                            items.filter(captured_at__gte=dt.datetime.combine(start, dt.time.min, dt.UTC),
                                         captured_at__lte=dt.datetime.combine(end, dt.time.max, dt.UTC)))
        start, end = first or start, last or end
    if _months(start, end) > MAX_MONTHS:
        year, month = divmod(end.year * 12 + end.month - MAX_MONTHS, 12)
        start = max(start, dt.date(year, month + 1, 1))
    return start, end


def held_project(user, filters) -> int | None:
    """The one project whose evidence the timeline counts, where the filter narrows evidence
    by nothing but project, kind and dates: its per-day counts are kept (access.HeldDay).
    None where the user sees several projects (an item held by two would count twice) or
    the filter chooses evidence otherwise."""
    from marsad.access.models import Project
    from marsad.access.rules import projects_where

    if any(getattr(filters, name) for name in ("source", "q", *filters.INCIDENT_CHOICES)):
        return None
    projects = set(projects_where(user, "view"))
    if filters.project:
        projects &= set(Project.objects.filter(slug=filters.project).values_list("pk", flat=True))
    return projects.pop() if len(projects) == 1 else None


def held_counts(project_id: int, kind: str, start: dt.date, end: dt.date) -> dict[dt.date, int]:
    """{day: items of `kind` (any kind if empty) the project holds, captured that day (UTC)}."""
    from marsad.access.models import HeldDay

    rows = HeldDay.objects.filter(project_id=project_id, day__gte=start, day__lte=end, n__gt=0)
    if kind:
        rows = rows.filter(kind=kind)
    return {_as_date(r["day"]): r["total"] for r in rows.values("day").annotate(total=Sum("n")).order_by()}


def day_counts(incidents: QuerySet, items: QuerySet, start: dt.date, end: dt.date, held: tuple | None = None):
    """({day: (incidents, of which approximate)}, {day: evidence}) between start and end;
    `held`: (project id, kind) to read the evidence counts from access.HeldDay."""
    rows = (incidents.filter(event_date__gte=start, event_date__lte=end)
            .values("event_date", "time_precision").annotate(n=Count("id")).order_by())
    by_day: dict[dt.date, list[int]] = {}
    for r in rows:
        slot = by_day.setdefault(r["event_date"], [0, 0])
        slot[0] += r["n"]
        if (r["time_precision"] or 1) > 1:
            slot[1] += r["n"]
    if held is not None:
        return {d: tuple(v) for d, v in by_day.items()}, held_counts(*held, start, end)
    low = dt.datetime.combine(start, dt.time.min, dt.UTC)
    high = dt.datetime.combine(end, dt.time.max, dt.UTC)
    seen = (items.filter(captured_at__gte=low, captured_at__lte=high)
            .annotate(day=TruncDate("captured_at", tzinfo=dt.UTC)).values("day").annotate(n=Count("id")).order_by())
    evidence = {_as_date(r["day"]): r["n"] for r in seen}
    return {d: tuple(v) for d, v in by_day.items()}, evidence


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def buckets_by_day(start: dt.date, end: dt.date, incidents: dict, evidence: dict) -> list[Bucket]:
    """One bucket a day, or a month when the period is longer than MAX_DAYS."""
    by_month = (end - start).days + 1 > MAX_DAYS
    out: dict[str, Bucket] = {}
    day = start
    while True:  # stops at `end` itself: the day after 9999-12-31 is no date
        if by_month:
            key = f"{day:%Y-%m}"
            last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
            out[key] = Bucket(key, key, start=day, end=min(last, end))
        else:
            key = day.isoformat()
            out[key] = Bucket(key, key, start=day, end=day)
        if out[key].end >= end:
            break
        day = out[key].end + dt.timedelta(days=1)
    for when, (n, approx) in incidents.items():
        b = out.get(f"{when:%Y-%m}" if by_month else when.isoformat())
        if b:
            b.incidents += n
            b.approximate += approx
    for when, n in evidence.items():
        b = out.get(f"{when:%Y-%m}" if by_month else when.isoformat())
        if b:
            b.evidence += n
    return list(out.values())


def hour_counts(incidents: QuerySet, items: QuerySet, day: dt.date) -> tuple[list[Bucket], int]:
    """24 hourly buckets for one day (incidents by local time, evidence by UTC capture
    time), and how many of that day's incidents have no time."""
    on_day = incidents.filter(event_date=day)
    timed = Counter({r["h"]: r["n"] for r in on_day.filter(event_time__isnull=False)
                     .annotate(h=ExtractHour("event_time")).values("h").annotate(n=Count("id")).order_by()})
    untimed = on_day.filter(event_time__isnull=True).count()
    low, high = dt.datetime.combine(day, dt.time.min, dt.UTC), dt.datetime.combine(day, dt.time.max, dt.UTC)
    captured = Counter({r["h"]: r["n"] for r in items.filter(captured_at__gte=low, captured_at__lte=high)
                        .annotate(h=ExtractHour("captured_at", tzinfo=dt.UTC)).values("h").annotate(n=Count("id"))
                        .order_by()})
    buckets = [Bucket(f"{h:02d}", f"{h:02d}:00", incidents=timed.get(h, 0), evidence=captured.get(h, 0))
               for h in range(24)]
    return buckets, untimed


@dataclass
class Chart:
    """Bar geometry in a WIDTH-wide SVG: incidents above the axis, evidence in a strip below.
    In right-to-left order the first bucket is at the right."""

    buckets: list[Bucket]
    rtl: bool = False
    height: float = TOP + GAP + BOTTOM + 18

    def __post_init__(self) -> None:
        n = max(1, len(self.buckets))
        slot = WIDTH / n
        top_max = max([b.incidents for b in self.buckets] + [1])
        bottom_max = max([b.evidence for b in self.buckets] + [1])
        inner = min(max(slot * 0.8, min(slot, 1.0)), 48.0)  # a few days' bars stay bars, not blocks
        for i, b in enumerate(self.buckets):
            b.x = round((n - 1 - i) * slot if self.rtl else i * slot, 2)
            b.width = round(slot, 2)
            bar_x = round(b.x + (slot - inner) / 2, 2)
            h = TOP * b.incidents / top_max
            h_approx = TOP * b.approximate / top_max
            e = BOTTOM * b.evidence / bottom_max
            b.bars = {
                "x": bar_x, "w": round(inner, 2),
                "exact_y": round(TOP - h, 2), "exact_h": round(h - h_approx, 2),
                "approx_y": round(TOP - h_approx, 2), "approx_h": round(h_approx, 2),
                "evidence_y": round(TOP + GAP, 2), "evidence_h": round(e, 2),
            }
        self.axis_y = TOP + GAP / 2
        self.label_y = TOP + GAP + BOTTOM + 14
        step = -(-n // 8)  # at most eight or nine labels
        shown = [i for i in range(n) if i % step == 0]
        if n > 1 and (n - 1 - shown[-1]) * slot >= 110:  # the last one too, where it has room
            shown.append(n - 1)
        self.ticks = [(round(self.buckets[i].x + slot / 2, 2), self.buckets[i].label) for i in shown]
        self.width = WIDTH
        # The tallest bars' counts, for the legend (0 when there is nothing to draw).
        self.incident_max = max([b.incidents for b in self.buckets] + [0])
        self.evidence_max = max([b.evidence for b in self.buckets] + [0])


EDGE = 45  # about half a date label's width, in the chart's units


def svg(chart: Chart, mode: str, caption_id: str) -> str:
    """The chart as inline SVG markup (built here, not in a template loop: a year is 365
    bars, and a template takes ten times as long to draw them). Each bucket with a `url`
    is a link; its <title> says what the bars count."""

    def num(value: float) -> str:
        return f"{value:.2f}".rstrip("0").rstrip(".")

    out = [(f'<svg class="histogram" viewBox="0 0 {num(chart.width)} {num(chart.height)}" role="img" '
            f'aria-labelledby="{escape(caption_id)}" data-mode="{escape(mode)}">'),
           f'<line class="axis" x1="0" x2="{num(chart.width)}" y1="{num(chart.axis_y)}" y2="{num(chart.axis_y)}"/>']
    for b in chart.buckets:
        bars = b.bars
        title = ngettext("%(counter)s incident", "%(counter)s incidents", b.incidents) % {"counter": b.incidents}
        if b.approximate:
            title += " (" + _("%(count)s dated only to the week or month") % {"count": b.approximate} + ")"
        title += ", " + ngettext("%(counter)s piece of evidence", "%(counter)s pieces of evidence",
                                 b.evidence) % {"counter": b.evidence}
        url = getattr(b, "url", "")
        key = escape(b.key)
        out.append(f'<a href="{escape(url)}" class="bucket" data-key="{key}">' if url
                   else f'<g class="bucket" data-key="{key}">')
        out.append(f"<title>{escape(b.label)}: {escape(title)}</title>")
        out.append(f'<rect class="slot" x="{num(b.x)}" y="0" width="{num(b.width)}" height="{num(chart.height)}"/>')
        x, w = num(bars["x"]), num(bars["w"])
        if b.incidents > b.approximate:
            out.append(f'<rect class="bar incidents" data-day="{key}" x="{x}" y="{num(bars["exact_y"])}" '
                       f'width="{w}" height="{num(bars["exact_h"])}"/>')
        if b.approximate:
            out.append(f'<rect class="bar approximate" data-day="{key}" x="{x}" y="{num(bars["approx_y"])}" '
                       f'width="{w}" height="{num(bars["approx_h"])}"/>')
        if b.evidence:
            out.append(f'<rect class="bar evidence" x="{x}" y="{num(bars["evidence_y"])}" width="{w}" '
                       f'height="{num(bars["evidence_h"])}"/>')
        out.append("</a>" if url else "</g>")
    for x, text in chart.ticks:
        # A label at either end would be cut in half by the edge: align it to the edge instead.
        anchor, x = (("start", 0.0) if x < EDGE else ("end", chart.width) if x > chart.width - EDGE
                     else ("middle", x))
        out.append(f'<text class="tick" x="{num(x)}" y="{num(chart.label_y)}" text-anchor="{anchor}" '
                   f'direction="ltr">{escape(text)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # every value above is escaped or a number
