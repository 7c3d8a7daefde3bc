/**
 * fashion-gan: the public API. This file only re-exports, layer by layer from the bottom:
 * each module imports only from the layers listed above it.
 *
 * @module
 */
// foundations: errors naming options, seeded randomness, backends
export * from "./option_error.ts";
export * from "./random.ts";
export * from "./backend/init_backend.ts";
export * from "./backend/read_tidy.ts";
export {
  autoPrecision,
  PRECISION_CHOICES,
  type PrecisionChoice,
  withPrecision,
} from "./backend/native/engine.ts";
export type { Precision } from "./backend/native/dnnl.ts";
// file formats
export * from "./io/atomic_write.ts";
export * from "./io/json_lines.ts";
export * from "./io/npy.ts";
export * from "./io/checkpoint_format.ts";
export * from "./io/checkpoint.ts";
// figures
export * from "./viz/image_grid.ts";
export * from "./viz/loss_plot.ts";
export * from "./viz/labelled_grid.ts";
export * from "./viz/gif.ts";
export * from "./viz/evolution.ts";
export * from "./viz/jupyter.ts";
export * from "./viz/html_table.ts";
// data
export * from "./data/idx.ts";
export * from "./data/fashion_mnist.ts";
export * from "./data/batches.ts";
export * from "./data/statistics.ts";
export * from "./data/class_split.ts";
// models
export * from "./models/model_config.ts";
export * from "./models/layers.ts";
export * from "./models/spectral_norm.ts";
export * from "./models/network.ts";
export * from "./models/mlp_gan.ts";
export * from "./models/dcgan.ts";
export * from "./models/style_layers.ts";
export * from "./models/stylegan.ts";
export * from "./models/cyclegan.ts";
export * from "./models/instance_norm.ts";
export * from "./models/registry.ts";
export * from "./models/generator.ts";
export * from "./models/generator_file.ts";
export * from "./models/style_mixing.ts";
export * from "./models/translator.ts";
export * from "./latent.ts";
// training
export * from "./train/train_config.ts";
export * from "./train/losses.ts";
export * from "./train/second_order_grads.ts";
export * from "./train/adam.ts";
export * from "./train/image_pool.ts";
export * from "./train/gan_trainer.ts";
export * from "./train/cycle_trainer.ts";
export * from "./train/run_dir.ts";
export * from "./train/run.ts";
export * from "./train/cycle_run.ts";
export * from "./train/progress_text.ts";
export * from "./train/pretrained.ts";
export * from "./train/pretrained_translator.ts";
// evaluation
export * from "./eval/classifier.ts";
export * from "./eval/conditional.ts";
export * from "./eval/ensure_judge.ts";
export * from "./eval/metrics.ts";
export * from "./eval/quality.ts";
export * from "./eval/path_length.ts";
export * from "./eval/style_scores.ts";
export * from "./eval/translation.ts";
export * from "./eval/run_summary.ts";
export * from "./eval/table2.ts";
export * from "./eval/leaderboard.ts";
// exploring the latent space (the page's server; its browser script is lib/explore/client.ts)
export * from "./explore/api.ts";
export * from "./explore/projection.ts";
export * from "./explore/class_directions.ts";
export * from "./explore/latent_translation.ts";
export * from "./explore/pair_scores.ts";
export * from "./explore/server.ts";
// notebooks
export * from "./notebook/profile.ts";
export * from "./notebook/report_summary.ts";
export * from "./notebook/report_index.ts";
export * from "./notebook/hero.ts";
export * from "./notebook/setup.ts";
export * from "./notebook/ensure_run.ts";
export * from "./notebook/tables.ts";
export * from "./notebook/data_cells.ts";
export * from "./notebook/run_cells.ts";
export * from "./notebook/quality_cells.ts";
export * from "./notebook/latent_cells.ts";
export * from "./notebook/style_cells.ts";
export * from "./notebook/translation_cells.ts";
export * from "./notebook/translator_run.ts";
