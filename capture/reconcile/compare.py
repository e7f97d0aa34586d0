"""The storage held against the journal: every uploaded shot has its object (same size, and
for a single-part upload an ETag equal to the JPEG's MD5), every complete callback names an
object that exists, and every object under the session's `<prefix>/<yyyymmdd>/` folders
belongs to a shot of the journal (the others are strays, named).

Only the folders the session's keys live in are listed, so a bucket shared with other data
costs one listing per day of the session, not a scan of the bucket.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from capture.journal.audit import AuditSession, AuditShot
from capture.journal.states import UploadState
from capture.spec.payload import CODE_COMPLETE
from capture.storage.base import Storage, StoredObject


@dataclass(frozen=True)
class Mismatch:
    kind: str  # missing | size | etag | callback | stray
    key: str
    words: str


@dataclass
class Reconciliation:
    session_id: int
    where: str  # the storage's label
    folders: list[str] = field(default_factory=list)
    objects: int = 0  # listed under the folders
    checked: int = 0  # uploaded shots held against their objects
    callbacks: int = 0  # complete callbacks held against the storage
    waiting: int = 0  # shots not uploaded yet (pending): not expected in the storage
    others: int = 0  # objects of other sessions' shots in the same folders
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def folders_of(keys: Iterable[str]) -> list[str]:
    """The `<prefix>/<yyyymmdd>/` folders the keys live in, each once, in order."""
    return sorted({key.rpartition("/")[0] + "/" if "/" in key else "" for key in keys})


def reconcile(
    session: AuditSession, storage: Storage, owned: Callable[[Iterable[str]], set[str]]
) -> Reconciliation:
    """Compare; `owned` says which keys some shot of the journal has (strays are the rest).
    Raises StorageError when the storage cannot be listed."""
    result = Reconciliation(session.id, storage.label)
    keys = [shot.key for shot in session.shots]
    result.folders = folders_of(keys)
    listed: dict[str, StoredObject] = {}
    for folder in result.folders:
        for item in storage.list(folder):
            listed[item.key] = item
    result.objects = len(listed)
    mine = set(keys)
    for shot in session.shots:
        if shot.state is UploadState.PENDING:
            result.waiting += 1
        elif shot.state is UploadState.UPLOADED:
            result.checked += 1
            result.mismatches += _shot_mismatches(shot, listed.get(shot.key))
    for callback in session.callbacks:
        if callback.code != CODE_COMPLETE:
            continue  # a 206 says the object is not there
        result.callbacks += 1
        if callback.key not in listed and storage.stat(callback.key) is None:
            words = f"callback {callback.id} (code {callback.code}) names {callback.key}"
            result.mismatches.append(Mismatch("callback", callback.key, words + ", not stored"))
    others = [key for key in listed if key not in mine]
    known = owned(others) if others else set()
    result.others = len(known)
    for key in others:
        if key not in known:
            words = f"{key} ({listed[key].size} bytes) is a stray: no shot in the journal has it"
            result.mismatches.append(Mismatch("stray", key, words))
    return result


def _shot_mismatches(shot: AuditShot, stored: StoredObject | None) -> list[Mismatch]:
    where = f"shot {shot.id} ({shot.key})"
    if stored is None:
        return [Mismatch("missing", shot.key, f"{where} was uploaded but has no object")]
    if stored.size != shot.size:
        words = f"{where} is {stored.size} bytes in the storage, {shot.size} journaled"
        return [Mismatch("size", shot.key, words)]
    if shot.md5 and not stored.multipart and stored.etag != shot.md5:
        words = (
            f"{where} has ETag {stored.etag} but the JPEG's MD5 is {shot.md5}: "
            "the stored bytes are not the ones uploaded"
        )
        return [Mismatch("etag", shot.key, words)]
    return []
