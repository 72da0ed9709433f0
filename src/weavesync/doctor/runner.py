"""`run_checks`: every doctor check, in the order a person fixes things (config, credentials, workflows,
webhooks, then weavesync's own backlog), collected into one list of findings.

Doctor never stops at the first problem: an invalid config still gets its outbox and decisions checked, and a
tracker whose token is rejected does not keep the other trackers from being checked.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

from weavesync.config import SyncConfig
from weavesync.config.places import PLACE_KEYS
from weavesync.doctor.config_checks import config_findings, load_checked, mapping_findings
from weavesync.doctor.credentials import check_credentials
from weavesync.doctor.finding import Finding
from weavesync.doctor.store_checks import decision_findings, outbox_findings, store_findings
from weavesync.doctor.webhooks import Deliveries, check_webhooks
from weavesync.doctor.workflows import LinkedItems, check_workflows
from weavesync.doctor.writers import writer_findings
from weavesync.errors import StoreError
from weavesync.executor import SyncSession
from weavesync.model import Link, Tracker
from weavesync.specweave import Project, Scan
from weavesync.store import DATABASE_URL_ENV, Store, open_store
from weavesync.store.outbox import OPEN_STATES
from weavesync.synclog import SyncLog


def run_checks(target: SyncSession | Project, env: Mapping[str, str] | None = None, *,
               now: datetime | None = None) -> list[Finding]:
    """Every finding about a project (or an already open session), in report order.

    With a `Project`, the config is loaded here so that an invalid one becomes findings instead of an exception;
    the state store is opened and closed here. `env` defaults to the session's environment, else ``os.environ``.
    """
    if isinstance(target, SyncSession):
        environ = dict(target.env if env is None else env)
        moment = now or target.now()
        findings = config_findings(target.project.config_path, target.config)
        return findings + _session_checks(target, environ, moment)
    environ = dict(os.environ if env is None else env)
    moment = now or datetime.now(UTC)
    config, findings = load_checked(target.config_path, environ)
    try:
        store = open_store(target.state_dir, environ.get(DATABASE_URL_ENV))
    except StoreError as exc:
        return [*findings, _store_failure(exc)]
    if config is None:
        try:
            return (findings + _increment_findings(target.scan()) + writer_findings(target)
                    + _store_checks(store, moment))
        finally:
            store.close()
    session = SyncSession(project=target, config=config, store=store, log=SyncLog(target.logs_dir), env=environ)
    with session:
        return findings + _session_checks(session, environ, moment)


def _session_checks(session: SyncSession, env: Mapping[str, str], now: datetime) -> list[Finding]:
    config = session.config
    scan = session.scan()
    findings = _increment_findings(scan) + writer_findings(session.project)
    linked: dict[Tracker, list[tuple[str, Link]]] = {}
    for increment in scan.increments:
        for link in increment.links:
            linked.setdefault(link.tracker, []).append((increment.id, link))
    trackers = [t for t in Tracker if t in config.trackers or t in linked]
    if not trackers:
        findings.append(Finding("links", "info", "no tracker is configured and no increment is linked",
                                "add a tracker under sync.statusSync (see `weavesync init`), then link increments "
                                "with `weavesync link`"))
    findings += mapping_findings(config, trackers)
    credential_findings, adapters = check_credentials(config, env, trackers, session)
    findings += credential_findings
    links: LinkedItems = linked
    findings += check_workflows(links, adapters, config.mappings, _places(config),
                                resolutions=config.jira_resolutions)
    store = session.store
    try:
        deliveries = Deliveries(store.unprocessed_deliveries(limit=1000), store.last_deliveries(),
                                store.set_aside_deliveries(limit=100))
    except StoreError as exc:
        return [*findings, _store_failure(exc)]
    findings += check_webhooks(config, trackers, deliveries, session.log, now)
    return findings + _store_checks(session.store, now)


def _increment_findings(scan: Scan) -> list[Finding]:
    out = [Finding("increments", "error", problem.message,
                   problem.hint or "fix the file: valid JSON with a SpecWeave status (`weavesync status` lists it)")
           for problem in scan.problems]
    for increment in scan.increments:
        out += [Finding("increments", "warning", f"{increment.id}: {warning}",
                        "correct the link in the increment's metadata.json, or relink it with `weavesync link`")
                for warning in increment.link_warnings]
    return out


def _store_checks(store: Store, now: datetime) -> list[Finding]:
    try:
        return (store_findings(store, now) + outbox_findings(store.outbox(OPEN_STATES), now)
                + decision_findings(store.pending_decisions()))
    except StoreError as exc:
        return [_store_failure(exc)]


def _store_failure(exc: StoreError) -> Finding:
    """The state store could not be opened or read: the checks that need it are replaced by this one finding."""
    return Finding("store", "error", exc.message, exc.hint or f"check {DATABASE_URL_ENV}")


def _places(config: SyncConfig) -> dict[Tracker, str]:
    """A short name of each configured place for messages: ``acme/shop``, ``CORE``, ``Shop``."""
    out: dict[Tracker, str] = {}
    for tracker, place in config.trackers.items():
        keys = PLACE_KEYS[tracker]
        out[tracker] = f"{place.get(keys[0])}/{place.get(keys[1])}" if tracker is Tracker.GITHUB \
            else str(place.get(keys[1], ""))
    return out
