"""The app's own "Not found" page on the development server too.

With DEBUG on, Django answers a 404 with its technical page, which lists every URL pattern of the project:
a newcomer trying `make run` reads developer internals instead of "Not found". Production (DEBUG off)
already renders templates/404.html; this middleware, installed by the local settings only, does the same
with DEBUG on.
"""

from django.http import Http404
from django.shortcuts import render


class FriendlyNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An address no URL pattern matches: the technical page listing the patterns. Views' own 404
        # answers (JSON errors of the API and webhooks) have a resolver match and are left alone.
        if response.status_code == 404 and getattr(request, "resolver_match", None) is None:
            return render(request, "404.html", status=404)
        return response

    def process_exception(self, request, exception):
        """A view's Http404 ("No Campaign matches the given query", raised by ...): the same page."""
        if isinstance(exception, Http404):
            return render(request, "404.html", status=404)
        return None
