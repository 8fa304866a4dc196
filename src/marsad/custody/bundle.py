"""Evidence bundles: a BagIt bag a third party can verify offline.

    data/files/<sha256>/<original name>    the original bytes
    data/metadata/<sha256>.json            what Marsad knows of the item
    data/log/leaves/<index>.json           every custody event about the items, exact bytes
    data/log/leaves/<index>.details.json   restricted only: what the leaf's "details" is the SHA-256 of
                                           (version 2 leaves: {"details": ..., "salt": ...})
    data/log/proofs/<index>.tlog-proof     inclusion proof of each to the checkpoint
    data/log/checkpoint, data/log/log.vkey the signed checkpoint and the key that signed it
    verify.py                              standard-library-only verifier

    bundle-signature.txt                   the payload manifest's SHA-256, signed by the workspace key
    data/WITHHELD.txt                      originals left out, and the identifying tags they carry

Restricted details (original paths, source identities, GPS) are left out unless
asked for: a bundle travels, and the people in it must not be exposed by accident.
Without --include-restricted, metadata passes an allow-list of technical fields
(marsad.core.identifying). Originals cannot be cleaned: one whose embedded tags may
locate or identify someone is left out, and named, unless explicitly asked for.
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

from marsad.core import exif
from marsad.core.custody import merkle
from marsad.core.custody.leaves import SALTED_LEAF_VERSION, opening
from marsad.core.custody.tlogproof import TlogProof
from marsad.core.identifying import identifying_record_fields, identifying_tags, shareable_container, shareable_tags
from marsad.core.store import hash_stream
from marsad.evidence.ingest import store
from marsad.evidence.models import Item
from marsad.evidence.views import item_detail

from . import log
from .bundle_verify import SIGNATURE_FILE, key_fingerprint, signature_text
from .models import LogEntry


class BundleError(Exception):
    pass


_NAME_BYTES = 255


def _safe_name(name: str, sha256: str) -> str:
    """The original name without any folder part or control characters."""
    base = os.path.basename(name.replace("\\", "/")).strip()
    base = "".join(c for c in base if c.isprintable() and c not in "/\x00")
    if len(base.encode()) > _NAME_BYTES:  # file systems refuse longer names (an Arabic letter is 2 bytes)
        stem, dot, ext = base.rpartition(".")
        ext = dot + ext if dot and len(ext.encode()) <= 16 else ""
        stem = (stem if ext else base).encode()[:_NAME_BYTES - len(ext.encode())].decode(errors="ignore")
        base = stem + ext
    return base if base not in ("", ".", "..") else sha256


# What a capture may say of itself outside the workspace: no names, paths, URLs, channels,
# texts or source details. An allow-list: a new field stays in until someone lets it out.
_SHAREABLE_CAPTURE = ("source_kind", "ingested_at", "ingested_by", "log_index")
_SHAREABLE_ITEM = ("sha256", "blake2b", "kind", "size", "mime", "first_seen", "captured_at", "captured_at_source",
                   "width", "height", "duration_s", "codec", "analysis", "derivatives")


def _metadata(item: Item, restricted: bool) -> dict:
    detail = item_detail(item)
    detail.pop("events", None)
    if restricted:
        return detail
    shared = {key: detail.get(key) for key in _SHAREABLE_ITEM}
    shared["captures"] = [{key: c.get(key) for key in _SHAREABLE_CAPTURE} for c in detail["captures"]]
    shared["analyses"] = [{key: a.get(key) for key in ("step", "ok", "tool")} for a in detail["analyses"]]
    shared["metadata"] = shareable_tags(detail["metadata"] or {})
    shared["container"] = shareable_container(detail["container"])
    shared["restricted_details"] = ("withheld: technical metadata only (export with --include-restricted "
                                    "to add sources, names, places and every embedded tag)")
    return shared


def _embedded_identifiers(item: Item, path: Path) -> list[str]:
    """Names of what in the original itself may locate or identify someone; read again from the
    exported bytes when the metadata step has not run (unknown is not safe)."""
    result = item.analyses.filter(step="metadata").values_list("result", flat=True).first()
    tags = result.get("exiftool") if isinstance(result, dict) else None
    container = result.get("container") if isinstance(result, dict) else None
    if not isinstance(tags, dict) or not tags:
        try:
            tags = exif.read(path)
        except Exception as e:  # noqa: BLE001 - any failure leaves the tags unknown
            return [f"(embedded tags could not be read: {type(e).__name__})"]
    found = identifying_tags(tags, container)
    if item.mime == "application/json" and item.captures.filter(source_kind="telegram").exists():
        try:  # a text-only post is preserved as its exported record, which names its author
            found += identifying_record_fields(json.loads(path.read_bytes()))
        except ValueError:
            pass
    return found


_WITHHELD_NOTE = """Originals left out of this bundle

These originals carry embedded tags that may locate or identify someone (names
only, never values, are listed). Originals are evidence and are never altered,
so they are left out unless the bundle is made with
--include-originals-with-identifying-tags. Their metadata files, custody events
and proofs are in the bundle; a recipient can verify them when they are sent.

"""


def export_bundle(shas: list[str], output: Path, include_restricted: bool = False,
                  include_identifying_originals: bool = False) -> dict:
    """Write the bundle. Originals whose embedded tags may locate or identify someone are named
    in the result ("withheld") and in data/WITHHELD.txt, and included only when asked."""
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
        withheld: dict[str, list[str]] = {}
        included: dict[str, list[str]] = {}
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
            metadata = _metadata(item, include_restricted)
            identifiers = _embedded_identifiers(item, folder / name)
            if identifiers:
                (withheld if not include_identifying_originals else included)[item.sha256] = identifiers
            if identifiers and not include_identifying_originals:
                shutil.rmtree(folder)
                metadata["original_withheld"] = {"reason": "it carries tags that may locate or identify someone",
                                                 "tags": identifiers}
            (data / "metadata" / f"{item.sha256}.json").write_text(
                json.dumps(metadata, ensure_ascii=False, indent=1, default=str)
            )
        if withheld:
            (data / "WITHHELD.txt").write_text(_WITHHELD_NOTE + "".join(
                f"{sha}: {', '.join(tags)}\n" for sha, tags in withheld.items()))
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
        # The workspace's key signs the payload manifest: metadata edited, events removed or files
        # added then need a new key, which a recipient holding the published one rejects.
        manifest = (bag_dir / "manifest-sha256.txt").read_bytes()
        signer = settings.WORKSPACE.signer()
        (bag_dir / SIGNATURE_FILE).write_text(signer.sign(signature_text(hashlib.sha256(manifest).hexdigest())))
        bag.save(manifests=True)  # adds the signature to the tag manifest
        if (bag_dir / "manifest-sha256.txt").read_bytes() != manifest:
            raise BundleError("the bundle's manifest changed while it was being signed")
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
                      "checkpoint_size": checkpoint.size, "restricted": include_restricted,
                      "originals_withheld": sorted(withheld)}],
        )
    return {"items": len(items), "events": count, "checkpoint_size": checkpoint.size, "output": str(output),
            "withheld": withheld, "included_with_identifying_tags": included,
            "key_fingerprint": key_fingerprint(settings.WORKSPACE.verifier().vkey())}
