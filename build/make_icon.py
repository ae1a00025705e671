"""Draw the program icon (``resources/icons/app.png`` 256 px and the multi-size ``app.ico``).

Run once after changing the design: ``python build/make_icon.py``. A rounded blue square with
a white 奖 in the bundled font, drawn at 4× and scaled down so the edges are smooth; the small
ICO sizes are drawn separately (not just shrunk) with a heavier stroke so 16 px stays legible.
"""

from __future__ import annotations

import os

from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT = os.path.join(ROOT, "resources", "fonts", "wqy-microhei.ttc")
OUT = os.path.join(ROOT, "resources", "icons")
CHAR = "奖"
TOP, BOTTOM = (46, 125, 222), (18, 72, 160)  # blue gradient, top → bottom
ICO_SIZES = (16, 20, 24, 32, 40, 48, 64, 128, 256)


def _gradient(size: int) -> Image.Image:
    column = Image.new("RGB", (1, size))
    for y in range(size):
        t = y / max(size - 1, 1)
        column.putpixel(
            (0, y), tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True))
        )
    return column.resize((size, size))


def draw(size: int) -> Image.Image:
    scale = 4
    big = size * scale
    margin = round(big * (0.03 if size >= 32 else 0.0))
    radius = round(big * 0.2)
    mask = Image.new("L", (big, big), 0)
    ImageDraw.Draw(mask).rounded_rectangle(
        (margin, margin, big - 1 - margin, big - 1 - margin), radius=radius, fill=255
    )
    icon = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    icon.paste(_gradient(big), (0, 0), mask)

    # The character: as large as fits, centred on its ink (not on the font's line box).
    glyph_box = big - 2 * margin
    font = ImageFont.truetype(FONT, round(glyph_box * (0.72 if size >= 32 else 0.86)), index=0)
    layer = Image.new("L", (big, big), 0)
    d = ImageDraw.Draw(layer)
    stroke = 0 if size >= 48 else max(1, round(big * (0.012 if size >= 24 else 0.02)))
    left, top, right, bottom = d.textbbox((0, 0), CHAR, font=font, stroke_width=stroke)
    x = (big - (right - left)) / 2 - left
    y = (big - (bottom - top)) / 2 - top
    d.text((x, y), CHAR, font=font, fill=255, stroke_width=stroke, stroke_fill=255)

    if size >= 64:  # a soft shadow under the character for depth at large sizes
        offset = Image.new("L", (big, big), 0)
        offset.paste(layer.filter(ImageFilter.GaussianBlur(big * 0.01)), (0, round(big * 0.014)))
        shadow = Image.new("RGBA", (big, big), (6, 24, 70, 0))
        shadow.putalpha(offset.point(lambda v: v * 45 // 100))
        shadow.putalpha(
            Image.composite(shadow.getchannel("A"), Image.new("L", (big, big), 0), mask)
        )
        icon = Image.alpha_composite(icon, shadow)
    icon.paste(Image.new("RGBA", (big, big), (255, 255, 255, 255)), (0, 0), layer)
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    images = {s: draw(s) for s in ICO_SIZES}
    images[256].save(os.path.join(OUT, "app.png"), optimize=True)
    # Pillow writes one PNG/BMP entry per size; the 256 image is the base, each size its own drawing.
    images[256].save(
        os.path.join(OUT, "app.ico"),
        format="ICO",
        sizes=[(s, s) for s in ICO_SIZES],
        append_images=[images[s] for s in ICO_SIZES if s != 256],
    )
    print(f"wrote {OUT}{os.sep}app.png and app.ico ({', '.join(map(str, ICO_SIZES))} px)")


if __name__ == "__main__":
    main()
