"""Sign the log after a request that added to it, as each CLI verb does, so what a
person did in the browser is covered by a signed checkpoint within the same request."""

from __future__ import annotations

import logging

from marsad.custody import log
from marsad.custody.models import Checkpoint

logger = logging.getLogger(__name__)


class CheckpointMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 500:
            try:
                latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0
                if log.size() > latest:
                    log.sign_checkpoint()
            except Exception:  # the action itself is committed; the next request or CLI verb signs
                logger.exception("could not sign a checkpoint after %s %s", request.method, request.path)
        return response
