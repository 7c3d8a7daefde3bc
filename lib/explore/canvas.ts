/// <reference lib="dom" />
/**
 * Drawing images on the explorer's page.
 *
 * @module
 */

/** Draws 28x28 images (values in [0, 1]) side by side into `canvas`, `scale` times larger. */
export function drawImages(canvas: HTMLCanvasElement, images: Float32Array, scale: number): void {
  const n = images.length / 784, side = 28 * scale;
  canvas.width = n * side;
  canvas.height = side;
  const ctx = canvas.getContext("2d")!;
  const out = ctx.createImageData(canvas.width, canvas.height);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < canvas.width; x++) {
      const k = Math.floor(x / side), px = Math.floor((x % side) / scale);
      const v = images[k * 784 + Math.floor(y / scale) * 28 + px];
      const g = Math.round(Math.max(0, Math.min(1, v)) * 255), o = (y * canvas.width + x) * 4;
      out.data[o] = out.data[o + 1] = out.data[o + 2] = g;
      out.data[o + 3] = 255;
    }
  }
  ctx.putImageData(out, 0, 0);
}
