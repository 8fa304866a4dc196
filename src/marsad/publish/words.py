"""Words of the public pages that depend on values: sources by kind, time precision,
grade definitions. Whole sentences with placeholders, translated under the page's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def grade_name(grade: str) -> str:
    return {"confirmed": _("confirmed"), "fair": _("fair"), "weak": _("weak")}.get(grade, grade)


def grade_definition(grade: str) -> str:
    return {
        "confirmed": _("Confirmed: reported by two or more credible, independent sources, with evidence that places "
                       "the event in time and place and nothing credible against it. A second member of the team "
                       "approved this grade."),
        "fair": _("Fair: reported by two or more credible sources, with evidence consistent with the reports, though "
                  "not every detail is independently established."),
        "weak": _("Weak: reported by a single source or with little evidence; plausible but not corroborated."),
    }.get(grade, "")


def time_precision(value: int | None) -> str:
    return {1: _("to the day"), 2: _("to within a week"), 3: _("to within a month")}.get(value or 1, _("to the day"))


def role_name(role: str) -> str:
    return {"primary": _("primary footage"), "corroborating": _("corroborating"), "context": _("context")}.get(role,
                                                                                                           role)


def kind_name(kind: str) -> str:
    return {"image": _("photo"), "video": _("video")}.get(kind, kind)


def _things(kind: str, n: int) -> str:
    if kind == "image":
        return ngettext("%(n)s photo", "%(n)s photos", n) % {"n": n}
    if kind == "video":
        return ngettext("%(n)s video", "%(n)s videos", n) % {"n": n}
    if kind == "audio":
        return ngettext("%(n)s audio recording", "%(n)s audio recordings", n) % {"n": n}
    if kind == "document":
        return ngettext("%(n)s document", "%(n)s documents", n) % {"n": n}
    return ngettext("%(n)s other file", "%(n)s other files", n) % {"n": n}


def source_line(kind: str, origin: str, n: int) -> str:
    """"3 videos from Telegram": what kind of evidence, and what kind of place it came from."""
    things = _things(kind, n)
    if origin == "telegram":
        return _("%(things)s from Telegram") % {"things": things}
    if origin == "web":
        return _("%(things)s from the web") % {"things": things}
    if origin == "webarchive":
        return _("%(things)s from a web archive") % {"things": things}
    return _("%(things)s sent to us as files") % {"things": things}
