"""`marsad demo`: a workspace, a realistic sample set, an ingest, a summary."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click


DEMO_PASSWORD = "marsad-demo-2019"  # a demo on loopback only; never a real workspace's


@click.command("demo")
@click.option("--dir", "folder", default="demo-data", type=click.Path(file_okay=False),
              help="Where to put the demo's samples and workspace (replaced on each run).")
def demo_command(folder: str) -> None:
    """Generate sample evidence, ingest it into a fresh workspace, and verify the log."""
    from marsad.demo.samples import make_sample_set  # numpy, PyAV: only when the demo runs

    root = Path(folder).resolve()
    if root.exists():
        shutil.rmtree(root)
    samples, home = root / "samples", root / "workspace"
    click.echo(f"Generating sample evidence in {samples} ...")
    made = make_sample_set(samples)
    (samples / "phone-dump" / "WhatsApp" / "Media" / "notes.mp4").write_text("not a video, only named like one\n")
    env = os.environ | {"MARSAD_HOME": str(home)}

    def marsad(*args: str, check: bool = True) -> int:
        click.secho("\n$ marsad " + " ".join(args), bold=True)
        code = subprocess.call([sys.executable, "-m", "marsad", *args], env=env)
        if check and code not in (0, 1):
            raise click.ClickException(f"marsad {args[0]} failed with status {code}")
        return code

    marsad("init")
    marsad("ingest", str(samples))
    marsad("ingest", str(made["duplicate"]))  # the same file again: nothing new
    marsad("items")
    # From items to an incident: a place in any spelling, the footage linked, an ACLED-style export.
    video, photo = (hashlib.sha256(made[k].read_bytes()).hexdigest() for k in ("video", "photo"))
    marsad("places", "find", "كفرنبل")
    marsad("incidents", "create", "--title", "Airstrike on the surgical hospital, Kafr Nabl", "--date", "2019-05-05",
           "--time", "14:30", "--place", "Kafranbel", "--type", "Air/drone strike", "--set", "fatalities_best=3",
           "--evidence", video, "--reason", "the demo's video")
    marsad("incidents", "link", "SYR000001", video, "--role", "primary")
    marsad("incidents", "suggest", photo)
    marsad("export", "incidents", "--format", "csv", "-o", str(root / "incidents.csv"))
    # A team for the web app: the demo login, and a second reviewer for the two-person rule.
    password_file = root / "demo-password.txt"
    password_file.write_text(DEMO_PASSWORD + "\n")
    marsad("user", "add", "demo", "--role", "owner", "--password-file", str(password_file))
    marsad("user", "add", "reviewer", "--role", "manager", "--password-file", str(password_file))
    password_file.unlink()
    marsad("log", "verify")
    click.echo(f"\nThe demo workspace is {home}. Try: MARSAD_HOME={home} marsad show <sha256 prefix>")
    click.echo(f"Web app: MARSAD_HOME={home} marsad serve, then sign in as demo (or reviewer) / {DEMO_PASSWORD}")


COMMANDS = [demo_command]
