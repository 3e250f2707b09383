"""The JSON API under /api/: lead intake."""
