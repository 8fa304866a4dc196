"""URLs grouped by the object they act on; every page family is a package under marsad.web."""

from allauth.account.decorators import secure_admin_login
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from . import errors, views

# The admin signs in through allauth too, so two-factor and lockout apply there as well.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", login_not_required(RedirectView.as_view(pattern_name="home", permanent=False))),
    path("tus/", include("marsad.web.upload.tus_urls")),
    path("api/v1/", include("marsad.api.urls")),  # tokens, not sessions: no language prefix
]
urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    # Accounts have no e-mail address: a forgotten password is reset by a manager, not by mail.
    path("accounts/password/reset/", views.password_help, name="account_reset_password"),
    path("accounts/", include("allauth.urls")),
    path("items/", include("marsad.web.items.urls")),
    path("incidents/", include("marsad.web.incidents.urls")),
    path("upload/", include("marsad.web.upload.urls")),
    path("search/", include("marsad.web.search.urls")),
    path("", include("marsad.web.explore.urls")),  # map/ and timeline/
    path("notifications/", views.notifications, name="notifications"),
    path("preferences/", views.preferences, name="preferences"),
    prefix_default_language=True,
)

handler403 = errors.forbidden
handler404 = errors.not_found
handler500 = errors.server_error
