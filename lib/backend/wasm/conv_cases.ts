/**
 * Convolution shapes exercised by the tests and the benchmark, described as
 * the forward conv2d they belong to (x [N,H,W,Ci], filter [kh,kw,Ci,Co]).
 * A conv2dTranspose layer appears as its adjoint conv2d: its output is the
 * conv's x and its input is the conv's output.
 *
 * @module
 */

/** One forward conv2d geometry. */
export interface ConvCase {
  /** Human-readable name. */
  name: string;
  /** Forward input shape [N,H,W,Ci] at batch 64. */
  x: [number, number, number, number];
  /** Filter shape [kh,kw,Ci,Co]. */
  f: [number, number, number, number];
  /** Strides. */
  s: number | [number, number];
  /** Padding as passed to tfjs. */
  pad: "same" | "valid" | number | number[][];
  /** Optional dimRoundingMode. */
  round?: "floor" | "round" | "ceil";
  /** True when this is part of the GAN (benchmarked). */
  gan: boolean;
}

/** PyTorch-style symmetric explicit padding p (NHWC). */
export function pads(p: number): number[][] {
  return [[0, 0], [p, p], [p, p], [0, 0]];
}

/** The GAN's conv layers (batch 64) plus odd geometries (small batch). */
export const CONV_CASES: ConvCase[] = [
  {
    name: "D1 28x28x1 -> 14x14x64 k4 s2 p1",
    x: [64, 28, 28, 1],
    f: [4, 4, 1, 64],
    s: 2,
    pad: pads(1),
    gan: true,
  },
  {
    name: "D2 14x14x64 -> 7x7x128 k4 s2 p1",
    x: [64, 14, 14, 64],
    f: [4, 4, 64, 128],
    s: 2,
    pad: pads(1),
    gan: true,
  },
  {
    name: "D3 7x7x128 -> 3x3x256 k4 s2 p1",
    x: [64, 7, 7, 128],
    f: [4, 4, 128, 256],
    s: 2,
    pad: pads(1),
    gan: true,
  },
  {
    name: "D4 3x3x256 -> 1x1x1 k3 s1 p0",
    x: [64, 3, 3, 256],
    f: [3, 3, 256, 1],
    s: 1,
    pad: pads(0),
    gan: true,
  },
  {
    name: "G1 convT 1x1x100 -> 4x4x512 k4 s1 p0",
    x: [64, 4, 4, 512],
    f: [4, 4, 512, 100],
    s: 1,
    pad: pads(0),
    gan: true,
  },
  {
    name: "G2 convT 4x4x512 -> 7x7x256 k3 s2 p1",
    x: [64, 7, 7, 256],
    f: [3, 3, 256, 512],
    s: 2,
    pad: pads(1),
    gan: true,
  },
  {
    name: "G3 convT 7x7x256 -> 14x14x128 k4 s2 p1",
    x: [64, 14, 14, 128],
    f: [4, 4, 128, 256],
    s: 2,
    pad: pads(1),
    gan: true,
  },
  {
    name: "G4 convT 14x14x128 -> 28x28x64 k4 s2 p1",
    x: [64, 28, 28, 64],
    f: [4, 4, 64, 128],
    s: 2,
    pad: pads(1),
    gan: true,
  },
  {
    name: "G5 conv 28x28x64 -> 28x28x1 k3 s1 p1",
    x: [64, 28, 28, 64],
    f: [3, 3, 64, 1],
    s: 1,
    pad: pads(1),
    gan: true,
  },
  {
    name: "odd sizes 9x11 k3 s2 'same'",
    x: [2, 9, 11, 3],
    f: [3, 3, 3, 5],
    s: 2,
    pad: "same",
    gan: false,
  },
  {
    name: "stride 3 'valid' with floor leftovers 10x9 k3x2",
    x: [2, 10, 9, 3],
    f: [3, 2, 3, 4],
    s: 3,
    pad: "valid",
    gan: false,
  },
  {
    name: "k < s (1x1 filter, stride 2, empty phases)",
    x: [2, 8, 8, 2],
    f: [1, 1, 2, 3],
    s: 2,
    pad: 0,
    gan: false,
  },
  {
    name: "k2 s3 'valid' (empty phase, leftovers)",
    x: [2, 11, 10, 3],
    f: [2, 2, 3, 2],
    s: 3,
    pad: "valid",
    gan: false,
  },
  {
    name: "pad 2 k5 s1 on 7x9",
    x: [2, 7, 9, 3],
    f: [5, 5, 3, 4],
    s: 1,
    pad: 2,
    gan: false,
  },
  {
    name: "strides [2,3] 'valid' 6x7 k2x3",
    x: [2, 6, 7, 2],
    f: [2, 3, 2, 3],
    s: [2, 3],
    pad: "valid",
    gan: false,
  },
  {
    name: "asymmetric explicit pads k3 s2",
    x: [2, 5, 5, 3],
    f: [3, 3, 3, 2],
    s: 2,
    pad: [[0, 0], [2, 1], [0, 2], [0, 0]],
    gan: false,
  },
  {
    name: "large pad 3 with k4 s2 on 6x6",
    x: [2, 6, 6, 2],
    f: [4, 4, 2, 3],
    s: 2,
    pad: 3,
    gan: false,
  },
  {
    name: "stride 3 'same' k4",
    x: [3, 6, 6, 4],
    f: [4, 4, 4, 3],
    s: 3,
    pad: "same",
    gan: false,
  },
  {
    name: "stride 1 'same' k3",
    x: [2, 7, 7, 3],
    f: [3, 3, 3, 4],
    s: 1,
    pad: "same",
    gan: false,
  },
  {
    name: "pad 1 with dimRoundingMode ceil k3 s3",
    x: [2, 9, 9, 2],
    f: [3, 3, 2, 2],
    s: 3,
    pad: 1,
    round: "ceil",
    gan: false,
  },
  {
    name: "1x1 output with padding k3 s1 p1 on 1x1",
    x: [2, 1, 1, 5],
    f: [3, 3, 5, 4],
    s: 1,
    pad: 1,
    gan: false,
  },
];
