"""Version 2 leaves commit to restricted details with a random salt: holding the leaf is
not enough to confirm a guess. Version 1 leaves stay valid."""

import hashlib
from datetime import datetime, timezone

import pytest

from marsad.core.custody.leaves import Event, canonical, commitment, digest, opening, parse_leaf

WHEN = datetime(2024, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
DETAILS = {"channel": "@witness_channel", "post": 4417}
SALT = "00112233445566778899aabbccddeeff"


@pytest.mark.once
def test_a_salted_leaf_cannot_be_confirmed_by_a_guess_alone():
    leaf = parse_leaf(Event("capture", WHEN, "actor:1", {}, item="b" * 64, details=DETAILS, salt=SALT).leaf())
    assert leaf["v"] == 2
    guesses = [digest(DETAILS), hashlib.sha256(canonical(DETAILS)).hexdigest(),
               hashlib.sha256(b"@witness_channel").hexdigest()]
    assert leaf["details"] not in guesses
    # Reference vector: SHA-256 of the canonical opening, written out by hand.
    expected = hashlib.sha256(
        b'{"details":{"channel":"@witness_channel","post":4417},"salt":"00112233445566778899aabbccddeeff"}'
    ).hexdigest()
    assert leaf["details"] == expected == commitment(DETAILS, SALT) == digest(opening(DETAILS, SALT))
    assert commitment(DETAILS, "ff" * 16) != expected


@pytest.mark.once
def test_both_versions_verify_by_the_same_rule():
    v1 = parse_leaf(Event("capture", WHEN, "actor:1", {}, details=DETAILS).leaf())
    v2 = parse_leaf(Event("capture", WHEN, "actor:1", {}, details=DETAILS, salt=SALT).leaf())
    assert v1["v"] == 1 and v1["details"] == digest(DETAILS) == commitment(DETAILS, None)
    for leaf, salt in ((v1, None), (v2, SALT)):
        assert leaf["details"] == digest(opening(DETAILS, salt if leaf["v"] == 2 else None))
    without = parse_leaf(Event("ingest", WHEN, "actor:1", {}, salt=SALT).leaf())
    assert without["v"] == 1 and without["details"] is None, "no details, nothing to salt: unchanged leaf"
    with pytest.raises(ValueError):
        parse_leaf(canonical({"v": 3}))


@pytest.mark.django_db
def test_new_events_are_salted_and_verify():
    from django.db import transaction

    from marsad.cli.init import init_workspace
    from marsad.custody import log
    from marsad.custody.models import LogEntry
    from marsad.custody.verify import verify_log

    init_workspace()
    with transaction.atomic():
        first = log.record("annotate", item="c" * 64, details=DETAILS)
        second = log.record("annotate", item="c" * 64, details=DETAILS)
    a, b = LogEntry.objects.get(index=first.index), LogEntry.objects.get(index=second.index)
    assert len(a.salt) == 32 and a.salt != b.salt and a.leaf != b.leaf
    assert parse_leaf(bytes(a.leaf))["details"] == commitment(DETAILS, a.salt)
    assert verify_log().ok
    LogEntry.objects.filter(index=a.index).update(salt=b.salt)
    assert f"leaf #{a.index}: restricted details stored beside the leaf were changed" in verify_log().problems
