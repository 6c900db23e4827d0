"""Checking and re-encoding uploaded photos: only real images, at most 10 MB and 40 megapixels,
re-encoded as JPEG so no EXIF (and no GPS position of a resident's home) is ever kept."""

import io
import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 6


class UploadError(ValueError):
    pass


def clean_image(upload) -> ContentFile:
    name = getattr(upload, "name", "photo")
    if upload.size > MAX_BYTES:
        raise UploadError(_("%(name)s is larger than 10 MB.") % {"name": name})
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise UploadError(_("%(name)s has more than 40 megapixels.") % {"name": name})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((4096, 4096))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, UploadError):
            raise
        raise UploadError(_("%(name)s is not a photo we can read (JPEG, PNG or WebP).") % {"name": name}) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex[:12]}.jpg")
