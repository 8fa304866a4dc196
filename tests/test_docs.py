"""The README must document every setting and every command (datasette's habit)."""

from pathlib import Path

import click

from marsad.cli.main import cli
from marsad.conf import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _commands(group: click.Group, prefix: str = "marsad") -> list[str]:
    names = []
    for name, command in group.commands.items():
        names.append(f"{prefix} {name}")
        if isinstance(command, click.Group):
            names.extend(_commands(command, f"{prefix} {name}"))
    return names


def test_every_setting_is_documented():
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in README]
    assert not missing, f"settings missing from README.md: {missing}"


def test_every_command_is_documented():
    commands = [c for c in _commands(cli) if c not in ("marsad log", "marsad export")]
    missing = [c for c in commands if c not in README]
    assert not missing, f"commands missing from README.md: {missing}"


def test_readme_opens_with_the_two_commands():
    head = README.split("\n")[:8]
    assert any(line.startswith("make demo") for line in head)
    assert any(line.startswith("make test") for line in head)
