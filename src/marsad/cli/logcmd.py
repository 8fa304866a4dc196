"""`marsad log ...`: the custody log: checkpoints, verification, proofs, timestamps."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click
from rich.console import Console

from .context import EXIT_FAILURES, home_option, setup_django
from .safe_text import CliError, shown, shown_markup


@click.group("log")
def log_group() -> None:
    """The tamper-evident custody log."""


@log_group.command("checkpoint")
@home_option
def checkpoint_command() -> None:
    """Sign a checkpoint of the log as it is now."""
    setup_django()
    from marsad.custody.log import sign_checkpoint

    click.echo(sign_checkpoint().note, nl=False)


@log_group.command("verify")
@home_option
@click.option("--key", "vkey_file", type=click.Path(exists=True, dir_okay=False),
              help="Verifier key to trust (default: the workspace's log/log.vkey).")
@click.option("--checkpoints", "checkpoint_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="A file of signed checkpoints kept elsewhere (a copy of log/checkpoints, a bundle's "
                   "log/checkpoint); the log must extend each. Repeat for several.")
@click.option("--cache", "cache_dir", type=click.Path(file_okay=False),
              help="This verifier's own folder of the checkpoints it accepted "
                   "(default: ~/.cache/marsad/checkpoints).")
@click.option("--no-cache", is_flag=True, help="Neither read nor update the verifier's cache.")
def verify_command(vkey_file: str | None, checkpoint_files: tuple[str, ...], cache_dir: str | None,
                   no_cache: bool) -> None:
    """Recompute the log and check checkpoints, signatures and database rows."""
    ws = setup_django()
    from marsad.core.custody.checkpoints import VerifierCache, default_cache_dir
    from marsad.core.custody.note import NoteError, Verifier
    from marsad.custody.verify import Outside, read_outside, verify_log

    try:
        text = Path(vkey_file).read_text(errors="replace") if vkey_file else None
    except OSError as e:
        raise CliError(f"{vkey_file}: not readable: {e.strerror}") from e
    if text is not None and text.lstrip().startswith("PRIVATE+KEY+"):
        # Never echoed: a signing key given by mistake must not end up in a terminal's scrollback.
        raise CliError(f"{vkey_file} is a private signing key, not a verifier key: give the public one "
                       "(log/log.vkey, or log.vkey in a bundle)")
    try:
        verifier = Verifier.parse(text) if text is not None else ws.verifier()
    except NoteError as e:
        # Not the error's text: it quotes the file, which may be something else entirely.
        raise CliError(f"{vkey_file or ws.verifier_key_path} is not a verifier key "
                                   "(NAME+HASH+KEY, as in a workspace's log/log.vkey)") from e
    outside, unreadable = read_outside(ws.checkpoints_path, "log/checkpoints")
    for name in checkpoint_files:
        found, problems = read_outside(Path(name))
        outside += found
        unreadable += problems
    cache = None if no_cache else VerifierCache(Path(cache_dir) if cache_dir else default_cache_dir())
    cached = None
    if cache is not None:
        try:
            cached = cache.load(verifier.name, ws.home)
        except OSError as e:
            unreadable.append(f"the verifier's cache {cache.path(verifier.name, ws.home)}: {e.strerror}")
        if cached is not None:
            outside.append(Outside(f"seen before by this verifier ({cache.path(verifier.name, ws.home)})", cached))
    report = verify_log(verifier, outside=outside)
    if "log/checkpoints is missing" in unreadable:
        unreadable[unreadable.index("log/checkpoints is missing")] = (
            "log/checkpoints is missing: no checkpoint of this log is kept outside the database. It was deleted, "
            "or the workspace was made before Marsad kept one (then `marsad log checkpoint` starts it)")
    report.problems[:0] = unreadable
    out = Console(highlight=False)
    for problem in report.problems:
        out.print(f"[red]PROBLEM[/] {shown_markup(problem)}", markup=True)
    out.print(
        f"{report.size} events, {report.checkpoints} checkpoints in the database, {report.outside} outside it, "
        f"{report.rows_checked} database rows, {report.timestamps} timestamps checked"
    )
    if report.state_checked:
        out.print("current state replayed from the log: "
                  + ", ".join(f"{n} {kind}" for kind, n in report.state_checked.items()), markup=False)
    for note in report.notes:
        out.print(f"not replayed: {note}", markup=False)
    cosigned, witnesses = _cosigned_count(ws, outside, report.latest_note)
    if witnesses:
        out.print(f"the latest checkpoint is cosigned by {cosigned} of {witnesses} witness(es)")
    if report.unsigned_tail:
        out.print(f"{report.unsigned_tail} newest events are not yet under a signed checkpoint "
                  "(run `marsad log checkpoint`)")
    if not report.ok:
        out.print(f"[red bold]FAILED[/]: {len(report.problems)} problem(s)")
        raise SystemExit(EXIT_FAILURES)
    if cache is not None and report.latest_note and report.latest_note != cached:
        try:
            cache.store(verifier.name, ws.home, report.latest_note)
        except OSError as e:
            out.print(f"could not keep the latest checkpoint in the verifier's cache: {e.strerror}")
    out.print("[green bold]OK[/]: the log is intact and matches the database")


@log_group.command("witness")
@home_option
@click.option("--url", required=True, help="The witness's address (it serves POST URL/add-checkpoint).")
@click.option("--key", "key_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The witness's key (its log/witness.vkey): only its cosignature is accepted.")
def witness_command(url: str, key_file: str) -> None:
    """Have a witness cosign the latest checkpoint (c2sp.org/tlog-witness)."""
    setup_django()
    from django.conf import settings

    from marsad.core.custody import merkle
    from marsad.core.custody.checkpoints import append_note
    from marsad.core.custody.note import NoteError
    from marsad.core.custody.witness import CosignerVerifier, request_body
    from marsad.core.custody.witness_http import WitnessError, submit
    from marsad.custody import log

    try:
        witness = CosignerVerifier.parse(Path(key_file).read_text(errors="replace"))
    except NoteError as e:
        raise CliError(f"{key_file} is not a witness key (NAME+HASH+KEY, its log/witness.vkey)") from e
    ws = settings.WORKSPACE
    known = _witnesses(ws)
    checkpoint = log.sign_checkpoint()
    old = known.get(witness.vkey(), {}).get("size", 0)
    for _attempt in range(2):
        if old > checkpoint.size:
            raise CliError(
                f"{witness.name} has cosigned this log at size {old}, but it holds only {checkpoint.size} events: "
                "signed events were removed")
        proof = merkle.consistency_proof(old, checkpoint.size, log.fetch_nodes) if 0 < old < checkpoint.size else []
        try:
            status, kind, body = submit(url, request_body(old, proof, checkpoint.note))
        except WitnessError as e:
            raise CliError(str(e)) from e
        if status == 409 and kind.startswith("text/x.tlog.size") and body.strip().isdigit() and int(body) != old:
            old = int(body)  # the witness knows a later checkpoint than we remembered: prove from it
            continue
        break
    if status == 409 or status == 422:
        raise CliError(
            f"{witness.name} refused: this checkpoint (size {checkpoint.size}) is not consistent with the one it "
            f"cosigned at size {old}: the log was rewritten since ({body.strip()[:200]})")
    if status != 200:
        raise CliError(f"{witness.name} answered {status}: {body.strip()[:300]}")
    cosigned = checkpoint.note + "".join(line + "\n" for line in body.splitlines()
                                         if line.startswith("\u2014 "))
    when = witness.cosigned_at(cosigned)
    if when is None:
        raise CliError(f"the answer from {url} carries no valid cosignature by {witness.name}")
    append_note(ws.checkpoints_path, cosigned)
    known[witness.vkey()] = {"url": url, "size": checkpoint.size}
    _witnesses_path(ws).write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
    click.echo(f"Checkpoint at size {checkpoint.size} cosigned by {witness.name} "
               f"(at {datetime.fromtimestamp(when, timezone.utc):%Y-%m-%d %H:%M:%S} UTC); kept in log/checkpoints")


def _witnesses_path(ws) -> Path:
    return ws.log_dir / "witnesses.json"


def _witnesses(ws) -> dict:
    path = _witnesses_path(ws)
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except ValueError as e:
        raise CliError(f"{path} is damaged: {e}") from e


def _cosigned_count(ws, outside: list, latest_note: str | None) -> tuple[int, int]:
    """How many known witnesses cosigned a copy of the latest checkpoint, of how many."""
    from marsad.core.custody.witness import CosignerVerifier

    keys = [CosignerVerifier.parse(vkey) for vkey in _witnesses(ws)]
    if latest_note is None or not keys:
        return 0, len(keys)
    body = latest_note.rpartition("\n\n")[0]
    copies = [cp.note for cp in outside if cp.note.rpartition("\n\n")[0] == body]
    return sum(any(key.cosigned_at(note) is not None for note in copies) for key in keys), len(keys)


@log_group.command("prove")
@home_option
@click.argument("sha256")
def prove_command(sha256: str) -> None:
    """Print an item's events with inclusion proofs (C2SP tlog-proof)."""
    setup_django()
    from marsad.core.custody import merkle
    from marsad.core.custody.tlogproof import TlogProof
    from marsad.custody import log
    from marsad.custody.models import LogEntry
    from marsad.evidence.views import ItemNotFound, find_item

    try:
        item = find_item(sha256)
    except ItemNotFound as e:
        raise CliError(str(e)) from e
    checkpoint = log.sign_checkpoint()
    for entry in LogEntry.objects.filter(item=item.sha256, index__lt=checkpoint.size).order_by("index"):
        proof = merkle.inclusion_proof(entry.index, checkpoint.size, log.fetch_nodes)
        click.echo(f"# event {entry.index}: {shown(bytes(entry.leaf).decode(), one_line=True)}")
        click.echo(TlogProof(entry.index, proof, checkpoint.note).text(), nl=False)


@log_group.command("show")
@home_option
@click.option("--tail", type=click.IntRange(min=0), default=None, help="Only the last N events.")
@click.option("--json", "as_json", is_flag=True)
def show_command(tail: int | None, as_json: bool) -> None:
    """Print log entries (leaves), oldest first."""
    setup_django()
    from marsad.custody.models import LogEntry

    query = LogEntry.objects.order_by("-index")
    entries = list(query[:tail] if tail is not None else query)[::-1]
    for entry in entries:
        leaf = bytes(entry.leaf).decode()
        click.echo(json.dumps({"index": entry.index, "leaf": json.loads(leaf)}) if as_json
                   else f"{entry.index}\t{shown(leaf, one_line=True)}")


@log_group.command("timestamp")
@home_option
@click.option("--tsa", required=True, help="URL of an RFC 3161 timestamp authority.")
@click.option("--ca", "ca_file", required=True, type=click.Path(exists=True, dir_okay=False),
              help="PEM file of the TSA's root certificate(s), trusted to check its answer.")
def timestamp_command(tsa: str, ca_file: str) -> None:
    """Get an RFC 3161 timestamp over the latest checkpoint."""
    setup_django()
    from marsad.custody.log import sign_checkpoint
    from marsad.custody.timestamps import TimestampInvalid, TimestampUnavailable, request_timestamp

    sign_checkpoint()
    try:
        token = request_timestamp(tsa, Path(ca_file).read_text())
    except (TimestampInvalid, TimestampUnavailable) as e:
        raise CliError(str(e)) from e
    click.echo(f"Checkpoint at size {token.checkpoint.size} timestamped by {tsa} at {token.gen_time.isoformat()}")


COMMANDS = [log_group]
