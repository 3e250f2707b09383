"""Settings for the Celery worker and beat that the dispatch reliability tests start as subprocesses."""

import os

from retryadmin.settings.test import *  # noqa: F403

# The recording dialer writes each dial into the test database, in the dial's own transaction.
DISPATCH_DIALERS = {"record": "tests.dispatch.recording_dialer.RecordingDialer"}
# A queue of the test's own, so no other worker on the shared Redis takes its messages.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("DISPATCH_TEST_QUEUE", "celery")
