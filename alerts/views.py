"""Public alert pages: written with the site's part of #14 (list, detail, CAP XML, Atom)."""

from django.http import Http404


def alert_list(request):
    raise Http404


def alert_feed(request):
    raise Http404


def alert_cap(request, identifier):
    raise Http404


def alert_detail(request, identifier):
    raise Http404
