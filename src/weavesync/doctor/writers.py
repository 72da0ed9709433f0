"""Doctor: every other writer of item statuses in the project (`specweave.writers`), and whether anything runs a
sync without someone typing a command (`weavesync hooks install`)."""

from __future__ import annotations

from weavesync.doctor.finding import Finding
from weavesync.hookfiles import installed_hooks
from weavesync.specweave import Project
from weavesync.specweave.writers import other_writers


def writer_findings(project: Project) -> list[Finding]:
    out: list[Finding] = []
    for writer in other_writers(project):
        fix = (f"one writer per item: switch it off with {writer.switch}" if writer.switch
               else "nothing to switch: weavesync treats what it did as done (no second close, no second comment)")
        out.append(Finding("writers", "warning" if writer.switch else "info",
                           f"another status writer: {writer.name} {writer.does}", fix))
    places = installed_hooks(project)
    if places:
        out.append(Finding("hooks", "ok", "weavesync runs by itself from: " + ", ".join(places)))
    else:
        out.append(Finding("hooks", "info", "nothing runs weavesync unless someone types a command (or keeps "
                           "`weavesync watch` running)", "run `weavesync hooks install` (a git hook and a Claude "
                           "Code project hook)"))
    return out
