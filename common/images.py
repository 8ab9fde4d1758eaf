"""Uploaded images made safe to store and serve: bounded in bytes and pixels, resized, re-encoded without metadata.

`open_bounded` refuses a file before decoding it when its header announces too many pixels (a small PNG can
announce 6000x6000, or a decompression bomb billions), so nothing large is ever decoded. `encode_within` draws
the pixels into a new image no bigger than a box and writes them out fresh: no EXIF (GPS, camera, dates), no
XMP, no comments, no colour profile travel with it. Only pixels are kept; the upload itself is never stored.
"""

import io
import warnings
from dataclasses import dataclass
from typing import IO

from PIL import Image, ImageOps, UnidentifiedImageError

# The formats accepted from an upload. Everything is stored as PNG (keeps transparency) or JPEG (photographs).
ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF", "WEBP"}


class ImageRejected(Exception):
    """Why an upload cannot be used. `reason` is one of: "bytes", "pixels", "format", "unreadable"."""

    def __init__(self, reason: str, **details: int | str) -> None:
        super().__init__(reason, details)
        self.reason = reason
        self.details = details


@dataclass(frozen=True)
class Encoded:
    content: bytes
    extension: str  # "png" or "jpg"
    width: int
    height: int


def open_bounded(file: IO[bytes], *, size: int, max_bytes: int, max_side: int) -> Image.Image:
    """The decoded image, refused (ImageRejected) when over `max_bytes`, over `max_side` pixels either way,
    not one of ACCEPTED_FORMATS, or unreadable. Dimensions are checked from the header, before decoding."""
    if size > max_bytes:
        raise ImageRejected("bytes", size=size, limit=max_bytes)
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file)  # reads the header only
            if image.format not in ACCEPTED_FORMATS:
                raise ImageRejected("format", format=image.format or "")
            width, height = image.size
            if width > max_side or height > max_side:
                raise ImageRejected("pixels", width=width, height=height, limit=max_side)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("pixels", width=0, height=0, limit=max_side) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageRejected("unreadable") from exc
    return image


def encode_within(image: Image.Image, *, box: tuple[int, int]) -> Encoded:
    """The image turned upright (by its EXIF orientation), scaled down to fit `box` (never up), as a new file
    carrying pixels only. Images with transparency or few colours become PNG; photographs JPEG."""
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    photo = image.format == "JPEG" and not has_alpha
    mode = "RGB" if photo or not has_alpha else "RGBA"
    pixels = upright.convert(mode)
    pixels.thumbnail(box, Image.Resampling.LANCZOS)
    clean = Image.new(mode, pixels.size)  # a fresh image: no info, no EXIF, no ICC profile from the upload
    clean.paste(pixels)
    out = io.BytesIO()
    if photo:
        clean.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    else:
        clean.save(out, format="PNG", optimize=True)
    return Encoded(out.getvalue(), "jpg" if photo else "png", clean.width, clean.height)
