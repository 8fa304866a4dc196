"""Error pages that say what happened and never what the user may not see."""

from django.shortcuts import render
from django.utils.translation import gettext as _


def _page(request, status: int, title: str, message: str):
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def csrf_failure(request, reason: str = ""):
    # The reason names cookies and tokens; a person needs to know what to do instead.
    return _page(request, 403, _("The form has expired"),
                 _("Your session ended or the page was open too long. Reload the page and try again; "
                   "uploads already started continue where they stopped."))


def forbidden(request, exception=None):
    return _page(request, 403, _("Not allowed"), _("Your role in this project does not allow this."))


def not_found(request, exception=None):
    return _page(request, 404, _("Not found"), _("There is nothing here, or nothing you may see."))


def server_error(request):
    return _page(request, 500, _("Something went wrong"),
                 _("The error was recorded. Nothing you saved before this was lost."))
