"""Image uploads: checked by content (not by name), re-encoded without metadata and stored under the data directory."""

from __future__ import annotations

import asyncio
import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product, ProductImage
from livestall.errors import Invalid, NotFound, TooLarge

ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
           "GIF": ("image/gif", "gif")}
# Quality 90 shows no loss on a product photo. Frames are re-encoded whole (composited), so a GIF frame
# must replace the one before it (disposal 2), not be laid over it.
ENCODER_OPTIONS = {"JPEG": {"quality": 90}, "PNG": {}, "WEBP": {"quality": 90}, "GIF": {"disposal": 2}}
# What survives re-encoding: how the pixels look and move. EXIF (GPS, camera, owner), XMP, comments and
# text chunks are dropped; an ICC profile describes colours, not people.
KEPT_INFO = {"transparency", "icc_profile", "duration", "loop"}
MAX_IMAGES_PER_PRODUCT = 12


@dataclass(frozen=True)
class CleanImage:
    """An accepted image, re-encoded upright and without metadata."""

    data: bytes
    content_type: str
    ext: str
    width: int
    height: int


def _too_many_pixels(max_pixels: int) -> Invalid:
    return Invalid.field("file", "max_pixels", f"must have at most {max_pixels} pixels")


def clean_image(data: bytes, *, max_bytes: int, max_pixels: int) -> CleanImage:
    """The image upright (EXIF orientation applied) and re-encoded without metadata, or a problem naming 'file'."""
    if len(data) > max_bytes:
        raise TooLarge.field("file", "max_size", f"must be at most {max_bytes} bytes")
    if not data:
        raise Invalid.field("file", "not_empty", "is empty")
    not_an_image = Invalid.field("file", "image_type", "must be a JPEG, PNG, WebP or GIF image")
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ALLOWED:
                raise not_an_image
            fmt, frames, pixels = img.format, [], 0
            # The header's size is checked before any frame is decoded: a small file can declare a huge picture.
            for frame in ImageSequence.Iterator(img):
                pixels += frame.width * frame.height
                if pixels > max_pixels:
                    raise _too_many_pixels(max_pixels)
                upright = ImageOps.exif_transpose(frame)
                upright.info = {k: v for k, v in frame.info.items() if k in KEPT_INFO}
                frames.append(upright)
    except Image.DecompressionBombError:
        raise _too_many_pixels(max_pixels) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_an_image from None
    out = io.BytesIO()
    animated = {"save_all": True, "append_images": frames[1:]} if len(frames) > 1 else {}
    frames[0].save(out, fmt, icc_profile=frames[0].info.get("icc_profile"), **ENCODER_OPTIONS[fmt], **animated)
    content_type, ext = ALLOWED[fmt]
    return CleanImage(out.getvalue(), content_type, ext, frames[0].width, frames[0].height)


@dataclass(frozen=True)
class StoredImage:
    """An accepted image written under the upload directory; `path` is relative to it."""

    path: str
    content_type: str
    size_bytes: int
    width: int
    height: int


def _clean_and_write(data: bytes, upload_dir: Path, folder: str, *, max_bytes: int, max_pixels: int) -> StoredImage:
    image = clean_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    relative = f"{folder}/{uuid.uuid4().hex}.{image.ext}"
    target = upload_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(image.data)
    return StoredImage(relative, image.content_type, len(image.data), image.width, image.height)


async def store_image(data: bytes, upload_dir: Path, folder: str, *, max_bytes: int, max_pixels: int) -> StoredImage:
    """Clean an image (see `clean_image`) and write it, under a random name, to `folder` of the upload directory."""
    # Decoding and encoding a phone photo takes a CPU-bound fraction of a second: not on the event loop.
    return await asyncio.to_thread(_clean_and_write, data, upload_dir, folder, max_bytes=max_bytes,
                                   max_pixels=max_pixels)


async def do_add_image(*, session: AsyncSession, product: Product, data: bytes, upload_dir: Path,
                       max_bytes: int, max_pixels: int) -> ProductImage:
    """Store a checked image for `product`; the file is written only if the image is acceptable."""
    if len(product.images) >= MAX_IMAGES_PER_PRODUCT:
        raise Invalid.field("file", "max_images", f"a product has at most {MAX_IMAGES_PER_PRODUCT} images")
    stored = await store_image(data, upload_dir, "products", max_bytes=max_bytes, max_pixels=max_pixels)
    image = ProductImage(path=stored.path, content_type=stored.content_type, size_bytes=stored.size_bytes,
                         width=stored.width, height=stored.height)
    product.images.append(image)
    await session.flush()
    return image


async def do_remove_image(*, session: AsyncSession, product: Product, image_id: int, upload_dir: Path) -> None:
    """Delete one of the product's images and its file."""
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        raise NotFound(f"no image {image_id} on product {product.id}")
    product.images.remove(image)
    await session.flush()
    (upload_dir / image.path).unlink(missing_ok=True)
