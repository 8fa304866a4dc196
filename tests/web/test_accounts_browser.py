"""Signing in, in a real browser, in Arabic and English: two-factor codes, recovery
codes that work once, and lockout after repeated wrong passwords."""

import pyotp
import pytest

from .conftest import login, password_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page) -> None:
    """Sends the form and waits for the answer page: without the wait, the page can be
    read while the next one is still arriving (empty content, no error list yet)."""
    with page.expect_navigation():
        page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state()


@pytest.fixture
def with_2fa(team):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    secret = generate_totp_secret()
    TOTP.activate(team["editor"], secret)
    codes = RecoveryCodes.activate(team["editor"]).get_unused_codes()
    return secret, codes


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_two_factor_login_wrong_code_then_recovery_code_once(guarded, live_server, with_2fa, shot, lang):
    page, (secret, codes) = guarded, with_2fa
    login(page, live_server.url, lang, "editor")
    assert "/accounts/2fa/authenticate/" in page.url
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    shot(page, f"{lang} asks for the code")

    wrong = f"{(int(pyotp.TOTP(secret).now()) + 1) % 1_000_000:06d}"
    page.fill("input[name=code]", wrong)
    submit(page)
    assert "/accounts/2fa/authenticate/" in page.url  # refused, still asked
    assert page.locator(".errorlist, .error, [role=alert]").count() or "code" in page.content().lower()
    shot(page, f"{lang} wrong code refused")

    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    submit(page)
    assert page.url.rstrip("/").endswith(f"/{lang}")
    assert page.locator("header nav").count() == 1
    shot(page, f"{lang} signed in")

    for attempt in range(2):  # a recovery code works once
        page.context.clear_cookies()
        login(page, live_server.url, lang, "editor")
        page.fill("input[name=code]", codes[0])
        submit(page)
        if attempt == 0:
            assert page.url.rstrip("/").endswith(f"/{lang}"), "the recovery code was refused the first time"
            shot(page, f"{lang} recovery code accepted")
        else:
            assert "/accounts/2fa/authenticate/" in page.url, "a used recovery code was accepted again"
            shot(page, f"{lang} used recovery code refused")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_lockout_after_repeated_wrong_passwords(guarded, live_server, team, shot, lang):
    page = guarded
    for _ in range(5):
        login(page, live_server.url, lang, "viewer", "not-the-password")
        assert "/accounts/login/" in page.url
    shot(page, f"{lang} after five wrong passwords")
    login(page, live_server.url, lang, "viewer", password_of("viewer"))  # even the right one now
    shot(page, f"{lang} right password while locked")
    assert page.locator("header nav").count() == 0
    assert page.locator(".errorlist li").count() == 1  # told why, in the page's language
    from axes.models import AccessAttempt

    assert AccessAttempt.objects.get(username="viewer").failures_since_start >= 5


def test_pages_need_a_login_and_nobody_signs_up(client, team):
    response = client.get("/en/items/")
    assert response.status_code == 302 and response["Location"].startswith("/en/accounts/login/")
    signup = client.post("/en/accounts/signup/", {"username": "intruder", "password1": "x" * 12, "password2": "x" * 12})
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="intruder").exists()
    assert b"signup" not in client.get("/en/accounts/login/").content
    assert signup.status_code in (200, 403)
