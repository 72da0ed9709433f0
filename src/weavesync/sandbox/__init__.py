"""Strict loopback copies of the GitHub, Jira Cloud and Azure DevOps APIs, for tests, benchmarks and the demo.

Product code never imports this package; only tests, benchmarks and the `demo` / `sandbox` commands do.
"""

from weavesync.sandbox.server import ACCOUNTS, BOT, PERSON, Account, Sandbox, SandboxContext, TrackerApp

__all__ = ["ACCOUNTS", "BOT", "PERSON", "Account", "Sandbox", "SandboxContext", "TrackerApp"]
