"""The JSON API at /api/v1/ (django-ninja), with per-user, per-project tokens."""
