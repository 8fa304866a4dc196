"""Trusted time: RFC 3161 timestamps over signed checkpoints.

A timestamp authority's signature over a checkpoint proves the log had reached
that state no later than the stamped time, which our own clock cannot prove.
"""

from __future__ import annotations

import urllib.error
import urllib.request

from cryptography import x509
from django.db import transaction
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from .models import Checkpoint, TimestampToken


class TimestampInvalid(Exception):
    pass


class TimestampUnavailable(Exception):
    pass


def _verify(response_der: bytes, message: bytes, roots_pem: str, nonce: int | None = None) -> None:
    try:
        response = decode_timestamp_response(response_der)
        roots = x509.load_pem_x509_certificates(roots_pem.encode())
    except ValueError as e:
        raise TimestampInvalid(f"token cannot be read: {e}") from e
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    if nonce is not None:
        builder = builder.nonce(nonce)
    try:
        builder.build().verify_message(response, message)
    except VerificationError as e:
        raise TimestampInvalid(f"does not verify: {e}") from e


def request_timestamp(tsa_url: str, roots_pem: str, timeout: float = 30) -> TimestampToken:
    checkpoint = Checkpoint.objects.order_by("-size", "-id").first()
    if checkpoint is None:
        raise TimestampUnavailable("there is no checkpoint to timestamp yet")
    message = checkpoint.note.encode()
    request = TimestampRequestBuilder().data(message).hash_algorithm(HashAlgorithm.SHA256).build()
    http = urllib.request.Request(
        tsa_url, data=request.as_bytes(), headers={"Content-Type": "application/timestamp-query"}
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as reply:
            der = reply.read()
    except (urllib.error.URLError, OSError) as e:
        raise TimestampUnavailable(f"{tsa_url}: {e}") from e
    _verify(der, message, roots_pem, request.nonce)
    gen_time = decode_timestamp_response(der).tst_info.gen_time
    with transaction.atomic():
        token = TimestampToken.objects.create(
            checkpoint=checkpoint, tsa_url=tsa_url, token=der, tsa_roots=roots_pem, gen_time=gen_time
        )
        from . import log

        log.record("timestamp", inputs=[{"checkpoint_size": checkpoint.size}],
                   outputs=[{"tsa": tsa_url, "gen_time": gen_time.isoformat()}])
    return token


def check_token(token: TimestampToken) -> None:
    _verify(bytes(token.token), token.checkpoint.note.encode(), token.tsa_roots)

