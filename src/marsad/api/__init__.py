"""The JSON API at /api/v1/ (django-ninja), with per-user, per-project tokens.

main.py holds the API object and its errors; auth.py how a token becomes a user
with one role in one project, and how scope and role decide together; tokens.py
makes, checks and revokes tokens; items.py, incidents.py and other.py the
endpoints; present.py the answers, built per role; schemas.py their shapes."""
