import assert from "node:assert/strict";
import { CLASS_NAMES, classIndex, classSplit, OptionError } from "../../lib/mod.ts";
import { loadTinyDataset, tinyPixel } from "../_support/tiny_dataset.ts";

Deno.test("classes are named by slug, by name in any case, or by index", () => {
  assert.equal(classIndex("ankle-boot"), 9);
  assert.equal(classIndex("Sneaker"), 7);
  assert.equal(classIndex("t-shirt/top"), 0);
  assert.equal(classIndex("3"), 3);
  assert.throws(() => classIndex("boots", "from"), OptionError);
  assert.throws(
    () => classIndex("boots", "from"),
    /from 'boots' is not a class: expected one of t-shirt, /,
  );
  assert.equal(CLASS_NAMES.length, 10);
});

Deno.test("a class split holds exactly that class's images, in order", async () => {
  const { train } = await loadTinyDataset({ trainCount: 40 });
  const sneakers = classSplit(train, 7); // tiny labels are i % 10: examples 7, 17, 27, 37
  assert.equal(sneakers.count, 4);
  assert.ok(sneakers.labels.every((l) => l === 7));
  assert.equal(sneakers.images[784 + 5], tinyPixel(17, 5));
});
