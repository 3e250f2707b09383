"""The one way a webhook refuses a request: a JSON body naming the problem and, when it has one, the field."""

from django.http import JsonResponse


class WebhookError(Exception):
    """A request refused with a 4xx (or, for a processing fault, a 5xx) JSON answer.

    `field` names the form field, JSON key or header at fault ("" when the problem is the whole request);
    `headers` carries extras such as Retry-After or Allow.
    """

    def __init__(self, status: int, message: str, field: str = "", headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers or {}

    def response(self, **extra) -> JsonResponse:
        payload = {"error": self.message, "field": self.field, **extra}
        response = JsonResponse(payload, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response
