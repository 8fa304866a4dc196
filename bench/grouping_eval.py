#!/usr/bin/env python3
"""Grouping evaluation: prints a table and writes bench/results/grouping_eval.json.

Synthetic incidents at real places of the OCHA gazetteer (Idleb and Hama
governorates), some in the same town on other days and some in neighbouring
villages on the same day. Each has reports as Telegram channels write them, in
Arabic or English, the place spelled variously (vowels, joined or split words,
the article, alef and ta marbuta forms), with or without an admin context,
times given absolutely, relatively ("this morning", "أمس") or not at all, posted
minutes to hours later; some carry a copy of the incident's footage. The first
report of each incident creates it (with its true place and time, as a
documenter would after checking); the others are matched with the same code
Marsad runs (`marsad.core.grouping` + `marsad.core.places.extract`). Reports of
incidents that were never recorded must get no suggestion.

Measures precision and recall of the top suggestion, beside a baseline that
links a report to an incident when the incident's place name appears verbatim
in the text and the post falls on the same day.

    python bench/grouping_eval.py [--incidents 80] [--seed 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from marsad.core.grouping import Evidence, IncidentView, add_text, score, suggest  # noqa: E402
from marsad.core.places.gazetteer import GOVERNORATE, PLACE, Gazetteer, distance_km  # noqa: E402
from marsad.core.places.readers import read_file  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "grouping_eval.json"
GAZETTEER = ROOT.parent / "shared" / "testdata" / "gazetteer" / "syria-locations-ocha.json"
KINDS_EN = ["Airstrike on", "Shelling on", "Barrel bombs dropped on", "Russian jets struck", "Missile hit"]
KINDS_AR = ["غارة جوية على", "قصف مدفعي على", "براميل متفجرة على", "الطيران الروسي يستهدف", "صاروخ يضرب"]
TARGETS_EN = ["the market in", "a school in", "the hospital in", "homes in", ""]
TARGETS_AR = ["سوق", "مدرسة في", "مشفى", "منازل المدنيين في", ""]
MONTHS_AR = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين الأول",
             "تشرين الثاني", "كانون الأول"]


def vary_latin(name: str, rng: random.Random) -> str:
    """A transliteration a channel might use."""
    out = name
    for a, b in rng.sample([("a", "e"), ("e", "a"), ("ou", "u"), ("u", "ou"), ("i", "ee"), ("'", ""), ("q", "k"),
                            ("y", "i"), ("aa", "a")], 2):
        if a in out[1:]:
            out = out[0] + out[1:].replace(a, b, 1)
    if " " in out and rng.random() < 0.3:
        out = out.replace(" ", "", 1)
    return out


def vary_arabic(name: str, rng: random.Random) -> str:
    out = name
    if " " in out and rng.random() < 0.4:
        out = out.replace(" ", "", 1)
    if out.endswith("ة") and rng.random() < 0.5:
        out = out[:-1] + "ه"
    if out.startswith("ا") and rng.random() < 0.5:
        out = "أ" + out[1:]
    return out


def report_text(place, area, when: datetime, posted: datetime, arabic_text: bool, rng: random.Random) -> str:
    timing = rng.choice(["clock", "relative", "date", "none"])
    if arabic_text:
        name = vary_arabic(place.name_ar or place.name, rng)
        where = f"{rng.choice(TARGETS_AR)} {name}".strip()
        context = f" في ريف {area.name_ar}" if area and rng.random() < 0.5 else ""
        if timing == "clock":
            hour = when.hour % 12 or 12
            part = "صباحاً" if when.hour < 12 else "مساءً"
            said = f" الساعة {hour}:{when.minute:02d} {part}"
        elif timing == "relative":
            said = " أمس" if posted.date() > when.date() else (" صباح اليوم" if when.hour < 12 else " الآن")
        elif timing == "date":
            said = f" بتاريخ {when.day} {MONTHS_AR[when.month - 1]} {when.year}"
        else:
            said = ""
        return f"{rng.choice(KINDS_AR)} {where}{context}{said}"
    name = vary_latin(place.name, rng) if rng.random() < 0.7 else place.name
    where = f"{rng.choice(TARGETS_EN)} {name}".strip()
    context = f", {area.name} countryside" if area and rng.random() < 0.5 else ""
    if timing == "clock":
        said = f" at {when:%H:%M}"
    elif timing == "relative":
        said = " yesterday" if posted.date() > when.date() else (" this morning" if when.hour < 12 else " just now")
    elif timing == "date":
        said = f" on {when.day} {when:%B} {when.year}"
    else:
        said = ""
    return f"{rng.choice(KINDS_EN)} {where}{context}{said}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--incidents", type=int, default=80)
    parser.add_argument("--reports", type=int, default=4, help="reports per incident, the first creates it")
    parser.add_argument("--distractors", type=int, default=60, help="reports of incidents never recorded")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--debug", action="store_true", help="print each miss with its candidates")
    args = parser.parse_args()
    if not GAZETTEER.is_file():
        raise SystemExit(f"the OCHA gazetteer is not at {GAZETTEER} (../shared/testdata beside the project)")
    rng = random.Random(args.seed)
    g = Gazetteer(read_file(GAZETTEER).places)
    areas = {p.id: p for p in g.places.values() if p.level == GOVERNORATE and p.name in ("Idleb", "Hama")}
    villages = [p for p in g.places.values() if p.level == PLACE and p.lat is not None and p.name_ar
                and any(g.within(p, a) for a in areas.values())]
    start = datetime(2019, 4, 1, 6, 0)

    truths = []  # (place, time)
    for _ in range(args.incidents):
        roll = rng.random()
        if truths and roll < 0.25:  # the same town another day
            place = truths[rng.randrange(len(truths))][0]
            when = start + timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 14), minutes=rng.randint(0, 59))
        elif truths and roll < 0.5:  # a neighbouring village the same day
            base_place, base_when = truths[rng.randrange(len(truths))]
            close = [v for v in villages if v.id != base_place.id
                     and distance_km((v.lat, v.lon), (base_place.lat, base_place.lon)) < 10]
            place = rng.choice(close or villages)
            when = base_when + timedelta(hours=rng.choice([-5, -3, 3, 5]))
        else:
            place = rng.choice(villages)
            when = start + timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 14), minutes=rng.randint(0, 59))
        truths.append((place, when))

    incidents, evaluated = [], []
    for n, (place, when) in enumerate(truths):
        code = f"SYR{n + 1:06d}"
        footage = f"{n:064x}"
        incidents.append(IncidentView(code, when, place, {footage}))
        for r in range(1, args.reports):
            evaluated.append((code, place, when, r))
    for d in range(args.distractors):
        place = rng.choice(villages)
        when = start + timedelta(days=rng.randint(70, 120), hours=rng.randint(0, 14))  # after all recorded ones
        evaluated.append((None, place, when, d))

    ours = {"tp": 0, "fp": 0, "fn": 0}
    base = {"tp": 0, "fp": 0, "fn": 0}
    examples = []
    for code, place, when, _ in evaluated:
        posted = when + timedelta(minutes=rng.randint(5, 300))
        area = next((a for a in g.chain(place) if a.level == GOVERNORATE), None)
        text = report_text(place, area, when, posted, rng.random() < 0.6, rng)
        ev = Evidence(f"{rng.getrandbits(256):064x}", times=[(posted, "the post time", 3.0)])
        add_text(ev, text, posted, g)
        if code and rng.random() < 0.4:
            ev.copies[f"{int(code[3:]) - 1:064x}"] = "a copy of its footage"
        top = suggest(ev, incidents, g, limit=1)
        chosen = top[0].code if top else None
        _score(ours, code, chosen)
        _score(base, code, _baseline(text, posted, incidents))
        if code and chosen != code and args.debug:
            scored = sorted((score(ev, i, g) for i in incidents), key=lambda s: -s.score)[:2]
            print("MISS", code, place.name, when, "|", text, "|", [(s.code, s.score, s.explain()) for s in scored],
                  [(m[0].name, m[2]) for m in ev.places])
        if len(examples) < 8 and chosen:
            examples.append({"text": text, "truth": code, "suggested": chosen, "why": top[0].explain()})

    rows = {"marsad": _metrics(ours), "baseline (verbatim name + same day)": _metrics(base)}
    print(f"{len(incidents)} incidents, {len(evaluated) - args.distractors} reports of them, "
          f"{args.distractors} reports of unrecorded incidents")
    print(f"{'method':<38} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name, m in rows.items():
        print(f"{name:<38} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['tp']:>5} {m['fp']:>5} {m['fn']:>5}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"incidents": len(incidents), "reports": len(evaluated),
                                   "distractors": args.distractors, "seed": args.seed, "results": rows,
                                   "examples": examples}, ensure_ascii=False, indent=1) + "\n")


def _score(tally: dict, truth: str | None, chosen: str | None) -> None:
    if chosen is not None and chosen == truth:
        tally["tp"] += 1
    elif chosen is not None:
        tally["fp"] += 1
        if truth is not None:
            tally["fn"] += 1
    elif truth is not None:
        tally["fn"] += 1


def _metrics(t: dict) -> dict:
    precision = t["tp"] / (t["tp"] + t["fp"]) if t["tp"] + t["fp"] else 0.0
    recall = t["tp"] / (t["tp"] + t["fn"]) if t["tp"] + t["fn"] else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), **t}


def _baseline(text: str, posted: datetime, incidents: list[IncidentView]) -> str | None:
    for incident in incidents:
        names = [incident.place.name, incident.place.name_ar]
        if any(n and n in text for n in names) and incident.when.date() == posted.date():
            return incident.code
    return None


if __name__ == "__main__":
    main()
