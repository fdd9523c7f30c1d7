#!/usr/bin/env python3
"""Draws editors/vscode/images/icon.png, the extension's 128x128 icon: a
sales funnel (three bands narrowing downwards) on a rounded square.

    python3 editors/vscode/images/make_icon.py

Standard library only (zlib + struct), so anyone can redraw it.
"""
import pathlib
import struct
import zlib

SIZE = 128
BACKGROUND = (0x1E, 0x3A, 0x5F, 255)
BANDS = [(0x4F, 0xC3, 0xF7, 255), (0x29, 0xB6, 0xF6, 255), (0xFF, 0xCA, 0x28, 255)]
CLEAR = (0, 0, 0, 0)


def inside_rounded_square(x, y, radius=22):
    cx = min(max(x, radius), SIZE - 1 - radius)
    cy = min(max(y, radius), SIZE - 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def funnel_colour(x, y):
    """The band colour at (x, y), or None outside the funnel."""
    top, neck, bottom = 24, 84, 106
    if y < top or y > bottom:
        return None
    if y <= neck:  # the cone: 80 pixels wide at the top, 16 at the neck
        half = 40 - (y - top) * 32 / (neck - top)
    else:  # the spout
        half = 8
    if abs(x + 0.5 - SIZE / 2) > half:
        return None
    band = min((y - top) * 3 // (neck - top + 1), 2) if y <= neck else 2
    gap = y in (top + 20, top + 40)  # thin lines between the bands
    return None if gap else BANDS[band]


def pixel(x, y):
    if not inside_rounded_square(x, y):
        return CLEAR
    return funnel_colour(x, y) or BACKGROUND


def png(width, height, rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def main():
    rows = [[pixel(x, y) for x in range(SIZE)] for y in range(SIZE)]
    out = pathlib.Path(__file__).with_name("icon.png")
    out.write_bytes(png(SIZE, SIZE, rows))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
