/**
 * Building any of the report's GANs from its config.
 *
 * @module
 */
import { deriveSeed, Rng } from "../random.ts";
import { conditionalDcgan, dcgan, improvedGan } from "./dcgan.ts";
import { mlpGan } from "./mlp_gan.ts";
import { defaultModelConfig, type ModelConfig, type ModelKind } from "./model_config.ts";
import type { Gan } from "./network.ts";

/**
 * Builds the generator/discriminator pair for `config`, initialised from `seed` (the same seed
 * gives the same weights on one backend).
 */
export function createGan(config: ModelConfig, seed: number): Gan {
  const rng = new Rng(deriveSeed(seed, "init", config.kind));
  switch (config.kind) {
    case "mlp":
      return mlpGan(config, rng);
    case "dcgan":
      return dcgan(config, rng);
    case "improved":
      return improvedGan(config, rng);
    case "cdcgan":
      return conditionalDcgan(config, rng);
    default:
      throw new Error(`unknown model '${(config as ModelConfig).kind}'`);
  }
}

/** Trainable parameter counts of a model kind's G and D (report table 2's last row, measured). */
export function parameterCounts(
  kind: ModelKind,
): { generator: number; discriminator: number; total: number } {
  const gan = createGan(defaultModelConfig(kind), 0);
  try {
    const generator = gan.generator.store.countParams();
    const discriminator = gan.discriminator.store.countParams();
    return { generator, discriminator, total: generator + discriminator };
  } finally {
    gan.generator.store.dispose();
    gan.discriminator.store.dispose();
  }
}
