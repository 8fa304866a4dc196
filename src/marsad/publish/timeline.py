"""The timeline page's histogram and day list, computed on the server: the page needs no
script (site.js only narrows it to the filters in the URL). The histogram is inline SVG
drawn with attributes (the pages' CSP forbids inline styles); in Arabic time runs right to left."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

WIDTH, HEIGHT = 1000, 120  # the bars' area, in SVG units (the picture scales to the page)
MIN_BAR, MAX_BAR = 3, 40  # a lone day stays visible on a long range; a short one is not a wall of red


def context(rows: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """rows: the index's rows. Returns days (for the list), bars and axis labels (for the SVG)."""
    dated = sorted((r for r in rows if r["date"]), key=lambda r: (r["date"], r["code"]))
    days: dict[str, list[dict[str, Any]]] = {}
    for r in dated:
        days.setdefault(str(r["date"]), []).append(r)
    undated = sorted((r for r in rows if not r["date"]), key=lambda r: r["code"])
    listed = [{"day": d, "anchor": f"day-{d}", "rows": rs,
               "count": ngettext("%(n)s incident", "%(n)s incidents", len(rs)) % {"n": len(rs)}}
              for d, rs in days.items()]
    if undated:
        listed.append({"day": _("date unknown"), "anchor": "day-unknown", "rows": undated,
                       "count": ngettext("%(n)s incident", "%(n)s incidents", len(undated)) % {"n": len(undated)}})
    return {"days": listed, "total": len(rows), "undated": len(undated), **_bars(Counter(r["date"] for r in dated),
                                                                                  lang == "ar")}


def _bars(counts: Counter, rtl: bool) -> dict[str, Any]:
    if not counts:
        return {"bars": [], "first": "", "last": "", "most": 0, "width": WIDTH, "height": HEIGHT}
    first, last = date.fromisoformat(min(counts)), date.fromisoformat(max(counts))
    span = (last - first).days + 1
    step = WIDTH / span
    wide = max(min(step * 0.8, MAX_BAR), MIN_BAR)
    most = max(counts.values())
    bars = []
    for day, n in sorted(counts.items()):
        x = (date.fromisoformat(day) - first).days * step + (step - wide) / 2
        x = min(max(x, 0), WIDTH - wide)
        if rtl:  # the earliest day on the right, as Arabic reads
            x = WIDTH - x - wide
        h = max(HEIGHT * n / most, 2)
        bars.append({"day": day, "n": n, "x": f"{x:.2f}", "y": f"{HEIGHT - h:.2f}", "w": f"{wide:.2f}",
                     "h": f"{h:.2f}", "anchor": f"day-{day}",
                     "label": ngettext("%(day)s: %(n)s incident", "%(day)s: %(n)s incidents", n) % {"day": day,
                                                                                                  "n": n}})
    return {"bars": bars, "first": first.isoformat(), "last": last.isoformat(), "most": most, "width": WIDTH,
            "height": HEIGHT}
