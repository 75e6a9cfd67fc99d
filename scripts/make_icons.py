"""Draw the app icons (static/img/icon-*.png) from the logo's shapes with Pillow: python scripts/make_icons.py."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parents[1] / "src" / "livestall" / "web" / "static" / "img"
RED, WHITE, YELLOW = (200, 16, 46, 255), (255, 255, 255, 255), (255, 210, 63, 255)
SUPERSAMPLE = 4  # drawn large, then scaled down: smooth edges without an SVG renderer


def draw(size: int, *, maskable: bool) -> Image.Image:
    """The logo (static/img/logo.svg, a 32-unit square) at `size` pixels.

    A maskable icon fills the square and keeps the drawing within the middle 80%, since launchers
    cut it to a circle or a squircle; the plain icon has the logo's own rounded corners.
    """
    big = size * SUPERSAMPLE
    img = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(img)
    unit = big / 32
    if maskable:
        pen.rectangle((0, 0, big, big), fill=RED)
        scale, shift = 0.8 * unit, 16 * unit * 0.2
    else:
        pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=8 * unit, fill=RED)
        scale, shift = unit, 0.0

    def at(x: float, y: float) -> tuple[float, float]:
        return (shift + x * scale, shift + y * scale)

    pen.polygon([at(8, 11), at(24, 11), at(22, 24), at(10, 24)], fill=WHITE)  # the bag
    left, top = at(12, 7)
    right, bottom = at(20, 15)
    pen.arc((left, top, right, bottom), start=180, end=360, fill=WHITE, width=round(2 * scale))  # its handle
    x0, y0 = at(21, 5)
    x1, y1 = at(27, 11)
    pen.ellipse((x0, y0, x1, y1), fill=YELLOW)  # the live dot
    return img.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for name, size, maskable in (("icon-192.png", 192, False), ("icon-512.png", 512, False),
                                 ("icon-maskable-512.png", 512, True)):
        # A 64-colour palette keeps each file a few kilobytes with no visible loss on flat shapes.
        icon = draw(size, maskable=maskable).quantize(64, method=Image.Quantize.FASTOCTREE)
        icon.save(OUT / name, optimize=True)
        print(OUT / name, (OUT / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
