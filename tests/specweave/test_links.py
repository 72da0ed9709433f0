"""Every external-link shape SpecWeave has written, read into one normalised Link."""

from __future__ import annotations

from typing import Any

import pytest

from weavesync.model import Link, LinkRole, Tracker

from .conftest import ProjectFactory, tree_digest

INC = LinkRole.INCREMENT
US = LinkRole.USER_STORY
GH, JIRA, ADO = Tracker.GITHUB, Tracker.JIRA, Tracker.ADO

SHAPES: list[tuple[str, dict[str, Any], list[Link]]] = [
    (
        "fs031 github",
        {
            "github": {
                "issue": 521,
                "url": "https://github.com/anton-abyzov/specweave/issues/521",
                "synced": "2025-11-01T00:00:00Z",
            },
            "githubProfile": "specweave-dev",
        },
        [Link(GH, "anton-abyzov/specweave#521", INC)],
    ),
    (
        "fs031 jira",
        {"jira": {"issue": "PROJ-123", "url": "https://x.atlassian.net/browse/PROJ-123"}},
        [Link(JIRA, "PROJ-123", INC)],
    ),
    (
        "fs031 ado",
        {"ado": {"workItem": 456, "url": "https://dev.azure.com/acme/Shop/_workitems/edit/456"}},
        [Link(ADO, "acme/Shop/456", INC)],
    ),
    (
        "1.0.x externalLinks.github.issues per story",
        {
            "externalLinks": {
                "github": {
                    "issues": {
                        "US-001": {
                            "issueNumber": 101,
                            "issueUrl": "https://github.com/acme/shop/issues/101",
                            "status": "active",
                        },
                        "US-002": {"issueNumber": 102, "issueUrl": "https://github.com/acme/shop/issues/102"},
                    },
                    "milestone": 12,
                    "syncedAt": "2026-05-03T17:41:02.000Z",
                }
            }
        },
        [Link(GH, "acme/shop#101", US, "US-001"), Link(GH, "acme/shop#102", US, "US-002")],
    ),
    (
        "1.0.x github.issues list",
        {
            "github": {
                "issues": [
                    {
                        "userStory": "US-001",
                        "number": 101,
                        "url": "https://github.com/acme/shop/issues/101",
                        "createdAt": "2026-05-01T00:00:00Z",
                    }
                ],
                "lastSync": "2026-05-01T00:00:00Z",
            }
        },
        [Link(GH, "acme/shop#101", US, "US-001")],
    ),
    (
        "single issue externalLinks.github",
        {
            "externalLinks": {
                "github": {
                    "issueNumber": 77,
                    "issueUrl": "https://github.com/acme/shop/issues/77",
                    "repo": "acme/shop",
                    "state": "open",
                    "syncedAt": "x",
                }
            }
        },
        [Link(GH, "acme/shop#77", INC)],
    ),
    (
        "single issue with repo only",
        {"externalLinks": {"github": {"issueNumber": "78", "repo": "acme/shop"}}},
        [Link(GH, "acme/shop#78", INC)],
    ),
    (
        "single issue with owner + repo",
        {"externalLinks": {"github": {"issueNumber": 79, "owner": "acme", "repo": "shop"}}},
        [Link(GH, "acme/shop#79", INC)],
    ),
    (
        "jira epicKey",
        {
            "externalLinks": {
                "jira": {
                    "epicKey": "CORE-77",
                    "epicUrl": "https://acme.atlassian.net/browse/CORE-77",
                    "projectKey": "CORE",
                    "domain": "acme.atlassian.net",
                    "syncedAt": "x",
                }
            }
        },
        [Link(JIRA, "CORE-77", INC)],
    ),
    (
        "jira issueKey",
        {"externalLinks": {"jira": {"issueKey": "core-78", "domain": "acme.atlassian.net"}}},
        [Link(JIRA, "CORE-78", INC)],
    ),
    (
        "ado featureId with guid url",
        {
            "externalLinks": {
                "ado": {
                    "featureId": "2440",
                    "featureUrl": "https://dev.azure.com/acme/0f3c5f1e-3b2a-4c1d-9e8f-1a2b3c4d5e6f/_workitems/edit/2440",
                    "organization": "acme",
                    "project": "Shop",
                    "syncedAt": "x",
                }
            }
        },
        [Link(ADO, "acme/Shop/2440", INC)],
    ),
    (
        "ado workItemId from url",
        {
            "externalLinks": {
                "ado": {"workItemId": 9, "workItemUrl": "https://acme.visualstudio.com/Shop/_workitems/edit/9"}
            }
        },
        [Link(ADO, "acme/Shop/9", INC)],
    ),
    (
        "metadata.ado.work_item_id",
        {"ado": {"work_item_id": 31, "organization": "acme", "project": "Shop"}},
        [Link(ADO, "acme/Shop/31", INC)],
    ),
    (
        "external_sync.github.issue",
        {"external_sync": {"github": {"issue": 12, "url": "https://github.com/acme/shop/issues/12"}}},
        [Link(GH, "acme/shop#12", INC)],
    ),
    ("external_ref", {"external_ref": "github#acme/shop#13"}, [Link(GH, "acme/shop#13", INC)]),
]


@pytest.mark.parametrize(("name", "extra", "expected"), SHAPES, ids=[s[0] for s in SHAPES])
def test_every_metadata_shape(factory: ProjectFactory, name: str, extra: dict[str, Any], expected: list[Link]) -> None:
    factory.increment("0042-checkout", **extra)
    inc = factory.project.increment("42")
    assert inc.links == expected
    assert inc.link_warnings == []
    assert all(
        link.source and link.source.startswith(".specweave/increments/0042-checkout/metadata.json: ")
        for link in inc.links
    )


def test_url_is_kept_on_the_link(factory: ProjectFactory) -> None:
    factory.increment(
        "0042-a", externalLinks={"github": {"issueNumber": 5, "issueUrl": "https://github.com/a/b/issues/5"}}
    )
    assert factory.project.increment("42").links[0].url == "https://github.com/a/b/issues/5"


def test_all_shapes_together_are_deduplicated(factory: ProjectFactory) -> None:
    """1.0.x writes `github` and `externalLinks.github` side by side for the same issues."""
    factory.increment(
        "0042-checkout",
        externalLinks={
            "github": {
                "issues": {"US-001": {"issueNumber": 101, "issueUrl": "https://github.com/acme/shop/issues/101"}}
            },
            "jira": {"epicKey": "CORE-77"},
            "ado": {"featureId": "2440", "organization": "acme", "project": "Shop"},
        },
        github={"issues": [{"userStory": "US-001", "number": 101, "url": "https://github.com/acme/shop/issues/101"}]},
        jira={"issue": "CORE-77"},
        ado={"work_item_id": 2440},
    )
    inc = factory.project.increment("42", default_ado=("acme", "Shop"))
    assert sorted(inc.links) == sorted(
        [
            Link(GH, "acme/shop#101", US, "US-001"),
            Link(JIRA, "CORE-77", INC),
            Link(ADO, "acme/Shop/2440", INC),
        ]
    )
    assert len({link.key for link in inc.links}) == len(inc.links)


def test_number_only_github_uses_configured_repo(factory: ProjectFactory) -> None:
    factory.increment("0042-a", github={"issue": 9})
    inc = factory.project.increment("42", default_github_repo="acme/shop")
    assert inc.links == [Link(GH, "acme/shop#9", INC)]
    assert inc.link_warnings == []


def test_number_only_github_without_config_keeps_number_and_warns(factory: ProjectFactory) -> None:
    factory.increment("0042-a", github={"issue": 9})
    inc = factory.project.increment("42")
    assert inc.links == [Link(GH, "#9", INC)]
    assert len(inc.link_warnings) == 1
    assert "metadata.json: github" in inc.link_warnings[0] and "#9" in inc.link_warnings[0]


def test_ado_without_place_uses_default_or_warns(factory: ProjectFactory) -> None:
    factory.increment("0042-a", externalLinks={"ado": {"workItemId": 5}})
    assert factory.project.increment("42", default_ado=("org", "Proj")).links == [Link(ADO, "org/Proj/5", INC)]
    inc = factory.project.increment("42")
    assert inc.links == [Link(ADO, "5", INC)]
    assert "externalLinks.ado.workItemId" in inc.link_warnings[0]


def test_scan_passes_defaults(factory: ProjectFactory) -> None:
    factory.increment("0042-a", github={"issue": 9})
    scan = factory.project.scan(default_github_repo="acme/shop")
    assert scan.increments[0].links == [Link(GH, "acme/shop#9", INC)]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"externalLinks": {"linear": {"id": "LIN-1"}}}, "externalLinks.linear"),
        ({"externalLinks": {"github": "acme/shop#1"}}, "externalLinks.github"),
        ({"externalLinks": {"github": {"issueId": 1}}}, "externalLinks.github"),
        ({"externalLinks": {"github": {"issues": "US-001"}}}, "externalLinks.github.issues"),
        ({"externalLinks": {"github": {"issues": {"US-001": 5}}}}, "externalLinks.github.issues.US-001"),
        ({"externalLinks": {"jira": {"epicKey": "not a key"}}}, "externalLinks.jira.epicKey"),
        ({"externalLinks": []}, "externalLinks"),
        ({"github": {"issue": "abc"}}, "github"),
        ({"github": [1, 2]}, "github"),
        ({"ado": {"workItem": None}}, "ado.workItem"),
        ({"external_ref": "gitlab#a/b#1"}, "external_ref"),
        ({"external_sync": {"gitlab": {"issue": 3}}}, "external_sync.gitlab"),
    ],
)
def test_unknown_shapes_warn_naming_file_and_field(factory: ProjectFactory, extra: dict[str, Any], field: str) -> None:
    factory.increment("0042-a", **{"externalLinks": {"jira": {"epicKey": "OK-1"}}, **extra})
    inc = factory.project.increment("42")
    if "externalLinks" not in extra:
        assert inc.links == [Link(JIRA, "OK-1", INC)]  # the readable link next to the odd one still counts
    prefix = f".specweave/increments/0042-a/metadata.json: {field}: "
    assert any(w.startswith(prefix) for w in inc.link_warnings), inc.link_warnings
    assert "\n" not in "".join(inc.link_warnings)


def test_bookkeeping_only_dicts_do_not_warn(factory: ProjectFactory) -> None:
    factory.increment("0042-a", externalLinks={"github": {"milestone": 3, "syncedAt": "x"}, "jira": {}})
    inc = factory.project.increment("42")
    assert inc.links == [] and inc.link_warnings == []


# ---- living docs ---------------------------------------------------------------------------------------------

US_FRONT = """id: US-001
feature: FS-042
title: "Guest checkout (P1)"
status: completed
priority: P1
created: "2026-05-01T00:00:00.000Z"
project: shop
external_tools:
  github: {number: 101, url: "https://github.com/acme/shop/issues/101", created_at: "2026-05-01"}
  jira: {key: CORE-78}
  ado: {id: 2441}
"""


def test_living_docs_user_story_external_tools(factory: ProjectFactory) -> None:
    factory.increment("0042-checkout", project="shop")
    factory.user_story("shop", "FS-042", "us-001-guest-checkout-p1.md", US_FRONT)
    factory.user_story(
        "shop",
        "FS-042",
        "us-002-receipt.md",
        "id: US-002\nexternal_tools:\n  github:\n    number: 102\n",
        archived=True,
    )
    factory.user_story("shop", "FS-043", "us-001-other.md", "id: US-001\nexternal_tools:\n  jira: {key: NOPE-1}\n")
    factory.user_story("shop", "FS-042", "FEATURE.md", "id: FS-042\nexternal_tools:\n  jira: {key: NOPE-2}\n")
    inc = factory.project.increment("42", default_github_repo="acme/shop", default_ado=("acme", "Shop"))
    assert sorted(inc.links) == sorted(
        [
            Link(GH, "acme/shop#101", US, "US-001"),
            Link(JIRA, "CORE-78", US, "US-001"),
            Link(ADO, "acme/Shop/2441", US, "US-001"),
            Link(GH, "acme/shop#102", US, "US-002"),
        ]
    )
    assert inc.link_warnings == []
    sources = {link.source for link in inc.links}
    assert ".specweave/docs/internal/specs/shop/FS-042/us-001-guest-checkout-p1.md: external_tools.github" in sources


def test_living_docs_story_id_from_filename_and_other_projects(factory: ProjectFactory) -> None:
    factory.increment("0031-sync")
    factory.user_story("specweave", "FS-031", "us-004-bidirectional.md", "external_tools:\n  jira:\n    key: SW-4\n")
    inc = factory.project.increment("31")
    assert inc.links == [Link(JIRA, "SW-4", US, "US-004")]


def test_broken_living_doc_is_a_warning_not_a_problem(factory: ProjectFactory) -> None:
    factory.increment("0042-checkout")
    path = factory.user_story("demo", "FS-042", "us-001-x.md", "external_tools: [\n")
    before = tree_digest(factory.root)
    scan = factory.project.scan()
    assert scan.problems == [] and len(scan.increments) == 1
    assert any(w.startswith(str(path.relative_to(factory.root))) for w in scan.increments[0].link_warnings)
    assert tree_digest(factory.root) == before
