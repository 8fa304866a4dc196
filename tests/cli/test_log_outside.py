"""`marsad log verify` against checkpoints kept outside the database, through the real command:
the workspace's log/checkpoints, files given, and the verifier's own cache."""

import shutil

RECORD = ("from django.db import transaction\n"
          "from marsad.custody import log\n"
          "with transaction.atomic():\n"
          "    for n in range(3): log.record('annotate', item='a' * 64, details={'note': str(n)})\n"
          "log.sign_checkpoint()\n")


def test_deleted_events_are_caught_by_the_file_and_by_the_cache(marsad, tmp_path):
    cache = tmp_path / "verifier-cache"
    marsad.run("manage", "shell", "-c", RECORD)
    ok = marsad.run("log", "verify", "--cache", str(cache)).stdout
    assert "OK" in ok and " outside it" in ok
    (kept,) = list(cache.iterdir())
    assert "\n4\n" in kept.read_text(), "the cache holds the latest checkpoint (genesis + 3 events)"
    shutil.copy(marsad.home / "log" / "checkpoints", tmp_path / "copy")

    marsad.run("manage", "shell", "-c", "from tests.apps.custody_tamper import drop_newest; drop_newest(2)")
    out = marsad.run("log", "verify", "--no-cache", check=1).stdout
    assert "checkpoint log/checkpoints #" in out and "the log holds only 2 events; signed events were removed" in out

    (marsad.home / "log" / "checkpoints").unlink()
    out = marsad.run("log", "verify", "--cache", str(cache), "--checkpoints", str(tmp_path / "copy"), check=1).stdout
    assert "log/checkpoints is missing" in out
    assert "seen before by this verifier" in out and f"checkpoint {tmp_path / 'copy'} #" in out

    (marsad.home / "keys" / "django.key").unlink()
    refused = marsad.run("log", "show", check=1)
    assert "django.key is missing or empty: Marsad will not run without it" in refused.stderr
    assert "Traceback" not in refused.stderr
