"""Untrusted text (file names, titles, WARC lines, reasons quoting them) made safe to print
on a terminal: escape sequences and bidirectional overrides are shown as visible escapes,
never obeyed. JSON output needs none of this: json.dumps escapes control characters, and
bidi characters there are data.

Escaped: every control character (C0, DEL, C1) except newline and tab; lone surrogates (a
name that is not UTF-8), which would crash the terminal's encoder; and the bidi embeddings,
overrides and isolates U+202A-U+202E and U+2066-U+2069, which reorder what follows them.
Kept: the marks U+200E, U+200F and U+061C. They only nudge neutral characters next to them,
cannot reverse a run of text, and Arabic text carries them legitimately."""

from __future__ import annotations

import re

import click
from rich.markup import escape as rich_escape

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab, newline), DEL, C1
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides, isolates
    "\ud800-\udfff]"  # lone surrogates (os.fsdecode of a name that is not UTF-8)
)
_UNSAFE_LINE = re.compile(_UNSAFE.pattern[:-1] + "\n\t]")


def _visible(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(text: object, *, one_line: bool = False) -> str:
    """`text` with what a terminal would obey written as escapes (`\\x1b`, `\\u202e`);
    with one_line, newlines and tabs too (a file name must not forge a line of output)."""
    return (_UNSAFE_LINE if one_line else _UNSAFE).sub(_visible, str(text))


def shown_markup(text: object, *, one_line: bool = False) -> str:
    """shown() for a rich console with markup on: `[red]` in the text prints literally."""
    return rich_escape(shown(text, one_line=one_line))


class CliError(click.ClickException):
    """A one-line error whose message may quote untrusted text: printed through shown()."""

    def format_message(self) -> str:
        return shown(self.message)
