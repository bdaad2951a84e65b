#!/usr/bin/env python3
"""Draws cctrial's notification icons, pass.png and fail.png.

A pass is a white check mark on a green disc, a failure a white cross on a
red disc: 128x128 RGBA, the edges smoothed by sampling each pixel 4x4
times.  Only the standard library is used (zlib and struct write the PNG),
so the icons can be drawn again anywhere:

    python3 plugins/icons/make_icons.py [OUTPUT_DIR]

The output directory defaults to the directory of this script, where the
committed PNGs live.
"""

import math
import os
import struct
import sys
import zlib

SIZE = 128
SAMPLES = 4  # per axis, for anti-aliasing
GREEN = (46, 160, 67)
RED = (207, 34, 46)
WHITE = (255, 255, 255)
RADIUS = 0.47  # of the icon's width
STROKE = 0.055  # half the width of the white strokes

# The white strokes, as segments in unit coordinates (0..1, y down).
CHECK = [((0.28, 0.52), (0.44, 0.68)), ((0.44, 0.68), (0.73, 0.35))]
CROSS = [((0.32, 0.32), (0.68, 0.68)), ((0.68, 0.32), (0.32, 0.68))]


def distance_to_segment(p, a, b):
    """The distance from point p to the segment a-b."""
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    t = ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def sample(x, y, disc, strokes):
    """The colour at one point, or None outside the disc."""
    if math.hypot(x - 0.5, y - 0.5) > RADIUS:
        return None
    for a, b in strokes:
        if distance_to_segment((x, y), a, b) <= STROKE:
            return WHITE
    return disc


def pixel(col, row, disc, strokes):
    """One RGBA pixel: the average of SAMPLES x SAMPLES points in it."""
    total = [0, 0, 0]
    covered = 0
    for i in range(SAMPLES):
        for j in range(SAMPLES):
            x = (col + (i + 0.5) / SAMPLES) / SIZE
            y = (row + (j + 0.5) / SAMPLES) / SIZE
            colour = sample(x, y, disc, strokes)
            if colour is not None:
                covered += 1
                for k in range(3):
                    total[k] += colour[k]
    if not covered:
        return bytes(4)
    alpha = round(255 * covered / (SAMPLES * SAMPLES))
    return bytes([round(c / covered) for c in total] + [alpha])


def chunk(kind, data):
    """One PNG chunk: length, type, data, CRC of type and data."""
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(disc, strokes):
    """The bytes of one icon as a PNG file (8-bit RGBA, no filtering)."""
    rows = bytearray()
    for row in range(SIZE):
        rows.append(0)  # filter type: none
        for col in range(SIZE):
            rows += pixel(col, row, disc, strokes)
    header = struct.pack(">IIBBBBB", SIZE, SIZE, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) +
            chunk(b"IDAT", zlib.compress(bytes(rows), 9)) +
            chunk(b"IEND", b""))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    for name, disc, strokes in (("pass.png", GREEN, CHECK),
                                ("fail.png", RED, CROSS)):
        with open(os.path.join(out, name), "wb") as f:
            f.write(png(disc, strokes))


if __name__ == "__main__":
    main()
