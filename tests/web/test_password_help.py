"""A forgotten password: no e-mail goes out; the page says whom to ask, in both languages."""

import pytest

pytestmark = pytest.mark.django_db


def test_password_reset_sends_nothing_and_says_whom_to_ask(client, team, mailoutbox):
    for lang, words in (("en", "sends no e-mail"), ("ar", "لا يرسل مرصد")):
        page = client.get(f"/{lang}/accounts/password/reset/")
        assert page.status_code == 200 and words in page.content.decode()
        client.post(f"/{lang}/accounts/password/reset/", {"email": "editor@example.org"})
    assert mailoutbox == []
    assert 'href="/en/accounts/password/reset/"' in client.get("/en/accounts/login/").content.decode()
