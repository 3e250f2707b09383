"""Services of the strategies app: catalog look-ups used by webhooks and wrap-up."""

from .models import Outcome, ProviderMapping

FALLBACK_OUTCOME_CODE = "platform.customer_call_failed"


def resolve_outcome(provider: str, raw: str | int | None) -> Outcome | None:
    """The outcome an active mapping gives a provider's raw status.

    Returns None when no active mapping exists (the caller records the event as unmapped and uses
    `fallback_outcome()`, so a supervisor can map it later).
    """
    if raw is None:
        return None
    raw_text = str(raw).strip()
    if not raw_text:
        return None
    mapping = (
        ProviderMapping.objects.select_related("outcome")
        .filter(provider=provider, raw__iexact=raw_text, is_active=True, outcome__is_active=True)
        .first()
    )
    return mapping.outcome if mapping else None


def fallback_outcome() -> Outcome:
    """The outcome for a raw status nobody has mapped yet."""
    return Outcome.objects.get(code=FALLBACK_OUTCOME_CODE)
