"""The claim's hand-off of auto-dial requests to the dial task: one `dial_batch` message per chunk of
(request id, claim token) pairs, published after the claim batch commits.

Publishing costs about a millisecond a message (kombu, Redis), which is as much as the claim itself spends
on a row. So when the claim runs on its own (not inside a caller's transaction, not with eager tasks), a
thread publishes a batch's chunks while the claim takes the next batch; the claim waits for it at the end.

A chunk the broker refuses is released back to `scheduled` (not counted as a dispatch attempt), so a broker
outage delays calls but loses none; were even that release to fail, the lease would bring them back.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.db import connection

from campaigns.dispatch.dial import release_claims

logger = logging.getLogger(__name__)

# The dial tasks run this package's claims, so it names them rather than importing them.
DIAL_BATCH_TASK = "campaigns.tasks.dial_batch"

Pairs = list[tuple[int, str]]


def dial_chunk_size() -> int:
    """Claimed ids per dial message. A message is dialled as one set (one UPDATE, one read, the calls, one
    UPDATE), so a chunk needs to be big enough to spread those statements, and small enough that a batch's
    chunks spread across the worker processes rather than queueing behind one of them."""
    return max(1, settings.DISPATCH_DIAL_CHUNK)


def _publish(app, pairs: Pairs, sent: Callable[[Pairs], None]) -> Pairs:
    """Publish `pairs` in chunks on one broker connection, calling `sent` with each chunk the broker took.
    Returns the pairs it could not publish (empty when all went)."""
    size = dial_chunk_size()
    chunks = [pairs[i : i + size] for i in range(0, len(pairs), size)]
    done = 0
    try:
        with app.producer_or_acquire() as producer:
            for chunk in chunks:
                # argsrepr: Celery would otherwise build a repr of every pair for the message's headers.
                app.send_task(
                    DIAL_BATCH_TASK,
                    args=([list(p) for p in chunk],),
                    producer=producer,
                    argsrepr=f"[{len(chunk)} (request id, claim token) pairs]",
                    kwargsrepr="{}",
                )
                sent(chunk)
                done += 1
    except Exception as exc:  # kombu/redis raise many types for "broker unreachable"; all mean the same here
        unsent = [pair for chunk in chunks[done:] for pair in chunk]
        logger.warning("dispatch: broker refused %s dial hand-offs (%s)", len(unsent), exc)
        return unsent
    return []


class DialPublisher:
    """Publishes the dial hand-offs of one `claim_due` call. `submit` is called after each batch commits;
    `close` waits for what is still being published and releases what the broker refused. Use it as a
    context manager.

    It writes into `result` (a ClaimResult): the pairs the broker took to `result.dialing`, the count released
    to `result.unpublished`. Inside a caller's transaction that happens when the caller commits."""

    def __init__(self, result):
        self._result = result
        self._refused: Pairs = []  # waiting to be released
        self._broker_down = False
        self._error = ""
        self._app = current_app._get_current_object()
        # In a caller's transaction the batches commit (and submit) only after claim_due returns; eager tasks
        # would run the dial in the thread, on a connection of its own. Both publish in the caller's thread.
        self._inline = connection.in_atomic_block or bool(self._app.conf.task_always_eager)
        self._queue: queue.SimpleQueue[Pairs | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    @property
    def broker_down(self) -> bool:
        """True once the broker refused a chunk: the claim stops taking batches it could not hand off (and
        would, once they are released, take again)."""
        return self._broker_down

    def submit(self, pairs: Pairs) -> None:
        if self._inline:
            self._publish_now(pairs)
            self._release_refused()
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dial-publisher", daemon=True)
            self._thread.start()
        self._queue.put(pairs)

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._release_refused()

    def __enter__(self) -> DialPublisher:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _run(self) -> None:
        while (pairs := self._queue.get()) is not None:
            if self._broker_down:  # don't try each batch again: release them all at the end
                self._refused.extend(pairs)
            else:
                self._publish_now(pairs)

    def _publish_now(self, pairs: Pairs) -> None:
        unsent = _publish(self._app, pairs, self._result.dialing.extend)
        if unsent:
            self._broker_down = True
            self._refused.extend(unsent)
            self._error = f"broker unavailable: {len(unsent)} dial hand-offs refused"

    def _release_refused(self) -> None:
        """In the caller's thread (it writes to the database): the refused pairs go back to `scheduled`."""
        if self._refused:
            refused, self._refused = self._refused, []
            logger.warning("dispatch: releasing %s dial hand-offs the broker refused", len(refused))
            self._result.unpublished += release_claims(refused, self._error[:500])
