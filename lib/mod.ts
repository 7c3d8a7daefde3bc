/**
 * fashion-gan: the public API. This file only re-exports.
 *
 * @module
 */
// randomness and backends
export * from "./random.ts";
export * from "./backend/init_backend.ts";
export * from "./backend/read_tidy.ts";
// data
export * from "./data/idx.ts";
export * from "./data/fashion_mnist.ts";
export * from "./data/batches.ts";
// models
export * from "./models/model_config.ts";
export * from "./models/layers.ts";
export * from "./models/spectral_norm.ts";
export * from "./models/network.ts";
export * from "./models/mlp_gan.ts";
export * from "./models/dcgan.ts";
export * from "./models/create_gan.ts";
// training
export * from "./train/train_config.ts";
export * from "./train/losses.ts";
export * from "./train/second_order_grads.ts";
export * from "./train/adam.ts";
export * from "./train/checkpoint.ts";
export * from "./train/gan_trainer.ts";
export * from "./train/history.ts";
export * from "./train/run.ts";
export * from "./train/load_run.ts";
// evaluation
export * from "./eval/classifier.ts";
export * from "./eval/conditional.ts";
export * from "./eval/ensure_judge.ts";
export * from "./eval/metrics.ts";
export * from "./eval/npy.ts";
export * from "./eval/quality.ts";
export * from "./eval/run_summary.ts";
export * from "./eval/table2.ts";
export * from "./eval/leaderboard.ts";
// figures
export * from "./viz/image_grid.ts";
export * from "./viz/loss_plot.ts";
export * from "./viz/labelled_grid.ts";
export * from "./viz/gif.ts";
export * from "./viz/jupyter.ts";
export * from "./latent.ts";
// notebooks
export * from "./notebook/profile.ts";
export * from "./notebook/ensure_run.ts";
export * from "./notebook/samples.ts";
export * from "./notebook/setup.ts";
export * from "./notebook/report_summary.ts";
export * from "./notebook/report_index.ts";
