"""``api-version``: required on every REST call, in the query string or the Accept header, as the service wants.

The azure-devops SDK sends it in ``Accept: application/json;api-version=7.1-preview.3``; curl users put
``?api-version=7.1`` in the query. Missing, malformed, newer than 7.1, or a released version of a preview-only
resource (comments are ``7.1-preview.4``) are each refused with the service's own 400.
"""

from __future__ import annotations

import re

from starlette.requests import Request

from weavesync.sandbox.azure_devops.errors import bad_request

LATEST = (7, 1)
_VERSION = re.compile(r"^(\d+)\.(\d+)(-preview(\.\d+)?)?$")


def _from_accept(accept: str) -> str | None:
    for part in accept.split(","):
        for param in part.split(";")[1:]:
            key, _, val = param.strip().partition("=")
            if key.strip().lower() == "api-version":
                return val.strip()
    return None


def require(request: Request, *, preview_only: bool = False) -> str:
    """The request's api-version, or raise the 400 the service answers with."""
    version = request.query_params.get("api-version") or _from_accept(request.headers.get("accept", ""))
    if not version:
        raise bad_request(
            f'No api-version was supplied for the "{request.method}" request. The version must be supplied either '
            'as part of the Accept header (e.g. "application/json; api-version=1.0") or as a query parameter '
            '(e.g. "?api-version=1.0").', "VssVersionNotSpecifiedException")
    match = _VERSION.match(version)
    if match is None:
        raise bad_request(f"The api-version '{version}' is not in a valid format. Expected format is "
                          "'major.minor[-preview[.revision]]'.", "VssInvalidApiVersionException")
    wanted = (int(match.group(1)), int(match.group(2)))
    if wanted > LATEST:
        raise bad_request(f"The requested REST API version of {wanted[0]}.{wanted[1]} is out of range for this "
                          "server. The latest REST API version for this server is 7.1.",
                          "VssVersionOutOfRangeException")
    if preview_only and match.group(3) is None:
        raise bad_request(f'The requested version "{version}" of the resource is under preview. The -preview flag '
                          'must be supplied in the api-version for such requests. For example: "7.1-preview"',
                          "VssInvalidPreviewVersionException")
    return version
