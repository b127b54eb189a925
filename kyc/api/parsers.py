"""The API's JSON parser: bounded in size and in nesting, never a 500.

DRF's ``JSONParser`` reads the whole stream (no size bound of its own: Django's
``DATA_UPLOAD_MAX_MEMORY_SIZE`` guards ``request.body``, which DRF does not use) and lets the
``RecursionError`` of a body like ``[[[[…]]]]`` escape as a server error. No request of this API
nests deeper than a few levels, so anything deeper than ``MAX_DEPTH`` is refused as such.
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import status
from rest_framework.parsers import JSONParser

from kyc.api.errors import ApiError

MAX_DEPTH = 20


def _depth(value) -> int:
    """Nesting depth of parsed JSON, without recursion (the value may be just under Python's limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # A body sent without Content-Length (chunked) is not seen by RequestBodyLimitMiddleware.
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ApiError("request_too_large", f"The request body is over the limit of {limit // 1024} kB.",
                           status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding))
        except RecursionError:
            data = None
            too_deep = True
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError("malformed_request", f"The body is not valid JSON: {exc}") from None
        else:
            too_deep = _depth(data) > MAX_DEPTH
        if too_deep:
            raise ApiError("nesting_too_deep", f"The JSON body nests deeper than {MAX_DEPTH} levels.")
        return data
