"""Several workspaces in one test: an export from one, imported into others."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import Marsad, _postgres_database


class Workspaces:
    """Makes initialised workspaces (each its own PostgreSQL database when DATABASE_URL is set)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.drops = []

    def __call__(self, name: str) -> Marsad:
        home = self.folder / name
        env = os.environ.copy() | {"MARSAD_HOME": str(home), "COLUMNS": "200"}
        pg = _postgres_database()
        if pg:
            env["DATABASE_URL"] = pg[0]
            self.drops.append(pg[1])
        cli = Marsad(home, env)
        cli.run("init")
        return cli

    def close(self) -> None:
        for drop in self.drops:
            drop()


@pytest.fixture
def workspaces(tmp_path):
    made = Workspaces(tmp_path)
    yield made
    made.close()


@pytest.fixture(scope="module")
def module_workspaces(tmp_path_factory):
    made = Workspaces(tmp_path_factory.mktemp("workspaces"))
    yield made
    made.close()
