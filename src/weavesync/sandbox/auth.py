"""Credentials as every sandbox server reads and writes them: Basic auth headers and HMAC body signatures.

Jira (``email:api_token``) and Azure DevOps (any user, the PAT as password) both authenticate with Basic;
GitHub and Jira sign webhook bodies the same way (``<algorithm>=<hex HMAC of the raw body>``). Decoding and
signing live here once, so the tracker packages only say which part of a credential they use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) from an ``Authorization: Basic …`` value; None when absent, another scheme or malformed
    (not base64, not UTF-8, or no ``:`` between the two)."""
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def hmac_signature(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    """The signature header value GitHub and Jira send: ``sha256=<lowercase hex HMAC of the raw body>``."""
    digest = hmac.new(secret.encode(), body, getattr(hashlib, algorithm)).hexdigest()
    return f"{algorithm}={digest}"
