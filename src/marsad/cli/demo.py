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
    # More of spring 2019, so the map, the timeline and search have something to show (titles as
    # documenters write them, in Arabic and English).
    for title, day, hour, place, kind, fields in DEMO_INCIDENTS:
        marsad("incidents", "create", "--title", title, "--date", day, *(("--time", hour) if hour else ()),
               "--place", place, "--type", kind, *(a for f in fields for a in ("--set", f)),
               "--reason", "demo data")
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


# title, date, time, place, ACLED sub-event type, other fields
DEMO_INCIDENTS = [
    ("قَصْفٌ على مشفى في سرمين", "2019-05-05", "09:10", "Sarmin", "Air/drone strike",
     ["fatalities_best=0", "injured=4"]),
    ("Barrel bombs on Khan Shaykhun market", "2019-05-06", "", "Khan Shaykhun", "Air/drone strike",
     ["fatalities_best=7", "civilian_deaths_best=7"]),
    ("غارات على الأحياء السكنية في معرة النعمان", "2019-05-09", "18:45", "Maarat al-Numan", "Air/drone strike",
     ["fatalities_best=5"]),
    ("Shelling on Kafr Zita, families displaced", "2019-05-12", "", "Kafr Zita", "Shelling/artillery/missile attack",
     ["fatalities_best=2"]),
    ("مظاهرة في سراقب ضد القصف", "2019-05-17", "16:00", "Saraqib", "Peaceful protest", []),
    ("Airstrike on a school in Ariha", "2019-05-22", "11:30", "Ariha", "Air/drone strike",
     ["fatalities_best=3", "injured=12"]),
    ("قصف مدفعي على جسر الشغور", "2019-05-28", "", "Jisr ash-Shughur", "Shelling/artillery/missile attack",
     ["fatalities_best=1"]),
    ("Civil Defence centre hit in Idlib city", "2019-06-03", "07:20", "Idlib", "Air/drone strike",
     ["fatalities_best=2"]),
    ("احتجاج في بنش", "2019-06-07", "", "Binnish", "Peaceful protest", []),
    ("Shelling on al-Atarib", "2019-06-14", "", "Atarib", "Shelling/artillery/missile attack",
     ["fatalities_best=4"]),
]

COMMANDS = [demo_command]
