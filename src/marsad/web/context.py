"""What every page's frame needs: the other language's URL and the unread notifications."""

from django.urls import translate_url
from django.utils import translation


def navigation(request) -> dict:
    current = translation.get_language() or "en"
    other = "en" if current == "ar" else "ar"
    unread = 0
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        unread = user.notifications.filter(read_at__isnull=True).values("incident_id").distinct().count()
    return {
        "other_language": other,
        "other_language_url": translate_url(request.get_full_path(), other),
        "unread_notifications": unread,
    }
