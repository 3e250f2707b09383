"""kombu's filesystem transport, with message files that appear only once they are complete.

kombu's own `_put` creates `<time>_<uuid>.<queue>.msg` and then writes into it. A worker polling the
folder can take the file in between, read zero bytes and die on `JSONDecodeError` ("Unrecoverable
error", celery/kombu#1551): with beat publishing every few seconds, `make run`'s worker stopped within
minutes and nothing was dispatched or timed out any more. Here the message is written under a name
consumers ignore (they take only names ending in `.<queue>.msg`) and renamed into place, which is atomic.
"""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = f"{final}.part"
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
