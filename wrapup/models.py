"""An agent's presence in a campaign: ready, in call, wrap-up or paused."""

from django.conf import settings
from django.db import models

from campaigns.models import Attempt, Campaign


class AgentSession(models.Model):
    class State(models.TextChoices):
        READY = "ready", "Ready"
        IN_CALL = "in_call", "In call"
        WRAP_UP = "wrap_up", "Wrap-up"
        PAUSED = "paused", "Paused"
        OFFLINE = "offline", "Offline"

    # The spellings the rest of the app still uses.
    READY, IN_CALL, WRAP_UP, PAUSED, OFFLINE = State.READY, State.IN_CALL, State.WRAP_UP, State.PAUSED, State.OFFLINE
    STATE_CHOICES = State.choices

    agent = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_session")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, null=True, blank=True, related_name="agents")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OFFLINE)
    current_attempt = models.ForeignKey(Attempt, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    current_contact = models.ForeignKey(
        "campaigns.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The redial request the current call came from: passed to record_attempt when the call ends.
    current_redial = models.ForeignKey(
        "campaigns.RedialRequest", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state_changed_at = models.DateTimeField(auto_now_add=True)
    wrap_up_deadline_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        permissions = [("use_workspace", "Can use the agent workspace")]
        indexes = [models.Index(fields=["state", "wrap_up_deadline_at"], name="session_state_deadline")]

    def __str__(self):
        return f"{self.agent} ({self.state})"
