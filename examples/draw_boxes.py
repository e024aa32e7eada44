"""Draws boxes on a photo's raw RGB pixels and writes a PNG, with nothing but Python's standard
library, for the redis-cli example: the boxes come on stdin as AI.TENSORGET … VALUES prints them
(one number a line, four per box: ymin xmin ymax xmax in 0-1).

    redis-cli AI.TENSORGET boxes VALUES | python3 examples/draw_boxes.py photo.rgb <height> <width> out.png
"""
import struct
import sys
import zlib

rgb_file, height, width, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
pixels = bytearray(open(rgb_file, 'rb').read())
values = [float(v) for v in sys.stdin.read().split()]


def paint(x, y):
    if 0 <= x < width and 0 <= y < height:
        pixels[(y * width + x) * 3:(y * width + x) * 3 + 3] = b'\xff\x40\x00'


for i in range(0, len(values) - 3, 4):
    y0, x0, y1, x1 = (round(values[i] * height), round(values[i + 1] * width), round(values[i + 2] * height), round(values[i + 3] * width))
    for t in range(3):
        for x in range(x0, x1 + 1):
            paint(x, y0 + t)
            paint(x, y1 - t)
        for y in range(y0, y1 + 1):
            paint(x0 + t, y)
            paint(x1 - t, y)


def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)


rows = b''.join(b'\x00' + bytes(pixels[y * width * 3:(y + 1) * width * 3]) for y in range(height))
with open(out, 'wb') as f:
    f.write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))
