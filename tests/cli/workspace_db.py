"""Helpers for tests that drive `marsad` processes: read a workspace's database directly
(quicker to poll than the `marsad` command) and wait for a condition."""

import sqlite3
import time


def query(marsad, sql: str) -> list[tuple]:
    """Rows of `sql` in the workspace's database (PostgreSQL where DATABASE_URL names it, else its SQLite file)."""
    url = marsad.env.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchall()
    with sqlite3.connect(marsad.home / "marsad.sqlite3", timeout=30) as conn:
        return conn.execute(sql).fetchall()


def wait(what, seconds: float, step: float = 0.1):
    """What `what()` gives once it is true, trying every `step` seconds; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := what():
            return found
        time.sleep(step)
    raise AssertionError(f"timed out after {seconds} s")
