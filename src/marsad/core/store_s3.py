"""The blob store in an S3-compatible bucket: `s3://BUCKET/PREFIX`.

The same promises as the local store, kept by the server: a blob's key is its
SHA-256 (`PREFIX/ab/cd/<sha256>`), every write is conditional (`If-None-Match: *`,
so an object is never replaced), and where the bucket has Object Lock each
object gets COMPLIANCE retention, which nobody, not even the account's root,
can shorten or lift before it ends.

An S3 key must be named before a multipart upload begins, so a large file is
read twice: once for its address (SHA-256) and each part's CRC32, which is
enough to skip the upload when the bucket already holds it; then streamed to
the server in parts, a few at a time, while BLAKE2b is computed. Each part
carries its CRC32 from the first read, so the server refuses a part whose bytes
changed since (and so does the client, before sending it): the upload is
aborted and nothing is written. Small blobs go in one request that carries
their SHA-256, which the server checks.

Endpoint, region and credentials come from the usual AWS settings
(`AWS_ENDPOINT_URL`, `AWS_DEFAULT_REGION`, `AWS_ACCESS_KEY_ID`, ... or ~/.aws).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import stat
import tempfile
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from .store import (
    SHA256_RE,
    Blob,
    BlobChanged,
    BlobMissing,
    LocalStore,
    StoreError,
    _check_address,
    _helper,
    hash_stream,
    verified,
)

PART = 8 << 20  # S3 allows 5 MiB .. 5 GiB a part and 10,000 parts; larger files get larger parts
MAX_PARTS = 9000
CONCURRENCY = 10  # parts in flight (as boto3's upload_file); memory held is about (CONCURRENCY + 1) * part size
LOCK_MODE = "COMPLIANCE"
# What servers answer for a bucket made without Object Lock, or when they have none.
NO_LOCK = ("ObjectLockConfigurationNotFoundError", "ObjectLockConfigurationNotFound", "NotImplemented",
           "MethodNotAllowed", "404")


class S3Store:
    """Blobs as objects `PREFIX/ab/cd/<sha256>` of one bucket, each with its BLAKE2b (metadata or tag)."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None, *, cache: str | os.PathLike[str] | None = None,
                 retention_days: int = 0, part_size: int = PART, concurrency: int = CONCURRENCY) -> None:
        if not bucket:
            raise StoreError("an S3 store needs a bucket: s3://BUCKET/PREFIX")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.client = client or boto3.session.Session().client(
            "s3", config=Config(retries={"mode": "standard", "max_attempts": 5},
                                max_pool_connections=max(10, concurrency + 2)))
        self.cache = LocalStore(cache) if cache else None
        self.retention_days = retention_days
        self.part_size, self.concurrency = max(part_size, 5 << 20), max(concurrency, 1)
        self._locked: bool | None = None

    @classmethod
    def from_url(cls, url: str, **kwargs: Any) -> S3Store:
        if not url.startswith("s3://"):
            raise StoreError(f"not an S3 location: {url!r} (expected s3://BUCKET/PREFIX)")
        bucket, _, prefix = url[len("s3://"):].partition("/")
        return cls(bucket, prefix, **kwargs)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def key(self, sha256: str) -> str:
        _check_address(sha256)
        name = f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def check(self) -> None:
        """Raise `StoreError` unless the bucket is there and answers (before a long copy begins)."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as e:
            if _code(e) in ("404", "NoSuchBucket", "NotFound"):
                raise StoreError(f"no bucket {self.bucket!r} at the S3 endpoint") from e
            raise _store_error(self, "", e) from e
        except BotoCoreError as e:
            raise StoreError(f"cannot reach the S3 store {self}: {e}") from e

    # -- Object Lock --------------------------------------------------------------------------------------------

    def object_lock_enabled(self) -> bool:
        """Whether the bucket has Object Lock (asked once per store)."""
        if self._locked is None:
            try:
                config = self.client.get_object_lock_configuration(Bucket=self.bucket)
                self._locked = config.get("ObjectLockConfiguration", {}).get("ObjectLockEnabled") == "Enabled"
            except ClientError as e:
                if _code(e) == "NoSuchBucket":
                    raise StoreError(f"no bucket {self.bucket!r} at the S3 endpoint") from e
                if _code(e) not in NO_LOCK:  # e.g. AccessDenied: guessing "no lock" would silently not lock
                    raise StoreError(f"cannot tell whether bucket {self.bucket!r} has Object Lock ({_code(e)}); "
                                     "allow s3:GetBucketObjectLockConfiguration, or set "
                                     "MARSAD_S3_RETENTION_DAYS=0 to set no retention") from e
                self._locked = False
            except BotoCoreError as e:
                raise StoreError(f"cannot reach the S3 store {self}: {e}") from e
        return self._locked

    def _lock_args(self) -> dict[str, Any]:
        if self.retention_days <= 0 or not self.object_lock_enabled():
            return {}
        until = datetime.now(UTC) + timedelta(days=self.retention_days)
        return {"ObjectLockMode": LOCK_MODE, "ObjectLockRetainUntilDate": until}

    def retention(self, sha256: str) -> tuple[str, datetime] | None:
        """The object's lock (mode, retained until), or None when it has none."""
        with _errors(self, sha256):
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
        if head.get("ObjectLockMode"):
            return head["ObjectLockMode"], head["ObjectLockRetainUntilDate"]
        return None

    # -- writing ------------------------------------------------------------------------------------------------

    def put_bytes(self, data: bytes) -> Blob:
        sha256, blake2b, _size = hash_stream(io.BytesIO(data))
        return self._put_single(data, sha256, blake2b)

    def put_stream(self, source: BinaryIO) -> Blob:
        """A stream that cannot be read twice is spooled to a temporary file first."""
        with tempfile.TemporaryFile() as spool:
            hash_stream(source, spool)
            spool.seek(0)
            return self._put_open_file(spool)

    def put_file(self, path: str | os.PathLike[str] | bytes) -> Blob:
        # As the local store: no symlink swapped in, no FIFO that hangs us.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        with os.fdopen(fd, "rb") as source:
            if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                raise StoreError("not a regular file")
            return self._put_open_file(source)

    def _put_open_file(self, source: BinaryIO) -> Blob:
        head = source.read(self.part_size + 1)
        if len(head) <= self.part_size:
            sha256, blake2b, _size = hash_stream(io.BytesIO(head))
            return self._put_single(head, sha256, blake2b)
        del head
        source.seek(0)
        part_size = self._part_size(os.fstat(source.fileno()).st_size)
        sha256, size, crcs = _first_pass(source, part_size)
        source.seek(0)
        if self.exists(sha256):
            again, blake2b, _size = hash_stream(source)  # a duplicate: its BLAKE2b from the file, not the network
            if again != sha256:
                raise StoreError("the file changed while it was being stored; nothing was written")
            return Blob(sha256, blake2b, size, created=False)
        return self._put_multipart(source, sha256, size, part_size, crcs)

    def _part_size(self, size: int) -> int:
        mib = 1 << 20
        return max(self.part_size, -(-size // MAX_PARTS // mib) * mib)

    def _put_single(self, data: bytes, sha256: str, blake2b: str) -> Blob:
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self.key(sha256), Body=data, IfNoneMatch="*",
                ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),  # the server checks what it got
                Metadata={"blake2b": blake2b}, **self._lock_args())
        except ClientError as e:
            if _code(e) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return Blob(sha256, blake2b, len(data), created=False)
            raise _store_error(self, sha256, e) from e
        except BotoCoreError as e:
            raise StoreError(f"cannot reach the S3 store {self}: {e}") from e
        return Blob(sha256, blake2b, len(data), created=True)

    def _put_multipart(self, source: BinaryIO, sha256: str, size: int, part_size: int, crcs: list[int]) -> Blob:
        key = self.key(sha256)
        with _errors(self, sha256):
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=key, ChecksumAlgorithm="CRC32", **self._lock_args())["UploadId"]
        completed = False
        try:
            parts, blake2b = self._upload_parts(source, key, upload_id, part_size, crcs)
            blob = Blob(sha256, blake2b, size, created=True)
            try:
                self.client.complete_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id,
                                                      MultipartUpload={"Parts": parts}, IfNoneMatch="*")
                completed = True
            except ClientError as e:
                if _code(e) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                    return Blob(sha256, blob.blake2b, size, created=False)  # another writer was first
                raise
        except ClientError as e:
            if _code(e) in ("BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch"):
                raise StoreError("the file changed while it was being stored; nothing was written") from e
            raise _store_error(self, sha256, e) from e
        except BotoCoreError as e:
            raise StoreError(f"cannot reach the S3 store {self}: {e}") from e
        finally:
            if not completed:
                try:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
                except (ClientError, BotoCoreError):
                    pass  # the bucket's lifecycle rule for incomplete uploads removes it
        try:  # metadata must be named before the upload; a tag can follow it (and is allowed on a locked object)
            self.client.put_object_tagging(Bucket=self.bucket, Key=key,
                                           Tagging={"TagSet": [{"Key": "blake2b", "Value": blob.blake2b}]})
        except (ClientError, BotoCoreError):
            pass  # a convenience: the database holds every item's BLAKE2b
        return blob

    def _upload_parts(self, source: BinaryIO, key: str, upload_id: str, part_size: int,
                      crcs: list[int]) -> tuple[list[dict[str, Any]], str]:
        """Upload `source` in parts, a few at a time, each checked against the first pass; BLAKE2b
        is computed on the way, on the helper thread. Returns the parts and the BLAKE2b.

        Each part carries the CRC32 the first pass computed for it: the server refuses a part
        whose bytes differ (BadDigest), and so does this loop, before sending it.
        """
        blake, hashing = hashlib.blake2b(), None
        in_flight: deque[Future[dict[str, Any]]] = deque()
        parts: list[dict[str, Any]] = []
        changed = StoreError("the file changed while it was being stored; nothing was written")
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="s3-part") as pool:
            for number, expected in enumerate(crcs, 1):
                chunk = source.read(part_size)
                if zlib.crc32(chunk) != expected:
                    raise changed
                if hashing is not None:
                    hashing.result()  # BLAKE2b at most one part behind: memory stays bounded
                hashing = _helper().submit(blake.update, chunk)
                in_flight.append(pool.submit(self._upload_part, key, upload_id, number, chunk, expected))
                del chunk
                while len(in_flight) >= self.concurrency:
                    parts.append(in_flight.popleft().result())
            while in_flight:
                parts.append(in_flight.popleft().result())
        if hashing is not None:
            hashing.result()
        if source.read(1):
            raise changed  # it grew
        return parts, blake.hexdigest()

    def _upload_part(self, key: str, upload_id: str, number: int, chunk: bytes, crc: int) -> dict[str, Any]:
        answer = self.client.upload_part(Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number,
                                         Body=chunk, ChecksumCRC32=_b64_crc(crc))
        part = {"PartNumber": number, "ETag": answer["ETag"]}
        for name in ("ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA256", "ChecksumSHA1"):
            if answer.get(name):
                part[name] = answer[name]
        return part

    # -- reading ------------------------------------------------------------------------------------------------

    def exists(self, sha256: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.key(sha256))
            return True
        except ClientError as e:
            if _code(e) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise _store_error(self, sha256, e) from e
        except BotoCoreError as e:
            raise StoreError(f"cannot reach the S3 store {self}: {e}") from e

    def open(self, sha256: str, verify: bool | str = False) -> BinaryIO:
        """The blob's bytes, streamed; with `verify`, reading to the end raises `BlobChanged` if they changed."""
        with _errors(self, sha256):
            body = self.client.get_object(Bucket=self.bucket, Key=self.key(sha256))["Body"]
        raw = _BodyReader(body)
        return verified(raw, sha256, verify) if verify else io.BufferedReader(raw, 1 << 20)

    def digest(self, sha256: str) -> tuple[str, str, int]:
        """Re-hash a stored blob (for fixity checks): its bytes come back over the network."""
        try:
            with self.open(sha256) as f:
                return hash_stream(f)
        except BotoCoreError as e:
            raise StoreError(f"reading {sha256} from {self} failed: {e}") from e

    def blake2b(self, sha256: str) -> str:
        """The BLAKE2b the object was written with (its metadata, or its tag after a multipart upload),
        without reading it; "" when it has neither."""
        key = self.key(sha256)
        with _errors(self, sha256):
            found = self.client.head_object(Bucket=self.bucket, Key=key).get("Metadata", {}).get("blake2b", "")
            if not found:
                tags = self.client.get_object_tagging(Bucket=self.bucket, Key=key).get("TagSet", [])
                found = next((t["Value"] for t in tags if t["Key"] == "blake2b"), "")
        return found

    def path(self, sha256: str) -> Path:
        """A local, verified copy for tools that need a file (fingerprints, thumbnails), kept in the cache."""
        if self.cache is None:
            raise StoreError(f"the S3 store {self} has no local cache folder for copies")
        local = self.cache.path(sha256)
        if not local.is_file():
            with self.open(sha256) as f:
                blob = self.cache.put_stream(f)
            if blob.sha256 != sha256:
                raise BlobChanged(f"blob {sha256} has changed in the store: its bytes no longer give its digest")
        return local

    def batched_sync(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()  # an object is durable once its PUT returns

    def sweep_temporary(self) -> int:
        """Remove the local cache's temporary files left by dead processes. Unfinished multipart uploads
        are left to the bucket's lifecycle rule: another host may still be sending them."""
        return self.cache.sweep_temporary() if self.cache else 0

    def __iter__(self) -> Iterator[str]:
        prefix = f"{self.prefix}/" if self.prefix else ""
        with _errors(self, ""):
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for obj in page.get("Contents", ()):
                    name = obj["Key"].rsplit("/", 1)[-1]
                    if SHA256_RE.match(name) and obj["Key"] == self.key(name):
                        yield name


def _first_pass(source: BinaryIO, part_size: int) -> tuple[str, int, list[int]]:
    """The address (SHA-256), size, and each part's CRC32: what must be known before the upload begins.

    CRC32 runs on the helper thread beside SHA-256 (both release the GIL).
    """
    sha, size, crcs = hashlib.sha256(), 0, []
    pending: Future[int] | None = None
    while chunk := source.read(part_size):
        if pending is not None:
            crcs.append(pending.result())  # at most two parts held
        pending = _helper().submit(zlib.crc32, chunk)
        sha.update(chunk)
        size += len(chunk)
    if pending is not None:
        crcs.append(pending.result())
    return sha.hexdigest(), size, crcs


def _b64_crc(crc: int) -> str:
    return base64.b64encode(crc.to_bytes(4, "big")).decode()


class _BodyReader(io.RawIOBase):
    """A botocore streaming body as a raw stream (`readinto`, which hash_stream uses)."""

    def __init__(self, body: Any) -> None:
        self.body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self.body.read(len(buffer))
        n = len(data)
        memoryview(buffer)[:n] = data
        return n

    def close(self) -> None:
        self.body.close()
        super().close()


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _store_error(store: S3Store, sha256: str, error: ClientError) -> StoreError:
    code = _code(error)
    if code in ("404", "NoSuchKey", "NotFound"):
        return BlobMissing(f"blob {sha256} is missing from the store {store}")
    if code in ("AccessDenied", "403"):
        return StoreError(f"the S3 store {store} refused access ({code}): check the credentials and bucket policy")
    return StoreError(f"the S3 store {store} answered {code}: {error.response.get('Error', {}).get('Message', '')}")


@contextmanager
def _errors(store: S3Store, sha256: str) -> Iterator[None]:
    try:
        yield
    except ClientError as e:
        raise _store_error(store, sha256, e) from e
    except BotoCoreError as e:
        raise StoreError(f"cannot reach the S3 store {store}: {e}") from e
