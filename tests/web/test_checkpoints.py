"""What a person does in the browser is covered by a signed checkpoint before the answer comes back."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_recorded_web_action_is_signed_in_the_same_request(client, team, samples, tmp_path, monkeypatch):
    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.custody.models import Checkpoint
    from marsad.custody.verify import verify_log
    from marsad.evidence.ingest import ingest
    from marsad.plugins.files import FilesSource

    monkeypatch.setenv("MARSAD_STORAGE", str(tmp_path / "store"))
    init_workspace()
    [outcome] = ingest(FilesSource().sightings(str(samples["photo"])), log.actor_id("t"), project=team["project"].pk)
    log.sign_checkpoint()
    before = log.size()
    client.force_login(team["editor"])
    assert client.post(f"/en/items/{outcome.sha256}/graphic/", {"graphic": "1"}).status_code == 302
    assert log.size() == before + 1
    assert Checkpoint.objects.order_by("-size").first().size == log.size()
    report = verify_log()
    assert report.ok, report.problems
    client.get(f"/en/items/{outcome.sha256}/")  # reading signs nothing
    assert Checkpoint.objects.count() == Checkpoint.objects.filter(size__lte=log.size()).count()
