"""The fuzz harnesses (fuzz/) run: each replays the seed corpus its own code writes, then
fuzzes for about three seconds, and finds nothing (`make fuzz` runs them for longer)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris", reason="atheris (a test extra) is not installed here")

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
HARNESSES = sorted(p.stem for p in FUZZ.glob("fuzz_*.py"))


def test_every_target_has_a_harness():
    assert HARNESSES == ["fuzz_gazetteer", "fuzz_linklist", "fuzz_metadata", "fuzz_telegram", "fuzz_verify",
                         "fuzz_webarchive"]


@pytest.mark.parametrize("harness", HARNESSES)
def test_harness_runs_its_seeds_and_finds_nothing(harness, tmp_path):
    run = subprocess.run([sys.executable, str(FUZZ / f"{harness}.py"), "-max_total_time=3", "-timeout=60",
                          f"-artifact_prefix={tmp_path}/"], cwd=tmp_path, capture_output=True, text=True, check=False,
                         errors="replace", timeout=180, env=os.environ | {"TMPDIR": str(tmp_path)})
    said = run.stdout + run.stderr
    assert run.returncode == 0 and "Done " in said, said[-4000:]
    assert "seed corpus: files:" in said  # the seeds were read, not an empty start
    assert not list(tmp_path.glob("crash-*")), said[-4000:]
