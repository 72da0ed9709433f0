"""The webhook receiver (`weavesync serve`): a Starlette app, its uvicorn server, and webhook registration.

`web` is a top-level consumer like `cli`: nothing imports it, and it never imports `cli`. It records and
acknowledges deliveries; what they mean is worked out by `executor.inbound`.
"""

from weavesync.web.app import ROUTES, create_app
from weavesync.web.receiver import DEFAULT_MAX_BODY
from weavesync.web.register import register_webhooks
from weavesync.web.server import Server, serve

__all__ = ["DEFAULT_MAX_BODY", "ROUTES", "Server", "create_app", "register_webhooks", "serve"]
