"""Are webhooks in use for each tracker, and are deliveries arriving and being processed?

weavesync cannot see from the outside whether a team runs ``weavesync serve``; it infers webhook use from what a
receiver leaves behind: a webhook secret in the environment (``serve`` refuses to register without one), stored
deliveries (processed or not: most deliveries change nothing and leave no sync-log record, so the store's
newest delivery per tracker is the evidence), and sync-log records triggered by a webhook (deliveries pruned
since). No sign of any of them is not a fault (polling works): it is reported as info. Deliveries stored but not
processed for a while mean the receiver's worker is not running, since the receiver answers 2xx only after
storing them; deliveries set aside (they could not be processed) are listed with their error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from weavesync.config import SyncConfig
from weavesync.config.load import WEBHOOK_SECRET_ENV
from weavesync.doctor.finding import Finding
from weavesync.model import Tracker, format_utc, parse_utc
from weavesync.store import DeliveryRecord
from weavesync.synclog import SyncLog

CHECK = "webhooks"
STALE_DELIVERY = timedelta(days=7)
"""No delivery for a week while webhooks are in use: the hook was probably removed, disabled or points elsewhere."""
STUCK_DELIVERY = timedelta(minutes=10)
"""A stored delivery still unprocessed after this long: the receiver's worker is not running."""


SHOWN_SET_ASIDE = 3
"""Set-aside deliveries named one by one per tracker; the rest are counted."""


@dataclass(frozen=True)
class Deliveries:
    """What the store holds about deliveries: the unprocessed ones, the newest arrival per tracker (``ado``),
    and the set-aside ones, newest first."""

    unprocessed: Sequence[DeliveryRecord] = ()
    last_received: Mapping[str, datetime] = field(default_factory=dict)
    set_aside: Sequence[DeliveryRecord] = ()


def check_webhooks(config: SyncConfig, trackers: Iterable[Tracker], deliveries: Deliveries,
                   log: SyncLog, now: datetime) -> list[Finding]:
    last_logged = _last_webhook_records(log)
    out: list[Finding] = []
    for tracker in trackers:
        name = tracker.value
        waiting = [d for d in deliveries.unprocessed if d.tracker == name]
        seen = [d.received_at for d in waiting]
        if tracker in last_logged:
            seen.append(last_logged[tracker])
        if name in deliveries.last_received:
            seen.append(deliveries.last_received[name])
        env = WEBHOOK_SECRET_ENV[tracker][0]
        has_secret = tracker in config.webhook_secrets
        if not has_secret and not seen:
            out.append(Finding(CHECK, "info", f"no webhook in use (no secret set, no delivery recorded): changes "
                               f"are picked up by polling every {config.poll_interval:g} s",
                               f"for near-instant updates, export {env} and run `weavesync serve --register <url>`",
                               tracker=name))
            continue
        if not has_secret:
            out.append(Finding(CHECK, "error", f"deliveries arrive but {env} is not set, so they cannot be verified",
                               f"export {env} with the secret the webhook was registered with", tracker=name))
        if not seen:
            out.append(Finding(CHECK, "warning", "a webhook secret is set but no delivery was ever recorded",
                               "run `weavesync serve --register <public url>` and check the tracker's webhook "
                               "delivery log", tracker=name))
            continue
        last = max(seen)
        if now - last > STALE_DELIVERY:
            out.append(Finding(CHECK, "warning", f"last webhook delivery at {format_utc(last)}, over "
                               f"{STALE_DELIVERY.days} days ago", "check that `weavesync serve` is running and the "
                               "webhook is still registered and enabled in the tracker", tracker=name))
        elif has_secret:
            out.append(Finding(CHECK, "ok", f"last webhook delivery at {format_utc(last)}", None, tracker=name))
        stuck = [d for d in waiting if now - d.received_at > STUCK_DELIVERY]
        if stuck:
            oldest = min(d.received_at for d in stuck)
            out.append(Finding(CHECK, "warning", f"{len(stuck)} delivery(ies) stored but not processed since "
                               f"{format_utc(oldest)}", "start `weavesync serve` (its worker processes stored "
                               "deliveries) or run `weavesync sync`", tracker=name))
        out += _set_aside(name, [d for d in deliveries.set_aside if d.tracker == name])
    return out


def _set_aside(name: str, found: Sequence[DeliveryRecord]) -> list[Finding]:
    """One warning per set-aside delivery (the newest few): polling covers what they announced, but a sender or
    weavesync has a bug worth reporting."""
    out = [Finding(CHECK, "warning", f"delivery {d.delivery_id} received at {format_utc(d.received_at)} was set "
                   f"aside: {d.error or 'no error recorded'}",
                   "nothing is lost (polling reads the item); list them with `weavesync outbox --json` and report "
                   "the error if the sender is the real tracker", tracker=name)
           for d in found[:SHOWN_SET_ASIDE]]
    if len(found) > SHOWN_SET_ASIDE:
        out.append(Finding(CHECK, "warning", f"{len(found) - SHOWN_SET_ASIDE} more delivery(ies) set aside",
                           "see them all with `weavesync outbox`", tracker=name))
    return out


def _last_webhook_records(log: SyncLog) -> dict[Tracker, datetime]:
    out: dict[Tracker, datetime] = {}
    for record in log.records():
        if record.get("trigger") != "webhook":
            continue
        try:
            tracker = Tracker(str(record.get("tracker")))
            ts = parse_utc(str(record["ts"]))
        except (ValueError, KeyError):
            continue
        if tracker not in out or ts > out[tracker]:
            out[tracker] = ts
    return out
