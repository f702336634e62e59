#!/usr/bin/env python3
"""Draw the skill's store icons (108 and 512 px PNG) with the standard library only.

Two soft circles leaning into each other on a night-blue ground: two people, close.
Deterministic, so running it again rewrites the same bytes:

    python scripts/make_icons.py            # writes skill-package/assets/images/*.png
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "skill-package" / "assets" / "images"
SIZES = {"en-US_smallIconUri.png": 108, "en-US_largeIconUri.png": 512}

GROUND_TOP = (24, 30, 58)  # night blue, a touch lighter at the top
GROUND_BOTTOM = (14, 17, 36)
# (centre x, centre y, radius) as fractions of the side, and colour with opacity.
CIRCLES = (
    ((0.40, 0.52, 0.22), (242, 170, 140), 0.92),  # warm peach
    ((0.60, 0.48, 0.22), (176, 160, 232), 0.80),  # soft lavender
)


def coverage(distance: float, radius: float) -> float:
    """How much of a pixel a circle's edge covers: a one-pixel smooth edge (antialiasing)."""
    return min(1.0, max(0.0, radius - distance + 0.5))


def pixel(x: float, y: float, side: int) -> tuple[int, int, int]:
    t = y / side
    colour = [a + (b - a) * t for a, b in zip(GROUND_TOP, GROUND_BOTTOM, strict=True)]
    for (cx, cy, r), rgb, opacity in CIRCLES:
        alpha = opacity * coverage(math.hypot(x - cx * side, y - cy * side), r * side)
        if alpha:
            colour = [c + (v - c) * alpha for c, v in zip(colour, rgb, strict=True)]
    return (round(colour[0]), round(colour[1]), round(colour[2]))


def png(side: int) -> bytes:
    """An RGB PNG of the icon, `side` pixels square."""
    rows = bytearray()
    for y in range(side):
        rows.append(0)  # filter: none
        for x in range(side):
            rows.extend(pixel(x + 0.5, y + 0.5, side))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0]) if argv else IMAGES
    out.mkdir(parents=True, exist_ok=True)
    for name, side in SIZES.items():
        (out / name).write_bytes(png(side))
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
