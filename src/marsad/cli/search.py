"""`marsad search WORDS` and `marsad search reindex`.

The command line runs as the workspace owner, like `marsad incidents show` (which
prints every field, witness and source fields included): it searches every field
of every project, or of the one --project names."""

from __future__ import annotations

import json
import re
import time

import click
from rich.console import Console

from .context import home_option, setup_django
from .safe_text import shown_markup


def _plain(snippet_html: str) -> str:
    """The snippet as terminal text: the matching words between » «."""
    import html

    return html.unescape(re.sub("</?mark>", lambda m: "«" if m.group(0) == "</mark>" else "»", snippet_html))


class SearchGroup(click.Group):
    """`marsad search reindex` is a subcommand; anything else is words to search for."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["find", *args]
        return super().parse_args(ctx, args)


@click.group("search", cls=SearchGroup)
def search_group() -> None:
    """Find incidents, comments, evidence, source texts and places by their words
    (`marsad search "words"`), or rebuild the index (`marsad search reindex`)."""


@search_group.command("find", hidden=True)
@home_option
@click.argument("words", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True)
@click.option("--project", help="Only this project (name or slug); places are everyone's.")
@click.option("--limit", default=50, show_default=True)
def find_command(words: tuple[str, ...], as_json: bool, project: str | None, limit: int) -> None:
    setup_django()
    from marsad.search.query import Scope, search

    from .incidents import _project

    scope = Scope.everything(_project(project).pk if project else None)
    page = search(None, " ".join(words), scope=scope, limit=limit)
    rows = [{"kind": h.kind, "key": h.key, "title": h.title, "field": h.field, "project": h.project,
             "rank": h.rank, "snippet": _plain(h.snippet_html)} for h in page.hits]
    if as_json:
        click.echo(json.dumps({"total": page.total_text, "hits": rows}, ensure_ascii=False, indent=1))
        return
    out = Console(highlight=False)
    out.print(f"{page.total_text} found" + (f" (first {len(rows)} shown)" if page.next else ""))
    for r in rows:
        out.print(f"[bold]{r['kind']}[/] {shown_markup(r['key'])}  {shown_markup(r['title'])}  [dim]({r['field']}"
                  f"{', ' + shown_markup(r['project']) if r['project'] else ''})[/]", soft_wrap=True)
        out.print(f"    {shown_markup(r['snippet'])}", soft_wrap=True)


@search_group.command("reindex")
@home_option
def reindex_command() -> None:
    """Rebuild the search index from the records."""
    setup_django()
    from marsad.search.index import reindex

    started = time.monotonic()
    count = reindex()
    click.echo(f"indexed {count} fields in {time.monotonic() - started:.1f} s")


COMMANDS = [search_group]
