"""The sign-in throttle in the admin: who is locked out, and an action that lifts a lockout."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages


@admin.register(AccessAttempt)
class SignInAttemptAdmin(AccessAttemptAdmin):
    actions = ["reset_lockouts", "cleanup_expired_attempts"]

    def get_actions(self, request):
        # "Reset the selected lockouts" says what deleting these rows means; one way to do it is enough.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.action(description="Reset the selected lockouts (the user may sign in again)", permissions=["delete"])
    def reset_lockouts(self, request, queryset):
        # The failure count lives only in these rows: deleting them is axes' own reset.
        _, deleted = queryset.delete()
        count = deleted.get(AccessAttempt._meta.label, 0)
        self.message_user(request, f"Reset {count} lockout(s).", messages.SUCCESS)

    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, f"Cleaned up {count} expired access attempt(s).")


admin.site.register(AccessLog, AccessLogAdmin)
admin.site.register(AccessFailureLog, AccessFailureLogAdmin)
