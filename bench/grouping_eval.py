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

A second set is built to look like real reports (issue 21), after the titles and
descriptions in ../shared/testdata/places-eval/cases.jsonl: uploaders' Arabic
titles chaining governorate, town and event with "-", "_" or tatweel
(«حماه-كفرزيتا-حالات اختناق 11-4-2014»), dates in every form (21 4 2014,
22_05_2014, 19ـ5ـ2014, 17072014, Arabic-Indic digits, month names), English
descriptions by an archivist with their own transliterations, ordinary words
that are village names («حالات», «حول», «شهداء»), and a third of reports naming
no place at all. Incidents have a kind of event (chemical, air strike,
shelling, protest, detention, hospital) in their documenter's title; reports of
incidents never recorded fall in the same weeks. Both tiers are reported: the
strong tier's top suggestion (precision, recall), and whether the right incident
is among the first three of strong + weak.

    python bench/grouping_eval.py [--incidents 80] [--seed 3] [--set synthetic|real|both]
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

from marsad.core.grouping import Evidence, IncidentView, add_text, score, suggest, suggest_tiers  # noqa: E402
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
    parser.add_argument("--set", choices=["synthetic", "real", "both"], default="both")
    args = parser.parse_args()
    if not GAZETTEER.is_file():
        raise SystemExit(f"the OCHA gazetteer is not at {GAZETTEER} (../shared/testdata beside the project)")
    g = Gazetteer(read_file(GAZETTEER).places)
    out = {}
    if args.set in ("synthetic", "both"):
        out["synthetic"] = synthetic(g, args)
    if args.set in ("real", "both"):
        out["real-looking"] = real_looking(g, args)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")


def synthetic(g: Gazetteer, args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed)
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
    return {"incidents": len(incidents), "reports": len(evaluated), "distractors": args.distractors,
            "seed": args.seed, "results": rows, "examples": examples}


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


# --- reports as they really come (issue 21) -------------------------------------------------------------------

KINDS = {  # kind: (share, documenter's title, Arabic phrases, English phrases, kinds read from the title)
    "air strike": (0.40, "Air strike on {}", ["غارات جوية على", "قصف بالبراميل المتفجرة على", "غارة للطيران الحربي على",
                                              "قصف جوي على", "الطيران الحربي الروسي يستهدف"],
                   ["an airstrike on", "barrel bombs dropped by helicopters on", "Russian airstrikes on",
                    "warplanes bombing"]),
    "shelling": (0.20, "Shelling of {}", ["قصف مدفعي على", "قذائف هاون على", "قصف صاروخي على", "سقوط قذائف على"],
                 ["artillery shelling of", "mortar shells falling on", "rocket fire on"]),
    "chemical": (0.15, "Chlorine attack in {}", ["حالات اختناق بغاز الكلور في", "قصف بغاز الكلور على",
                                                 "هجوم بالغازات السامة على", "اصابات بغاز سام في"],
                 ["a chlorine gas attack on", "a suspected chemical attack on", "toxic gas dropped on"]),
    "hospital": (0.10, "Attack on the hospital in {}", ["استهداف المشفى الميداني في", "قصف مشفى", "خروج المستشفى عن الخدمة في"],
                 ["an attack on the field hospital in", "a strike that hit the hospital in"]),
    "protest": (0.08, "Protest in {}", ["مظاهرة في", "مظاهرة مسائية في", "وقفة احتجاجية في"],
                ["a demonstration in", "protesters marching in"]),
    "detention": (0.07, "Detentions in {}", ["حملة اعتقالات في", "اعتقال شبان من", "مداهمة واعتقال في"],
                  ["an arrest campaign in", "detentions of young men in"]),
}
NO_PLACE_AR = {  # a third of reports name no place; ordinary words that are village names among them
    "air strike": ["لحظة سقوط البراميل المتفجرة وسقوط شهداء", "غارات جوية عنيفة وعشرات الجرحى",
                   "الطيران الحربي يحلق حول المدينة بعد الغارة"],
    "shelling": ["قصف مدفعي عنيف وسقوط شهداء", "آثار القصف بقذائف الهاون حول الحي"],
    "chemical": ["عشرات حالات الاختناق جراء القصف بغاز الكلور", "حالات اختناق بين الأطفال بالغازات السامة",
                 "اسعاف حالات الاختناق الى النقطة الطبية"],
    "hospital": ["لحظة استهداف المشفى وخروجه عن الخدمة", "الدمار في المستشفى بعد القصف"],
    "protest": ["مظاهرة حاشدة تطالب باسقاط النظام", "المتظاهرون حول الساحة في مظاهرة مسائية"],
    "detention": ["حملة اعتقالات ومداهمات للمنازل", "اعتقال عشرات الشبان على الحاجز"],
}
NO_PLACE_EN = {
    "air strike": ["Footage of the aftermath of an airstrike, civil defence pulling victims from rubble",
                   "Helicopters dropping barrel bombs, dozens wounded"],
    "shelling": ["Artillery shelling of residential buildings, several wounded", "Mortar shells hit a street"],
    "chemical": ["Victims of a chlorine gas attack treated at a field clinic, dozens of cases of suffocation",
                 "Children with symptoms of toxic gas exposure"],
    "hospital": ["The field hospital after it was hit, out of service", "A strike on a hospital, patients evacuated"],
    "protest": ["A night demonstration against the regime", "Protesters chanting in the square"],
    "detention": ["An arrest campaign in the town, homes raided", "Relatives describe the detention of young men"],
}
DESCRIPTORS_AR = ["بلدة", "مدينة", "قرية", ""]
FILLERS_AR = ["", "", "وسقوط شهداء", "وعشرات حالات الاختناق", "وسقوط جرحى", "وتحليق للطيران حول المنطقة"]
SEPARATORS = ["-", "_", "ـ", " - ", " – ", " _ "]
INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
GOVERNORATES = ("Idleb", "Hama", "Aleppo", "Rural Damascus", "Homs", "Dar'a")


def date_ar(day: datetime, rng: random.Random) -> str:
    d, m, y = day.day, day.month, day.year
    form = rng.randrange(9)
    return [f"{d}-{m}-{y}", f"{d} {m} {y}", f"{d:02d}_{m:02d}_{y}", f"{d}ـ{m}ـ{y}", f"{d:02d}{m:02d}{y}",
            f"{d}-{m}-{y}".translate(INDIC), f"{d} {MONTHS_AR[m - 1]} {y}", f"{y}/{m}/{d}",
            f"{d}/{m}/{y}"][form]


def date_en(day: datetime, rng: random.Random) -> str:
    return rng.choice([f"on {day.day} {day:%B %Y}", f"{day.day}/{day.month}/{day.year}", f"on {day:%B} {day.day}, {day.year}",
                       f"({day:%d.%m.%Y})"])


def real_report(kind: str, place, gov, when: datetime, posted: datetime, style: str, rng: random.Random) -> str:
    _, _, ar, en = KINDS[kind]
    next_day = posted.date() > when.date()
    if style == "none-ar":
        timing = rng.choice(["", "", " أمس" if next_day else " اليوم", " " + date_ar(when, rng)])
        return f"{rng.choice(NO_PLACE_AR[kind])}{timing}"
    if style == "none-en":
        timing = rng.choice(["", "", " yesterday" if next_day else " today", " " + date_en(when, rng)])
        return f"{rng.choice(NO_PLACE_EN[kind])}{timing}"
    town_ar = vary_arabic(place.name_ar, rng)
    gov_ar = gov.name_ar if gov and gov.name_ar else ""
    said = date_ar(when, rng) if rng.random() < 0.75 else ("أمس" if next_day else "")
    if style == "chain":
        sep = rng.choice(SEPARATORS)
        event = rng.choice(ar).removesuffix(" في").removesuffix(" على").removesuffix(" من")
        head = f"{gov_ar}{sep}" if gov_ar and rng.random() < 0.8 else ""
        return f"{head}{town_ar}{sep}{event} {rng.choice(FILLERS_AR)}{sep if rng.random() < 0.5 else ' '}{said}".strip()
    if style == "sentence":
        context = f" بريف {gov_ar}" if gov_ar and rng.random() < 0.5 else ""
        return f"{rng.choice(ar)} {rng.choice(DESCRIPTORS_AR)} {town_ar}{context} {rng.choice(FILLERS_AR)} {said}"
    name = vary_latin(place.name, rng) if rng.random() < 0.7 else place.name
    where = rng.choice([f"the town of {name}", f"{name}", f"{name} village", f"the village of {name}"])
    context = f" in {gov.name} countryside" if gov and rng.random() < 0.5 else ""
    timing = date_en(when, rng) if rng.random() < 0.7 else ("yesterday" if next_day else "")
    opener = rng.choice(["Footage shows", "Video showing the aftermath of", "Archivist's note:", "Eyewitness video of"])
    return f"{opener} {rng.choice(en)} {where}{context} {timing}".strip()


def real_looking(g: Gazetteer, args: argparse.Namespace) -> dict:
    rng = random.Random(args.seed + 1000)
    govs = {p.id: p for p in g.places.values() if p.level == GOVERNORATE and p.name in GOVERNORATES}
    villages = [p for p in g.places.values() if p.level == PLACE and p.lat is not None and p.name_ar
                and any(g.within(p, a) for a in govs.values())]
    start = datetime(2015, 10, 1, 6, 0)
    days = 45
    kinds, weights = list(KINDS), [KINDS[k][0] for k in KINDS]

    def moment() -> datetime:
        return start + timedelta(days=rng.randint(0, days), hours=rng.randint(0, 15), minutes=rng.randint(0, 59))

    truths = []  # (place, time, kind)
    for _ in range(args.incidents):
        roll, kind = rng.random(), rng.choices(kinds, weights)[0]
        if truths and roll < 0.25:  # the same town on another day
            place, when = truths[rng.randrange(len(truths))][0], moment()
        elif truths and roll < 0.5:  # a neighbouring village the same day
            base_place, base_when, _ = truths[rng.randrange(len(truths))]
            close = [v for v in villages if v.id != base_place.id
                     and distance_km((v.lat, v.lon), (base_place.lat, base_place.lon)) < 10]
            place, when = rng.choice(close or villages), base_when + timedelta(hours=rng.choice([-5, -3, 3, 5]))
        else:
            place, when = rng.choice(villages), moment()
        truths.append((place, when, kind))

    incidents, evaluated = [], []
    for n, (place, when, kind) in enumerate(truths):
        code = f"SYR{n + 1:06d}"
        incidents.append(IncidentView(code, when, place, {f"{n:064x}"}, KINDS[kind][1].format(place.name)))
        for _ in range(1, args.reports):
            evaluated.append((code, place, when, kind))
    for _ in range(args.distractors):  # reports of incidents never recorded, in the same weeks
        evaluated.append((None, rng.choice(villages), moment(), rng.choices(kinds, weights)[0]))

    styles = ["chain", "sentence", "english", "none-ar", "none-en"]
    style_weights = [0.25, 0.2, 0.22, 0.2, 0.13]  # a third name no place
    strong = {"tp": 0, "fp": 0, "fn": 0}
    base = {"tp": 0, "fp": 0, "fn": 0}
    top3 = weak_only = weak_right = 0
    by_style: dict[str, dict[str, int]] = {s: {"reports": 0, "strong_right": 0, "top3": 0} for s in styles}
    misses: dict[str, int] = {}
    examples = []
    for code, place, when, kind in evaluated:
        posted = when + (timedelta(hours=rng.uniform(14, 30)) if rng.random() < 0.2
                         else timedelta(minutes=rng.randint(10, 360)))
        gov = next((a for a in g.chain(place) if a.level == GOVERNORATE), None)
        style = rng.choices(styles, style_weights)[0]
        text = real_report(kind, place, gov, when, posted, style, rng)
        ev = Evidence(f"{rng.getrandbits(256):064x}", times=[(posted, "the post time", 3.0)])
        add_text(ev, text, posted, g)
        if code and rng.random() < 0.3:  # the same footage, re-uploaded
            ev.copies[f"{int(code[3:]) - 1:064x}"] = "a copy of its footage"
        ranked, weak_tier = suggest_tiers(ev, incidents, g, limit=3)
        chosen = ranked[0].code if ranked else None
        _score(strong, code, chosen)
        _score(base, code, _baseline(text, posted, incidents))
        first3 = [s.code for s in (ranked + weak_tier)[:3]]
        if code:
            by_style[style]["reports"] += 1
            by_style[style]["strong_right"] += chosen == code
            by_style[style]["top3"] += code in first3
            top3 += code in first3
            if args.debug and chosen != code and code in first3:
                print("STRONG-MISS", style, code, place.name, when, kind, "|", text, "|",
                      [(s.code, s.score, s.tier) for s in ranked + weak_tier], [(m[0].name, m[2], m[3]) for m in ev.places])
            if not ranked and weak_tier:
                weak_only += 1
                weak_right += code in first3
            if code not in first3:
                why = (f"{style}: " + ("a wrong strong suggestion" if ranked else
                                       "weak tier without it" if weak_tier else "no suggestion"))
                misses[why] = misses.get(why, 0) + 1
                if args.debug:
                    print("MISS", style, code, place.name, when, kind, "|", text, "|",
                          [(s.code, s.score, s.explain()) for s in ranked + weak_tier],
                          [(m[0].name, m[2], m[3]) for m in ev.places], sorted(ev.kinds))
        elif args.debug and chosen:
            print("FALSE", style, place.name, when, kind, "|", text, "|", [(s.code, s.explain()) for s in ranked])
        if len(examples) < 10 and (ranked or weak_tier) and code:
            shown = (ranked + weak_tier)[0]
            examples.append({"text": text, "truth": code, "suggested": shown.code, "tier": shown.tier,
                             "why": shown.explain()})
    recorded = len(evaluated) - args.distractors
    rows = {"marsad strong tier": _metrics(strong), "baseline (verbatim name + same day)": _metrics(base)}
    both = {"recall_first_three": round(top3 / recorded, 3), "right": top3, "reports": recorded,
            "weak_only_reports": weak_only, "weak_only_right_in_first_three": weak_right}
    print(f"\nreal-looking: {len(incidents)} incidents, {recorded} reports of them, {args.distractors} reports "
          "of unrecorded incidents in the same weeks")
    print(f"{'method':<38} {'precision':>9} {'recall':>7} {'tp':>5} {'fp':>5} {'fn':>5}")
    for name, m in rows.items():
        print(f"{name:<38} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['tp']:>5} {m['fp']:>5} {m['fn']:>5}")
    print(f"strong + weak: the right incident in the first three for {both['recall_first_three']:.3f} "
          f"({top3} of {recorded}); weak tier alone answered {weak_only}, right in {weak_right}")
    print(f"{'style':<10} {'reports':>8} {'strong top':>11} {'first 3':>8}")
    for name, row in by_style.items():
        n = max(1, row["reports"])
        print(f"{name:<10} {row['reports']:>8} {row['strong_right'] / n:>11.3f} {row['top3'] / n:>8.3f}")
    print("misses by kind:", ", ".join(f"{k} {v}" for k, v in sorted(misses.items(), key=lambda kv: -kv[1])) or "none")
    return {"incidents": len(incidents), "reports": len(evaluated), "distractors": args.distractors,
            "seed": args.seed, "results": rows, "strong_and_weak": both, "by_style": by_style, "misses": misses,
            "examples": examples}


if __name__ == "__main__":
    main()
