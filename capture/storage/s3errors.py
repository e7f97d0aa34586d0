"""Turn boto3/botocore failures into StorageErrors that say what is wrong and what to change.

Errors that retrying cannot fix are `retryable=False`: uploads pause on them instead of
hammering the server, and the advice names the setting to change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
    SSLError,
)
from botocore.exceptions import ConnectTimeoutError as BotoConnectTimeout

from capture.errors import StorageError
from capture.settings.model import StorageSettings
from capture.spec.naming import parse_iso

_TRANSIENT_CODES = {
    "InternalError",
    "ServiceUnavailable",
    "SlowDown",
    "RequestTimeout",
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "OperationAborted",
}


def classify(
    exc: BaseException, settings: StorageSettings, action: str = "write", *, signed_at: str = ""
) -> StorageError:
    """`signed_at`: the X-Amz-Date the failed request was signed with, when known (this
    computer's clock as the server saw it)."""
    where = settings.endpoint or "AWS S3"
    if isinstance(exc, StorageError):
        return exc
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return StorageError(
            "no S3 credentials found",
            code="NoCredentials",
            retryable=False,
            advice="Enter an access key and secret key, or set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY, or configure an AWS profile.",
        )
    if isinstance(exc, SSLError):
        return StorageError(
            f"TLS handshake with {where} failed: {exc}",
            code="SSLError",
            retryable=False,
            advice="Check the endpoint URL (http:// vs https://) and the server's certificate.",
        )
    if isinstance(
        exc, EndpointConnectionError | BotoConnectTimeout | ReadTimeoutError | ConnectionClosedError
    ):
        return StorageError(
            f"cannot reach {where}: {exc}",
            code=type(exc).__name__,
            retryable=True,
            advice="Uploads will retry; check the endpoint URL and the network.",
        )
    if isinstance(exc, ClientError):
        return _client_error(exc, settings, where, action, signed_at)
    return StorageError(f"{action} failed: {exc}", code=type(exc).__name__, retryable=True)


def _client_error(
    exc: ClientError, settings: StorageSettings, where: str, action: str, signed_at: str
) -> StorageError:
    response: dict[str, Any] = dict(exc.response)
    error: dict[str, Any] = response.get("Error", {})
    meta: dict[str, Any] = response.get("ResponseMetadata", {})
    status = int(meta.get("HTTPStatusCode") or 0)
    code = str(error.get("Code") or status or "Unknown")
    message = str(error.get("Message") or "")
    bucket = settings.bucket
    detail = f"{code}: {message}" if message else code

    if code == "RequestTimeTooSkewed" or (code in ("AccessDenied", "403") and _says_skew(message)):
        offset = _clock_offset(error, meta, signed_at)
        return StorageError(
            f"this computer's clock is {_skew_words(offset)} the server's; S3 refuses requests"
            f" more than 15 minutes off ({detail})",
            code="RequestTimeTooSkewed",
            retryable=False,
            advice="Set the system clock right (turn on network time sync); paused uploads "
            "are retried now and then and resume once it is.",
        )
    if code in ("AccessDenied", "403", "Forbidden", "AllAccessDisabled"):
        return StorageError(
            f"access denied to bucket {bucket} at {where} ({detail})",
            code="AccessDenied",
            retryable=False,
            advice=f"These keys may not {action} objects in {bucket}: grant them "
            f"s3:PutObject (and s3:GetObject, s3:DeleteObject for the connection test) "
            f"on {bucket}/*, or use keys that have it.",
        )
    if code == "InvalidAccessKeyId":
        return StorageError(
            f"the access key is not known at {where} ({detail})",
            code=code,
            retryable=False,
            advice="Check the access key, and that the endpoint belongs to the provider "
            "that issued it.",
        )
    if code == "SignatureDoesNotMatch":
        return StorageError(
            f"the secret key does not match the access key ({code})",
            code=code,
            retryable=False,
            advice="Re-enter the secret key; check for spaces copied with it.",
        )
    if code == "NoSuchBucket" or (code in ("404", "NotFound") and action == "write"):
        return StorageError(
            f"bucket {bucket} does not exist at {where}",
            code="NoSuchBucket",
            retryable=False,
            advice="Create the bucket, or fix the bucket name, endpoint or region.",
        )
    if code in _TRANSIENT_CODES or status >= 500:
        return StorageError(f"{where} answered {detail}", code=code, retryable=True)
    region = _named_region(error, meta)
    mismatch = bool(region and settings.region and region != settings.region)
    if code in (
        "PermanentRedirect",
        "AuthorizationHeaderMalformed",
        "IllegalLocationConstraintException",
        "301",
    ) or (mismatch and status in (301, 400)):
        there = f"region {region}" if region else "another region"
        return StorageError(
            f"bucket {bucket} is in {there}, not {settings.region or 'the default region'} "
            f"({detail})",
            code="WrongRegion",
            retryable=False,
            advice=f"Set the region to {region}." if region else "Set the bucket's region.",
        )
    return StorageError(
        f"{action} refused by {where} ({detail})",
        code=code,
        retryable=False,
        advice="Check the storage settings; this error does not go away by retrying.",
    )


# Some servers refuse a skewed request as AccessDenied, saying so only in the message: rclone
# 1.75 answers 400 AccessDenied "The difference between the request time and the server's time
# exceeds the maximum allowed." (SeaweedFS says RequestTimeTooSkewed, as AWS does.)
_SKEW = re.compile(r"difference between the request time and the (server's|current) time", re.I)


def _says_skew(message: str) -> bool:
    return _SKEW.search(message) is not None


def _named_region(error: dict[str, Any], meta: dict[str, Any]) -> str:
    headers: dict[str, Any] = meta.get("HTTPHeaders", {})
    return str(error.get("Region") or headers.get("x-amz-bucket-region") or "")


def _clock_offset(error: dict[str, Any], meta: dict[str, Any], signed_at: str) -> float | None:
    """Our clock minus the server's, in seconds: the server's from the error body's ServerTime,
    else the answer's Date header; ours from the body's RequestTime, else the time the request
    was signed with (X-Amz-Date), else now."""
    headers: dict[str, Any] = meta.get("HTTPHeaders", {})
    server = _parse_time(error.get("ServerTime")) or _parse_time(headers.get("date"))
    ours = _parse_time(error.get("RequestTime")) or _parse_time(signed_at) or datetime.now(UTC)
    if server is None:
        return None
    return (ours - server).total_seconds()


def _skew_words(offset: float | None) -> str:
    """'20 min behind', '1 h 2 min ahead of', '45 s behind' (minutes once past 2 minutes)."""
    if offset is None:
        return "too far off"
    side = "ahead of" if offset > 0 else "behind"
    seconds = abs(offset)
    if seconds < 120:
        return f"{seconds:.0f} s {side}"
    hours, minutes = divmod(round(seconds / 60), 60)
    amount = f"{hours} h {minutes} min" if hours else f"{minutes} min"
    return f"{amount.removesuffix(' 0 min')} {side}"


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return parse_iso(value)
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
