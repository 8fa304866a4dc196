"""Copying blobs from one store to another, each one checked by its address.

Used by `marsad store migrate` (local folder to S3) and `marsad backup` (any
store into the backup's folder, only the blobs it lacks). A blob whose bytes no
longer give its address is never copied under that address: it is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from .store import BlobMissing, LocalStore, Store, StoreError


@dataclass
class CopyReport:
    copied: int = 0
    present: int = 0  # the target held it already
    verified: int = 0  # read back from the target and re-hashed
    problems: list[tuple[str, str]] = field(default_factory=list)  # (sha256, what went wrong)
    results: list[dict[str, str]] = field(default_factory=list)  # one per blob, in address order

    @property
    def checked(self) -> int:
        return len(self.results)


def copy_blob(source: Store, target: Store, sha256: str, verify: bool = True, skip_present: bool = False) -> str:
    """Copy one blob; returns "copied", "present" or a problem ("changed in the source: ...")."""
    try:
        if target.exists(sha256):
            status = "present"
            if skip_present:
                return status
        else:
            if isinstance(source, LocalStore):
                blob = target.put_file(source.path(sha256))  # the S3 store reads a file twice rather than spool it
            else:
                with source.open(sha256) as f:
                    blob = target.put_stream(f)
            if blob.sha256 != sha256:
                return f"changed in the source: its bytes give {blob.sha256[:16]}…, not its address"
            status = "copied"
        if verify:
            got = target.digest(sha256)[0]
            if got != sha256:
                return f"changed in the target: read back as {got[:16]}…"
        return status
    except BlobMissing:
        return "missing from the source"
    except (OSError, StoreError) as e:
        return f"failed: {e}"


def copy_blobs(source: Store, target: Store, shas: Iterable[str] | None = None, *, verify: bool = True,
               skip_present: bool = False, jobs: int = 4,
               progress: Callable[[int], None] | None = None) -> CopyReport:
    """Copy `shas` (default: every blob of `source`) a few at a time; `verify` reads each back from the target."""
    report = CopyReport()
    names = sorted(source if shas is None else shas)
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="copy") as pool:
        statuses = pool.map(lambda sha: copy_blob(source, target, sha, verify, skip_present), names)
        for sha, status in zip(names, statuses, strict=True):
            if status == "copied":
                report.copied += 1
            elif status == "present":
                report.present += 1
            else:
                report.problems.append((sha, status))
            if verify and status in ("copied", "present"):
                report.verified += 1
            report.results.append({"sha256": sha, "status": status.split(":", 1)[0]})
            if progress:
                progress(len(report.results))
    return report
