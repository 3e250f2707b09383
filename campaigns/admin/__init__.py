"""The Django admin of the campaigns app: Django imports this package, and importing registers each module's admins."""

from campaigns.admin import campaigns, contacts, redials  # noqa: F401
