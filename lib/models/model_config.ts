/**
 * The one configuration object for the report's networks. Its defaults, per model kind, come
 * from the model registry (`registry.ts`: `defaultModelConfig`).
 *
 * @module
 */

/**
 * The report's three models (A.1 MLP GAN, A.2 DCGAN, A.3 improved conv GAN) and, beyond the
 * report, `cdcgan`: the DCGAN conditioned on the class label. `registry.ts` says what each is.
 */
export type ModelKind = "mlp" | "dcgan" | "improved" | "cdcgan";

/** Classes of Fashion-MNIST, the conditional model's label count. */
export const CLASS_COUNT = 10;

/** Hyper-parameters of a generator/discriminator pair. */
export interface ModelConfig {
  /** Which architecture. */
  kind: ModelKind;
  /** Length of the latent vector z. Report A.1/A.2: `z_dim=100`. */
  zDim: number;
  /** Dropout probability (MLP: Dropout, conv D: Dropout2d). Report table 1: 0.3. */
  dropout: number;
  /** LeakyReLU negative slope. Report A.1/A.2: 0.2. */
  leak: number;
  /** Generator feature-map base (conv models). Report table 1: 64. */
  ngf: number;
  /** Discriminator feature-map base (conv models). Report table 1: 64. */
  ndf: number;
  /** BatchNorm running-average momentum. PyTorch's default, which the report keeps: 0.1. */
  bnMomentum: number;
  /** BatchNorm epsilon. PyTorch's default: 1e-5. */
  bnEps: number;
  /** Std of the N(0, std) conv weight init and N(1, std) BN gamma init. Report A.2: 0.02. */
  initStd: number;
  /**
   * Spectral normalisation of every D weight (Miyato et al. 2018; `--spectral-norm`). Not in
   * the report: false.
   */
  spectralNorm: boolean;
  /**
   * Class labels the networks are conditioned on (0: unconditional). `cdcgan`: 10, fed as a
   * one-hot vector appended to z and as 10 one-hot maps appended to D's input channels.
   */
  classes: number;
}
