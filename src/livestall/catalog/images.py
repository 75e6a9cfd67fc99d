"""Product image uploads: checked by content (not by name) and stored under the data directory."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from livestall.catalog.models import Product, ProductImage
from livestall.errors import Invalid, NotFound, TooLarge

ALLOWED = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png"), "WEBP": ("image/webp", "webp"),
           "GIF": ("image/gif", "gif")}
MAX_IMAGES_PER_PRODUCT = 12


def inspect_image(data: bytes, *, max_bytes: int, max_pixels: int) -> tuple[str, str, int, int]:
    """(content type, extension, width, height) of an acceptable image, or a problem naming 'file'."""
    if len(data) > max_bytes:
        raise TooLarge.field("file", "max_size", f"must be at most {max_bytes} bytes")
    if not data:
        raise Invalid.field("file", "not_empty", "is empty")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt, (width, height) = img.format, img.size
            if width * height > max_pixels:
                raise Invalid.field("file", "max_pixels", f"must have at most {max_pixels} pixels")
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise Invalid.field("file", "image_type", "must be a JPEG, PNG, WebP or GIF image") from None
    if fmt not in ALLOWED:
        raise Invalid.field("file", "image_type", "must be a JPEG, PNG, WebP or GIF image")
    content_type, ext = ALLOWED[fmt]
    return content_type, ext, width, height


@dataclass(frozen=True)
class StoredImage:
    """An accepted image written under the upload directory; `path` is relative to it."""

    path: str
    content_type: str
    size_bytes: int
    width: int
    height: int


def store_image(data: bytes, upload_dir: Path, folder: str, *, max_bytes: int, max_pixels: int) -> StoredImage:
    """Check an image by its content and write it, under a random name, to `folder` of the upload directory."""
    content_type, ext, width, height = inspect_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    relative = f"{folder}/{uuid.uuid4().hex}.{ext}"
    target = upload_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return StoredImage(relative, content_type, len(data), width, height)


async def do_add_image(*, session: AsyncSession, product: Product, data: bytes, upload_dir: Path,
                       max_bytes: int, max_pixels: int) -> ProductImage:
    """Store a checked image for `product`; the file is written only if the image is acceptable."""
    if len(product.images) >= MAX_IMAGES_PER_PRODUCT:
        raise Invalid.field("file", "max_images", f"a product has at most {MAX_IMAGES_PER_PRODUCT} images")
    stored = store_image(data, upload_dir, "products", max_bytes=max_bytes, max_pixels=max_pixels)
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
