/**
 * The one configuration object for the report's networks. Its defaults, per model kind, come
 * from the model registry (`registry.ts`: `defaultModelConfig`).
 *
 * @module
 */

/**
 * The report's three models (A.1 MLP GAN, A.2 DCGAN, A.3 improved conv GAN) and, beyond the
 * report, `cdcgan`: the DCGAN conditioned on the class label, and `stylegan`: the style-based
 * generator the report's section 5.3 names as future work. `registry.ts` says what each is.
 */
export type ModelKind = "mlp" | "dcgan" | "improved" | "cdcgan" | "stylegan";

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
  /** The style-based generator's own settings (`stylegan` only; absent for the other kinds). */
  style?: StyleConfig;
}

/**
 * Settings of the style-based generator (`stylegan`). Anchored on StyleGAN2-ADA's CIFAR-10
 * configuration (Karras et al. 2020, the smallest images it trains): a 2-layer mapping network.
 */
export interface StyleConfig {
  /** Length of w (and of z: `zDim`). 128 here (StyleGAN: 512, for 32x32 and up). */
  wDim: number;
  /** Fully connected layers of the mapping network z -> w. StyleGAN2-ADA CIFAR-10: 2. */
  mappingLayers: number;
  /** Learning-rate multiplier of the mapping network. StyleGAN: 0.01. */
  mappingLrMul: number;
  /** Decay of the running average of w (the truncation centre). StyleGAN2: 0.995. */
  wAvgDecay: number;
  /**
   * Group size of D's minibatch standard deviation. StyleGAN2: 4; StyleGAN2-ADA's CIFAR-10
   * config and this project: 32 (docs/stylegan.md).
   */
  mbstdGroup: number;
}
