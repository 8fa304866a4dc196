"""Still online? Each captured source URL requested again, its availability
recorded as a custody event: up with the same content, changed, gone (404/410),
blocked, timed out or unreachable. What was captured is never touched; a check
is a new fact about the source, with its own time."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from marsad import conf
from marsad.core.web.fetch import BLOCKED, GONE, FetchFailed, fetch
from marsad.custody import log
from marsad.plugins.weblink import allowed_internal

from .models import Capture, SourceCheck


def url_sha256(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True)
class Due:
    url: str
    items: list[str]  # items captured from it
    expected: set[str]  # content hashes it served when captured


def due(older_than: datetime | None = None) -> Iterator[Due]:
    """Source URLs to check: all, or those not captured or checked since `older_than`."""
    checked = dict(SourceCheck.objects.values("url_sha256").annotate(last=Max("checked_at"))
                   .values_list("url_sha256", "last"))
    urls = (Capture.objects.exclude(url="").values("url").annotate(first=Min("ingested_at"), last=Max("ingested_at"))
            .order_by("first"))
    for row in urls:
        url = row["url"]
        latest = max(filter(None, [row["last"], checked.get(url_sha256(url))]))
        if older_than is not None and latest > older_than:
            continue
        items, expected = [], set()
        for sha, details in Capture.objects.filter(url=url).values_list("item__sha256", "source_details"):
            items.append(sha)
            # What the URL itself served: a web capture's body hash, or a web archive's payload (the item).
            expected.add((details or {}).get("content_sha256") or sha)
        yield Due(url, sorted(set(items)), expected)


def check(target: Due, actor: str, scratch: Path) -> SourceCheck:
    now = timezone.now()
    result = SourceCheck(url=target.url, url_sha256=url_sha256(target.url), checked_at=now, checked_by=actor)
    try:
        got = fetch(target.url, scratch, timeout=float(conf.get("web_timeout")),
                    max_bytes=int(conf.get("web_max_bytes")), user_agent=conf.get("web_user_agent"),
                    allowed=allowed_internal())
    except FetchFailed as e:
        result.http_status = e.status
        if e.outcome == "too-large" and e.status == 200:
            result.outcome, result.reason = SourceCheck.Outcome.UP, f"answers, content not compared: {e}"
        else:
            result.outcome = {"timeout": "timeout", "unreachable": "unreachable"}.get(e.outcome, "error")
            result.reason = str(e)
    else:
        got.body.unlink(missing_ok=True)
        result.http_status, result.final_url = got.status, got.final_url
        if got.status in GONE:
            result.outcome, result.reason = SourceCheck.Outcome.GONE, f"HTTP {got.status} {got.final.reason}"
        elif got.status in BLOCKED or got.status == 429:
            result.outcome, result.reason = SourceCheck.Outcome.BLOCKED, f"HTTP {got.status} {got.final.reason}"
        elif got.status >= 400:
            result.outcome, result.reason = SourceCheck.Outcome.ERROR, f"HTTP {got.status} {got.final.reason}"
        else:
            result.content_sha256 = got.sha256
            same = got.sha256 in target.expected
            result.outcome = SourceCheck.Outcome.UP if same else SourceCheck.Outcome.CHANGED
            result.reason = "" if same else "serves other content than when captured"
            if got.final_url != target.url:
                result.reason = "; ".join(filter(None, [result.reason, f"now redirects to {got.final_url}"]))
    with transaction.atomic():
        entry = log.record("recheck", item=target.items[0] if target.items else "", actor=actor, time=now,
                           inputs=[{"sha256": sha} for sha in target.items], outputs=[result.custody_outputs()],
                           details=result.custody_details())
        result.log_index = entry.index
        result.save()
    return result


def recheck(older_than: datetime | None, actor: str,
            on_result: Callable[[SourceCheck], None] | None = None) -> list[SourceCheck]:
    scratch = Path(tempfile.mkdtemp(prefix="marsad-recheck-"))
    results = []
    try:
        for target in due(older_than):
            result = check(target, actor, scratch)
            results.append(result)
            if on_result:
                on_result(result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def gone_items() -> set[str]:
    """Items any of whose source URLs answered "gone" at its latest check."""
    latest: dict[str, str] = {}
    for sha, outcome in SourceCheck.objects.order_by("checked_at", "id").values_list("url_sha256", "outcome"):
        latest[sha] = outcome
    gone_urls = {u for u, outcome in latest.items() if outcome == SourceCheck.Outcome.GONE}
    items = set()
    for url, sha in Capture.objects.exclude(url="").values_list("url", "item__sha256"):
        if url_sha256(url) in gone_urls:
            items.add(sha)
    return items
