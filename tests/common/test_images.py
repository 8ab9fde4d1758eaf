import io
import struct
import zlib

import pytest
from PIL import Image

from common import images


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header announces width x height pixels (a decompression bomb's shape)."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


@pytest.mark.parametrize("side", [5001, 100_000])
def test_dimensions_are_refused_from_the_header_before_decoding(side):
    data = _png_claiming(side, side)
    with pytest.raises(images.ImageRejected) as refused:
        images.open_bounded(io.BytesIO(data), size=len(data), max_bytes=10_000, max_side=5000)
    assert refused.value.reason == "pixels"


def test_bytes_are_refused_before_the_file_is_read():
    with pytest.raises(images.ImageRejected) as refused:
        images.open_bounded(io.BytesIO(b""), size=10_001, max_bytes=10_000, max_side=5000)
    assert refused.value.details == {"size": 10_001, "limit": 10_000}


def test_an_image_turned_by_its_exif_orientation_is_stored_upright_without_exif():
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to show"
    out = io.BytesIO()
    Image.new("RGB", (400, 200), "white").save(out, format="JPEG", exif=exif)
    image = images.open_bounded(out, size=len(out.getvalue()), max_bytes=10**6, max_side=5000)
    encoded = images.encode_within(image, box=(100, 100))
    stored = Image.open(io.BytesIO(encoded.content))
    assert (encoded.width, encoded.height) == stored.size == (50, 100)
    assert not stored.getexif()
