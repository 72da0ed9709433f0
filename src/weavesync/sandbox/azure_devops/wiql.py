"""A WIQL subset: enough for polling, batch lookups and marker searches, refused loudly beyond it.

Supported: ``SELECT [fields] FROM WorkItems [WHERE c AND c ...] [ORDER BY [field] [ASC|DESC], ...]`` where each
condition is one of ``[System.TeamProject] = @project|'name'``, ``[System.ChangedDate] >=|>|<=|< 'date'``,
``[System.Id] IN (1, 2)`` / ``= 3``, ``[System.State] =|<>|IN``, ``[System.WorkItemType] =|IN``,
``[System.Tags] CONTAINS 'tag'``. As on the service, a date literal with a time is only accepted when the request
says ``timePrecision=true``; without it dates compare by day. A date may also be the macro ``@today`` with day
arithmetic (``@today - 7``, ``@today + 1``): midnight UTC of the sandbox's today, moved by that many days.
Results are ids only, as the service returns them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from weavesync.sandbox.azure_devops.errors import AdoError, bad_request
from weavesync.sandbox.azure_devops.patch import split_tags

_TOKEN = re.compile(r"\s*(?:(\[[^\]]+\])|('(?:[^']|'')*')|(@\w+)|(>=|<=|<>|=|>|<)|([(),])|(\d+)|([A-Za-z_]\w*)|([+-]))")
MAX_RESULTS = 20000


def _invalid(text: str) -> AdoError:
    return bad_request(f"TF51006: The query statement is missing or invalid: {text}", "InvalidQueryException",
                       error_code=600171, event_id=3200)


@dataclass(frozen=True)
class Today:
    """The ``@today`` macro, `days` after (or before, when negative) today."""

    days: int = 0


@dataclass
class Condition:
    field: str
    op: str
    values: list[Any]


@dataclass
class Query:
    fields: list[str]
    conditions: list[Condition] = field(default_factory=list)
    order: list[tuple[str, bool]] = field(default_factory=list)
    """(field, descending)"""


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise _invalid(f"unexpected text at position {pos}: {text[pos:pos + 20]!r}")
        out.append(next(g for g in match.groups() if g is not None))
        pos = match.end()
    return out


def _name(token: str) -> str:
    if not (token.startswith("[") and token.endswith("]")):
        raise _invalid(f"expected a [field], got {token!r}")
    return token[1:-1].strip()


def parse(text: str) -> Query:
    toks = _tokens(text)
    i = 0

    def peek(word: str) -> bool:
        return i < len(toks) and toks[i].upper() == word

    def take() -> str:
        nonlocal i
        if i >= len(toks):
            raise _invalid("the query ends too early")
        i += 1
        return toks[i - 1]

    if take().upper() != "SELECT":
        raise _invalid("a query starts with SELECT")
    query = Query(fields=[_name(take())])
    while peek(","):
        take()
        query.fields.append(_name(take()))
    if take().upper() != "FROM" or take().upper() not in ("WORKITEMS",):
        raise _invalid("expected FROM WorkItems")
    if peek("WHERE"):
        take()
        while True:
            query.conditions.append(_condition(take, peek))
            if peek("AND"):
                take()
                continue
            if peek("OR"):
                raise _invalid("the sandbox supports AND only")
            break
    if peek("ORDER"):
        take()
        if take().upper() != "BY":
            raise _invalid("expected ORDER BY")
        while True:
            name = _name(take())
            desc = False
            if peek("ASC") or peek("DESC"):
                desc = take().upper() == "DESC"
            query.order.append((name, desc))
            if not peek(","):
                break
            take()
    if i != len(toks):
        raise _invalid(f"unexpected {toks[i]!r}")
    return query


def _literal(token: str) -> Any:
    if token.startswith("'"):
        return token[1:-1].replace("''", "'")
    if token.lower() == "@today":
        return Today()
    if token.startswith("@"):
        return token.lower()
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    raise _invalid(f"expected a value, got {token!r}")


def _condition(take: Callable[[], str], peek: Callable[[str], bool]) -> Condition:
    name = _name(take())
    op = take().upper()
    if op == "IN":
        if take() != "(":
            raise _invalid("IN takes a list in parentheses")
        values = [_literal(take())]
        while True:
            sep = take()
            if sep == ")":
                break
            if sep != ",":
                raise _invalid("values in IN are separated by commas")
            values.append(_literal(take()))
        return Condition(name, "IN", values)
    if op not in ("=", "<>", ">=", "<=", ">", "<", "CONTAINS"):
        raise _invalid(f"operator {op!r} is not supported")
    value = _literal(take())
    if isinstance(value, Today) and (peek("+") or peek("-")):
        sign = -1 if take() == "-" else 1
        days = take()
        if not days.isdigit():
            raise _invalid(f"@today takes a whole number of days, got {days!r}")
        value = Today(sign * int(days))
    return Condition(name, op, [value])


def parse_date(value: Any, time_precision: bool, cond: Condition, now: datetime) -> datetime:
    """A date operand: a literal, or ``@today`` (+/- days) counted from `now` (the service's clock)."""
    if isinstance(value, Today):
        midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight + timedelta(days=value.days)
    if not isinstance(value, str):
        raise _invalid(f"[{cond.field}] needs a date")
    has_time = "T" in value or ":" in value
    if has_time and not time_precision:
        raise bad_request(f"VS402625: You cannot supply a time with the date when running a query using date "
                          f"precision. The error is caused by «[{cond.field}] {cond.op} '{value}'».",
                          "InvalidQueryException", error_code=600171, event_id=3200)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _invalid(f"{value!r} is not a date") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "<>":
        return bool(left != right)
    if op == ">=":
        return bool(left >= right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left < right)


def matcher(cond: Condition, project_name: str, time_precision: bool,
            now: datetime) -> Callable[[dict[str, Any]], bool]:
    """A predicate over an item's fields (with System.Id present) for one condition."""
    ref = cond.field.casefold()
    if ref in ("system.teamproject", "teamproject"):
        wanted = project_name if cond.values[0] == "@project" else cond.values[0]
        if cond.op != "=" or not isinstance(wanted, str):
            raise _invalid("[System.TeamProject] supports = only")
        return lambda f: str(f.get("System.TeamProject", "")).casefold() == wanted.casefold()
    if ref in ("system.changeddate", "changed date"):
        if cond.op not in (">=", "<=", ">", "<"):
            raise _invalid("[System.ChangedDate] supports >=, >, <=, <")
        when = parse_date(cond.values[0], time_precision, cond, now)
        if time_precision:
            return lambda f: _compare(cond.op, datetime.fromisoformat(f["System.ChangedDate"].replace("Z", "+00:00")),
                                      when)
        day = when.date()
        return lambda f: _compare(cond.op, datetime.fromisoformat(
            f["System.ChangedDate"].replace("Z", "+00:00")).date(), day)
    if ref in ("system.id", "id"):
        ids = {int(v) for v in cond.values}
        if cond.op not in ("IN", "="):
            raise _invalid("[System.Id] supports IN and = only")
        return lambda f: f["System.Id"] in ids
    if ref in ("system.state", "state", "system.workitemtype", "work item type"):
        key = "System.State" if "state" in ref else "System.WorkItemType"
        folded = {str(v).casefold() for v in cond.values}
        if cond.op in ("IN", "="):
            return lambda f: str(f.get(key, "")).casefold() in folded
        if cond.op == "<>":
            return lambda f: str(f.get(key, "")).casefold() not in folded
        raise _invalid(f"[{cond.field}] supports =, <> and IN")
    if ref in ("system.tags", "tags") and cond.op == "CONTAINS":
        tag = str(cond.values[0]).casefold()
        return lambda f: any(t.casefold() == tag for t in split_tags(f.get("System.Tags")))
    raise _invalid(f"the sandbox does not support [{cond.field}] {cond.op}")
