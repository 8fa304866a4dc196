"""Shared fixtures. The in-process Django tests use a throw-away workspace made
here before Django reads its settings; CLI tests run the real `marsad` command
in their own workspaces (and their own PostgreSQL database when DATABASE_URL is set)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

import pytest

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="marsad-test-home-"))
os.environ["MARSAD_HOME"] = str(_SESSION_HOME)
# `log verify` keeps the checkpoints it has seen in the user's cache: the tests' own, thrown away
os.environ["XDG_CACHE_HOME"] = str(_SESSION_HOME.parent / f"{_SESSION_HOME.name}-cache")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marsad.web.settings")

from marsad.core.workspace import Workspace  # noqa: E402

Workspace(_SESSION_HOME).create()

import django  # noqa: E402

django.setup()  # pytest-django looked for settings before this file set MARSAD_HOME

ROOT = Path(__file__).resolve().parent.parent
TESTDATA = ROOT.parent / "shared" / "testdata"


@pytest.fixture(scope="session")
def testdata() -> Path:
    if not TESTDATA.is_dir():
        pytest.skip(f"reference vectors not found at {TESTDATA} (../shared/testdata beside the project)")
    return TESTDATA


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """A real S3 server (SeaweedFS `weed mini`, from PyPI), on loopback, for the whole session;
    each test makes its own bucket. Skipped with the reason where it cannot start."""
    from marsad.core.seaweed import Seaweed, SeaweedUnavailable

    try:
        server = Seaweed(tmp_path_factory.mktemp("seaweed")).start()
    except SeaweedUnavailable as e:
        pytest.skip(f"SeaweedFS could not start, so S3 is not tested here: {e}")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def samples(tmp_path_factory) -> dict[str, Path]:
    from marsad.demo.samples import make_sample_set

    return make_sample_set(tmp_path_factory.mktemp("samples"))


def _postgres_database() -> tuple[str, callable] | None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return None
    import psycopg

    name = f"marsad_cli_{uuid.uuid4().hex[:10]}"
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url.rsplit("/", 1)[0] + "/" + name, drop


class Marsad:
    """Runs the real `marsad` command against one workspace."""

    def __init__(self, home: Path, env: dict[str, str]) -> None:
        self.home = home
        self.env = env

    def run(self, *args: str, check: int | None = 0, prefix: list[str] = (), **kwargs) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [*prefix, sys.executable, "-m", "marsad", *args], env=self.env, capture_output=True, text=True,
            timeout=kwargs.pop("timeout", 300), **kwargs,
        )
        if check is not None and proc.returncode != check:
            raise AssertionError(
                f"marsad {' '.join(args)} exited {proc.returncode}, expected {check}\n"
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
            )
        return proc

    def popen(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "marsad", *args], env=self.env, **kwargs)

    def json(self, *args: str):
        import json

        return json.loads(self.run(*args, "--json").stdout)


def workspace_cli(home: Path):
    """A new workspace at `home` (in its own PostgreSQL database when DATABASE_URL is set),
    as a Marsad runner; yields it, then drops the database."""
    env = os.environ.copy() | {"MARSAD_HOME": str(home), "COLUMNS": "200"}
    pg = _postgres_database()
    if pg:
        env["DATABASE_URL"] = pg[0]
    cli = Marsad(home, env)
    cli.run("init")
    yield cli
    if pg:
        pg[1]()


@pytest.fixture
def marsad(tmp_path) -> Marsad:
    yield from workspace_cli(tmp_path / "workspace")


_DB_FIXTURES = {"db", "transactional_db", "django_db_setup", "live_server"}
_DB_WORDS = ("Marsad(", "Workspaces(", "workspace_cli", "_postgres_database", "DATABASE_URL")


def _uses_database(item) -> bool:
    """Whether a test reaches the database: in process (pytest-django's fixtures or mark),
    or through the `marsad` command in a workspace of its own (a fixture or module that makes one)."""
    import inspect

    if item.get_closest_marker("django_db") or _DB_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    sources = [inspect.getsource(item.module)] if getattr(item, "module", None) else []
    for defs in getattr(item, "_fixtureinfo", None) and item._fixtureinfo.name2fixturedefs.values() or ():
        for fixturedef in defs:
            if str(ROOT / "tests") in (inspect.getsourcefile(fixturedef.func) or ""):
                sources.append(inspect.getsource(fixturedef.func))
    return any(word in source for source in sources for word in _DB_WORDS)


def pytest_collection_modifyitems(config, items) -> None:
    # A test that never touches the database gives the same answer on either engine: it runs
    # once, on SQLite, and the PostgreSQL pass (`-m "not once"`) leaves it out.
    for item in items:
        if not item.get_closest_marker("once") and not _uses_database(item):
            item.add_marker(pytest.mark.once)
