"""What makes a one-incident re-publish cheap must not weaken what it guards: a public log
reopened from a checkpoint checked before still refuses damaged or malformed entries."""

import hashlib
from datetime import datetime, timezone

import pytest

from marsad.core.custody.note import Signer
from marsad.core.publog import PublicLog, PublicLogError
from marsad.core.publog import entries as entries_module

INTERNAL = (7, hashlib.sha256(b"internal").digest())
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def files(n: int, start: int = 0) -> dict[str, str]:
    return {f"en/incidents/SYR{i:06d}.html": hashlib.sha256(b"page %d" % i).hexdigest()
            for i in range(start, start + n)}


@pytest.fixture
def signer():
    return Signer.generate("example.org/marsad/log")


@pytest.fixture
def parsed(monkeypatch):
    """How many entries were checked one by one (Entry.parse) while a log opened."""
    calls = []
    real = entries_module.Entry.parse.__func__
    monkeypatch.setattr(entries_module.Entry, "parse",
                        classmethod(lambda cls, raw: calls.append(raw) or real(cls, raw)))
    return calls


def test_only_entries_after_the_checked_checkpoint_are_checked_again(tmp_path, signer, parsed):
    log = PublicLog(tmp_path, signer)
    log.publish(files(300), INTERNAL, now=NOW)
    head = log.verified_head()
    PublicLog(tmp_path, signer).publish(files(20, start=300), INTERNAL, now=NOW)
    parsed.clear()
    again = PublicLog(tmp_path, signer, verified=head)
    assert len(parsed) == 20  # the 300 checked before are hashed, not parsed again
    full = PublicLog(tmp_path, signer)
    assert again.latest == full.latest and again.entries == full.entries
    assert again.checkpoint() == full.checkpoint()
    # a head that is not this log's (another site at the address): every entry is checked
    parsed.clear()
    PublicLog(tmp_path, signer, verified=(head[0], bytes(32)))
    assert len(parsed) == 320


def test_a_checked_checkpoint_does_not_hide_damage(tmp_path, signer):
    log = PublicLog(tmp_path, signer)
    log.publish(files(300), INTERNAL, now=NOW)
    head = log.verified_head()
    bundle = tmp_path / "tile/entries/000"
    data = bytearray(bundle.read_bytes())
    data[40] ^= 1  # inside an entry the earlier opening checked
    bundle.write_bytes(bytes(data))
    with pytest.raises(PublicLogError, match="do not hash to the signed checkpoint"):
        PublicLog(tmp_path, signer, verified=head)


def test_a_malformed_entry_after_the_checked_checkpoint_is_refused(tmp_path, signer, monkeypatch):
    log = PublicLog(tmp_path, signer)
    log.publish(files(3), INTERNAL, now=NOW)
    head = log.verified_head()
    good = log.entries[0]
    with monkeypatch.context() as m:  # signed, but not canonical (as no publish() would write it)
        m.setattr(entries_module.Entry, "parse", entries_module.Entry.trusted)
        log._append([good.replace(b'{"internal', b'{ "internal')])
    with pytest.raises(PublicLogError, match="canonical"):
        PublicLog(tmp_path, signer, verified=head)
    with pytest.raises(PublicLogError, match="canonical"):
        PublicLog(tmp_path, signer)
