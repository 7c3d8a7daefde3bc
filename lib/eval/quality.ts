/**
 * Every quality score of a set of images at once, against the Fashion-MNIST test split, in the
 * judge's feature space: what `deno task evaluate`, `--eval-every` during training and the
 * notebooks' table 2 report.
 *
 * @module
 */
import type { FashionMnist, Split } from "../data/fashion_mnist.ts";
import { deriveSeed, Rng } from "../random.ts";
import {
  argMax,
  type Judge,
  type JudgeMeta,
  type JudgeOutputs,
  splitImages,
} from "./classifier.ts";
import {
  classCoverage,
  fitGaussian,
  frechetDistance,
  type Gaussian,
  inceptionScore,
  kthNeighbourRadii,
  nearestDistances,
  precisionRecall,
} from "./metrics.ts";

/** Settings of the scores. */
export interface QualityConfig {
  /** Neighbours defining the manifolds of precision/recall. Kynkäänniemi et al. 2019: 3. */
  k: number;
  /**
   * Generated (and test) images compared pixel by pixel with all 60,000 training images for the
   * memorisation check: 1,000 keeps it to seconds (each costs 60,000 784-d distances).
   */
  memorisationSamples: number;
  /** Seed for choosing the real images of {@link QualityJudge.realFloor}. */
  seed: number;
}

/** The defaults of {@link QualityConfig}. */
export function defaultQualityConfig(): QualityConfig {
  return { k: 3, memorisationSamples: 1000, seed: 0 };
}

/** Distances to the nearest training image (pixels in [0, 1], so at most 28). */
export interface Memorisation {
  /** Images checked. */
  samples: number;
  /** Median distance of a scored image to its nearest training image. */
  medianToTrain: number;
  /** The same for test images: what "new but similar" looks like on this dataset. */
  testMedianToTrain: number;
  /** medianToTrain / testMedianToTrain: well below 1 suggests copies of training images. */
  ratio: number;
  /** Share of scored images closer to the training set than the closest 1% of test images. */
  closerThanTestP1: number;
}

/** Every score of one image set. */
export interface QualityScores {
  /** Images scored. */
  n: number;
  /** Fréchet distance to the test set in judge features (lower is better; real data ~1). */
  fid: number;
  /** Classifier Inception-Score analogue, 1..10 (higher is better). */
  is: number;
  /** Improved precision (fidelity) and recall (diversity), k = `config.k`. */
  precision: number;
  recall: number;
  /** Entropy of the judge's class histogram, nats (ln 10 = 2.303 when balanced). */
  classEntropy: number;
  /** Share of the least represented class (0.1 when balanced). */
  minClassShare: number;
  /** That class's index. */
  minClass: number;
  /** Share of each class. */
  classShares: number[];
  /** Mean top-class probability of the judge. */
  meanConfidence: number;
  /** The memorisation check, or null for training images themselves. */
  memorisation: Memorisation | null;
  /** The judge's accuracy on the test split, measured now. */
  judgeAccuracy: number;
  /** The judge's weights hash (which feature space these scores live in). */
  judgeSha256: string;
}

function median(values: Float32Array): number {
  const sorted = Float32Array.from(values).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

/** Distance from each image to its nearest training image, over the training set in chunks. */
async function nearestTrainDistances(images: Float32Array, train: Split): Promise<Float32Array> {
  const best = new Float32Array(images.length / 784).fill(Infinity);
  const chunk = 10_000;
  for (let start = 0; start < train.count; start += chunk) {
    const count = Math.min(chunk, train.count - start);
    const ref = new Float32Array(count * 784);
    const src = train.images.subarray(start * 784, (start + count) * 784);
    for (let i = 0; i < ref.length; i++) ref[i] = src[i] / 255;
    const d = await nearestDistances(images, ref, 784);
    for (let i = 0; i < d.length; i++) if (d[i] < best[i]) best[i] = d[i];
  }
  return best;
}

/**
 * The judge with the test split's reference statistics, ready to score image sets. Holds the
 * judge but does not own it.
 */
export class QualityJudge {
  readonly #test: JudgeOutputs;
  readonly #testGaussian: Gaussian;
  readonly #accuracy: number;
  #testToTrain?: Float32Array;
  #testRadii?: Float32Array;

  /**
   * Runs the judge over the test split once (see {@link QualityJudge.create}).
   *
   * @param test the judge's outputs on the test split.
   */
  private constructor(
    readonly judge: Judge,
    readonly meta: JudgeMeta,
    readonly data: FashionMnist,
    readonly config: QualityConfig,
    test: JudgeOutputs,
  ) {
    this.#test = test;
    this.#testGaussian = fitGaussian(this.#test.features, this.#test.featureDim);
    let correct = 0;
    for (let i = 0; i < this.#test.n; i++) {
      if (argMax(this.#test.probs, i * 10, 10) === data.test.labels[i]) correct++;
    }
    this.#accuracy = correct / this.#test.n;
  }

  /** The judge, ready to score: it has read the test split once. */
  static async create(
    judge: Judge,
    meta: JudgeMeta,
    data: FashionMnist,
    config: QualityConfig = defaultQualityConfig(),
  ): Promise<QualityJudge> {
    const test = await judge.outputs(splitImages(data.test));
    return new QualityJudge(judge, meta, data, config, test);
  }

  /** The judge's accuracy on the test split. */
  get accuracy(): number {
    return this.#accuracy;
  }

  /** FID alone of `images` (`[n, 28, 28]` in [0, 1], flat): the cheap score for training curves. */
  async fid(images: Float32Array): Promise<number> {
    const out = await this.judge.outputs(images);
    return frechetDistance(fitGaussian(out.features, out.featureDim), this.#testGaussian);
  }

  /** Every score of `images` (`[n, 28, 28]` in [0, 1], flat; n >= k + 1). */
  score(images: Float32Array): Promise<QualityScores> {
    return this.#score(images, true);
  }

  /**
   * The floor: the scores of `n` training images (a seeded choice) against the test split, the
   * best a generator of this dataset can expect.
   */
  realFloor(n = 10_000): Promise<QualityScores> {
    const train = this.data.train;
    const order = new Rng(deriveSeed(this.config.seed, "real-floor")).permutation(train.count);
    const count = Math.min(n, train.count);
    const images = new Float32Array(count * 784);
    for (let i = 0; i < count; i++) {
      const src = order[i] * 784;
      for (let p = 0; p < 784; p++) images[i * 784 + p] = train.images[src + p] / 255;
    }
    return this.#score(images, false);
  }

  async #score(images: Float32Array, memorisation: boolean): Promise<QualityScores> {
    const out = await this.judge.outputs(images);
    const d = out.featureDim;
    const coverage = classCoverage(out.probs);
    // the test set's k-NN radii are the same for every scored set: computed once
    this.#testRadii ??= await kthNeighbourRadii(this.#test.features, d, this.config.k);
    const pr = await precisionRecall(
      this.#test.features,
      out.features,
      d,
      this.config.k,
      this.#testRadii,
    );
    return {
      n: out.n,
      fid: frechetDistance(fitGaussian(out.features, d), this.#testGaussian),
      is: inceptionScore(out.probs),
      precision: pr.precision,
      recall: pr.recall,
      classEntropy: coverage.entropy,
      minClassShare: coverage.minShare,
      minClass: coverage.minClass,
      classShares: coverage.shares,
      meanConfidence: coverage.meanConfidence,
      memorisation: memorisation ? await this.memorisation(images) : null,
      judgeAccuracy: this.#accuracy,
      judgeSha256: this.meta.weightsSha256,
    };
  }

  /** The memorisation check of `images` (its first `config.memorisationSamples`). */
  async memorisation(images: Float32Array): Promise<Memorisation> {
    const m = Math.min(this.config.memorisationSamples, images.length / 784);
    const own = await nearestTrainDistances(images.subarray(0, m * 784), this.data.train);
    if (!this.#testToTrain) {
      const t = Math.min(this.config.memorisationSamples, this.data.test.count);
      this.#testToTrain = await nearestTrainDistances(
        splitImages(this.data.test, t),
        this.data.train,
      );
    }
    const test = this.#testToTrain;
    const p1 = Float32Array.from(test).sort()[Math.floor(0.01 * (test.length - 1))];
    const closer = own.reduce((s, v) => s + (v < p1 ? 1 : 0), 0);
    const medianToTrain = median(own), testMedianToTrain = median(test);
    return {
      samples: m,
      medianToTrain,
      testMedianToTrain,
      ratio: medianToTrain / testMedianToTrain,
      closerThanTestP1: closer / m,
    };
  }
}
