"""Placeholder views, replaced by the items page family."""
from django.shortcuts import render


def item_list(request):
    return render(request, "error.html", {"title": "Evidence", "message": ""})


def seen(request):
    return render(request, "error.html", {"title": "Have we seen this?", "message": ""})
