"""Photos as a phone makes them: a JPEG carrying GPS EXIF, the device, the time, XMP, a comment and an ICC profile."""

import io

from PIL import Image, ImageCms

LATITUDE = (41.0, 48.0, 20.0)  # 41°48'20" N
LONGITUDE = (123.0, 25.0, 54.0)  # 123°25'54" E
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description>safe house</rdf:Description></x:xmpmeta>'


def gps_jpeg(size: tuple[int, int] = (2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (180, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel 12"  # Model
    exif[0x0132] = "2026:01:02 03:04:05"  # DateTime
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: LATITUDE, 3: "E", 4: LONGITUDE})
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, icc_profile=icc, comment=b"taken near the border", xmp=XMP)
    return out.getvalue()


def metadata_of(content: bytes) -> dict:
    """Everything but pixels a JPEG or PNG carries: EXIF (with GPS), XMP, ICC, comments, text chunks."""
    image = Image.open(io.BytesIO(content))
    exif = image.getexif()
    return {
        "exif": dict(exif),
        "gps": dict(exif.get_ifd(0x8825)),
        "info": {
            key: value
            for key, value in image.info.items()
            if key not in ("jfif", "jfif_version", "jfif_unit", "jfif_density", "progressive", "progression", "dpi")
        },
        "raw_markers": [
            marker
            for marker in (b"Exif", b"PhoneMaker", b"safe house", b"http://ns.adobe.com/xap", b"ICC_PROFILE", b"border")
            if marker in content
        ],
    }
