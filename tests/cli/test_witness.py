"""Two workspaces on loopback: one witnesses the other's log (`marsad witness serve`,
`marsad log witness`), and refuses to cosign it once its history was rewritten."""

import subprocess

import pytest

from tests.conftest import workspace_cli

from .test_log_outside import RECORD

REWRITE = "from tests.apps.custody_tamper import drop_newest; drop_newest(2)\n" + RECORD


@pytest.fixture
def partner(tmp_path):
    yield from workspace_cli(tmp_path / "partner")


@pytest.mark.once  # the same on either database
def test_a_witness_cosigns_and_then_refuses_a_rewritten_log(marsad, partner):
    server = partner.popen("witness", "serve", "--trust", str(marsad.home / "log" / "log.vkey"), "--port", "0",
                           stdout=subprocess.PIPE, text=True)
    try:
        server.stdout.readline()
        url = server.stdout.readline().split()[2]
        key = str(partner.home / "log" / "witness.vkey")
        assert "cosigned by marsad-witness.local/" in marsad.run("log", "witness", "--url", url, "--key", key).stdout
        marsad.run("manage", "shell", "-c", RECORD)
        assert "Checkpoint at size 4 cosigned" in marsad.run("log", "witness", "--url", url, "--key", key).stdout
        assert "cosigned by 1 of 1 witness(es)" in marsad.run("log", "verify", "--no-cache").stdout

        marsad.run("manage", "shell", "-c", REWRITE)
        refused = marsad.run("log", "witness", "--url", url, "--key", key, check=1).stderr
        assert "refused: this checkpoint (size 5) is not consistent with the one it cosigned at size 4" in refused
    finally:
        server.terminate()
        server.wait(10)
