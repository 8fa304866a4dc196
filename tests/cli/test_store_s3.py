"""The S3 store through the real `marsad` command, against a SeaweedFS server the tests start."""

import json
import uuid

import pytest

pytestmark = pytest.mark.once  # the store's behaviour on S3 is the same whichever database holds the records



@pytest.fixture
def on_s3(marsad, seaweed):
    """The workspace's commands see the S3 server through the usual AWS_* variables."""
    marsad.env.update(seaweed.env)
    return marsad


def _blobs(client, bucket):
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"] for page in pages for o in page.get("Contents", ())}


def test_migrate_copies_verifies_and_records_then_fixity_runs_on_s3(on_s3, seaweed, samples):
    marsad = on_s3
    marsad.run("ingest", str(samples["photo"]), str(samples["video"]), str(samples["pdf"]))
    local = sorted(p.name for p in (marsad.home / "store").rglob("*") if p.is_file() and len(p.name) == 64)
    assert len(local) >= 6  # three items plus their thumbnails, posters, contact sheets
    bucket = seaweed.make_bucket(f"m-{uuid.uuid4().hex[:10]}", object_lock=True)
    out = marsad.run("store", "migrate", "--to", f"s3://{bucket}/marsad").stdout
    assert f"{len(local)} blobs: {len(local)} copied, 0 already there, {len(local)} read back and verified, " \
           "0 problem(s)" in out
    client = seaweed.client()
    keys = _blobs(client, bucket)
    assert keys == {f"marsad/{s[:2]}/{s[2:4]}/{s}" for s in local}
    retention = client.get_object_retention(Bucket=bucket, Key=min(keys))["Retention"]
    assert retention["Mode"] == "COMPLIANCE"
    event = json.loads(marsad.run("log", "show", "--tail", "1", "--json").stdout)["leaf"]
    assert event["type"] == "store-migrate"
    assert event["outputs"][0] | {"results_root": ""} == {
        "store": "s3", "checked": len(local), "copied": len(local), "present": 0, "verified": len(local),
        "failed": 0, "results_root": ""}
    again = marsad.run("store", "migrate", "--to", f"s3://{bucket}/marsad").stdout
    assert f"0 copied, {len(local)} already there, {len(local)} read back and verified" in again

    marsad.env["MARSAD_STORAGE"] = f"s3://{bucket}/marsad"
    assert "0 problem(s), 0 orphan(s)" in marsad.run("fixity").stdout
    assert "1 files checked, 0 problem(s)" in marsad.run("fixity", "--sample", "1").stdout
    marsad.run("log", "verify")

    # Around the store: a locked version cannot be deleted; a plain PUT hides it behind a new version,
    # which fixity reports as changed.
    sha = marsad.json("items", "--kind", "image")[0]["sha256"]
    key = f"marsad/{sha[:2]}/{sha[2:4]}/{sha}"
    version = client.head_object(Bucket=bucket, Key=key)["VersionId"]
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError, match="AccessDenied"):
        client.delete_object(Bucket=bucket, Key=key, VersionId=version)
    client.put_object(Bucket=bucket, Key=key, Body=b"forged")
    failed = marsad.run("fixity", check=1).stdout
    assert f"CHANGED {sha}" in failed and "1 problem(s)" in failed


def test_ingest_straight_into_s3(on_s3, seaweed, samples):
    marsad = on_s3
    bucket = seaweed.make_bucket(f"i-{uuid.uuid4().hex[:10]}")
    marsad.env["MARSAD_STORAGE"] = f"s3://{bucket}"
    marsad.run("ingest", str(samples["photo"]), str(samples["video"]))
    items = marsad.json("items")
    assert len(items) == 2 and all(i["analysis"] == "done" for i in items)
    keys = _blobs(seaweed.client(), bucket)
    assert {f"{i['sha256'][:2]}/{i['sha256'][2:4]}/{i['sha256']}" for i in items} <= keys
    assert len(keys) > 2  # thumbnails, poster and contact sheet went to S3 too
    assert not list((marsad.home / "store").rglob("??/??/*"))  # nothing in the local store
    assert "0 problem(s), 0 orphan(s)" in marsad.run("fixity").stdout


def test_migrate_reports_a_damaged_local_blob_and_fails(on_s3, seaweed, samples):
    marsad = on_s3
    marsad.run("ingest", str(samples["pdf"]))
    sha = marsad.json("items")[0]["sha256"]
    blob = marsad.home / "store" / sha[:2] / sha[2:4] / sha
    blob.chmod(0o644)
    blob.write_bytes(b"rotted" + blob.read_bytes()[6:])
    bucket = seaweed.make_bucket(f"d-{uuid.uuid4().hex[:10]}")
    proc = marsad.run("store", "migrate", "--to", f"s3://{bucket}", check=1)
    assert f"PROBLEM {sha}: changed in the source" in proc.stdout and "1 problem(s)" in proc.stdout
    assert f"{sha[:2]}/{sha[2:4]}/{sha}" not in _blobs(seaweed.client(), bucket)
    assert json.loads(marsad.run("log", "show", "--tail", "1", "--json").stdout)["leaf"]["outputs"][0]["failed"] == 1


def test_migrate_to_a_missing_bucket_is_a_clear_error(on_s3):
    proc = on_s3.run("store", "migrate", "--to", "s3://no-such-bucket-anywhere", check=None)
    assert proc.returncode != 0 and "no-such-bucket" in proc.stdout + proc.stderr
