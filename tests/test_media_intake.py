"""Uploads with real files made by Pillow: each accepted and normalised, or refused
with UNSUPPORTED_MEDIA and nothing left behind (no row, no file, no temp file)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, features
from sqlalchemy import func, select

from cms.db import Database
from cms.errors import Invalid, UnsupportedMedia, UserError
from cms.media.intake import inspect
from cms.media.renditions import OutputFormat, Spec, render
from cms.models import Change
from cms.models import Image as ImageRow
from cms.services.images import ImageFields, add_image
from cms.settings import Settings

CREDIT = ImageFields(
    title="Harbour", creator="Jane Example", source_url="https://example.org/p/1", license="CC-BY-2.0"
)
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
    b'xmpRights:WebStatement="https://www.flickr.com/photos/jane/1">'
    b'<cc:license rdf:resource="https://creativecommons.org/licenses/by-sa/4.0/"/>'
    b"<dc:creator><rdf:Seq><rdf:li>Jane &amp; Co</rdf:li></rdf:Seq></dc:creator>"
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def photo(size: tuple[int, int] = (64, 48), mode: str = "RGB") -> Image.Image:
    """A picture with structure (left red, right blue), so orientation and crops show."""
    im = Image.new("RGB", size, (200, 30, 30))
    im.paste((30, 30, 200), (size[0] // 2, 0, size[0], size[1]))
    return im.convert(mode)


def save(im: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **options)
    return out.getvalue()


def exif_jpeg() -> bytes:
    """Orientation 6 (turn 90 degrees clockwise to view) and a GPS position."""
    im = photo((64, 48))
    exif = im.getexif()
    exif[0x0112] = 6
    exif[0x010F] = "SecretCam"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    return save(im, "JPEG", exif=exif.tobytes(), comment=b"<script>alert(1)</script>")


def sixteen_bit_png() -> bytes:
    ramp = Image.linear_gradient("L").transpose(Image.Transpose.ROTATE_90).resize((64, 32)).convert("I")
    return save(ramp.point(lambda v: v * 257).convert("I;16"), "PNG")


def animated_gif(frames: int = 3) -> bytes:
    images = [Image.new("RGB", (32, 32), (i % 256, (i * 7) % 256, 255 - i % 256)) for i in range(frames)]
    return save(images[0], "GIF", save_all=True, append_images=images[1:], duration=100, loop=0)


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A valid PNG header claiming a huge canvas, with hardly any data behind it."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000))


GOOD = {
    "jpeg-exif": (exif_jpeg, "JPEG", (48, 64)),
    "cmyk-jpeg": (lambda: save(photo(mode="CMYK"), "JPEG"), "JPEG", (64, 48)),
    "png-16bit": (sixteen_bit_png, "PNG", (64, 32)),
    "png-alpha": (lambda: save(photo(mode="RGBA"), "PNG"), "PNG", (64, 48)),
    "gif-animated": (animated_gif, "GIF", (32, 32)),
    "webp": (lambda: save(photo(), "WEBP"), "WEBP", (64, 48)),
    "jpeg-xmp": (lambda: save(photo(), "JPEG", xmp=XMP), "JPEG", (64, 48)),
}
if features.check("avif"):
    GOOD["avif"] = (lambda: save(photo(), "AVIF"), "AVIF", (64, 48))

BAD = {
    "empty": (lambda: b"", "empty"),
    "html-named-jpg": (lambda: b"<!doctype html><html><script>alert(1)</script></html>", "not an image"),
    "svg-with-script": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>',
        "not an image",
    ),
    "truncated-jpeg": (lambda: save(photo((256, 256)), "JPEG", quality=95)[:600], "damaged"),
    "bomb-png": (bomb_png, "megapixels"),
    "bomb-over-our-limit": (lambda: bomb_png(8000, 7000), "the limit is 50 megapixels"),
    "absurd-strip": (lambda: bomb_png(30000, 10), "no side may exceed"),
    "too-many-frames": (lambda: animated_gif(101), "101 frames"),
    "bmp": (lambda: save(photo(), "BMP"), "not an image"),
}


@pytest.mark.parametrize("name", GOOD)
def test_accepted_images_are_identified_from_their_bytes(name: str) -> None:
    make, fmt, size = GOOD[name]
    intake = inspect(make(), max_pixels=50_000_000)
    assert intake.format == fmt
    assert (intake.width, intake.height) == size
    assert len(intake.placeholder.blurhash) >= 6
    assert intake.placeholder.dominant_color.startswith("#")
    assert len(intake.placeholder.dominant_color) == 7
    assert intake.placeholder.data_uri.startswith("data:image/webp;base64,")
    assert len(intake.placeholder.data_uri) < 1024


@pytest.mark.parametrize("name", BAD)
def test_refused_files_say_why(name: str) -> None:
    make, message = BAD[name]
    with pytest.raises(UnsupportedMedia, match=message) as caught:
        inspect(make(), max_pixels=50_000_000)
    assert caught.value.code == "UNSUPPORTED_MEDIA"


def test_animated_gif_reports_its_frames() -> None:
    assert inspect(animated_gif(5), max_pixels=50_000_000).frames == 5


def test_xmp_rights_are_read() -> None:
    rights = inspect(GOOD["jpeg-xmp"][0](), max_pixels=50_000_000).rights
    assert rights.creator == "Jane & Co"
    assert rights.license_url == "https://creativecommons.org/licenses/by-sa/4.0/"
    assert rights.web_statement == "https://www.flickr.com/photos/jane/1"


def _decoded(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def test_renditions_carry_no_metadata_and_keep_the_orientation() -> None:
    data, _ = render(exif_jpeg(), Spec(format=OutputFormat.JPEG), max_size=4000)
    out = _decoded(data)
    assert out.size == (48, 64)  # turned upright
    assert not out.getexif()
    assert "comment" not in out.info
    assert b"SecretCam" not in data
    assert b"script" not in data
    # The top of the upright picture is what was the left (red) of the stored one.
    r, _, b = out.convert("RGB").getpixel((24, 5))  # type: ignore[misc]
    assert r > 150 > b


def test_cmyk_becomes_rgb_and_16_bit_is_scaled_not_clipped() -> None:
    cmyk, _ = render(save(photo(mode="CMYK"), "JPEG"), Spec(format=OutputFormat.WEBP), max_size=4000)
    assert _decoded(cmyk).mode == "RGB"
    grey, _ = render(sixteen_bit_png(), Spec(format=OutputFormat.PNG), max_size=4000)
    im = _decoded(grey).convert("L")
    values = [im.getpixel((x, 16)) for x in range(64)]
    assert min(values) < 20  # the dark end survives: clipping would make it all 255
    assert max(values) > 235
    assert values in (sorted(values), sorted(values, reverse=True))


def test_alpha_is_kept_where_the_format_has_it() -> None:
    source = save(photo(mode="RGBA").resize((64, 48)), "PNG")
    transparent = Image.new("RGBA", (64, 48), (0, 0, 0, 0))
    source = save(transparent, "PNG")
    png, _ = render(source, Spec(format=OutputFormat.PNG), max_size=4000)
    webp, _ = render(source, Spec(format=OutputFormat.WEBP), max_size=4000)
    jpeg, _ = render(source, Spec(format=OutputFormat.JPEG), max_size=4000)
    assert _decoded(png).mode == "RGBA"
    assert _decoded(webp).mode == "RGBA"
    assert _decoded(jpeg).mode == "RGB"
    assert _decoded(jpeg).getpixel((5, 5)) == (255, 255, 255)  # flattened onto white


def test_animated_gif_renders_its_first_frame() -> None:
    data, _ = render(animated_gif(3), Spec(format=OutputFormat.PNG), max_size=4000)
    assert getattr(_decoded(data), "n_frames", 1) == 1


# --- the service: nothing left behind -------------------------------------------------


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _count(db: Database, model: Any) -> int:
    with db.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(model.__table__)).scalar_one())


@pytest.mark.parametrize("name", BAD)
def test_a_refused_upload_leaves_nothing_behind(name: str, db: Database, settings: Settings) -> None:
    images, changes = _count(db, ImageRow), _count(db, Change)
    with pytest.raises(UnsupportedMedia), db.write() as session:
        add_image(session, data=BAD[name][0](), filename="photo.jpg", fields=CREDIT, settings=settings)
    assert _files(settings.media_root) == []
    assert (_count(db, ImageRow), _count(db, Change)) == (images, changes)


def test_an_accepted_upload_is_stored_by_hash_and_recorded(db: Database, settings: Settings) -> None:
    data = exif_jpeg()
    with db.write() as session:
        pk = add_image(session, data=data, filename="../../etc/x.jpg", fields=CREDIT, settings=settings)
    with db.connect() as conn:
        row = conn.execute(select(ImageRow.__table__).where(ImageRow.__table__.c.id == pk)).one()  # type: ignore[attr-defined]
    assert (row.width, row.height, row.format, row.mime_type, row.frames) == (48, 64, "JPEG", "image/jpeg", 1)
    assert row.storage_key == f"originals/{row.sha256[:2]}/{row.sha256[2:4]}/{row.sha256}.jpg"
    assert row.byte_size == len(data)
    assert row.blurhash
    assert row.dominant_color
    assert row.data_uri
    assert _files(settings.media_root) == [row.storage_key]
    assert (settings.media_root / row.storage_key).read_bytes() == data
    with db.connect() as conn:
        kinds = conn.execute(
            select(Change.__table__.c.kind).where(Change.__table__.c.entity_id == pk)  # type: ignore[attr-defined]
        ).all()
    assert [k for (k,) in kinds] == ["create"]


def test_the_same_bytes_twice_share_one_file(db: Database, settings: Settings) -> None:
    data = save(photo(), "PNG")
    with db.write() as session:
        first = add_image(session, data=data, filename="a.png", fields=CREDIT, settings=settings)
        second = add_image(session, data=data, filename="b.png", fields=CREDIT, settings=settings)
    assert first != second
    assert len(_files(settings.media_root)) == 1


def test_a_database_failure_removes_the_file_it_wrote(
    db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr("cms.services.images.changes.record", broken)
    images = _count(db, ImageRow)
    with pytest.raises(RuntimeError), db.write() as session:
        add_image(session, data=save(photo(), "PNG"), filename="a.png", fields=CREDIT, settings=settings)
    assert _files(settings.media_root) == []
    assert _count(db, ImageRow) == images


def test_xmp_prefills_the_credit(db: Database, settings: Settings) -> None:
    with db.write() as session:
        pk = add_image(
            session, data=GOOD["jpeg-xmp"][0](), filename="x.jpg", fields=ImageFields(), settings=settings
        )
    with db.connect() as conn:
        row = conn.execute(select(ImageRow.__table__).where(ImageRow.__table__.c.id == pk)).one()  # type: ignore[attr-defined]
    assert (row.creator, row.license_code, row.source_url) == (
        "Jane & Co",
        "CC-BY-SA-4.0",
        "https://www.flickr.com/photos/jane/1",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (ImageFields(license="CC-BY-2.0", title="T"), "give the creator"),
        (ImageFields(license="CC-BY-NC-ND-4.0", creator="Jane"), "title or its source URL"),
        (ImageFields(license="ARR", title="T"), "rights holder"),
        (ImageFields(), "give the image's licence"),
        (ImageFields(license="CC-XYZ"), "unknown licence"),
        (ImageFields(license="CC0-1.0", focal_point=(1.5, 0.5)), "focal point"),
    ],
)
def test_credits_are_checked_per_licence(
    fields: ImageFields, message: str, db: Database, settings: Settings
) -> None:
    with pytest.raises(Invalid, match=message) as caught, db.write() as session:
        add_image(session, data=save(photo(), "PNG"), filename="a.png", fields=fields, settings=settings)
    assert caught.value.code == "INVALID"
    assert _files(settings.media_root) == []


@pytest.mark.parametrize("licence", ["CC0-1.0", "CC-PDM-1.0", "US-GOV", "4"])
def test_public_domain_needs_no_credit_and_flickr_ids_resolve(
    licence: str, db: Database, settings: Settings
) -> None:
    fields = ImageFields(license=licence, creator="Jane" if licence == "4" else "", title="T")
    with db.write() as session:
        assert add_image(session, data=save(photo(), "PNG"), filename="a", fields=fields, settings=settings)


def test_an_upload_over_the_size_limit_is_refused(db: Database, settings: Settings) -> None:
    small = Settings(**{**settings.__dict__, "max_upload_bytes": 100})
    with pytest.raises(UserError, match="limit is"), db.write() as session:
        add_image(session, data=save(photo(), "PNG"), filename="a", fields=CREDIT, settings=small)
