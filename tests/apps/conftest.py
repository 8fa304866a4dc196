from pathlib import Path

import pytest


@pytest.fixture
def ingested(db, samples, tmp_path, monkeypatch):
    """The sample set ingested and analysed in-process, with a signed checkpoint."""
    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.evidence.analysis import analyse
    from marsad.evidence.ingest import Status, ingest
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))  # tests that damage the store stay apart
    init_workspace()
    folder = Path(samples["photo"]).parents[2]
    outcomes = ingest(FilesSource().sightings(str(folder)), log.actor_id("tester"))
    for o in outcomes:
        if o.status is Status.NEW:
            analyse(o.sha256)
    log.sign_checkpoint()
    return outcomes
