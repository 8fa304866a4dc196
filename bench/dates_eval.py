#!/usr/bin/env python3
"""Dates in report titles: Marsad's own extraction (`find_times`) beside
`dateparser`'s `search_dates` (Arabic and English), when dateparser is installed.

Two sets: every title or description in ../shared/testdata/places-eval/cases.jsonl
that writes a date in numbers (Syrian Archive records; the reference is the
record's date, the upload day for most, so a title's date counts as right when it
falls within 3 days before it), and the written forms issue 21 lists, each with
its known date. Prints a table and writes bench/results/dates_eval.json.

    python bench/dates_eval.py          # dateparser measured if importable
"""

from __future__ import annotations

import json
import re
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from marsad.core.places.extract import find_times  # noqa: E402

CASES = ROOT.parent / "shared" / "testdata" / "places-eval" / "cases.jsonl"
RESULTS = ROOT / "bench" / "results" / "dates_eval.json"
FORMS = [  # (text, post time, the date it names)
    ("حماه-كفرزيتا-حالات اختناق 11-4-2014", datetime(2014, 4, 11, 22), date(2014, 4, 11)),
    ("ريف دمشق_عين ترما_عشرات الإصابات 21 4 2014", datetime(2014, 4, 21, 20), date(2014, 4, 21)),
    ("ادلب_سراقب_قصف بالبراميل_22_05_2014", datetime(2014, 5, 22, 18), date(2014, 5, 22)),
    ("حلب ـ الأتارب ـ قصف جوي 19ـ5ـ2014", datetime(2014, 5, 19, 18), date(2014, 5, 19)),
    ("Kafr Zita chlorine 17072014", datetime(2014, 7, 17, 21), date(2014, 7, 17)),
    ("التمانعة ١٨-٠٤-٢٠١٤ حالات اختناق", datetime(2014, 4, 18, 23), date(2014, 4, 18)),
    ("غارة على معرة النعمان بتاريخ ٣ أيار ٢٠١٤", datetime(2014, 5, 4, 9), date(2014, 5, 3)),
    ("قصف مدفعي على اللطامنة 12 نيسان 2014", datetime(2014, 4, 12, 20), date(2014, 4, 12)),
    ("Airstrike on Saraqib, 3 May 2014", datetime(2014, 5, 4, 9), date(2014, 5, 3)),
    ("Shelling of Latamneh on April 12th, 2014", datetime(2014, 4, 13, 9), date(2014, 4, 12)),
    ("Chlorine attack in Talmenes 21/04/2014", datetime(2014, 4, 22, 9), date(2014, 4, 21)),
    ("مظاهرة في كفرنبل 2014/3/14", datetime(2014, 3, 14, 20), date(2014, 3, 14)),
    ("قصف على حي الشعار بحلب 4 شباط", datetime(2016, 2, 4, 20), date(2016, 2, 4)),
    ("Barrel bombs on al-Sukkari, 5 February", datetime(2016, 2, 5, 20), date(2016, 2, 5)),
    ("غارة على سراقب 20140522", datetime(2014, 5, 22, 20), date(2014, 5, 22)),
    ("قصف على دوما ٢٢ـ٠٥ـ٢٠١٤", datetime(2014, 5, 22, 20), date(2014, 5, 22)),
]
_NUMERIC = re.compile(r"[\d٠-٩]{1,4}\s*[-_/.ـ ]\s*[\d٠-٩]{1,2}\s*[-_/.ـ ]\s*[\d٠-٩]{2,4}|[\d٠-٩]{8}")


def real_titles() -> list[tuple[str, datetime, date]]:
    seen, out = set(), []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text = row.get("context")
        if not text or text in seen or not _NUMERIC.search(text):
            continue
        seen.add(text)
        day = date.fromisoformat(row["date"])
        out.append((text, datetime.combine(day, datetime.min.time()) + timedelta(hours=23), day))
    return out


def ours(text: str, posted: datetime) -> date | None:
    days = [t.value for t in find_times(text, posted) if t.precision == "day" and t.confidence >= 0.5
            and not isinstance(t.value, datetime)]
    return days[0] if days else None


def theirs(text: str, posted: datetime) -> date | None:
    from dateparser.search import search_dates

    found = search_dates(text, languages=["ar", "en"], settings={"RELATIVE_BASE": posted, "DATE_ORDER": "DMY",
                                                                 "PREFER_DATES_FROM": "past"})
    for _said, when in found or []:
        return when.date()
    return None


def measure(method, cases: list[tuple[str, datetime, date]], exact: bool) -> dict:
    tally = {"right": 0, "wrong": 0, "none": 0}
    misses = []
    start = time.perf_counter()
    for text, posted, truth in cases:
        got = method(text, posted)
        if got is None:
            tally["none"] += 1
        elif got == truth if exact else timedelta(0) <= truth - got <= timedelta(days=3):
            tally["right"] += 1
            continue
        else:
            tally["wrong"] += 1
        misses.append(f"{text[:90]} -> {got} (reference {truth})")
    seconds = time.perf_counter() - start
    return {"cases": len(cases), **tally, "share_right": round(tally["right"] / max(1, len(cases)), 3),
            "ms_per_text": round(1000 * seconds / max(1, len(cases)), 2), "misses": misses[:15]}


def main() -> None:
    sets = {"issue 21 forms (exact day)": (FORMS, True)}
    if CASES.is_file():
        sets["real titles with a numeric date (within 3 days before the record date)"] = (real_titles(), False)
    methods = {"marsad find_times": ours}
    try:
        import dateparser  # noqa: F401

        methods[f"dateparser {dateparser.__version__} search_dates"] = theirs
    except ImportError:
        print("dateparser is not installed: only Marsad's extraction is measured")
    results = {}
    print(f"{'set':<74} {'method':<34} {'cases':>5} {'right':>6} {'wrong':>6} {'none':>5} {'ms/text':>8}")
    for set_name, (cases, exact) in sets.items():
        for method_name, method in methods.items():
            r = measure(method, cases, exact)
            results[f"{set_name} / {method_name}"] = r
            print(f"{set_name:<74} {method_name:<34} {r['cases']:>5} {r['share_right']:>6.3f} "
                  f"{r['wrong']:>6} {r['none']:>5} {r['ms_per_text']:>8}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()
