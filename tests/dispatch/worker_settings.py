"""Settings for the Celery worker and beat that the dispatch reliability tests start as subprocesses."""

import os

from retryadmin.settings.test import *  # noqa: F403

# The recording dialer writes each dial into the test database, in the dial's own transaction.
DISPATCH_DIALERS = {"record": "tests.dispatch.recording_dialer.RecordingDialer"}
# A queue of the test's own, so no other worker on the shared Redis takes its messages.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("DISPATCH_TEST_QUEUE", "celery")
# The dialer-in-flight test stalls its HTTP dialer longer than the default read timeout.
DIALER_READ_TIMEOUT_SECONDS = float(os.environ.get("DIALER_READ_TIMEOUT_SECONDS", "3"))
DIALER_TOTAL_SECONDS = float(os.environ.get("DIALER_TOTAL_SECONDS", "8"))
DIALER_RESULT_TIMEOUT_SECONDS = float(os.environ.get("DIALER_RESULT_TIMEOUT", str(15 * 60)))
