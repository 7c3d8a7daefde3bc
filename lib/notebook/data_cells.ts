/**
 * The cells of notebook 01 (the data): each computes with `lib/data/` and shows a table, a
 * figure or a few lines.
 *
 * @module
 */
import { batches, batchesPerEpoch, disposeBatch, scaleImages } from "../data/batches.ts";
import type { FashionMnist } from "../data/fashion_mnist.ts";
import { classCounts, firstOfEachClass, pixelStatistics } from "../data/statistics.ts";
import { display } from "../viz/jupyter.ts";
import { imageGridPng } from "../viz/labelled_grid.ts";
import { seriesPlotSvg } from "../viz/loss_plot.ts";
import { showTable } from "./tables.ts";

/** Images per class in each split, as a table. */
export async function showClassCounts(data: FashionMnist): Promise<void> {
  const k = data.classNames.length;
  const train = classCounts(data.train, k), test = classCounts(data.test, k);
  await showTable(data.classNames.map((name, c) => ({
    class: name,
    train: train[c].toLocaleString("en-US"),
    test: test[c].toLocaleString("en-US"),
  })));
}

/** A PNG grid of the first `perClass` training images of every class, one row per class. */
export function classExamplesFigure(data: FashionMnist, perClass = 10): Uint8Array {
  const indices = firstOfEachClass(data.train, data.classNames.length, perClass);
  return imageGridPng(scaleImages(data.train.images, indices), {
    columns: perClass,
    rowLabels: [...data.classNames],
    title: `Fashion-MNIST, ${perClass === 10 ? "ten" : perClass} per class`,
  });
}

/** Pixel statistics of the training split: a summary line, the mean per class, the histogram. */
export async function showPixelStatistics(data: FashionMnist): Promise<void> {
  const s = pixelStatistics(data.train, data.classNames.length);
  console.log(
    `mean ${s.mean.toFixed(4)}, std ${s.std.toFixed(4)} (of 255); zero pixels: ${
      (100 * s.zeroShare).toFixed(1)
    }%`,
  );
  await showTable(
    data.classNames.map((name, k) => ({ class: name, "mean pixel": s.classMeans[k].toFixed(4) })),
  );
  await display({
    svg: seriesPlotSvg(
      [{
        name: "share of pixels",
        points: Array.from(s.histogram, (share, v) => ({ x: v, y: Math.log10(share) })),
      }],
      {
        title: "Pixel-value histogram (log10 of the share)",
        xLabel: "pixel value (0..255)",
        yLabel: "log10 share",
      },
    ),
  });
}

/** The first batch of epoch 0 (seed 0) as the training loop sees it: shapes, range, images. */
export async function showFirstBatch(data: FashionMnist, batchSize = 64): Promise<void> {
  const batch = batches(data.train, { batchSize, seed: 0, epoch: 0 }).next().value!;
  try {
    const x = batch.images.dataSync() as Float32Array;
    let lo = Infinity, hi = -Infinity;
    for (const v of x) (lo = Math.min(lo, v), hi = Math.max(hi, v));
    console.log(
      `images ${batch.images.shape} ${batch.images.dtype}, labels ${batch.labels.shape} ${batch.labels.dtype}`,
    );
    console.log(`min ${lo}, max ${hi} (bytes 0..255 became -1..1)`);
    console.log(
      `batches per epoch: ${
        batchesPerEpoch(data.train.count, batchSize, false)
      } (the last one has ${data.train.count % batchSize} images)`,
    );
    await display({
      png: imageGridPng(x, { columns: 8, title: `The first batch of epoch 0 (seed 0)` }),
    });
    const labels = batch.labels.dataSync() as Int32Array;
    console.log(Array.from(labels, (l) => data.classNames[l]).join(", "));
  } finally {
    disposeBatch(batch);
  }
}
