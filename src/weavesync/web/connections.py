"""uvicorn's HTTP protocol with a deadline for the request headers.

uvicorn closes a connection idle between two requests (``timeout_keep_alive``) but waits forever for the first
request's headers, so a client that connects and sends its headers a byte at a time holds a file descriptor
for good. `with_header_timeout` gives each connection `timeout` seconds to complete its first request's headers;
the receiver bounds the body separately (`web.receiver.read_limited`).
"""

from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.h11_impl import H11Protocol

LOG = logging.getLogger("weavesync.web")


class HeaderDeadline(H11Protocol):
    """`H11Protocol` that drops a connection whose first request headers are not complete in `header_timeout`."""

    header_timeout = 10.0
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._deadline = self.loop.call_later(self.header_timeout, self._headers_late)

    def _headers_late(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            LOG.warning("dropped a connection that sent no complete request headers in %g s", self.header_timeout)
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        super().connection_lost(exc)


def with_header_timeout(timeout: float) -> type[HeaderDeadline]:
    """A `HeaderDeadline` protocol class for uvicorn's ``http=`` option, with `timeout` seconds for headers."""
    if timeout <= 0:
        raise ValueError("the header timeout must be positive")
    return type("HeaderDeadlineProtocol", (HeaderDeadline,), {"header_timeout": timeout})
