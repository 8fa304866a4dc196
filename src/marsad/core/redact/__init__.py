"""Redaction by default: faces and marked regions blurred, metadata left behind.

Pure (no Django): `redact_photo` returns a new JPEG, `redact_video` writes a new
MP4; both blur every face YuNet finds (boxes enlarged x1.4) and every region a
person marked. `tool_versions()` names what made a derivative, for its custody event.
"""

from __future__ import annotations

import av
import cv2

from .boxes import Box, Region, parse_region
from .detect import FaceDetector
from .model import MODEL_NAME, MODEL_SHA256, ModelIntegrityError
from .photo import Redacted, RedactionFailed, redact_photo
from .video import VideoRedacted, redact_video

__all__ = ["Box", "FaceDetector", "ModelIntegrityError", "Redacted", "RedactionFailed", "Region", "VideoRedacted",
           "parse_region", "redact_photo", "redact_video", "tool_versions"]


def tool_versions() -> dict[str, str]:
    """The versions a redacted derivative depends on (all strings: they go into a custody leaf)."""
    return {"model": MODEL_NAME, "model_sha256": MODEL_SHA256, "opencv": cv2.__version__, "pyav": av.__version__,
            "ffmpeg": ".".join(str(v) for v in av.ffmpeg_version_info) if isinstance(
                av.ffmpeg_version_info, tuple) else str(av.ffmpeg_version_info)}
