"""Canonical Azure DevOps item refs, ``org/project/ID``, and the organisation URL a connection points at."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit


@dataclass(frozen=True)
class ItemRef:
    organization: str
    project: str
    id: int

    def __str__(self) -> str:
        return f"{self.organization}/{self.project}/{self.id}"


def parse_ref(text: str) -> ItemRef:
    """``acme/Shop/42`` or, as typed on the command line, ``acme/Shop#42`` (project names may hold spaces, never
    a slash); raises ValueError when malformed."""
    stripped = text.strip()
    if stripped.count("#") == 1 and stripped.count("/") == 1:
        stripped = stripped.replace("#", "/")
    parts = stripped.split("/")
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise ValueError(f"an Azure DevOps item is ORG/PROJECT#ID, got {text!r}")
    org, project, raw_id = (p.strip() for p in parts)
    if not raw_id.isdigit() or int(raw_id) <= 0:
        raise ValueError(f"an Azure DevOps work item id is a positive number, got {raw_id!r}")
    return ItemRef(org, project, int(raw_id))


def org_url(base_url: str, organization: str) -> str:
    """The organisation URL: `base_url` may already end with the organisation (``https://dev.azure.com/acme``,
    the sandbox's ``AZURE_DEVOPS_ORG_URL``) or be the service root (``https://dev.azure.com``)."""
    base = base_url.rstrip("/")
    last = urlsplit(base).path.rstrip("/").rsplit("/", 1)[-1]
    if last.casefold() == organization.casefold():
        return base
    return f"{base}/{quote(organization, safe='')}"


def segment(name: str) -> str:
    """A project or type name as one URL path segment."""
    return quote(name, safe="")
