"""The example image's Lambda handler (CMD ["handler.handler"]): Ankify Edge's guard, then your Ankify.

The Function URL's invoke mode must be BUFFERED: this handler returns one response dict (payload
format 2.0), which Lambda sends whole (up to 6 MB).
"""
from __future__ import annotations

import base64
import json

from ankify_edge import guard


def handler(event: dict, context: object) -> dict:
    refused = guard(event)  # the origin secret and the client's key, before anything reads the body
    if refused is not None:
        return refused
    return ankify(event, context)


def ankify(event: dict, context: object) -> dict:
    # ==== YOUR ANKIFY GOES HERE ===================================================================
    # Everything below is a placeholder that answers a small JSON. Replace it with your own code.
    # GET and HEAD on / reach this function without a client key (a public status page, as in the
    # TypeScript function): answer nothing private there.
    method = event["requestContext"]["http"]["method"]
    if event.get("rawPath") == "/" and method in ("GET", "HEAD"):
        return _json(200, {"service": "ankify", "mcp": "/mcp"})
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    return _json(200, {
        "placeholder": "Your Ankify goes here: replace ankify() in handler.py.",
        "method": method,
        "path": event.get("rawPath"),
        "bodyBytes": len(body.encode("utf-8")),
    })
    # ==============================================================================================


def _json(status: int, body: object) -> dict:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
