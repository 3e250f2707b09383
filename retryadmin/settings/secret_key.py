"""What production asks of DJANGO_SECRET_KEY: long, varied and not a value anyone could have read."""

MIN_LENGTH = 50
MIN_UNIQUE_CHARACTERS = 5

# The keys of `make run` and of the test suite: both are in the repository, so anyone knows them.
DEVELOPMENT_SECRET_KEY = "local-development-only-not-a-secret-7f3a9c"
TEST_SECRET_KEY = "test-only-not-a-secret"

# Fragments that only a placeholder, an example or a generated development key contains.
PLACEHOLDER_FRAGMENTS = (
    "django-insecure",
    "changeme",
    "change-me",
    "change_me",
    "change me",
    "not-a-secret",
    "notasecret",
    "placeholder",
    "your-secret",
    "your_secret",
    "secret-key",
    "secret_key",
    "secretkey",
    "development-only",
    "test-only",
)
PLACEHOLDER_KEYS = ("secret", "password", "django", "key", "test", "dev", "development", "example")


def weak_secret_key_reason(key: str) -> str | None:
    """Why `key` must not sign production sessions, or None when it is fit for production."""
    if not key:
        return "DJANGO_SECRET_KEY must be set in production."
    lowered = key.strip().lower()
    if key in (DEVELOPMENT_SECRET_KEY, TEST_SECRET_KEY):
        return "DJANGO_SECRET_KEY is the development or test key from the repository; generate a new one."
    if lowered in PLACEHOLDER_KEYS or any(fragment in lowered for fragment in PLACEHOLDER_FRAGMENTS):
        return "DJANGO_SECRET_KEY is a known placeholder; generate a new one."
    if len(key) < MIN_LENGTH:
        return f"DJANGO_SECRET_KEY has {len(key)} characters; production needs at least {MIN_LENGTH}."
    if len(set(key)) < MIN_UNIQUE_CHARACTERS:
        return (
            f"DJANGO_SECRET_KEY has {len(set(key))} different characters; production needs at least "
            f"{MIN_UNIQUE_CHARACTERS}."
        )
    return None


GENERATE_HINT = (
    " Generate one with: python -c 'from django.core.management.utils import get_random_secret_key; "
    "print(get_random_secret_key())'"
)
