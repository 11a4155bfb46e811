"""The Storage interface, on the local folder and on an S3 bucket alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cms.errors import StorageUnavailable
from cms.media.storage import LocalStorage, Storage, original_key, rendition_key, rendition_source
from cms.services.images import storage_for
from cms.settings import Settings

SHA = "ab" * 32


@pytest.fixture
def storage(media_settings: Settings) -> Storage:
    return storage_for(media_settings)


def test_put_read_open_and_delete(storage: Storage) -> None:
    key = original_key(SHA, "jpg")
    assert not storage.exists(key)
    assert storage.open(key) is None
    with pytest.raises(FileNotFoundError):
        storage.read(key)
    storage.put(key, b"pixels" * 100_000)
    assert storage.exists(key)
    assert storage.read(key) == b"pixels" * 100_000
    blob = storage.open(key)
    assert blob is not None
    assert blob.size == 600_000
    assert b"".join(blob.chunks()) == b"pixels" * 100_000
    blob.close()
    storage.put(key, b"other")  # a put replaces
    assert storage.read(key) == b"other"
    storage.delete(key)
    storage.delete(key)  # deleting what is gone is no error
    assert not storage.exists(key)


def test_entries_list_keys_with_size_and_time(storage: Storage) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    keys = [original_key(SHA, "jpg"), rendition_key(SHA, "w400.jpg"), rendition_key(SHA, "w800.webp")]
    for index, key in enumerate(keys):
        storage.put(key, b"x" * (index + 1))
    renditions = sorted(storage.entries("renditions/"))
    assert [(e.key, e.size) for e in renditions] == [(keys[1], 2), (keys[2], 3)]
    assert all(before <= e.modified <= datetime.now(UTC) + timedelta(seconds=5) for e in renditions)
    assert [e.key for e in storage.entries("originals/")] == [keys[0]]
    assert [e.key for e in storage.entries(f"renditions/ab/ab/{SHA}/w4")] == [keys[1]]
    assert rendition_source(keys[1]) == SHA
    assert rendition_source(keys[0]) is None
    storage.delete_many(keys)
    assert list(storage.entries("renditions/")) == []
    assert list(storage.entries("originals/")) == []


def test_keys_are_checked_so_a_bug_cannot_escape_the_store(storage: Storage) -> None:
    for bad in ["../etc/passwd", "originals/../../x", "elsewhere/x", "originals", "originals/a b"]:
        with pytest.raises(ValueError, match="not a storage key"):
            storage.put(bad, b"x")


def test_a_ready_store_checks_fine(storage: Storage) -> None:
    storage.check()


def test_the_folder_keeps_no_empty_directories_after_deletes(settings: Settings) -> None:
    storage = LocalStorage(settings.media_root)
    key = rendition_key(SHA, "w400.jpg")
    storage.put(key, b"x")
    storage.put(rendition_key("cd" * 32, "w400.jpg"), b"x")
    storage.delete(key)
    assert not (settings.media_root / "renditions" / "ab").exists()
    assert (settings.media_root / "renditions" / "cd").is_dir()


def test_an_unusable_folder_is_a_clear_error(settings: Settings) -> None:
    blocker = settings.media_root.parent / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageUnavailable, match="CMS_MEDIA_ROOT"):
        LocalStorage(blocker / "media").check()
