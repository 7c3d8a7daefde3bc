import assert from "node:assert/strict";
import { decode } from "fast-png";
import { imageGridLayout, imageGridPng } from "../../lib/viz/labelled_grid.ts";

/** n 28x28 images, image i filled with the constant value `value(i)`. */
function constantImages(n: number, value: (i: number) => number): Float32Array {
  const px = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) px.fill(value(i), i * 784, (i + 1) * 784);
  return px;
}

Deno.test("imageGridPng without labels is columns*(28*scale+padding)+padding pixels wide", () => {
  const png = decode(
    imageGridPng(constantImages(7, () => 0), { columns: 4, scale: 3, padding: 2 }),
  );
  assert.equal(png.width, 4 * (28 * 3 + 2) + 2);
  assert.equal(png.height, 2 * (28 * 3 + 2) + 2);
  assert.equal(png.channels, 1, "8-bit grayscale PNG");
  assert.equal(png.depth, 8);
});

Deno.test("imageGridPng defaults to scale 2 and padding 2", () => {
  const png = decode(imageGridPng(constantImages(3, () => 0), { columns: 3 }));
  assert.equal(png.width, 3 * 58 + 2);
  assert.equal(png.height, 58 + 2);
});

Deno.test("imageGridPng maps [-1, 1] to gray levels inside each tile", () => {
  const values = [-1, 0, 1, 0.5];
  const bytes = imageGridPng(constantImages(4, (i) => values[i]), { columns: 2 });
  const png = decode(bytes);
  const layout = imageGridLayout(4, { columns: 2 });
  const expected = [0, 128, 255, 191]; // round((v + 1) * 127.5)
  layout.tiles.forEach(({ x, y }, i) => {
    for (const [dx, dy] of [[0, 0], [55, 55], [20, 33]]) {
      assert.equal(png.data[(y + dy) * png.width + x + dx], expected[i], `tile ${i} (${dx},${dy})`);
    }
  });
  assert.equal(png.data[0], 255, "white padding");
});

Deno.test("imageGridPng upscales with nearest neighbour (no blur between source pixels)", () => {
  const px = new Float32Array(784).fill(-1);
  px[5 * 28 + 7] = 1; // one white source pixel
  const scale = 4;
  const png = decode(imageGridPng(px, { columns: 1, scale, padding: 0 }));
  let white = 0;
  let other = 0;
  for (const v of png.data) {
    if (v === 255) white++;
    else if (v !== 0) other++;
  }
  assert.equal(white, scale * scale, "a 4x4 block");
  assert.equal(other, 0, "no intermediate gray");
  assert.equal(png.data[(5 * scale) * png.width + 7 * scale], 255);
  assert.equal(png.data[(5 * scale + 3) * png.width + 7 * scale + 3], 255);
});

Deno.test("imageGridPng with row labels, column labels and title grows left and up, tiles intact", () => {
  const options = {
    columns: 3,
    rowLabels: ["T-shirt/top", "Trouser"],
    columnLabels: ["ep 1", "ep 5", "ep 10"],
    title: "Samples",
  };
  const png = decode(imageGridPng(constantImages(6, () => 1), options));
  const plain = decode(imageGridPng(constantImages(6, () => 1), { columns: 3 }));
  const layout = imageGridLayout(6, options);
  assert.equal(png.width, layout.width);
  assert.equal(png.height, layout.height);
  assert.ok(layout.labelWidth > 40, "room for 'T-shirt/top'");
  assert.equal(png.width, plain.width + layout.labelWidth);
  assert.equal(png.height, plain.height + layout.titleHeight + layout.columnLabelHeight);
  assert.ok(layout.titleHeight > 0 && layout.columnLabelHeight > 0);
  // Tiles are white (v = 1) where the layout says.
  for (const { x, y } of layout.tiles) assert.equal(png.data[(y + 10) * png.width + x + 10], 255);
  // Text was drawn: dark pixels in the label band and in the header.
  const darkIn = (x0: number, y0: number, x1: number, y1: number) => {
    let n = 0;
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) if (png.data[y * png.width + x] < 128) n++;
    }
    return n;
  };
  assert.ok(
    darkIn(0, layout.titleHeight + layout.columnLabelHeight, layout.labelWidth, png.height) > 20,
  );
  assert.ok(darkIn(0, 0, png.width, layout.titleHeight) > 20);
  assert.ok(darkIn(layout.labelWidth, layout.titleHeight, png.width, layout.tiles[0].y) > 20);
});

Deno.test("imageGridPng leaves the unused cells of a partial last row as background", () => {
  const png = decode(imageGridPng(constantImages(5, () => -1), { columns: 4 }));
  const layout = imageGridLayout(8, { columns: 4 });
  const { x, y } = layout.tiles[7];
  assert.equal(png.data[(y + 20) * png.width + x + 20], 255);
  assert.equal(png.data[(layout.tiles[4].y + 20) * png.width + layout.tiles[4].x + 20], 0);
});

Deno.test("imageGridPng rejects a pixel count that is not whole images, and too many labels", () => {
  assert.throws(() => imageGridPng(new Float32Array(100), { columns: 2 }), /28x28/);
  assert.throws(
    () => imageGridPng(constantImages(2, () => 0), { columns: 2, rowLabels: ["a", "b"] }),
    /row labels/,
  );
  assert.throws(
    () => imageGridPng(constantImages(2, () => 0), { columns: 2, scale: 1.5 }),
    /scale/,
  );
});

Deno.test("imageGridPng names the font path and the Debian package when the font is missing", () => {
  assert.throws(
    () =>
      imageGridPng(constantImages(1, () => 0), {
        columns: 1,
        title: "x",
        fontPath: "/nonexistent/DejaVuSans.ttf",
      }),
    (e: Error) =>
      e.message.includes("/nonexistent/DejaVuSans.ttf") &&
      e.message.includes("apt-get install fonts-dejavu-core"),
  );
  // No text, no font needed.
  imageGridPng(constantImages(1, () => 0), { columns: 1, fontPath: "/nonexistent/x.ttf" });
});
