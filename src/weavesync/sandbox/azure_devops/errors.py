"""Azure DevOps error bodies, in the service's own shape, and the exception handlers raise to produce them.

Every failure the service reports carries the same JSON envelope (``$id``, ``innerException``, ``message``,
``typeName``, ``typeKey``, ``errorCode``, ``eventId``); clients such as the azure-devops SDK deserialize it as a
``WrappedException``, so the sandbox must never answer with anything else. The message texts are the ones seen
from dev.azure.com (research/apis.md §3); nothing parses them, but people read them.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import Response

_TYPE_NAMES = {
    "VssVersionNotSpecifiedException": "Microsoft.VisualStudio.Services.WebApi.VssVersionNotSpecifiedException, "
                                       "Microsoft.VisualStudio.Services.WebApi",
    "VssInvalidPreviewVersionException": "Microsoft.VisualStudio.Services.WebApi."
                                         "VssInvalidPreviewVersionException, Microsoft.VisualStudio.Services.WebApi",
    "UnauthorizedRequestException": "Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException, "
                                    "Microsoft.TeamFoundation.Framework.Server",
    "RequestBlockedException": "Microsoft.TeamFoundation.Framework.Server.RequestBlockedException, "
                               "Microsoft.TeamFoundation.Framework.Server",
    "RuleValidationException": "Microsoft.TeamFoundation.WorkItemTracking.Server.RuleValidationException, "
                               "Microsoft.TeamFoundation.WorkItemTracking.Server",
    "WorkItemRevisionMismatchException": "Microsoft.TeamFoundation.WorkItemTracking.Server."
                                         "WorkItemRevisionMismatchException, "
                                         "Microsoft.TeamFoundation.WorkItemTracking.Server",
    "WorkItemUnauthorizedAccessException": "Microsoft.TeamFoundation.WorkItemTracking.Server."
                                           "WorkItemUnauthorizedAccessException, "
                                           "Microsoft.TeamFoundation.WorkItemTracking.Server",
    "ProjectDoesNotExistWithNameException": "Microsoft.TeamFoundation.Core.WebApi."
                                            "ProjectDoesNotExistWithNameException, "
                                            "Microsoft.TeamFoundation.Core.WebApi",
    "WorkItemTypeNotFoundException": "Microsoft.TeamFoundation.WorkItemTracking.Server.Metadata."
                                     "WorkItemTypeNotFoundException, Microsoft.TeamFoundation.WorkItemTracking.Server",
    "VssPropertyValidationException": "Microsoft.VisualStudio.Services.Common.VssPropertyValidationException, "
                                      "Microsoft.VisualStudio.Services.Common",
    "ArgumentException": "System.ArgumentException, mscorlib",
    "ArgumentNullException": "System.ArgumentNullException, mscorlib",
    "VssServiceException": "Microsoft.VisualStudio.Services.Common.VssServiceException, "
                           "Microsoft.VisualStudio.Services.Common",
    "WorkItemTrackingQueryResultSizeLimitExceededException":
        "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemTrackingQueryResultSizeLimitExceededException, "
        "Microsoft.TeamFoundation.WorkItemTracking.Server",
    "InvalidQueryException": "Microsoft.TeamFoundation.WorkItemTracking.Server.Query.InvalidQueryException, "
                             "Microsoft.TeamFoundation.WorkItemTracking.Server",
    "UnsupportedMediaTypeException": "System.Net.Http.UnsupportedMediaTypeException, System.Net.Http.Formatting",
    "SubscriptionInputException": "Microsoft.VisualStudio.Services.ServiceHooks.WebApi."
                                  "SubscriptionInputException, Microsoft.VisualStudio.Services.ServiceHooks.WebApi",
    "VssServiceUnavailableException": "Microsoft.VisualStudio.Services.Common.VssServiceUnavailableException, "
                                      "Microsoft.VisualStudio.Services.Common",
}


def error_body(message: str, type_key: str, *, error_code: int = 0, event_id: int = 3000,
               custom: dict[str, Any] | None = None) -> dict[str, Any]:
    """The service's error envelope."""
    body: dict[str, Any] = {"$id": "1"}
    if custom is not None:
        body["customProperties"] = custom
    body |= {"innerException": None, "message": message,
             "typeName": _TYPE_NAMES.get(type_key, f"Microsoft.VisualStudio.Services.Common.{type_key}"),
             "typeKey": type_key, "errorCode": error_code, "eventId": event_id}
    return body


class AdoError(Exception):
    """Raised by handlers; `response()` renders it as the service would."""

    def __init__(self, status: int, message: str, type_key: str, *, error_code: int = 0, event_id: int = 3000,
                 custom: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body = error_body(message, type_key, error_code=error_code, event_id=event_id, custom=custom)
        self.headers = headers or {}

    def response(self) -> Response:
        return Response(json.dumps(self.body), status_code=self.status, headers=self.headers,
                        media_type="application/json; charset=utf-8")


def bad_request(message: str, type_key: str = "VssServiceException", **kwargs: Any) -> AdoError:
    return AdoError(400, message, type_key, **kwargs)


def not_found_item(item_id: int) -> AdoError:
    return AdoError(404, f"TF401232: Work item {item_id} does not exist, or you do not have permissions to read it.",
                    "WorkItemUnauthorizedAccessException", error_code=600122, event_id=3200)


def rule_error(field_ref: str, field_name: str, value: object, status_code: str = "InvalidListValue") -> AdoError:
    """TF401320: the work item type's rules refused a field value (an unknown state or reason)."""
    flags = "required, hasValues, limitedToValues, allowsOldValue"
    text = f"The field '{field_name}' contains the value '{value}' that is not in the list of supported values"
    rule = {"fieldReferenceName": field_ref, "fieldStatusFlags": flags, "errorMessage": text,
            "fieldStatusCode": status_code, "ruleValidationErrors": None}
    custom = {"FieldReferenceName": field_ref, "FieldStatusFlags": flags, "ErrorMessage": text,
              "FieldStatusCode": status_code, "RuleValidationErrors": [rule]}
    message = (f"TF401320: Rule Error for field {field_name}. Error code: Required, HasValues, LimitedToValues, "
               f"AllowsOldValue, {status_code}.")
    return AdoError(400, message, "RuleValidationException", error_code=600171, event_id=3200, custom=custom)


def fault_body(status: int) -> tuple[dict[str, str], bytes]:
    """What the harness sends for an injected fault, worded as Azure DevOps does."""
    headers = {"content-type": "application/json; charset=utf-8"}
    if status == 429:
        headers |= {"retry-after": "1", "x-ratelimit-resource": "ATCPU", "x-ratelimit-remaining": "0"}
        body = error_body("TF400733: The request has been canceled: Request was blocked due to exceeding usage of "
                          "resource 'ATCPU' in namespace 'User'.", "RequestBlockedException")
    elif status >= 500:
        headers["retry-after"] = "1"
        body = error_body("The service is temporarily unavailable. Please try again later.",
                          "VssServiceUnavailableException")
    else:
        body = error_body(f"The request failed with status {status}.", "VssServiceException")
    return headers, json.dumps(body).encode()
