import pytest
from django.contrib.auth.models import User

from marsad import registry
from marsad.core.sources import Source
from marsad.evidence.models import Item


def test_builtin_sources_implement_the_protocol_and_are_found():
    registry.reset()
    sources = registry.sources()
    assert "files" in sources and all(isinstance(s, Source) for s in sources.values())
    assert registry.source_for(".").name == "files"
    with pytest.raises(registry.PluginError, match="no source recognises"):
        registry.source_for("/no/such/place")
    with pytest.raises(registry.PluginError, match="unknown source"):
        registry.source_for(".", "telepathy")


def test_duplicate_source_names_are_rejected(monkeypatch):
    from marsad.plugins.files import FilesSource

    monkeypatch.setattr(registry, "_builtin_sources", lambda: [FilesSource(), FilesSource()])
    registry.reset()
    with pytest.raises(registry.PluginError, match="two sources are named 'files'"):
        registry.sources()
    registry.reset()


def test_admin_lists_evidence_read_only(ingested, client):
    admin = User.objects.create_superuser("admin", "admin@example.org", "pw")
    client.force_login(admin)
    item = Item.objects.filter(kind="video").first()
    listing = client.get("/admin/evidence/item/")
    assert listing.status_code == 200 and item.sha256.encode() in listing.content
    page = client.get(f"/admin/evidence/item/{item.pk}/change/")
    assert page.status_code == 200
    assert b'name="sha256"' not in page.content, "originals' fields are not editable"
    assert client.post(f"/admin/evidence/item/{item.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/evidence/capture/").status_code == 200
    assert client.get("/admin/custody/logentry/").status_code == 200
