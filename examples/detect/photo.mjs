// Decoding a JPEG photo to RGB pixels and drawing detections on it (jpeg-js: pure JavaScript),
// shared by the Node detection examples.
import { readFileSync, writeFileSync } from 'node:fs';
import jpeg from 'jpeg-js';

/** The photo's pixels as UINT8 [height, width, 3] RGB bytes. */
export function readPhoto(file) {
  const { width, height, data } = jpeg.decode(readFileSync(file), { useTArray: true });
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 4, j += 3) {
    rgb[j] = data[i];
    rgb[j + 1] = data[i + 1];
    rgb[j + 2] = data[i + 2];
  }
  return { width, height, rgb };
}

/** Writes the photo as a JPEG with a 3-pixel rectangle around each box ([ymin, xmin, ymax, xmax] in 0-1). */
export function writeWithBoxes(file, { width, height, rgb }, boxes) {
  const rgba = Buffer.alloc(width * height * 4, 255);
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) rgb.copy(rgba, i, j, j + 3);
  const paint = (x, y) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    rgba.set([255, 64, 0], (y * width + x) * 4);
  };
  for (const [ymin, xmin, ymax, xmax] of boxes) {
    const [x0, y0, x1, y1] = [xmin * width, ymin * height, xmax * width, ymax * height].map(Math.round);
    for (let t = 0; t < 3; t++) {
      for (let x = x0; x <= x1; x++) { paint(x, y0 + t); paint(x, y1 - t); }
      for (let y = y0; y <= y1; y++) { paint(x0 + t, y); paint(x1 - t, y); }
    }
  }
  writeFileSync(file, jpeg.encode({ width, height, data: rgba }, 90).data);
}
