"""Evidence bundles: a BagIt bag a third party can verify offline.

    data/files/<sha256>/<original name>    the original bytes
    data/metadata/<sha256>.json            what Marsad knows of the item
    data/log/leaves/<index>.json           every custody event about the items, exact bytes
    data/log/leaves/<index>.details.json   restricted only: what the leaf's "details" is the SHA-256 of
                                           (version 2 leaves: {"details": ..., "salt": ...})
    data/log/proofs/<index>.tlog-proof     inclusion proof of each to the checkpoint
    data/log/checkpoint, data/log/log.vkey the signed checkpoint and the key that signed it
    verify.py                              standard-library-only verifier

Restricted details (original paths, source identities, GPS) are left out unless
asked for: a bundle travels, and the people in it must not be exposed by accident.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import os
import shutil
import tempfile
import zipfile
from importlib.resources import files
from pathlib import Path

import bagit
from django.conf import settings
from django.db import transaction

from marsad.core.custody import merkle
from marsad.core.custody.leaves import SALTED_LEAF_VERSION, opening
from marsad.core.custody.tlogproof import TlogProof
from marsad.core.store import hash_stream
from marsad.evidence.ingest import store
from marsad.evidence.models import Item
from marsad.evidence.views import item_detail

from . import log
from .models import LogEntry


class BundleError(Exception):
    pass


def _safe_name(name: str, sha256: str) -> str:
    """The original name without any folder part or control characters."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    base = "".join(c for c in base if c.isprintable() and c not in "/\x00")
    return base if base not in ("", ".", "..") else sha256


def _metadata(item: Item, restricted: bool) -> dict:
    detail = item_detail(item)
    detail.pop("events", None)
    if not restricted:
        detail["gps"] = None
        detail["metadata"] = {k: v for k, v in detail["metadata"].items() if "GPS" not in k and "Serial" not in k}
        for capture in detail["captures"]:
            for key in ("original_path", "original_name", "url", "channel", "text"):
                capture[key] = None
        detail["restricted_details"] = "withheld (export with --include-restricted to add them)"
    return detail


def export_bundle(shas: list[str], output: Path, include_restricted: bool = False) -> dict:
    items = []
    for sha in shas:
        item = Item.objects.filter(sha256=sha).first()
        if item is None:
            raise BundleError(f"no item {sha}")
        items.append(item)
    checkpoint = log.sign_checkpoint()
    blob_store = store()
    with tempfile.TemporaryDirectory() as tmp:
        bag_dir = Path(tmp) / "marsad-bundle"
        data = bag_dir  # make_bag moves everything here into data/
        (data / "log" / "leaves").mkdir(parents=True)
        (data / "log" / "proofs").mkdir(parents=True)
        (data / "metadata").mkdir()
        for item in items:
            folder = data / "files" / item.sha256
            folder.mkdir(parents=True)
            capture = item.captures.first()
            if include_restricted and capture:
                name = _safe_name(capture.original_name, item.sha256)
            else:  # an original file name can identify the person who filmed it
                name = item.sha256 + (mimetypes.guess_extension(item.mime) or "")
            with blob_store.open(item.sha256) as src, open(folder / name, "wb") as dst:
                sha256, _, _ = hash_stream(src, dst)
            if sha256 != item.sha256:
                raise BundleError(f"stored file {item.sha256} fails its fixity check (now {sha256}); "
                                  "run `marsad fixity` and restore it from a backup before exporting")
            (data / "metadata" / f"{item.sha256}.json").write_text(
                json.dumps(_metadata(item, include_restricted), ensure_ascii=False, indent=1, default=str)
            )
        entries = LogEntry.objects.filter(item__in=[i.sha256 for i in items], index__lt=checkpoint.size)
        count = 0
        for entry in entries.order_by("index"):
            (data / "log" / "leaves" / f"{entry.index}.json").write_bytes(bytes(entry.leaf))
            proof = merkle.inclusion_proof(entry.index, checkpoint.size, log.fetch_nodes)
            (data / "log" / "proofs" / f"{entry.index}.tlog-proof").write_text(
                TlogProof(entry.index, proof, checkpoint.note).text()
            )
            if include_restricted and entry.details is not None:
                # What the leaf's "details" hash is the digest of: with a version 2 leaf, the salt too.
                salted = json.loads(bytes(entry.leaf)).get("v") == SALTED_LEAF_VERSION
                (data / "log" / "leaves" / f"{entry.index}.details.json").write_text(
                    json.dumps(opening(entry.details, entry.salt if salted else None), ensure_ascii=False, indent=1)
                )
            count += 1
        (data / "log" / "checkpoint").write_text(checkpoint.note)
        (data / "log" / "log.vkey").write_text(settings.WORKSPACE.verifier().vkey() + "\n")
        bag = bagit.make_bag(
            str(bag_dir),
            {"Source-Organization": "Marsad", "External-Description": f"{len(items)} item(s), {count} events"},
            checksums=["sha256"],
        )
        (bag_dir / "verify.py").write_text((files("marsad.custody") / "bundle_verify.py").read_text())
        bag.save(manifests=True)  # adds verify.py to the tag manifest
        output = Path(output)
        if output.suffix == ".zip":
            with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as z:
                for path in sorted(bag_dir.rglob("*")):
                    if path.is_file():
                        z.write(path, Path("marsad-bundle") / path.relative_to(bag_dir))
        else:
            if output.exists() and any(output.iterdir()):
                raise BundleError(f"{output} exists and is not empty")
            output.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(bag_dir, output, dirs_exist_ok=True)
        tag_manifest = hashlib.sha256((bag_dir / "tagmanifest-sha256.txt").read_bytes()).hexdigest()
    with transaction.atomic():  # recorded once the bundle exists, with the hash that identifies it
        log.record(
            "export",
            inputs=[{"sha256": i.sha256} for i in items],
            outputs=[{"format": "bagit-bundle", "tagmanifest_sha256": tag_manifest,
                      "checkpoint_size": checkpoint.size, "restricted": include_restricted}],
        )
    return {"items": len(items), "events": count, "checkpoint_size": checkpoint.size, "output": str(output)}
