#!/usr/bin/env python3
"""Place strings as documenters wrote them, resolved against the OCHA gazetteer:
prints a table and writes bench/results/places-eval.json.

Cases: ../shared/testdata/places-eval/cases.jsonl (real location strings from
Syrian Archive records with the documenters' reference points; see its README).
Each string is resolved twice, without context and with the record's
governorate as `--within` (Damascus and Rural Damascus as one area, as the
README advises). A row counts as:

- within 5 km / within 10 km: the answer's first place is that close to the
  reference point (rows whose point stands for a governorate are scored by the
  governorate instead, "near" rows at 10 km, "region" rows at 15 km);
- ambiguous, right among candidates: the answer says ambiguous and one of its
  candidates is within 10 km;
- ambiguous, not among: ambiguous and none is;
- area only: a place row answered with its governorate or district (the string
  files an unknown name under an area), right or not;
- wrong: a confident answer farther away;  none: nothing found.

Each wrong answer is told apart by why (the issue's target is the first kind, which must be 0):
- shared name, nothing narrowing: a place near the reference carries the written name too (the same name key)
  and neither the string's context nor --within rules it out: the resolver picked among namesakes;
- shared name, narrowed elsewhere: the reference's namesake is outside the context the string writes (or
  --within): the documenter's own context points elsewhere;
- unique name, reference elsewhere: no place near the reference carries the name: the gazetteer holds it only
  elsewhere (the reference point is doubtful, or the gazetteer lacks the place or spells it otherwise).

List strings: each listed place is looked for near the reference (the places of a list are neighbours, and
the reference is one of them): a listed name "held" when a place of that name key lies within 20 km of the
reference; "found" when it resolved to such a place (ambiguous ones are counted apart).

Rows whose reference point the README flags as doubtful are left out of the
headline and counted apart. "In gazetteer" rows are those where some place within
10 km of the reference carries a name the string contains (1-4 words, exact
name key): the issue's targets are about those.

    python bench/places_eval.py [--no-before] [--cases FILE] [--out FILE] [--misses N]

"Before" is the resolver as it was before the location-string parser (the whole
string to `Gazetteer.find`, its first candidate), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from marsad.core.places import arabic  # noqa: E402
from marsad.core.places.gazetteer import GOVERNORATE, Gazetteer, Place, distance_km  # noqa: E402
from marsad.core.places.readers import read_file  # noqa: E402

TESTDATA = ROOT.parent / "shared" / "testdata"
DOUBTFUL = ("reference_spread_km", "outlier_coordinates_dropped", "far_from_ocha_namesake_km",
            "no_ocha_community_within_15km")
TOLERANCE_KM = {"place": 5.0, "admin3": 5.0, "near": 10.0, "region": 15.0}
OUTCOMES = ("5km", "10km", "ambiguous_right", "ambiguous_other", "area_only", "wrong", "none")
AREA_PRECISIONS = ("governorate", "district")
WRONG_KINDS = ("shared name, nothing narrowing", "shared name, narrowed elsewhere", "unique name, reference elsewhere")
LIST_KM = 20.0  # a listed place held this near the reference (the list's places are neighbours)
DAMASCUS = {"Damascus", "Rural Damascus"}


class Answer:
    """One resolved place: status, candidate places best first, precision."""

    def __init__(self, status: str, places: list[Place], precision: str = "", reason: str = "", named=None,
                 written: str = "") -> None:
        self.status, self.places, self.precision, self.reason = status, places, precision, reason
        self.named, self.written = named, written


def old_resolver(g: Gazetteer):
    def run(text: str, within: list[Place]) -> list[Answer]:
        found = g.find(text, limit=5)
        return [Answer("resolved", [c.place for c in found], "", found[0].reason)] if found else []
    return run


def new_resolver(g: Gazetteer):
    from marsad.core.places.resolve import resolve_text

    def run(text: str, within: list[Place]) -> list[Answer]:
        out = []
        for r in resolve_text(text, g, within=within).places:
            out.append(Answer(r.status, [c.place for c in r.candidates], r.precision, r.reason, r.named, r.written))
        return out
    return run


def governorate_areas(g: Gazetteer, admin1: str | None) -> list[Place]:
    if not admin1:
        return []
    names = DAMASCUS if admin1 in DAMASCUS else {admin1}
    return [p for p in g.places.values() if p.level == GOVERNORATE and p.name in names]


def gov_name(g: Gazetteer, place: Place) -> str | None:
    gov = place if place.level == GOVERNORATE else g.admin(place, GOVERNORATE)
    return gov.name if gov else None


def point(g: Gazetteer, place: Place) -> tuple[float, float] | None:
    """A place's point; an admin area without one stands at its first located child's
    (only used to score, never to answer)."""
    return (place.lat, place.lon) if place.lat is not None else None


def score(g: Gazetteer, row: dict, answers: list[Answer]) -> tuple[str, float | None, Answer | None]:
    if not answers:
        return "none", None, None
    ref = (row["lat"], row["lon"])
    tolerance = TOLERANCE_KM.get(row["precision"])

    def close(place: Place) -> tuple[bool, bool, float | None]:
        if row["precision"] == "admin1":
            gov = gov_name(g, place)
            same = gov is not None and (gov == row["admin1"] or {gov, row["admin1"]} <= DAMASCUS)
            return same, same, None
        p = point(g, place)
        if p is None:
            return False, False, None
        km = distance_km(ref, p)
        return km <= tolerance, km <= max(tolerance, 10.0), km

    # For a list string the reference is one of its places: score the closest answer.
    best, best_km, best_answer = "none", None, None
    order = {o: i for i, o in enumerate(OUTCOMES)}
    for answer in answers:
        if not answer.places or answer.status == "unresolved":
            continue
        if answer.precision in AREA_PRECISIONS and row["precision"] != "admin1":
            outcome, km = "area_only", None
        elif answer.status == "ambiguous":
            outcome = "ambiguous_right" if any(close(p)[1] for p in answer.places) else "ambiguous_other"
            km = None
        else:
            strict, loose, km = close(answer.places[0])
            outcome = "5km" if strict else "10km" if loose else "wrong"
        if order[outcome] < order[best]:
            best, best_km, best_answer = outcome, km, answer
    return best, best_km, best_answer


def name_holders(g: Gazetteer, name: str) -> list[Place]:
    """Every place carrying a name of the same key as `name`."""
    ids = dict.fromkeys(i for k in arabic.keys(name) for i in g.by_key.get(k, []))
    return [g.get(i) for i in ids]


def wrong_kind(g: Gazetteer, row: dict, answer: Answer, within: list[Place]) -> str:
    """Why a confident answer is wrong (see the module docstring)."""
    from marsad.core.places.resolve import excluded_by_context
    if answer.named is None:
        return WRONG_KINDS[2]
    ref, km = (row["lat"], row["lon"]), max(TOLERANCE_KM.get(row["precision"], 5.0), 10.0)
    holders = [p for p in name_holders(g, answer.named.name) if (
        gov_name(g, p) == row["admin1"] if row["precision"] == "admin1"
        else p.lat is not None and distance_km(ref, (p.lat, p.lon)) <= km)]
    if not holders:
        return WRONG_KINDS[2]
    if all(excluded_by_context(g, answer.named, p, within) for p in holders):
        return WRONG_KINDS[1]
    return WRONG_KINDS[0]


def listed_places(g: Gazetteer, row: dict, answers: list[Answer]) -> list[dict]:
    """Each place a list string names: held near the reference, and how it came back."""
    ref = (row["lat"], row["lon"])
    out = []
    for a in answers:
        if a.named is None:
            continue
        held = any(p.lat is not None and distance_km(ref, (p.lat, p.lon)) <= LIST_KM
                   for p in name_holders(g, a.named.name))
        first = a.places[0] if a.places else None
        km = distance_km(ref, (first.lat, first.lon)) if first is not None and first.lat is not None else None
        how = ("found" if a.status == "resolved" and km is not None and km <= LIST_KM
               and a.precision not in AREA_PRECISIONS else "ambiguous" if a.status == "ambiguous" else
               "elsewhere" if a.status == "resolved" else "not found")
        out.append({"written": a.written, "held": held, "how": how, "first": first.name if first else None,
                    "km": None if km is None else round(km, 1)})
    return out


def in_gazetteer(g: Gazetteer, row: dict) -> bool:
    """Some place within 10 km of the reference (or, for a governorate row, the
    governorate) carries a name the string contains. A governorate's name counts
    only where the string names nothing else ("ALEPPO : X" with X unknown is not
    in the gazetteer, even though Aleppo city is near X)."""
    words = row["text"].replace("،", " ").replace(",", " ").replace(":", " ").split()
    keys = set()
    for size in range(1, 5):
        for i in range(len(words) - size + 1):
            phrase = " ".join(words[i:i + size])
            keys |= arabic.keys(phrase)
            if arabic.is_arabic(phrase):
                for clitic in ("وب", "وال", "بال", "و", "ب", "ل", "ف"):
                    if phrase.startswith(clitic):
                        keys |= arabic.keys(phrase[len(clitic):])
    gov_keys = set().union(*(arabic.keys(n) for p in g.places.values() if p.level == GOVERNORATE
                             for n in p.all_names()))
    hits = {key: any(len(key) >= 5 for _ in [0]) and g.by_key.get(key, []) for key in keys}
    others_named = any(ids for key, ids in hits.items() if key not in gov_keys)
    for key, ids in hits.items():
        if not ids or (key in gov_keys and others_named):
            continue
        for place_id in ids:
            place = g.get(place_id)
            if row["precision"] == "admin1":
                if gov_name(g, place) == row["admin1"]:
                    return True
            elif place.lat is not None and distance_km((row["lat"], row["lon"]), (place.lat, place.lon)) <= 10:
                return True
    return False


def table(title: str, groups: dict[str, list[str]]) -> list[str]:
    lines = [title, f"{'group':<28}{'rows':>6}" + "".join(f"{o:>17}" for o in OUTCOMES)]
    for name, outcomes in groups.items():
        n = len(outcomes)
        cells = "".join(f"{outcomes.count(o) / n:>17.2f}" for o in OUTCOMES) if n else ""
        lines.append(f"{name:<28}{n:>6}{cells}")
    return lines


def evaluate(rows: list[dict], g: Gazetteer, resolver) -> list[dict]:
    results = []
    for row in rows:
        doubtful = any(f.startswith(DOUBTFUL) for f in row.get("flags", []))
        entry = {"id": row["id"], "lang": row["lang"], "shape": row["shape"], "precision": row["precision"],
                 "doubtful": doubtful, "in_gazetteer": in_gazetteer(g, row), "text": row["text"]}
        for context in ("none", "governorate"):
            within = governorate_areas(g, row["admin1"]) if context == "governorate" else []
            answers = resolver(row["text"], within)
            outcome, km, scored = score(g, row, answers)
            entry[context] = {"outcome": outcome, "km": None if km is None else round(km, 1),
                              "wrong_kind": wrong_kind(g, row, scored, within) if outcome == "wrong" else None,
                              "listed": listed_places(g, row, answers) if row["shape"] == "list" else [],
                              "answers": [{"status": a.status, "precision": a.precision,
                                           "first": a.places[0].name if a.places else None,
                                           "n_candidates": len(a.places)} for a in answers]}
        results.append(entry)
    return results


SUBSETS = (("all non-doubtful", lambda e: not e["doubtful"]),
           ("in gazetteer, non-doubtful", lambda e: not e["doubtful"] and e["in_gazetteer"]))


def summarise(results: list[dict]) -> tuple[dict, list[str]]:
    summary: dict[str, dict] = {}
    lines: list[str] = []
    for context in ("none", "governorate"):
        for subset, keep in SUBSETS:
            groups: dict[str, list[str]] = defaultdict(list)
            for e in results:
                if not keep(e):
                    continue
                outcome = e[context]["outcome"]
                groups[f"lang {e['lang']}"].append(outcome)
                groups[f"{e['lang']} {e['shape']}"].append(outcome)
                groups["all"].append(outcome)
            groups = dict(sorted(groups.items(), key=lambda kv: (kv[0] != "all", not kv[0].startswith("lang"), kv[0])))
            title = f"context: {'the record governorate as --within' if context == 'governorate' else 'none'}; " \
                    f"rows: {subset}"
            lines += table(title, groups) + [""]
            summary[f"{context} / {subset}"] = {name: {o: round(outs.count(o) / len(outs), 3) for o in OUTCOMES}
                                                | {"rows": len(outs)} for name, outs in groups.items()}
    for context in ("none", "governorate"):
        for subset, keep in SUBSETS:
            counts = {lang: {k: 0 for k in WRONG_KINDS} for lang in ("ar", "en")}
            for e in results:
                if keep(e) and e[context]["outcome"] == "wrong":
                    counts[e["lang"]][e[context]["wrong_kind"]] += 1
            lines.append(f"confident wrong answers by why, context {context}, rows {subset}: " + "; ".join(
                f"{lang} " + ", ".join(f"{k} {n}" for k, n in c.items()) for lang, c in counts.items()))
            summary[f"wrong by why / {context} / {subset}"] = counts
    shared = {context: {lang: sum(e["lang"] == lang and e[context]["wrong_kind"] == WRONG_KINDS[0]
                                  for e in results if not e["doubtful"]) for lang in ("ar", "en")}
              for context in ("none", "governorate")}
    lines.append("confident wrong on a shared name, nothing narrowing (target 0), non-doubtful rows: " + "; ".join(
        f"context {context}: ar {c['ar']}, en {c['en']}" for context, c in shared.items()))
    summary["confident wrong on a shared name, nothing narrowing"] = shared
    lines.append("")
    lists = [e for e in results if e["shape"] == "list"]
    for context in ("none", "governorate"):
        named = [x for e in lists for x in e[context]["listed"]]
        held = [x for x in named if x["held"]]
        tally = {how: sum(x["how"] == how for x in held) for how in ("found", "ambiguous", "elsewhere", "not found")}
        whole = sum(all(x["how"] == "found" for x in e[context]["listed"] if x["held"]) for e in lists)
        lines.append(f"list strings ({len(lists)}), context {context}: {len(named)} places named, {len(held)} held "
                     f"within {LIST_KM:.0f} km of the reference: " + ", ".join(f"{k} {n}" for k, n in tally.items())
                     + f"; every held place found in {whole} of {len(lists)} strings")
        for e in lists:
            for x in e[context]["listed"]:
                if x["held"] and x["how"] != "found":
                    lines.append(f"  {e['id']:<9} {e['lang']} {x['written']!r}: {x['how']} ({x['first']}, "
                                 f"{x['km']} km)")
        summary[f"lists / {context}"] = {"strings": len(lists), "places_named": len(named), "places_held": len(held),
                                         **{f"held_{k}": n for k, n in tally.items()}}
    doubtful = [e for e in results if e["doubtful"]]
    lines.append(f"doubtful reference points, left out above: {len(doubtful)} rows; within 10 km with context: "
                 f"{sum(e['governorate']['outcome'] in ('5km', '10km') for e in doubtful)}")
    return summary, lines


def before_after(before: dict, after: dict) -> list[str]:
    """The headline: share within 5 km, before and after, per language and subset."""
    lines = ["before -> after (share within 5 km; wrong = confident answer farther than 10 km)",
             (f"{'context / rows':<52}{'group':<10}{'5km before':>12}{'5km after':>11}{'wrong before':>14}"
              f"{'wrong after':>13}{'ambiguous-right after':>23}")]
    for key, groups in after.items():
        if key.startswith(("lists", "misses", "wrong by why", "confident wrong")):
            continue
        for name in ("all", "lang ar", "lang en"):
            b, a = before[key].get(name, {}), groups.get(name, {})
            lines.append(f"{key:<52}{name:<10}{b.get('5km', 0):>12.2f}{a.get('5km', 0):>11.2f}"
                         f"{b.get('wrong', 0):>14.2f}{a.get('wrong', 0):>13.2f}{a.get('ambiguous_right', 0):>23.2f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=TESTDATA / "places-eval" / "cases.jsonl")
    parser.add_argument("--gazetteer", type=Path, default=TESTDATA / "gazetteer" / "syria-locations-ocha.json")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "places-eval.json")
    parser.add_argument("--no-before", action="store_true",
                        help="skip measuring the resolver as it was before the location-string parser")
    parser.add_argument("--misses", type=int, default=10_000, help="print at most this many misses per context")
    args = parser.parse_args()
    if not args.cases.exists() or not args.gazetteer.exists():
        print(f"cases or gazetteer not found ({args.cases}, {args.gazetteer}): ../shared/testdata beside the project")
        return 2
    rows = [json.loads(line) for line in args.cases.read_text(encoding="utf-8").splitlines() if line.strip()]
    g = Gazetteer(read_file(args.gazetteer).places)
    started = time.perf_counter()
    results = evaluate(rows, g, new_resolver(g))
    seconds = time.perf_counter() - started
    summary, lines = summarise(results)
    print(f"places-eval: {len(rows)} strings from {args.cases.name}, gazetteer {args.gazetteer.name} "
          f"({len(g)} places); location-string parser, {seconds:.1f} s\n")
    print("\n".join(lines))
    old_results, old_summary = None, None
    if not args.no_before:
        old_results = evaluate(rows, g, old_resolver(g))
        old_summary, _ = summarise(old_results)
        print()
        print("\n".join(before_after(old_summary, summary)))
    for context in ("governorate", "none"):
        misses = sorted((e for e in results if not e["doubtful"] and e[context]["outcome"] not in ("5km", "10km")),
                        key=lambda e: (OUTCOMES.index(e[context]["outcome"]), e["id"]))
        kinds: dict[tuple[str, str], int] = defaultdict(int)
        for e in misses:
            kinds[(e[context]["outcome"], e["shape"])] += 1
        print(f"\nmisses, context {context} ({len(misses)} non-doubtful rows), by kind: "
              + ", ".join(f"{o} {shape} {n}" for (o, shape), n in sorted(kinds.items(), key=lambda kv: -kv[1])))
        summary[f"misses / {context}"] = {f"{o} / {shape}": n for (o, shape), n in kinds.items()}
        for e in misses[:args.misses]:
            a = e[context]
            first = "; ".join(f"{x['status']} {x['first']} ({x['precision']}, {x['n_candidates']})"
                              for x in a["answers"])
            print(f"  {e['id']:<9} {e['lang']} {e['shape']:<13} {e['precision']:<7} "
                  f"{'in' if e['in_gazetteer'] else 'not in':<7}{a['outcome']:<16} "
                  f"{'' if a['km'] is None else str(a['km']) + ' km':<9} {e['text'][:70]!r} -> {first[:120]}"
                  + (f"  [{a['wrong_kind']}]" if a["wrong_kind"] else ""))
    # Outcomes by row id only: the strings stay in ../shared/testdata, not in the project.
    code = {o: str(i) for i, o in enumerate(OUTCOMES)}
    per_row = {e["id"]: "".join(code[x[c]["outcome"]] for x in (e, o) for c in ("none", "governorate"))
               for e, o in zip(results, old_results or results, strict=True)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "cases": "../shared/testdata/places-eval/cases.jsonl", "gazetteer": args.gazetteer.name,
        "rows_as": "id: four digits, indexes into `outcomes`: after without context, after with the governorate as "
                   "--within, before without, before with", "outcomes": OUTCOMES,
        "seconds": round(seconds, 1), "after": summary, "before": old_summary,
        "rows": per_row}, ensure_ascii=False, indent=1, separators=(",", ": ")), encoding="utf-8")
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
