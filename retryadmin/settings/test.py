"""Settings for the test suite: fast hashing, an in-memory broker unless REDIS_URL is given."""

from .base import *  # noqa: F403
from .base import env
from .secret_key import TEST_SECRET_KEY

DEBUG = False
SECRET_KEY = TEST_SECRET_KEY
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="test-twilio-auth-token")
# The dispatch tests run their dialer on this machine: name it, rather than switching the check off.
DIALER_ALLOWED_HOSTS = ["127.0.0.1"]
