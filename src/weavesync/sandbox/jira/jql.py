"""A bounded subset of JQL, strict the way Jira is about it.

Supported: ``project``, ``key``/``issuekey``, ``id``, ``status``, ``statusCategory``, ``issuetype``/``type``,
``resolution``, ``labels``, ``summary``/``text`` (``~``), ``updated``/``created`` with ``= != > >= < <=``, ``IN``,
``NOT IN``, ``IS [NOT] EMPTY``, ``AND``/``OR``/``NOT``/parentheses, and ``ORDER BY`` updated/created/key/id.
Date literals are ``yyyy/MM/dd HH:mm``, ``yyyy-MM-dd HH:mm``, ``yyyy/MM/dd``, ``yyyy-MM-dd`` or relative
(``-5m``, ``-2h``, ``-1d``, ``-1w``); they are read in the *requesting user's* time zone at minute precision,
which is why pollers must convert their UTC cursor. Unknown fields, unknown values (a key, project or status
that does not exist) and queries without any restriction are rejected with Jira's 400 messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from weavesync.sandbox.jira import workflow as wf
from weavesync.sandbox.jira.http import JiraFault
from weavesync.sandbox.jira.model import Issue, JiraState

Predicate = Callable[[Issue], bool]

_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(?P<op>!=|>=|<=|!~|[=<>~(),])|"""
                    r"""(?P<word>[^\s=!<>~(),"']+))""")
_FIELDS = {"project", "key", "issuekey", "id", "status", "statuscategory", "issuetype", "type", "resolution",
           "labels", "summary", "text", "updated", "created"}
_ORDERABLE = {"updated", "created", "key", "issuekey", "id"}
_RELATIVE = re.compile(r"^([-+]?)(\d+)([mhdw])$")
_DATE_FORMATS = ("%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%Y/%m/%d", "%Y-%m-%d")
UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    quoted: bool = False


@dataclass
class Query:
    predicate: Predicate | None
    order: list[tuple[str, bool]]
    candidates: list[Issue] | None
    """When the query pins issue keys, only these issues need checking (an index lookup, not a scan)."""


def _tokenize(jql: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    jql = jql.rstrip()
    while pos < len(jql):
        match = _TOKEN.match(jql, pos)
        if match is None or match.end() == pos:
            raise JiraFault(400, [f"Error in the JQL Query: The character '{jql[pos]}' is a reserved JQL "
                                  f"character. (line 1, character {pos})"])
        pos = match.end()
        if match.group("str") is not None:
            raw = match.group("str")[1:-1]
            tokens.append(Token("value", re.sub(r"\\(.)", r"\1", raw), quoted=True))
        elif match.group("op") is not None:
            tokens.append(Token("op", match.group("op")))
        else:
            tokens.append(Token("value", match.group("word")))
    return tokens


class _Parser:
    def __init__(self, jql: str, state: JiraState, zone: ZoneInfo, now: datetime) -> None:
        self.tokens = _tokenize(jql)
        self.pos = 0
        self.state = state
        self.zone = zone
        self.now = now
        self.pinned: set[str] | None = None

    # -- token helpers --------------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, offset: int = 0) -> str:
        token = self.peek(offset)
        return token.text.lower() if token is not None and not token.quoted and token.kind == "value" else ""

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise JiraFault(400, ["Error in the JQL Query: Expecting either a value, list or function but got "
                                  "end of query."])
        self.pos += 1
        return token

    def expect_op(self, text: str) -> None:
        token = self.take()
        if token.kind != "op" or token.text != text:
            raise JiraFault(400, [f"Error in the JQL Query: Expecting '{text}' but got '{token.text}'."])

    # -- grammar --------------------------------------------------------------------------------------------
    def parse(self) -> tuple[Predicate | None, list[tuple[str, bool]]]:
        predicate: Predicate | None = None
        if self.peek() is not None and not (self.word() == "order" and self.word(1) == "by"):
            predicate = self.or_expr()
        order: list[tuple[str, bool]] = []
        if self.word() == "order" and self.word(1) == "by":
            self.pos += 2
            order = self.order_list()
        if self.peek() is not None:
            raise JiraFault(400, [f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got "
                                  f"'{self.take().text}'."])
        return predicate, order

    def order_list(self) -> list[tuple[str, bool]]:
        order: list[tuple[str, bool]] = []
        while True:
            name = self.take().text.lower()
            if name not in _ORDERABLE:
                raise JiraFault(400, [f"Not able to sort using field '{name}'."])
            ascending = True
            if self.word() in ("asc", "desc"):
                ascending = self.take().text.lower() == "asc"
            order.append(("key" if name == "issuekey" else name, ascending))
            token = self.peek()
            if token is None or not (token.kind == "op" and token.text == ","):
                return order
            self.pos += 1

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.word() == "or":
            self.pos += 1
            parts.append(self.and_expr())
        if len(parts) > 1:
            self.pinned = None  # an OR can reach issues beyond the pinned keys
        return parts[0] if len(parts) == 1 else (lambda issue: any(p(issue) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.word() == "and":
            self.pos += 1
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda issue: all(p(issue) for p in parts))

    def not_expr(self) -> Predicate:
        if self.word() == "not":
            self.pos += 1
            inner = self.not_expr()
            self.pinned = None
            return lambda issue: not inner(issue)
        token = self.peek()
        if token is not None and token.kind == "op" and token.text == "(":
            self.pos += 1
            inner = self.or_expr()
            self.expect_op(")")
            return inner
        return self.clause()

    def clause(self) -> Predicate:
        token = self.take()
        name = token.text.lower()
        if name not in _FIELDS:
            raise JiraFault(400, [f"Field '{token.text}' does not exist or you do not have permission to view it."])
        op = self.operator()
        if op in ("is", "is not"):
            value = self.take().text.lower()
            if value not in ("empty", "null"):
                raise JiraFault(400, [f"Error in the JQL Query: Expecting 'EMPTY' or 'NULL' after '{op.upper()}'."])
            getter = _EMPTY_GETTERS.get(name)
            if getter is None:
                raise JiraFault(400, [f"The operator '{op.upper()}' is not supported by the '{name}' field."])
            return (lambda i: getter(i)) if op == "is" else (lambda i: not getter(i))
        values = self.values() if op in ("in", "not in") else [self.take()]
        return self.build(name, op, values)

    def operator(self) -> str:
        token = self.take()
        if token.kind == "op" and token.text in ("=", "!=", ">", ">=", "<", "<=", "~", "!~"):
            return token.text
        text = token.text.lower()
        if text == "in":
            return "in"
        if text == "is":
            if self.word() == "not":
                self.pos += 1
                return "is not"
            return "is"
        if text == "not" and self.word() == "in":
            self.pos += 1
            return "not in"
        raise JiraFault(400, [f"Error in the JQL Query: Expecting operator but got '{token.text}'."])

    def values(self) -> list[Token]:
        self.expect_op("(")
        values = [self.take()]
        while True:
            token = self.take()
            if token.kind == "op" and token.text == ")":
                return values
            if not (token.kind == "op" and token.text == ","):
                raise JiraFault(400, [f"Error in the JQL Query: Expecting ',' or ')' but got '{token.text}'."])
            values.append(self.take())

    # -- clause semantics -----------------------------------------------------------------------------------
    def build(self, name: str, op: str, tokens: list[Token]) -> Predicate:
        values = [t.text for t in tokens]
        if name in ("updated", "created"):
            return self.date_clause(name, op, values)
        if name in ("text", "summary"):
            if op not in ("~", "!~"):
                raise JiraFault(400, [f"The operator '{op}' is not supported by the '{name}' field."])
            needle = values[0].lower().strip('"')
            if name == "text":
                hit: Predicate = lambda i: needle in i.text  # noqa: E731
            else:
                hit = lambda i: needle in i.summary.lower()  # noqa: E731
            return hit if op == "~" else (lambda i: not hit(i))
        if op in ("~", "!~", ">", ">=", "<", "<="):
            raise JiraFault(400, [f"The operator '{op}' is not supported by the '{name}' field."])
        accepted = {self.resolve(name, v) for v in values}
        if name in ("key", "issuekey", "id") and op in ("=", "in"):
            keys = {k for k in accepted if k}
            self.pinned = keys if self.pinned is None else self.pinned & keys
        getter = _GETTERS[name]
        if name == "labels":
            contains: Predicate = lambda i: bool(accepted.intersection(i.labels))  # noqa: E731
        else:
            contains = lambda i: getter(i) in accepted  # noqa: E731
        return contains if op in ("=", "in") else (lambda i: not contains(i))

    def resolve(self, name: str, value: str) -> str:
        """The stored form of a clause value; unknown values are a 400, as in Jira."""
        low = value.lower()
        if name in ("key", "issuekey", "id"):
            issue = self.state.find(value)
            if issue is None:
                if name == "id" or value.isdigit():
                    raise JiraFault(400, [f"An issue with key '{value}' does not exist for field 'id'."])
                raise JiraFault(400, [f"An issue with key '{value}' does not exist for field 'key'."])
            return issue.key
        if name == "project":
            for project in wf.PROJECTS.values():
                if low in (project.key.lower(), project.id, project.name.lower()):
                    return project.key
        elif name == "status":
            status = wf.STATUS_BY_NAME.get(low) or wf.STATUSES.get(value)
            if status is not None:
                return status.id
        elif name == "statuscategory":
            for category in wf.CATEGORIES.values():
                if low in (category.key, category.name.lower(), str(category.id)):
                    return category.key
        elif name in ("issuetype", "type"):
            type_id = wf.ISSUE_TYPE_BY_NAME.get(low) or (value if value in wf.ISSUE_TYPES else None)
            if type_id is not None:
                return type_id
        elif name == "resolution":
            if low == "unresolved":
                return ""
            rid = wf.RESOLUTION_BY_NAME.get(low) or (value if value in wf.RESOLUTIONS else None)
            if rid is not None:
                return rid
        elif name == "labels":
            return value
        raise JiraFault(400, [f"The value '{value}' does not exist for the field '{name}'."])

    def date_clause(self, name: str, op: str, values: list[str]) -> Predicate:
        if op not in ("=", "!=", ">", ">=", "<", "<="):
            raise JiraFault(400, [f"The operator '{op}' is not supported by the '{name}' field."])
        when = self.parse_date(name, values[0])
        attr = "updated" if name == "updated" else "created"
        compare: dict[str, Callable[[datetime], bool]] = {
            "=": lambda t: t == when, "!=": lambda t: t != when, ">": lambda t: t > when,
            ">=": lambda t: t >= when, "<": lambda t: t < when, "<=": lambda t: t <= when,
        }
        check = compare[op]
        return lambda issue: check(getattr(issue, attr))

    def parse_date(self, name: str, text: str) -> datetime:
        relative = _RELATIVE.match(text.replace(" ", ""))
        if relative:
            sign = -1 if relative.group(1) == "-" else 1
            unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[relative.group(3)]
            moment = self.now + sign * timedelta(**{unit: int(relative.group(2))})
            return moment.replace(second=0, microsecond=0)
        for fmt in _DATE_FORMATS:
            try:
                local = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return local.replace(tzinfo=self.zone)
        raise JiraFault(400, [f"Date value '{text}' for field '{name}' is invalid. Valid formats include: "
                              "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
                              "format e.g. '-5d', '4w 2d'."])


_GETTERS: dict[str, Callable[[Issue], str]] = {
    "project": lambda i: i.project,
    "key": lambda i: i.key,
    "issuekey": lambda i: i.key,
    "id": lambda i: i.key,
    "status": lambda i: i.status,
    "statuscategory": lambda i: wf.STATUSES[i.status].category,
    "issuetype": lambda i: i.issuetype,
    "type": lambda i: i.issuetype,
    "resolution": lambda i: i.resolution or "",
    "labels": lambda i: "",
}
_EMPTY_GETTERS: dict[str, Callable[[Issue], bool]] = {
    "resolution": lambda i: i.resolution is None,
    "labels": lambda i: not i.labels,
}


def compile_jql(jql: str, state: JiraState, zone: ZoneInfo, now: datetime, *, bounded: bool = True) -> Query:
    """Parse and validate `jql` for a user in `zone`; `bounded` rejects queries without a restriction."""
    parser = _Parser(jql, state, zone, now)
    predicate, order = parser.parse()
    if bounded and predicate is None:
        raise JiraFault(400, [UNBOUNDED])
    candidates = None
    if parser.pinned is not None:
        candidates = [issue for key in sorted(parser.pinned) if (issue := state.issues.get(key)) is not None]
    return Query(predicate, order, candidates)


def _key_order(issue: Issue) -> tuple[str, int]:
    project, _, number = issue.key.partition("-")
    return project, int(number)


def run(query: Query, state: JiraState) -> list[Issue]:
    """The matching issues in the query's order (default: key descending, like Jira)."""
    pool = query.candidates if query.candidates is not None else list(state.issues.values())
    found = [i for i in pool if query.predicate is None or query.predicate(i)]
    order = query.order or [("key", False)]
    for name, ascending in reversed(order):
        if name == "key":
            found.sort(key=_key_order, reverse=not ascending)
        elif name == "id":
            found.sort(key=lambda i: i.id, reverse=not ascending)
        else:
            found.sort(key=lambda i, attr=name: getattr(i, attr), reverse=not ascending)  # type: ignore[misc]
    return found
