"""Arabic and English: the page's language and direction, and a switch that keeps the page and its filter."""

import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("lang, other, direction", [("en", "ar", "ltr"), ("ar", "en", "rtl")])
def test_switch_keeps_the_page_and_its_filter(client, team, lang, other, direction):
    client.force_login(team["editor"])
    page = client.get(f"/{lang}/items/?kind=video&since=2019-05-01").content.decode()
    assert f'<html lang="{lang}" dir="{direction}">' in page
    switch = re.search(rf'<a href="([^"]+)" hreflang="{other}"', page).group(1)
    assert switch.replace("&amp;", "&") == f"/{other}/items/?kind=video&since=2019-05-01"


def test_arabic_pages_speak_arabic(client, team):
    client.force_login(team["editor"])
    page = client.get("/ar/incidents/").content.decode()
    assert "الحوادث" in page and "Incidents</a>" not in page
