"""`marsad witness serve`: cosign another Marsad's checkpoints (c2sp.org/tlog-witness).

A partner organisation runs this with the log keys (`log/log.vkey`) of the workspaces
it witnesses; each of those runs `marsad log witness --url ... --key WITNESS.vkey`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import click

from .context import home_option, workspace
from .safe_text import CliError


@click.group("witness")
def witness_group() -> None:
    """Witness other Marsad logs: cosign their checkpoints."""


def witness_key(home: Path, name: str | None = None):
    """This workspace's witness key, made on first use (keys/witness.key, log/witness.vkey)."""
    from marsad.core.custody.witness import Cosigner

    path = home / "keys" / "witness.key"
    if path.exists():
        return Cosigner.parse(path.read_text())
    cosigner = Cosigner.generate(name or f"marsad-witness.local/{uuid.uuid4().hex[:16]}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(cosigner.skey() + "\n")
    (home / "log" / "witness.vkey").write_text(cosigner.verifier().vkey() + "\n")
    return cosigner


@witness_group.command("serve")
@home_option
@click.option("--trust", "log_keys", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="A log's verifier key (its log/log.vkey) to witness; repeat for several.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7380, show_default=True, type=int)
@click.option("--name", default=None, help="The witness's name, when its key is first made.")
def serve_command(log_keys: tuple[str, ...], host: str, port: int, name: str | None) -> None:
    """Serve POST /add-checkpoint: cosign each checkpoint consistent with the last one cosigned."""
    from marsad.core.custody.note import NoteError, Verifier
    from marsad.core.custody.witness import WitnessState
    from marsad.core.custody.witness_http import make_server

    ws = workspace().require()
    trusted = {}
    for key_file in log_keys:
        try:
            verifier = Verifier.parse(Path(key_file).read_text(errors="replace"))
        except NoteError as e:
            raise CliError(f"{key_file} is not a log's verifier key (NAME+HASH+KEY)") from e
        trusted[verifier.name] = verifier
    cosigner = witness_key(ws.home, name)
    server = make_server(host, port, WitnessState(ws.log_dir / "witness-state.json"), trusted, cosigner)
    click.echo(f"Witness {cosigner.verifier().vkey()}\nlistening on http://{host}:{server.server_port} "
               f"for {len(trusted)} log(s)", err=False)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


COMMANDS = [witness_group]
