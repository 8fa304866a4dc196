"""`{% load reasons %}{{ link.reason|reason_words }}`: a copy link's stored English reason
in the page's language (see `marsad.web.reason_words`)."""

from django import template
from django.utils.safestring import SafeString

from marsad.web import reason_words as words

register = template.Library()


@register.filter
def reason_words(reason: str | None) -> SafeString:
    return words.html(reason or "")
