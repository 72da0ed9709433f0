"""The shared HTTP module without a network: error classification by status and headers, and the governor."""

from __future__ import annotations

import httpx
import pytest

from weavesync.errors import AuthFailed, Conflict, ItemGone, Rejected, Retryable
from weavesync.model import has_userinfo, redact_userinfo, without_userinfo
from weavesync.trackers.http import (
    Governor,
    HttpClient,
    classify,
    parse_reset,
    parse_retry_after,
)

NOW = 1_800_000_000.0


def response(status: int, headers: dict[str, str] | None = None, body: object = None) -> httpx.Response:
    request = httpx.Request("PATCH", "https://api.example/repos/acme/shop/issues/1?access_token=nope")
    return httpx.Response(status, headers=headers or {}, json=body if body is not None else {"message": "x"},
                          request=request)


@pytest.mark.parametrize(("status", "kind"), [
    (500, Retryable), (502, Retryable), (503, Retryable), (429, Retryable),
    (401, AuthFailed), (403, AuthFailed), (404, ItemGone), (410, ItemGone),
    (409, Conflict), (412, Conflict), (400, Rejected), (422, Rejected),
])
def test_status_codes_map_to_the_error_tree(status: int, kind: type[Exception]) -> None:
    assert type(classify(response(status), tracker="github", now=NOW)) is kind


def test_a_403_is_a_rate_limit_only_when_the_tracker_says_so() -> None:
    limited = response(403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 30)})
    error = classify(limited, tracker="github", now=NOW, is_rate_limited=lambda r: True)
    assert isinstance(error, Retryable) and error.retry_after == pytest.approx(30)
    assert isinstance(classify(limited, tracker="github", now=NOW), AuthFailed)


def test_retry_after_wins_and_is_parsed_in_both_forms() -> None:
    error = classify(response(429, {"Retry-After": "7"}), tracker="jira", now=NOW)
    assert isinstance(error, Retryable) and error.retry_after == 7
    assert parse_retry_after("Wed, 15 Jan 2027 08:00:10 GMT", now=parse_reset("2027-01-15T08:00:00Z", now=0)) == 10
    assert parse_retry_after("soon") is None and parse_retry_after("") is None


def test_reset_headers_are_epoch_seconds_or_iso() -> None:
    assert parse_reset(str(int(NOW) + 60), now=NOW) == 60
    assert parse_reset("2027-01-15T08:01Z", now=parse_reset("2027-01-15T08:00:00Z", now=0)) == 60


def test_messages_carry_the_service_text_but_no_query_or_secret() -> None:
    error = classify(response(422, body={"message": "Validation Failed", "errors": [
        {"resource": "Issue", "field": "state_reason", "code": "invalid"}]}), tracker="github", now=NOW)
    text = str(error)
    assert "Validation Failed" in text and "state_reason" in text and "/repos/acme/shop/issues/1" in text
    assert "access_token" not in text and "nope" not in text


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def governor(time: FakeTime, **kwargs: object) -> Governor:
    return Governor(clock=time.clock, wall=lambda: NOW, sleep=time.sleep, **kwargs)  # type: ignore[arg-type]


def test_it_slows_down_before_the_budget_runs_out_not_after() -> None:
    time = FakeTime()
    gov = governor(time)
    gov.after({"x-ratelimit-limit": "100", "x-ratelimit-remaining": "50", "x-ratelimit-reset": str(int(NOW) + 60)})
    assert gov.before("GET") == 0
    gov.after({"x-ratelimit-limit": "100", "x-ratelimit-remaining": "5", "x-ratelimit-reset": str(int(NOW) + 60)})
    waited = gov.before("GET")
    assert waited == pytest.approx(60 / 5)


def test_a_refilled_window_forgets_the_old_budget() -> None:
    time = FakeTime()
    gov = governor(time)
    gov.after({"x-ratelimit-limit": "1", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(NOW) + 20)})
    assert gov.before("GET") > 0
    time.now += 60  # the reset has passed; later responses carry no limit headers at all
    assert gov.before("GET") == 0
    assert gov.before("GET") == 0


def test_writes_are_paced_and_reads_are_not() -> None:
    time = FakeTime()
    gov = governor(time, writes_per_minute=30)
    assert gov.before("PATCH") == 0
    assert gov.before("GET") == 0
    assert gov.before("POST") == pytest.approx(2.0)


def test_retry_after_and_ado_delay_on_a_success_are_honoured() -> None:
    time = FakeTime()
    gov = governor(time)
    gov.after({"x-ratelimit-delay": "1.5"})
    assert gov.before("GET") == pytest.approx(1.5)
    gov.after({"retry-after": "3"})
    assert gov.before("GET") == pytest.approx(3)


def test_the_client_raises_typed_errors_and_counts_calls() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/boom"):
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(404 if request.url.path.endswith("/gone") else 200, json={"message": "Not Found"})

    client = HttpClient(tracker="github", base_url="https://api.example", auth_header="Bearer ghp_secret_value",
                        credential_id="t", governor=Governor(sleep=lambda s: None),
                        transport=httpx.MockTransport(handler))
    assert client.get("/ok").status_code == 200
    with pytest.raises(ItemGone):
        client.get("/gone")
    with pytest.raises(Retryable) as caught:
        client.get("/boom")
    assert "ghp_secret_value" not in str(caught.value) and "ghp_secret_value" not in repr(client)
    assert client.calls == 3


def test_a_success_without_budget_headers_means_the_spent_budget_refilled() -> None:
    time = FakeTime()
    gov = governor(time)
    far = str(int(NOW) + 3600)  # e.g. a reset on a clock ahead of ours
    gov.after({"x-ratelimit-limit": "1", "x-ratelimit-remaining": "0", "x-ratelimit-reset": far})
    gov.after({}, ok=False)
    assert gov.before("GET") > 0, "a failure says nothing about the budget"
    gov.after({}, ok=True)
    assert gov.before("GET") == 0


@pytest.mark.parametrize(("url", "bare", "shown"), [
    ("https://me:tok@x.atlassian.net", "https://x.atlassian.net", "https://***@x.atlassian.net"),
    ("https://ghp_abc@ghe.example.com/api/v3", "https://ghe.example.com/api/v3", "https://***@ghe.example.com/api/v3"),
    ("http://a%40b.c:p%3Ass@127.0.0.1:9001/acme", "http://127.0.0.1:9001/acme", "http://***@127.0.0.1:9001/acme"),
    ("https://api.github.com", "https://api.github.com", "https://api.github.com"),
])
def test_userinfo_is_dropped_for_requests_and_redacted_for_people(url: str, bare: str, shown: str) -> None:
    assert without_userinfo(url) == bare
    assert redact_userinfo(url) == shown
    assert has_userinfo(url) is (url != bare)


def test_a_client_never_sends_or_logs_url_credentials() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    client = HttpClient(tracker="jira", base_url="https://me:url-secret@x.atlassian.net/", auth_header="Basic ok",
                        credential_id="c", transport=httpx.MockTransport(handler))
    client.get("/rest/api/3/myself")
    (request,) = seen
    assert str(request.url) == "https://x.atlassian.net/rest/api/3/myself"
    assert request.headers["authorization"] == "Basic ok", "the configured credentials, not the URL's"
    assert "url-secret" not in repr(client)
