"""Words of the public pages that depend on values: sources by kind, time precision,
grade definitions. Whole sentences with placeholders, translated under the page's language."""

from __future__ import annotations

from functools import cache

from django.utils.translation import gettext as _
from django.utils.translation import get_language, ngettext, pgettext


def grade_name(grade: str) -> str:
    return _grade_names(get_language()).get(grade, grade)


@cache
def _grade_names(lang: str | None) -> dict[str, str]:  # asked for 18,000 times a run at 3,000 incidents
    return {"confirmed": _("confirmed"), "fair": _("fair"), "weak": _("weak")}


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


def actor_basis(value: str | None) -> str:
    """The kinds of basis for the suspected actors (";"-separated, incidents.service.ACTOR_BASES), as words."""
    lang = get_language()
    return ("، " if lang == "ar" else ", ").join(_actor_bases(lang).get(code, code)
                                                 for code in (value or "").split(";") if code)


@cache
def _actor_bases(lang: str | None) -> dict[str, str]:
    return {"witness": _("witness accounts"), "remnants": _("munition remnants"),
            "flight_tracking": _("aircraft observers and flight tracking"),
            "imagery": _("analysis of video, photos or satellite imagery"),
            "claim": _("claim of responsibility"), "statement": _("official statement"),
            "pattern": _("weapon or pattern of attack used only by this party"),
            "other": pgettext("basis for the suspected actors", "other")}


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


# Parts of an incident page a correction can touch (marsad.core.publish.changes.PARTS).
def part_name(part: str) -> str:
    return {"title": _("title"), "date": _("date and time"), "place": _("place"), "type": _("type"),
            "actors": _("suspected actors"), "casualties": _("casualties"), "health": _("attack on health care"),
            "summary": _("summary"), "grade": _("grade"), "evidence": _("evidence")}.get(part, _("other details"))


def parts_changed(parts: list[str]) -> str:
    return ", ".join(part_name(p) for p in parts) if parts else part_name("other")


def withdrawal_line(kind: str) -> str:
    if kind == "withdrawn":
        return _("Withdrawn: on review, this incident no longer stands as published.")
    if kind == "merged":
        return _("Merged into another incident, which now holds its evidence.")
    return _("No longer published: it no longer meets this site's standard of evidence.")


def feed_summary(date: str, place: str, kind: str, killed, grade: str) -> str:
    parts = [date or _("date unknown")]
    if place:
        parts.append(place)
    if kind:
        parts.append(kind)
    if killed is not None:
        parts.append(ngettext("%(n)s killed (best estimate)", "%(n)s killed (best estimate)", killed) % {"n": killed})
    parts.append(_("grade: %(grade)s") % {"grade": grade_name(grade)})
    return " · ".join(parts)


def verifier_words() -> dict[str, str]:
    """The in-page verifier's words (verify.js), in the page's language; %s marks where a value goes."""
    return {
        "verified": pgettext("in-page verifier", "verified"), "failed": _("FAILED"), "not_chosen": _("not chosen"),
        "summary_verified": _("verified: %s file(s) are as the organisation published them"),
        "summary_failed": _("FAILED: %s"), "nothing": _("nothing chosen to verify"),
        "from_file": _("Opened from a file: choose this site's folder, or drop the files with their .tlog-proof "
                       "files, to verify them."),
        "choose_files": _("Files and their .tlog-proof:"), "choose_folder": _("or the whole site folder:"),
        "changed": _("its SHA-256 is not the one the log records: the file was changed"),
        "not_proven": _("its entry is not proven to be in the signed log"),
        "other_file": _("its proof is for another file (%s)"), "unreadable": _("its proof is unreadable (%s)"),
        "cannot_read": _("cannot be read (%s)"), "choose_proof": _("choose its .tlog-proof too"),
        "no_key": _("no log key on the page"), "not_signed": _("the checkpoint is not signed by the log's key %s"),
    }
