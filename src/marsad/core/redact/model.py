"""The face detector's model, shipped inside the package and checked before use.

Nothing is downloaded at run time: the file is part of the package, and its
SHA-256 is checked every time it is loaded. The detector is built from the very
bytes that were checked, so the file cannot be swapped in between.
"""

from __future__ import annotations

import hashlib
from importlib import resources

MODEL_NAME = "face_detection_yunet_2023mar.onnx"
MODEL_SHA256 = "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4"
MODEL_SIZE = 232_589


class ModelIntegrityError(RuntimeError):
    """The face model is missing or is not the expected file: redaction refuses to run."""


def model_bytes(data: bytes | None = None) -> bytes:
    """The model's bytes, verified against the pinned SHA-256 (`data` for tests)."""
    if data is None:
        try:
            data = resources.files("marsad.data").joinpath(MODEL_NAME).read_bytes()
        except OSError as e:
            raise ModelIntegrityError(f"the face model {MODEL_NAME} is missing from the package; reinstall Marsad") from e
    found = hashlib.sha256(data).hexdigest()
    if found != MODEL_SHA256:
        raise ModelIntegrityError(
            f"the face model {MODEL_NAME} has SHA-256 {found}, not the expected {MODEL_SHA256}; "
            "redaction refuses to run with an unknown model (reinstall Marsad)")
    return data
