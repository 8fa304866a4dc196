"""What the terminal shows of untrusted text (file names, titles): escape sequences and bidi
overrides written as visible escapes, rich markup printed literally; and bad arguments
that end in a one-line error, never a traceback (nor a key file's contents)."""

import pytest

from marsad.cli.safe_text import CliError, shown, shown_markup

ESC, RLO, RLI = "\x1b", "\u202e", "\u2067"
HOSTILE = f"{ESC}[31mred{RLO}gpj.exe{RLI}[red]x"


@pytest.mark.once
def test_controls_and_bidi_overrides_become_visible_escapes():
    assert shown(f"a{ESC}[2Jb\x07c\x9bd\x7fe") == "a\\x1b[2Jb\\x07c\\x9bd\\x7fe"
    assert shown(f"{RLO}{RLI}\u202a\u2069x") == "\\u202e\\u2067\\u202a\\u2069x"
    assert shown("name-\udcff.jpg") == "name-\\udcff.jpg"  # not UTF-8: escaped rather than crash the encoder
    # Newline and tab stay, but not in one line; marks and Arabic text are left as written.
    assert shown("a\nb\tc\rd") == "a\nb\tc\\x0dd"
    assert shown("a\nb\tc", one_line=True) == "a\\x0ab\\x09c"
    arabic = "شهادة\u200f \u061cكفرنبل\u200e 2024"
    assert shown(arabic) == arabic


@pytest.mark.once
def test_markup_prints_literally_and_errors_are_escaped():
    from io import StringIO

    from rich.console import Console

    buffer = StringIO()
    Console(file=buffer, highlight=False, width=200).print(f"[bold]{shown_markup(HOSTILE)}[/]")
    assert buffer.getvalue() == "\\x1b[31mred\\u202egpj.exe\\u2067[red]x\n"
    assert CliError(f"{HOSTILE}: not found").format_message() == "\\x1b[31mred\\u202egpj.exe\\u2067[red]x: not found"


@pytest.mark.once
def test_a_long_arabic_original_name_fits_a_file_system_in_a_bundle():
    from marsad.custody.bundle import _safe_name

    name = _safe_name("/x/" + "شهادة" * 40 + ".jpg", "f" * 64)
    assert len(name.encode()) <= 255 and name.endswith(".jpg") and name.startswith("شهادة")
    assert _safe_name("ب" * 300, "f" * 64) == "ب" * 127  # cut on a whole letter


@pytest.fixture(scope="module")
def m(tmp_path_factory):
    from tests.conftest import workspace_cli

    folder = tmp_path_factory.mktemp("hostile")
    (folder / f"{HOSTILE}.txt").write_text("a file with a hostile name")
    for cli in workspace_cli(folder / "workspace"):
        cli.folder = folder
        yield cli


def _terminal_safe(text: str) -> None:
    assert ESC not in text and RLO not in text and RLI not in text, text
    assert "\\x1b[31mred\\u202egpj.exe\\u2067[red]x" in text, text


def test_file_names_and_titles_print_escaped(m):
    ingest = m.run("ingest", str(m.folder / f"{HOSTILE}.txt"))
    _terminal_safe(ingest.stdout + ingest.stderr)
    [item] = m.json("items")
    _terminal_safe(m.run("show", item["sha256"]).stdout)
    code = m.run("incidents", "create", "--title", HOSTILE, "--date", "2024-01-02").stdout.strip()
    _terminal_safe(m.run("incidents", "list").stdout)
    _terminal_safe(m.run("incidents", "show", code).stdout)
    assert [i["title"] for i in m.json("incidents", "list")] == [HOSTILE]  # JSON stays exact


@pytest.mark.parametrize("args, says", [
    (["fixity", "--sample", "-1"], "--sample"),
    (["log", "show", "--tail", "-2"], "--tail"),
    (["export", "incidents", "-o", "{missing}/x.csv"], "missing does not exist"),
    (["export", "bundle", "-o", "{missing}/x.zip", "0" * 8], "missing does not exist"),
    (["log", "verify", "--key", "{key}"], "is a private signing key"),
])
def test_bad_arguments_give_a_one_line_error(m, args, says):
    key = (m.home / "keys" / "log.key").read_text().strip()
    places = {"key": m.home / "keys" / "log.key", "missing": m.folder / "missing"}
    proc = m.run(*[a.format(**places) for a in args], check=None)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    assert says in proc.stderr and proc.stderr.count("Error") == 1, proc.stderr
    assert key.split("+")[-1] not in proc.stdout + proc.stderr  # a key file is never echoed
