"""Template filters that turn stored codes and users into the words screens show."""

from django import template

from strategies.wording import person_label, reason_label

register = template.Library()


@register.filter
def reason(code, empty=""):
    """{{ attempt.decision_reason|reason:"Waiting for wrap-up" }}"""
    return reason_label(code, empty)


@register.filter
def person(user, empty="—"):
    """{{ attempt.agent|person:"dialer" }}: full name, else username."""
    return person_label(user, empty=empty)
