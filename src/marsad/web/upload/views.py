"""Placeholder views, replaced by the upload page family."""
from django.shortcuts import render


def upload_form(request):
    return render(request, "error.html", {"title": "Upload", "message": ""})
