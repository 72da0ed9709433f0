"""The one HTTP module every tracker adapter goes through.

It owns what must be the same for all trackers: timeouts, connection reuse, the auth header, turning status
codes and headers into the `weavesync.errors` tree (never by matching message text), keeping secrets out of
messages, and the rate governor that slows down *before* a limit is hit. Retrying is not done here: a failed
write goes back to the outbox, which decides when to try again (executor), so one slow tracker never blocks
a process in a sleep it cannot account for.
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from weavesync.errors import AuthFailed, Conflict, ItemGone, Rejected, Retryable, TrackerError
from weavesync.model import without_userinfo

DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=5.0)
USER_AGENT = "weavesync/0.1 (+https://github.com/weavesync/weavesync)"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = time.time() if now is None else now
    return max(0.0, when.timestamp() - current)


def parse_reset(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds until a rate-limit reset header: epoch seconds (GitHub, ADO) or ISO 8601 (Jira)."""
    if value is None or not value.strip():
        return None
    current = time.time() if now is None else now
    value = value.strip()
    try:
        return max(0.0, float(value) - current)
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - current)


def service_message(response: httpx.Response) -> str:
    """The service's own error text, from the body shapes GitHub, Jira and Azure DevOps use."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip().splitlines()
        return text[0][:200] if text else response.reason_phrase
    parts: list[str] = []
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):
            parts.append(body["message"])
        for msg in body.get("errorMessages") or []:
            parts.append(str(msg))
        errors = body.get("errors")
        if isinstance(errors, dict):
            parts.extend(f"{k}: {v}" for k, v in errors.items())
        elif isinstance(errors, list):
            for err in errors:
                if isinstance(err, dict):
                    bits = [str(err[k]) for k in ("resource", "field", "code", "message") if err.get(k)]
                    parts.append(" ".join(bits))
    return "; ".join(p for p in parts if p)[:300] or response.reason_phrase


def redact_url(url: httpx.URL | str) -> str:
    """The path of a URL without query values or userinfo (tokens never travel in queries, but be sure)."""
    split = urlsplit(str(url))
    return split.path or "/"


RateLimitCheck = Callable[[httpx.Response], bool]


def classify(
    response: httpx.Response,
    *,
    tracker: str,
    item: str | None = None,
    is_rate_limited: RateLimitCheck | None = None,
    now: float | None = None,
) -> TrackerError:
    """The typed error for a failed response. `is_rate_limited` lets a tracker say when a 403 is a limit."""
    status = response.status_code
    method = response.request.method if response.request is not None else "?"
    where = f"{tracker} {method} {redact_url(response.request.url) if response.request is not None else ''}"
    message = f"{where} failed with {status}: {service_message(response)}"
    retry_after = parse_retry_after(response.headers.get("retry-after"), now=now)
    if retry_after is None and response.headers.get("x-ratelimit-remaining") == "0":
        retry_after = parse_reset(response.headers.get("x-ratelimit-reset"), now=now)
    if status == 429 or status >= 500 or (
        status == 403 and is_rate_limited is not None and is_rate_limited(response)
    ):
        return Retryable(message, tracker=tracker, status=status, item=item, retry_after=retry_after)
    if status in (401, 403, 203):
        return AuthFailed(message, tracker=tracker, status=status, item=item,
                          hint="check the token in the environment and its scopes (weavesync doctor)")
    if status in (404, 410):
        return ItemGone(message, tracker=tracker, status=status, item=item)
    if status in (409, 412):
        return Conflict(message, tracker=tracker, status=status, item=item)
    return Rejected(message, tracker=tracker, status=status, item=item)


@dataclass
class Governor:
    """Paces calls of one tracker + credential so it slows down before a limit rather than after.

    It reads the remaining budget and reset time from each response and, once less than `reserve` of the
    budget is left, spreads the remaining calls over the time to the reset. Writes are paced to at most
    `writes_per_minute` (GitHub's secondary limits count writes and content creation separately from the
    hourly budget). ADO's ``X-RateLimit-Delay`` and any ``Retry-After`` on a successful response are honoured
    before the next call. `clock` and `sleep` are parameters so tests run without waiting.
    """

    writes_per_minute: float | None = None
    reserve: float = 0.1
    max_pause: float = 30.0
    clock: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _not_before: float = 0.0
    _last_write: float | None = None
    remaining: int | None = None
    limit: int | None = None
    reset_at: float | None = None
    """When the budget refills, on `clock`'s scale; past it, the last known budget no longer applies."""
    paused_total: float = 0.0

    def before(self, method: str) -> float:
        """Wait as needed before a call; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            wait = max(0.0, self._not_before - now)
            if method.upper() in WRITE_METHODS and self.writes_per_minute and self._last_write is not None:
                wait = max(wait, self._last_write + 60.0 / self.writes_per_minute - now)
            if self.reset_at is not None and now >= self.reset_at:
                # The window has rolled over: the budget we last saw has refilled.
                self.remaining = self.limit = self.reset_at = None
            if (self.remaining is not None and self.limit and self.reset_at is not None
                    and self.remaining <= max(1, int(self.limit * self.reserve))):
                wait = max(wait, (self.reset_at - now) / max(1, self.remaining))
            wait = min(wait, self.max_pause)
            if method.upper() in WRITE_METHODS:
                self._last_write = now + wait
        if wait > 0:
            self.sleep(wait)
            self.paused_total += wait
        return wait

    def after(self, headers: Mapping[str, str], *, ok: bool = False) -> None:
        """Learn the budget from a response's headers. `ok`: the call succeeded, so when it carried no budget
        header the budget we last saw as spent has evidently refilled (a service stops sending the headers once
        it no longer limits us, and its reset time may be on a clock we do not share)."""
        with self._lock:
            now_wall = self.wall()
            remaining = _int(headers.get("x-ratelimit-remaining"))
            limit = _int(headers.get("x-ratelimit-limit"))
            if remaining is not None:
                self.remaining = remaining
            elif ok and self.remaining == 0:
                self.remaining = self.limit = self.reset_at = None
            if limit is not None:
                self.limit = limit
            reset = parse_reset(headers.get("x-ratelimit-reset"), now=now_wall)
            if reset is not None:
                self.reset_at = self.clock() + reset
            delay = headers.get("x-ratelimit-delay")
            extra = 0.0
            if delay:
                try:
                    extra = float(delay)
                except ValueError:
                    extra = 0.0
            retry_after = parse_retry_after(headers.get("retry-after"), now=now_wall)
            if retry_after:
                extra = max(extra, retry_after)
            if extra:
                self._not_before = max(self._not_before, self.clock() + min(extra, self.max_pause))


_GOVERNORS: dict[tuple[str, str], Governor] = {}
_GOVERNORS_LOCK = threading.Lock()


def governor_for(tracker: str, base_url: str, credential: str, factory: Callable[[], Governor]) -> Governor:
    """One governor per tracker, server and credential, shared by every client in the process."""
    key = (tracker, hashlib.sha256(f"{base_url}\0{credential}".encode()).hexdigest())
    with _GOVERNORS_LOCK:
        found = _GOVERNORS.get(key)
        if found is None:
            found = _GOVERNORS[key] = factory()
        return found


class HttpClient:
    """An httpx.Client bound to one tracker: base URL, auth, governor and error classification.

    `request` returns the response for 2xx and 304 and raises a `TrackerError` otherwise. Secrets live only in
    the httpx client's default headers, never in messages.
    """

    def __init__(
        self,
        *,
        tracker: str,
        base_url: str,
        auth_header: str,
        credential_id: str,
        extra_headers: Mapping[str, str] | None = None,
        governor: Governor | None = None,
        is_rate_limited: RateLimitCheck | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.tracker = tracker
        self.base_url = without_userinfo(base_url).rstrip("/")
        headers = {"User-Agent": USER_AGENT, "Authorization": auth_header}
        headers.update(extra_headers or {})
        self._client = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout,
                                    transport=transport, follow_redirects=False)
        self.governor = governor or governor_for(tracker, self.base_url, credential_id, Governor)
        self._is_rate_limited = is_rate_limited
        self.calls = 0

    def __repr__(self) -> str:
        return f"HttpClient(tracker={self.tracker!r}, base_url={self.base_url!r})"

    def request(self, method: str, url: str, *, item: str | None = None, ok_statuses: tuple[int, ...] = (),
                **kwargs: Any) -> httpx.Response:
        self.governor.before(method)
        self.calls += 1
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise Retryable(f"{self.tracker} {method} {redact_url(url)} timed out", tracker=self.tracker,
                            item=item) from exc
        except httpx.TransportError as exc:
            raise Retryable(f"{self.tracker} {method} {redact_url(url)}: connection failed "
                            f"({type(exc).__name__})", tracker=self.tracker, item=item) from exc
        self.governor.after(response.headers, ok=response.is_success)
        if response.is_success or response.status_code == 304 or response.status_code in ok_statuses:
            return response
        raise classify(response, tracker=self.tracker, item=item, is_rate_limited=self._is_rate_limited)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PATCH", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self._client.close()


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None
