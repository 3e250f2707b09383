"""The embedded broker's message files are never seen half-written (celery/kombu#1551)."""

import contextlib

import pytest
from django.conf import settings
from kombu import Connection
from kombu.transport.virtual import Empty

from retryadmin import broker


@pytest.fixture
def channel(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "processed", "control")}
    for folder in folders.values():
        folder.mkdir()
    options = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "processed_folder": str(folders["processed"]),
        "control_folder": str(folders["control"]),
    }
    with Connection("filesystem://", transport=broker.Transport, transport_options=options) as connection:
        yield connection.default_channel


def test_a_consumer_polling_while_a_message_is_written_finds_nothing_then_the_whole_message(channel, monkeypatch):
    seen_while_writing = []
    real_replace = broker.os.replace

    def replace_after_a_poll(src, dst):
        with contextlib.suppress(Empty):
            seen_while_writing.append(channel._get("celery"))
        real_replace(src, dst)

    monkeypatch.setattr(broker.os, "replace", replace_after_a_poll)
    channel._put("celery", {"body": "heartbeat"})
    assert seen_while_writing == []
    assert channel._get("celery") == {"body": "heartbeat"}
    with pytest.raises(Empty):
        channel._get("celery")


def test_the_embedded_broker_uses_the_atomic_transport():
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        assert settings.CELERY_BROKER_TRANSPORT == "retryadmin.broker:Transport"
