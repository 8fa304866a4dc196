"""/api/v1/: the API's own URLs (main.api), every one open to LoginRequiredMiddleware,
since a bearer token, not a session, says who is asking."""

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern

from .main import api

app_name = "api"


def _open(patterns):
    for p in patterns:
        if isinstance(p, URLPattern):
            login_not_required(p.callback)
        else:
            _open(p.url_patterns)
    return patterns


urlpatterns = _open(api.urls[0])
