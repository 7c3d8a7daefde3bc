/** Test support: the report's training config shrunk for fast tests. */
import { defaultTrainConfig, type ModelKind, type TrainConfig } from "../../lib/mod.ts";

/** The report's config with a small batch and, for conv models, narrow feature maps. */
export function smallConfig(kind: ModelKind, overrides: Partial<TrainConfig> = {}): TrainConfig {
  const config = defaultTrainConfig(kind);
  config.batchSize = 8;
  config.fixedNoiseCount = 4;
  if (kind !== "mlp") {
    config.model.ngf = 8;
    config.model.ndf = 8;
  }
  return { ...config, ...overrides };
}

/**
 * The run the kill-and-resume test trains (in a child process and in the test): a small
 * DCGAN, 20 epochs of 5 steps on 40 images, checkpointing every 3 steps.
 */
export function killTestConfig(): TrainConfig {
  return smallConfig("dcgan", { epochs: 20, checkpointEvery: 3, sampleEvery: 0 });
}
