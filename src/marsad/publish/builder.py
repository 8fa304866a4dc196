"""One publish run: choose, redact, render, write, list in a manifest, record.

Redaction runs first, outside any lock (it can take a while and records its own
events). Rendering and writing run with the custody log locked, so that the
publish event's time (the "first published" date of new incidents) is the
latest in the log, and the event names the manifest's SHA-256. Last, the internal log's
checkpoint is signed (it covers that event) and the public log records every file of
the site against it (hooks.py): log/ and the .tlog-proof files are the log's, not
listed in the manifest; the verifiers (verify.py, assets/publog/) are listed like any file.

An incident published here before and not now (withdrawn, merged, graded down) keeps its
address as a tombstone. A run reuses what the last run of the same site made (export rows
and rendered pages, kept in the workspace's cache/publish/, never in the site) and leaves
files whose bytes did not change untouched, so that one changed incident costs little."""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

import marsad
from marsad.core.publish import manifest
from marsad.core.publish.fields import COORDINATE_STEP, PublishError, check_grade
from marsad.custody import log
from marsad.evidence.ingest import store

from . import collect, hooks, site


@dataclass(frozen=True)
class Result:
    out: Path
    incidents: int
    media: int
    withheld: int
    awaiting: int  # redactions waiting for a person's approval (not published yet)
    files: int
    removed: int  # files of the previous publication no longer published
    manifest_sha256: str
    log_index: int
    public_log_added: int  # leaves this run added to the public log (none when nothing changed)
    public_log_size: int
    public_log_key: str


def check_base_url(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise PublishError(f"--base-url must be an http(s) address such as https://example.org/incidents/, not {url!r}")
    return url if url.endswith("/") else url + "/"


def _previous(out: Path) -> dict[str, str]:
    """The files of the publication already in `out` (path -> SHA-256); refuses a folder that holds something else."""
    if not out.exists():
        return {}
    if not out.is_dir():
        raise PublishError(f"{out} is not a folder")
    held = out / manifest.MANIFEST
    if not held.exists():
        if any(out.iterdir()):
            raise PublishError(f"{out} is not empty and holds no earlier publication ({manifest.MANIFEST}); "
                               "choose an empty or new folder (nothing was written)")
        return {}
    try:
        return {f["path"]: f["sha256"] for f in json.loads(held.read_text(encoding="utf-8"))["files"]}
    except (ValueError, KeyError, TypeError) as e:
        raise PublishError(f"{held} cannot be read ({e}); choose another folder (nothing was written)") from e


def _cache(out: Path, name: str) -> Path:
    """Where a run keeps what the next run of the same site can reuse: in the workspace, never the site."""
    site_id = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return Path(settings.WORKSPACE.home) / "cache" / "publish" / site_id / name


def _codes(paths: list[str]) -> set[str]:
    """The incidents a publication's files show (their English pages: every incident has both)."""
    found = (re.fullmatch(r"en/incidents/([A-Z0-9-]{1,32})\.html", p) for p in paths)
    return {m.group(1) for m in found if m}


def _public_log_file(path: str) -> bool:
    return path.split("/", 1)[0] == hooks.LOG_DIR or path.endswith(".tlog-proof")


def publish(out: Path, project=None, grade: str = "fair", base_url: str | None = None,
            actor: str | None = None, withdrawal_reasons: bool = False) -> Result:
    check_grade(grade)
    base_url = check_base_url(base_url)
    old = _previous(out)
    signer, public_log = hooks.open_log(out, settings.WORKSPACE.keys_dir, _cache(out, "publog-verified.json"))
    log_before = public_log.size
    vkey = signer.verifier().vkey()
    chosen = list(collect.choose(grade, project))
    published = collect.collect(chosen, actor=actor, cache=_cache(out, "rows.json"))  # redacts what has none yet
    # Published here before and not now: each keeps its address, as a tombstone saying when and why.
    withdrawn = collect.withdrawals(_codes(old) - {p.code for p in published}, with_reasons=withdrawal_reasons)
    blobs = store()
    with tempfile.TemporaryDirectory(prefix="marsad-publish-") as tmp, transaction.atomic():
        log.lock_head()
        now = timezone.now()
        for p in published:
            p.first_published = p.first_published or now
        files = site.build(published, blobs, Path(tmp), base_url, grade, vkey, withdrawn, cache=_cache(out, "pages"))
        out.mkdir(parents=True, exist_ok=True)
        writer = site.Site(files)
        written = writer.write(out, old)
        body = manifest.build(out, written, known=writer.hashes, extra={
            "generator": f"marsad {marsad.__version__}", "minimum_grade": grade,
            "coordinates_rounded_to_degrees": str(COORDINATE_STEP)})
        site.Site({manifest.MANIFEST: body}).write(out)
        digest = hashlib.sha256(body).hexdigest()
        removed = sorted(set(old) - set(written))
        for path in removed:
            target = (out / path).resolve()
            # an edited manifest cannot point outside, nor at the public log's own files
            if target.is_relative_to(out.resolve()) and not _public_log_file(path):
                target.unlink(missing_ok=True)
        entry = log.record(collect.PUBLISH_EVENT, time=now, actor=log.actor_id(actor) if actor else None, outputs=[{
            "manifest_sha256": digest, "files": len(written) + 1, "minimum_grade": grade,
            "incidents": [p.code for p in published]}])
    checkpoint = log.sign_checkpoint()  # covers the publish event, which names the manifest
    listed = {f["path"]: f["sha256"] for f in json.loads(body)["files"]} | {manifest.MANIFEST: digest}
    hooks.published(out, signer, listed, (checkpoint.size, bytes(checkpoint.root)),
                    {m.path for p in published for m in p.media}, now, log=public_log)
    hooks.keep_verified(public_log, _cache(out, "publog-verified.json"))
    log_after = hooks.checkpoint_size(out)
    return Result(out, len(published), sum(len(p.media) for p in published), sum(p.withheld for p in published),
                  sum(p.awaiting for p in published), len(written) + 1, len(removed), digest, entry.index,
                  log_after - log_before, log_after, vkey)
