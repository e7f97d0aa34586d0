"""S3 and S3-compatible storage through boto3 (one client, reused; the standard credential chain
when no keys are given)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from capture.errors import StorageError
from capture.settings.model import AddressingStyle, StorageSettings
from capture.storage import s3diagnose
from capture.storage.base import CheckStep, Flagged, StoredObject, probe_key, run_steps
from capture.storage.s3errors import classify

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CONNECT_TIMEOUT_S = 3
WRITE_ONLY = "not allowed (fine for a write-only key)"
IP_ADVICE = (
    "Set the addressing style to path (what is sent), or give the endpoint as a host name "
    "if the server needs virtual-hosted style."
)
READ_TIMEOUT_S = 10


def make_client(settings: StorageSettings, *, pool: int = 16) -> S3Client:
    config = Config(
        connect_timeout=CONNECT_TIMEOUT_S,
        read_timeout=READ_TIMEOUT_S,
        retries={"mode": "standard", "total_max_attempts": 3},
        max_pool_connections=pool,
        s3={"addressing_style": settings.addressing_style.value},
        # Many S3-compatible servers reject the newer default checksum headers.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        user_agent_extra="ShotHook/0.1",
    )
    kwargs: dict[str, Any] = {"config": config}
    if settings.endpoint:
        kwargs["endpoint_url"] = settings.endpoint
    if settings.region:
        kwargs["region_name"] = settings.region
    if settings.access_key:
        kwargs["aws_access_key_id"] = settings.access_key
        kwargs["aws_secret_access_key"] = settings.secret_key.reveal()
    session = boto3.session.Session()
    return session.client("s3", **kwargs)


class S3Storage:
    def __init__(self, settings: StorageSettings, *, pool: int = 16) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        where = settings.endpoint or "AWS"
        style = settings.addressing_style
        addressing = "" if style is AddressingStyle.AUTO else f", {style.value}-style addressing"
        if s3diagnose.ip_forces_path(settings):
            addressing = ", virtual-style addressing chosen but path style sent"
        self.label = f"s3://{self.bucket} at {where}{addressing}"
        self._client = make_client(settings, pool=pool)
        self._last_url = ""
        self._signed_at = ""
        self._client.meta.events.register("before-send.s3", self._sent)
        self._looked: dict[str, StorageError] = {}  # the second looks' verdicts found

    def _sent(self, request: Any, **_: Any) -> None:
        self._last_url = str(request.url)
        signed = request.headers.get("X-Amz-Date")
        self._signed_at = signed.decode() if isinstance(signed, bytes) else str(signed or "")

    def _explain(self, exc: BaseException, action: str = "write") -> StorageError:
        """classify(), then a second look where the error alone misleads (s3diagnose): one
        probe when its error comes; a verdict found is kept for the storage's life."""
        error = classify(exc, self.settings, action, signed_at=self._signed_at)
        settings, url = self.settings, self._last_url
        if error.code == "NoSuchBucket":
            sent = s3diagnose.style_sent(settings, url)
            return self._look(
                "style",
                error,
                lambda: s3diagnose.other_style_works(settings, sent, self._bucket_answers),
            )
        if s3diagnose.dns_suspect(settings, exc, url):
            error = self._look(
                "dns", error, lambda: s3diagnose.virtual_host_unresolved(settings, url)
            )
        if s3diagnose.tls_suspect(settings, error):
            tls_error = error
            error = self._look(
                "tls", error, lambda: s3diagnose.plain_http_to_tls(settings, tls_error)
            )
        return error

    def _look(
        self, name: str, error: StorageError, look: Callable[[], StorageError | None]
    ) -> StorageError:
        found = self._looked.get(name) or look()
        if found is not None:
            self._looked[name] = found
        return found or error

    def _bucket_answers(self, style: AddressingStyle) -> bool:
        """HeadBucket with another addressing style: 200, or a 403 (it exists, these keys may
        not look), means the bucket is there."""
        client = make_client(replace(self.settings, addressing_style=style), pool=1)
        try:
            client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            return exc.response.get("Error", {}).get("Code") in ("403", "AccessDenied")
        except Exception:
            return False
        finally:
            client.close()
        return True

    def put(self, key: str, data: bytes) -> str:
        try:
            self._client.put_object(
                Bucket=self.bucket, Key=key, Body=data, ContentType="image/jpeg"
            )
        except Exception as exc:
            raise self._explain(exc) from exc
        return f"s3://{self.bucket}/{key}"

    def check(self) -> list[CheckStep]:
        """HeadBucket, then the put that is the real test, then read back and delete. A key
        that may only PutObject (what Agora recommends) passes: the other three refused are
        warnings, and a probe that could not be deleted is named for the user to delete."""
        key = probe_key(self.settings.prefix)
        body = b"shothook storage probe"
        where = f"s3://{self.bucket}/{key}"

        def head_bucket() -> str | Flagged:
            try:
                reply = self._client.head_bucket(Bucket=self.bucket)
            except ClientError as exc:
                error = self._explain_bare_status(exc)
                if error.code == "AccessDenied":
                    return Flagged(f"{WRITE_ONLY} (HeadBucket: {error.message})")
                raise error from exc
            except Exception as exc:
                raise self._explain(exc) from exc
            headers = reply.get("ResponseMetadata", {}).get("HTTPHeaders", {})
            seen = self._region_seen(str(headers.get("x-amz-bucket-region", "")))
            if not s3diagnose.ip_forces_path(self.settings):
                return seen
            detail = seen.detail if isinstance(seen, Flagged) else seen
            return Flagged(
                f"{detail}; {s3diagnose.ip_forces_path_words(self.settings)}",
                advice=" ".join(
                    filter(None, [seen.advice if isinstance(seen, Flagged) else "", IP_ADVICE])
                ),
            )

        def put_probe() -> str:
            try:
                self._client.put_object(Bucket=self.bucket, Key=key, Body=body)
            except Exception as exc:
                raise self._explain(exc) from exc
            return f"put {key} ({len(body)} bytes)"

        def get_probe() -> str | Flagged:
            try:
                got = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except Exception as exc:
                error = self._explain(exc, "read")
                if error.code == "AccessDenied":
                    return Flagged(f"{WRITE_ONLY} (GetObject)")
                raise error from exc
            if got != body:
                raise classify(ValueError("read back different bytes than written"), self.settings)
            return "read back the same bytes"

        def delete_probe() -> str | Flagged:
            try:
                self._client.delete_object(Bucket=self.bucket, Key=key)
            except Exception as exc:
                error = self._explain(exc, "delete")
                if error.code == "AccessDenied":
                    return Flagged(
                        f"{WRITE_ONLY} (DeleteObject): the probe {where} was left behind",
                        advice=f"Delete {where} ({len(body)} bytes) with a key that may; "
                        "it is the only object the check leaves.",
                    )
                raise error from exc
            return "deleted the probe"

        return run_steps(
            [
                ("HeadBucket", head_bucket),
                ("PutObject probe", put_probe),
                ("GetObject probe", get_probe),
                ("DeleteObject probe", delete_probe),
            ]
        )

    def _region_seen(self, found: str) -> str | Flagged:
        """The bucket answered; a region it names that is not the one set is flagged, since
        signing for the wrong region fails on AWS as soon as the bucket moves or the
        endpoint changes (some servers accept any)."""
        reachable = f"bucket {self.bucket} is reachable"
        if not found:
            return reachable
        wanted = self.settings.region
        if wanted and found != wanted:
            return Flagged(
                f"{reachable}, but it is in region {found}, not {wanted}",
                advice=f"Set the region to {found}.",
            )
        return f"{reachable} (region {found})"

    def _explain_bare_status(self, exc: ClientError) -> StorageError:
        """A HEAD answer has no body, so a refusal comes as a bare 403 or 400 that cannot tell a
        wrong secret from a wrong access key or a missing permission. Ask again with a GET,
        whose answer names the error."""
        error = self._explain(exc)
        if exc.response.get("Error", {}).get("Code") not in ("400", "403"):
            return error
        try:
            self._client.list_objects_v2(Bucket=self.bucket, MaxKeys=1)
        except Exception as detail:
            return self._explain(detail, "read")
        return error

    def list(self, prefix: str) -> Iterator[StoredObject]:
        """ListObjectsV2 page by page (1,000 keys a page), so a big bucket never sits in memory."""
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        try:
            for page in pages:
                for item in page.get("Contents", []):
                    yield StoredObject(item["Key"], int(item["Size"]), _etag(item["ETag"]))
        except Exception as exc:
            raise self._explain(exc, "list") from exc

    def stat(self, key: str) -> StoredObject | None:
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._explain(exc, "read") from exc
        except Exception as exc:
            raise self._explain(exc, "read") from exc
        return StoredObject(key, int(head["ContentLength"]), _etag(head["ETag"]))

    def close(self) -> None:
        self._client.close()


def _etag(value: str) -> str:
    return value.strip('"').lower()
