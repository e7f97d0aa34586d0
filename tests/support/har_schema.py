"""HAR 1.2's essentials as a JSON schema (http://www.softwareishard.com/blog/har-12-spec/):
the required keys and their types for the log, its entries, requests, responses, content,
cache and timings. Custom fields (`_name`) are allowed, as the spec allows them."""

from __future__ import annotations

from typing import Any

_NAME_VALUE: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "value"],
        "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
    },
}
_INT = {"type": "integer"}
_ISO = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"
_NUMBER = {"type": "number"}
_REQUEST = {
    "type": "object",
    "required": [
        "method",
        "url",
        "httpVersion",
        "cookies",
        "headers",
        "queryString",
        "headersSize",
        "bodySize",
    ],
    "properties": {
        "method": {"type": "string"},
        "url": {"type": "string", "pattern": "^https?://"},
        "httpVersion": {"type": "string"},
        "cookies": {"type": "array"},
        "headers": _NAME_VALUE,
        "queryString": _NAME_VALUE,
        "postData": {
            "type": "object",
            "required": ["mimeType", "text"],
            "properties": {
                "mimeType": {"type": "string"},
                "text": {"type": "string"},
                "params": {"type": "array"},
            },
        },
        "headersSize": _INT,
        "bodySize": _INT,
    },
}
_RESPONSE = {
    "type": "object",
    "required": [
        "status",
        "statusText",
        "httpVersion",
        "cookies",
        "headers",
        "content",
        "redirectURL",
        "headersSize",
        "bodySize",
    ],
    "properties": {
        "status": _INT,
        "statusText": {"type": "string"},
        "httpVersion": {"type": "string"},
        "cookies": {"type": "array"},
        "headers": _NAME_VALUE,
        "content": {
            "type": "object",
            "required": ["size", "mimeType"],
            "properties": {
                "size": _INT,
                "mimeType": {"type": "string"},
                "text": {"type": "string"},
                "encoding": {"type": "string"},
            },
        },
        "redirectURL": {"type": "string"},
        "headersSize": _INT,
        "bodySize": _INT,
    },
}
_TIMINGS = {
    "type": "object",
    "required": ["send", "wait", "receive"],
    "properties": {
        "blocked": {"type": "number", "minimum": -1},
        "dns": {"type": "number", "minimum": -1},
        "connect": {"type": "number", "minimum": -1},
        "ssl": {"type": "number", "minimum": -1},
        "send": {"type": "number", "minimum": 0},
        "wait": {"type": "number", "minimum": 0},
        "receive": {"type": "number", "minimum": 0},
    },
}
HAR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["log"],
    "properties": {
        "log": {
            "type": "object",
            "required": ["version", "creator", "entries"],
            "properties": {
                "version": {"const": "1.2"},
                "creator": {
                    "type": "object",
                    "required": ["name", "version"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"}},
                },
                "entries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [
                            "startedDateTime",
                            "time",
                            "request",
                            "response",
                            "cache",
                            "timings",
                        ],
                        "properties": {
                            "startedDateTime": {"type": "string", "pattern": _ISO},
                            "time": _NUMBER,
                            "request": _REQUEST,
                            "response": _RESPONSE,
                            "cache": {"type": "object"},
                            "timings": _TIMINGS,
                        },
                    },
                },
            },
        }
    },
}
