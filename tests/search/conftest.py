"""The web app's cast (a project with a member per role, and an outsider) and its watched browser."""

from tests.web.conftest import browser_type_launch_args, guarded, team  # noqa: F401
