"""Fixity reports flipped and missing files by name; bundles verify offline and
fail, naming the file, after one flipped byte anywhere that matters."""

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import bagit
import pytest

from marsad.custody.bundle import export_bundle
from marsad.custody.fixity import check_fixity
from marsad.custody.models import LogEntry
from marsad.evidence.ingest import store
from marsad.evidence.models import Item


def _flip(path: Path, offset: int = -10) -> None:
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_fixity_names_a_flipped_and_a_missing_file(ingested):
    blob_store = store()
    assert check_fixity(blob_store).problems == []
    video, photo = Item.objects.filter(kind="video").first(), Item.objects.filter(kind="image").first()
    _flip(blob_store.path(video.sha256))
    os.chmod(blob_store.path(photo.sha256), 0o644)
    blob_store.path(photo.sha256).unlink()
    report = check_fixity(blob_store)
    found = {(sha, what) for sha, what, _ in report.problems}
    assert found == {(video.sha256, "changed"), (photo.sha256, "missing")}
    labels = {label for *_, label in report.problems}
    assert any(label.endswith(".mp4") for label in labels) and any(label.endswith(".jpg") for label in labels)
    entry = LogEntry.objects.get(index=report.log_index)
    assert entry.type == "fixity" and b'"failed":2' in bytes(entry.leaf)


def _verify(bundle: Path) -> subprocess.CompletedProcess:
    script = bundle / "verify.py" if bundle.is_dir() else None
    if script is None:
        with zipfile.ZipFile(bundle) as z:
            script = bundle.with_suffix(".verify.py")
            script.write_bytes(z.read("marsad-bundle/verify.py"))
    return subprocess.run(["python3", "-I", str(script), str(bundle)], capture_output=True, text=True)


@pytest.fixture
def bundle(ingested, tmp_path):
    shas = list(Item.objects.filter(kind__in=["video", "image"]).values_list("sha256", flat=True)[:2])
    # the sample photos carry GPS: their originals travel only when asked for
    export_bundle(shas, tmp_path / "bundle", include_identifying_originals=True)
    return tmp_path / "bundle", shas


def test_fresh_bundle_verifies_with_the_standard_library_only(bundle):
    path, shas = bundle
    result = _verify(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK: 2 original file(s)" in result.stdout
    files = sorted(p.name for p in (path / "data" / "files").rglob("*") if p.is_file())
    assert all(name.startswith(tuple(shas)) for name in files), "original names are restricted by default"


@pytest.mark.parametrize("target", ["media", "leaf", "proof", "checkpoint", "manifest-and-media"])
def test_one_flipped_byte_fails_naming_the_file(bundle, tmp_path, target):
    path, _ = bundle
    copy = tmp_path / f"tampered-{target}"
    shutil.copytree(path, copy)
    data = copy / "data"
    victim = {
        "media": next(p for p in (data / "files").rglob("*") if p.is_file()),
        "manifest-and-media": next(p for p in (data / "files").rglob("*") if p.is_file()),
        "leaf": next((data / "log" / "leaves").iterdir()),
        "proof": next((data / "log" / "proofs").iterdir()),
        "checkpoint": data / "log" / "checkpoint",
    }[target]
    _flip(victim, offset=len(victim.read_bytes()) // 2)
    if target == "manifest-and-media":
        # A careful forger also rewrites the BagIt manifests; the content hash still catches it.
        bagit.Bag(str(copy)).save(manifests=True)
    result = _verify(copy)
    assert result.returncode != 0
    assert victim.name in result.stdout, result.stdout


def test_zip_bundle_verifies_and_catches_tampering(ingested, tmp_path):
    sha = Item.objects.filter(kind="video").values_list("sha256", flat=True).first()
    out = tmp_path / "case.zip"
    export_bundle([sha], out)
    assert _verify(out).returncode == 0
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith(".mp4"):
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            dst.writestr(info, data)
    result = _verify(tampered)
    assert result.returncode == 1 and ".mp4" in result.stdout


def test_export_refuses_a_damaged_original(ingested, tmp_path):
    from marsad.custody.bundle import BundleError

    video = Item.objects.filter(kind="video").first()
    _flip(store().path(video.sha256))
    with pytest.raises(BundleError, match="fails its fixity check"):
        export_bundle([video.sha256], tmp_path / "out")
