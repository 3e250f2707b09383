"""Settings for `make run` on one machine: debug on, a fixed development secret."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret-7f3a9c")

# The app's own 404 page with DEBUG on (Django's lists the URL patterns); innermost, so CommonMiddleware
# still redirects /campaigns to /campaigns/.
MIDDLEWARE = [*MIDDLEWARE, "retryadmin.notfound.FriendlyNotFoundMiddleware"]  # noqa: F405
