"""Logging filters for the console: what a person running the app reads."""

import logging


class ClientErrorWithoutTraceback(logging.Filter):
    """Keep the one-line warning of a 4xx response (a refused permission, a bad request) but drop its
    traceback: Django attaches the PermissionDenied that made a 403, which says nothing the line does not,
    and a page of it on every refused click buries what matters. 5xx keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
