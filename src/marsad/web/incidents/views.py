"""Placeholder views, replaced by the incidents page family."""
from django.shortcuts import render


def incident_list(request, code=None):
    return render(request, "error.html", {"title": "Incidents", "message": ""})
