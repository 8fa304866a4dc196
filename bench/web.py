#!/usr/bin/env python3
"""Web app under load: prints a table and writes bench/results/web-<database>.json.

Fills a fresh workspace with synthetic evidence by bulk SQL (COPY on PostgreSQL):
items with one capture and one thumbnail or poster each, held by a project;
incidents with a few linked items and a short change history; an editor who
logs in. Then serves it with `marsad serve --workers 0` on a loopback port,
logs in as a browser would (login form, CSRF token, session cookie) and drives
each main page with wrk: `--users` connections for `--duration` seconds each,
every request picking another item or incident. Before the load, each page is
requested once in-process to count its SQL queries; the slowest query of a page
that misses the target is shown with its plan (EXPLAIN ANALYZE on PostgreSQL,
EXPLAIN QUERY PLAN on SQLite). Target (issue 13): p95 < 300 ms for every page
at 1 M items on PostgreSQL on a 2-core machine.

    python bench/web.py [--items 100000 --incidents 5000]            # SQLite
    python bench/web.py --pg [--database-url postgres://postgres@127.0.0.1:5432/marsad_bench]
    python bench/web.py --items 20000 --incidents 1000 --duration 10  # a quick look
    options: --users 10 --duration 60 --threads 8 --pages item,incident --home DIR (fill once, reuse) --keep

Needs wrk (Debian: `apt-get install -y wrk`). The PostgreSQL database in the URL
is dropped and created by the script (and dropped at the end unless --keep/--home).
The custody log stays small: log indexes of the synthetic rows are unique
integers beyond it, so item pages find no custody events for them.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from webload import drive  # noqa: E402

PG_URL = "postgres://postgres@127.0.0.1:5432/marsad_bench"
TARGET_P95_MS = 300
KINDS = ["image", "video", "audio", "document"]
# key, label, URL name, what varies per request
PAGES = [
    ("home", "start page", "home", None),
    ("items", "items table", "items:list", None),
    ("items_deep", "items table, page {deep}", "items:list", "deep"),
    ("items_cursor", "items table, cursor at any depth", "items:list", "cursor"),
    ("items_kind", "items table, kind filter", "items:list", "kind"),
    ("item", "item page", "items:detail", "item"),
    ("incidents", "incidents table", "incidents:list", None),
    ("incident", "incident page", "incidents:detail", "incident"),
    # Issue 15: search, map, timeline, API. Words as a documenter types them: common ones match hundreds of
    # thousands of captures, rare ones a handful; Arabic with and without diacritics and the article.
    ("search_common", "search, common words", "search:page", "words_common"),
    ("search_rare", "search, rare words", "search:page", "words_rare"),
    ("search_filtered", "search + filter (status, year)", "search:page", "words_filtered"),
    ("incidents_q", "incidents table, text filter", "incidents:list", "words_table"),
    ("map_data", "map data, one governorate", "explore:map_data", "governorate"),
    ("map", "map page", "explore:map", None),
    ("timeline", "timeline, one year", "explore:timeline", "year"),
    ("timeline_day", "timeline, one day by hour", "explore:timeline", "day"),
    ("api_incidents", "API incidents list", "api", "/api/v1/incidents"),
    ("api_items", "API items list", "api", "/api/v1/items"),
    ("api_search", "API search", "api", "/api/v1/search?text=%D9%82%D8%B5%D9%81"),
]
WORDS_COMMON = ["قصف", "غارة", "مشفى", "Shelling", "airstrike", "school", "الدفاع المدني", "قَصْفٌ"]
WORDS_RARE = ["(12345)", "(777777)", "Kafranbel market", "براميل معرة", "survivors rubble Ariha"]
GOVERNORATES = ["geonames:gov:idleb", "geonames:gov:aleppo", "geonames:gov:hama", "geonames:gov:rural-damascus"]
STATE = "bench-web-state.json"


def recreate_database(url: str, drop_only: bool = False) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(args) -> tuple[Path, dict]:
    """The workspace to serve, filled (or reused from --home), and what the load needs to know about it."""
    home = Path(args.home).resolve() if args.home else Path(tempfile.mkdtemp(prefix="marsad-bench-web-"))
    os.environ["MARSAD_HOME"] = str(home)
    state_file = home / STATE
    state = json.loads(state_file.read_text()) if state_file.exists() else None
    if state and state.get("database_url"):  # a reused workspace keeps the database it was filled in
        args.database_url = state["database_url"]
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    if state:
        from marsad.cli.context import setup_django

        setup_django()
        print(f"reusing the filled workspace {home} ({state['items']:,} items, {state['incidents']:,} incidents)")
        return home, state
    if args.database_url:
        recreate_database(args.database_url)
    from marsad.cli.init import init_workspace

    home.mkdir(parents=True, exist_ok=True)
    init_workspace()
    from marsad.access import service
    from marsad.custody import log

    from webload.fill import analyze, fill

    actor = log.actor_id("bench")
    project = service.add_project("Bench", "bench", actor=actor)
    other = service.add_project("Other team", "other", actor=actor)
    username, password = "bench-editor", secrets.token_urlsafe(16)
    user = service.add_user(username, password, actor=actor)
    service.set_role(user, project, "editor", actor=actor)
    print(f"filling {home} with {args.items:,} items and {args.incidents:,} incidents ...", flush=True)
    t0 = time.perf_counter()
    filled = fill(args.items, args.incidents, project_id=project.pk, other_project_id=other.pk, actor=actor,
                  assignee_id=user.pk, picks=args.picks, seed=args.seed)
    from webload.fill import fill_search

    searched = fill_search()
    filled.rows["search_entries"] = searched["search_entries"]
    seconds = dict(filled.seconds, search_index=searched["seconds"], analyze=analyze(), total=0.0)
    seconds["total"] = time.perf_counter() - t0
    from marsad.api import tokens

    api_token = tokens.create(user, project, "read", actor=actor, name="bench").secret
    state = {"items": args.items, "incidents": args.incidents, "database_url": args.database_url,
             "username": username, "password": password, "api_token": api_token,
             "item_shas": filled.item_shas, "incident_codes": filled.incident_codes, "rows": filled.rows,
             "fill_seconds": {k: round(v, 1) for k, v in seconds.items()}}
    state_file.write_text(json.dumps(state))
    print(f"filled in {seconds['total']:.0f} s: " + ", ".join(f"{k} {v:,}" for k, v in filled.rows.items()))
    return home, state


def page_paths(session: drive.Session, state: dict, args) -> dict[str, dict]:
    """key -> {label, paths, note}: the URLs each page's load picks from."""
    from django.urls import NoReverseMatch, reverse
    from django.utils import translation

    pages: dict[str, dict] = {}
    with translation.override("en"):
        for key, label, name, varies in PAGES:
            entry: dict = {"label": label.format(deep=args.deep), "url_name": name, "paths": [], "note": ""}
            pages[key] = entry
            if args.pages and key not in args.pages:
                entry["note"] = "not asked for"
                continue
            if name == "api":
                entry["paths"], entry["api"] = [varies], True
                continue
            try:
                if varies == "item":
                    entry["paths"] = [reverse(name, args=[sha]) for sha in state["item_shas"]]
                elif varies == "incident":
                    entry["paths"] = [reverse(name, args=[code]) for code in state["incident_codes"]]
                else:
                    entry["paths"] = [reverse(name)]
            except NoReverseMatch:
                entry["note"] = f"no URL named {name!r} yet"
                continue
            if varies == "deep":
                path, followed = session.follow_next(entry["paths"][0], args.deep - 1)
                entry["paths"] = [path] if path else []
                entry["note"] = (f'followed rel="next" {followed} times' if path else
                                 f'no rel="next" link after {followed} pages')
            elif varies == "cursor":
                entry["paths"], entry["note"] = cursor_paths(entry["paths"][0], state["item_shas"][:50])
            elif varies and varies.startswith("words"):
                words = WORDS_RARE if varies == "words_rare" else WORDS_COMMON
                extra = "&status=verified&date_from=2019-01-01&date_to=2019-12-31" if varies == "words_filtered" else ""
                entry["paths"] = [f"{entry['paths'][0]}?q={urllib.parse.quote(w)}{extra}" for w in words]
            elif varies == "governorate":
                entry["paths"] = [f"{entry['paths'][0]}?place={urllib.parse.quote(g)}" for g in GOVERNORATES]
            elif varies == "year":
                entry["paths"] = [f"{entry['paths'][0]}?date_from={y}-01-01&date_to={y}-12-31" for y in (2018, 2019)]
            elif varies == "day":
                entry["paths"] = [f"{entry['paths'][0]}?day=2019-0{m}-1{d}" for m in range(1, 10) for d in range(0, 10)]
            elif varies == "kind":
                status, _, html = session.get(entry["paths"][0])
                if args.kind_param not in drive.Page(html).controls:
                    entry["note"] = f"the page has no form control named {args.kind_param!r}"
                entry["paths"] = [f"{entry['paths'][0]}?{args.kind_param}={k}" for k in KINDS]
    return pages


def cursor_paths(path: str, shas: list[str]) -> tuple[list[str], str]:
    """The table after random items (on average half the collection deep), as a "next" link would have it:
    a bookmark or a long session must cost what page 2 costs."""
    try:
        from marsad.web.items.present import cursor
    except ImportError:
        return [], "no marsad.web.items.present.cursor to make the table's cursors with"
    from marsad.evidence.models import Item

    return [f"{path}?after={urllib.parse.quote(cursor(i))}" for i in Item.objects.filter(sha256__in=shas)], ""


def check(session: drive.Session, entry: dict, state: dict) -> None:
    """A page that does not answer 200 to the logged-in user is not loaded (a redirect would look fast)."""
    headers = {"Authorization": f"Bearer {state['api_token']}"} if entry.get("api") else {}
    status, final, html = session.get(entry["paths"][0], headers)
    if status != 200 or "/accounts/login/" in final:
        entry["note"] = (entry["note"] + "; " if entry["note"] else "") + f"answered {status} at {final}"
        entry["paths"] = []
    entry["kib"] = round(len(html.encode()) / 1024, 1)


def profile(pages: dict[str, dict], username: str, api_token: str) -> None:
    """Each page once in-process: its SQL queries and the slowest of them."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username),
                       backend="django.contrib.auth.backends.ModelBackend")
    for entry in pages.values():
        if not entry["paths"]:
            continue
        path = entry["paths"][0]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token}"} if entry.get("api") else {}
        client.get(path, **headers)
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            client.get(path, **headers)
            wall = time.perf_counter() - t0
        queries = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
        selects = sorted((q for q in queries if q[1].lstrip().upper().startswith("SELECT")), reverse=True)
        entry["profile"] = {"path": path, "wall_ms": round(wall * 1000, 1), "queries": len(queries),
                            "sql_ms": round(sum(t for t, _ in queries), 1),
                            "slowest": [{"ms": round(t, 1), "sql": sql[:3000]} for t, sql in selects[:3]]}


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return "\n".join(r[0] for r in cur.fetchall())
        cur.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(f"{r[0]:>3} {r[1]:>3} {r[3]}" for r in cur.fetchall())


def git_state() -> dict:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    families = {f: git("log", "-1", "--format=%h %cs %s", "--", f"src/marsad/web/{f}")[:100]
                for f in ("items", "incidents")}
    return {"head": git("rev-parse", "--short", "HEAD"), "last_commit": families,
            "uncommitted_web_files": len(git("status", "--porcelain", "--", "src/marsad/web").splitlines())}


def report(result: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Web pages on {result['database']}: {result['items']:,} items, "
                        f"{result['incidents']:,} incidents, {result['users']} users x {result['duration_s']} s")
    for col in ("page", "req/s", "p50 ms", "p95 ms", "p99 ms", "alone ms", "responses", "SQL (in-process)",
                f"p95 < {TARGET_P95_MS} ms"):
        table.add_column(col, justify="left" if col in ("page", "responses", "SQL (in-process)") else "right")
    for entry in result["pages"].values():
        load, prof = entry.get("load"), entry.get("profile")
        sql = (f"{prof['queries']} queries, {prof['sql_ms']} ms; slowest {prof['slowest'][0]['ms']} ms"
               if prof and prof["slowest"] else "")
        alone = f"{prof['wall_ms']:.0f}" if prof else ""
        if not load:
            table.add_row(entry["label"], "", "", "", "", alone, entry["note"] or "skipped", sql, "-")
            continue
        statuses = ", ".join(f"{v:,} x {k}" for k, v in sorted(load["statuses"].items()))
        errors = ", ".join(f"{v} {k}" for k, v in load["errors"].items())
        table.add_row(entry["label"], f"{load['rps']:.1f}", f"{load['p50']:.0f}", f"{load['p95']:.0f}",
                      f"{load['p99']:.0f}", alone, statuses + (f"; errors: {errors}" if errors else ""), sql,
                      "yes" if entry["meets_target"] else "NO")
    Console(width=200).print(table)
    print("alone: one request in-process with nobody else asking (Django test client, SQL captured); with "
          f"{result['users']} users and no think time, latency is about users / (req/s) (Little's law)")
    for entry in result["pages"].values():
        if entry.get("meets_target") is False and entry.get("explain"):
            print(f"\n{entry['label']}: slowest query ({entry['profile']['slowest'][0]['ms']} ms in-process)\n"
                  f"{entry['profile']['slowest'][0]['sql'][:1500]}\n{entry['explain']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", action="store_true", help="PostgreSQL (default sizes 1,000,000 / 50,000)")
    parser.add_argument("--database-url", default=None, help=f"PostgreSQL URL (with --pg default {PG_URL})")
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--incidents", type=int, default=None)
    parser.add_argument("--users", type=int, default=10, help="concurrent connections")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load per page")
    parser.add_argument("--threads", type=int, default=8, help="`marsad serve --threads`")
    parser.add_argument("--deep", type=int, default=50, help="items table page reached by its next links")
    parser.add_argument("--kind-param", default="kind", help="the items table's kind filter parameter")
    parser.add_argument("--picks", type=int, default=1000, help="items and incidents the page loads pick from")
    parser.add_argument("--pages", default="", help="comma-separated page keys: " + ",".join(p[0] for p in PAGES))
    parser.add_argument("--home", default=None, help="workspace to fill once and reuse (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the workspace and database")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    args.pages = {p for p in args.pages.split(",") if p}
    if args.pages - {p[0] for p in PAGES}:
        parser.error(f"unknown pages: {', '.join(sorted(args.pages - {p[0] for p in PAGES}))}")
    if args.pg and not args.database_url:
        args.database_url = PG_URL
    args.items = args.items or (1_000_000 if args.database_url else 100_000)
    args.incidents = args.incidents or (50_000 if args.database_url else 5_000)
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("bench/web.py needs wrk: `apt-get install -y wrk` (Debian package wrk)")

    home, state = prepare(args)
    from django.db import connection

    result: dict = {"database": connection.vendor, "items": state["items"], "incidents": state["incidents"],
                    "users": args.users, "duration_s": args.duration, "server_threads": args.threads,
                    "target_p95_ms": TARGET_P95_MS, "rows": state["rows"], "fill_seconds": state["fill_seconds"],
                    "cpus": os.cpu_count(), "git": git_state(), "pages": {},
                    "load_tool": subprocess.run([wrk, "--version"], capture_output=True, text=True).stdout.split(
                        "\n")[0].strip() + f", {min(args.users, 2)} threads, closed loop, 30 s timeout",
                    "notes": ["synthetic rows by bulk SQL; the custody log holds only set-up events, so item "
                              "pages find no custody events; no copy links, analysis results or comments",
                              "wrk runs on the same machine as the server and takes CPU from it"]}
    server = drive.Server(home, drive.free_port(), args.threads)
    try:
        server.wait()
        session = drive.Session(server.base)
        session.login(state["username"], state["password"])
        pages = page_paths(session, state, args)
        for entry in pages.values():
            if entry["paths"]:
                check(session, entry, state)
        profile(pages, state["username"], state["api_token"])
        for key, entry in pages.items():
            result["pages"][key] = entry
            if not entry["paths"]:
                print(f"{entry['label']}: skipped ({entry['note']})")
                continue
            entry["load_average_before"] = round(os.getloadavg()[0], 2)
            print(f"{entry['label']}: {args.users} users for {args.duration} s ...", flush=True)
            entry["load"] = drive.run_wrk(wrk, server.base, entry["paths"], "" if entry.get("api") else session.cookie(),
                                          args.users, args.duration,
                                          f"Bearer {state['api_token']}" if entry.get("api") else "")
            ok = set(entry["load"]["statuses"]) == {"200"} and not entry["load"]["errors"]
            entry["meets_target"] = ok and entry["load"]["p95"] < TARGET_P95_MS
            if not entry["meets_target"] and entry.get("profile", {}).get("slowest"):
                try:  # the SQL kept is cut at 3,000 characters: a long one has no plan to show
                    entry["explain"] = explain(entry["profile"]["slowest"][0]["sql"])
                except Exception as e:  # noqa: BLE001 - a plan is a hint; the load's numbers stand
                    entry["explain"] = f"(no plan: {e})"
            time.sleep(2)
    finally:
        server.stop()
    for entry in result["pages"].values():
        entry["sample_paths"] = entry.pop("paths")[:3]
    report(result)
    out = ROOT / "bench" / "results" / f"web-{connection.vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {out}")
    connection.close()
    if not (args.keep or args.home):
        shutil.rmtree(home, ignore_errors=True)
        if args.database_url:
            recreate_database(args.database_url, drop_only=True)
    else:
        print(f"kept {home}" + (f" and {args.database_url}" if args.database_url else ""))


if __name__ == "__main__":
    main()
