"""`weavesync doctor` as a library: one report a person can act on, as a list of `Finding`s.

Each module checks one group: `config_checks` (config valid, every status mapped), `credentials` (present and
accepted), `workflows` (mapped statuses exist in the live workflows and can be reached, asked through the
tracker-neutral `TrackerAdapter.check_target`), `webhooks` (in use and delivering), `store_checks` (outbox health,
pending decisions); `runner.run_checks` runs them all. Doctor reads only: it never writes to a tracker, a
SpecWeave file or the store.
"""

from weavesync.doctor.finding import SEVERITIES, Finding, Severity, broken, count
from weavesync.doctor.runner import run_checks

__all__ = ["SEVERITIES", "Finding", "Severity", "broken", "count", "run_checks"]
