/**
 * oneDNN (Debian's `libdnnl2`, 2.x C API) through `Deno.dlopen`: the engine and stream, memory
 * descriptors, and cached convolution primitives (forward, backward data, backward weights)
 * that run on float32 NHWC tensors in place, on any memory a pointer reaches (here: the wasm
 * heap). No C shim: the op descriptors of the 2.x API are plain structs, allocated here as byte
 * buffers of the sizes the 2.6 headers give (checked against the library's version on load).
 *
 * Layouts: activations `nhwc`; weights are handed over as tfjs stores them (`hwio`,
 * [kh, kw, ci, co]), and the primitive chooses its own weights layout (`any`), reached with a
 * cached reorder when it differs: oneDNN's fast kernels want blocked weights, and a reorder of
 * the largest filter of these models costs far less than a slow kernel.
 *
 * @module
 */

/** Library file names tried in order (Debian's `libdnnl2` ships the first). */
export const DNNL_LIBRARIES: readonly string[] = ["libdnnl.so.2", "libdnnl.so"];

// sizes of the 2.x structs (oneDNN 2.6 headers, x86-64)
const MEMORY_DESC_BYTES = 696;
const OP_DESC_BYTES = 8192; // convolution desc: 5976; batch norm: 3496; room to spare
const EXEC_ARG_BYTES = 16;

// enum values of dnnl_types.h (2.x)
const DNNL_SUCCESS = 0;
const DNNL_CPU = 1;
const DNNL_F32 = 3;
const TAG_ANY = 1;
/** `dnnl_nhwc` (acdb). */
export const TAG_NHWC = 20;
/** `dnnl_hwio` (cdba). */
export const TAG_HWIO = 30;
const PROP_FORWARD_TRAINING = 64;
const CONVOLUTION_DIRECT = 1;
const PROP_BACKWARD = 128;
const TAG_A = 2;
const BN_USE_SCALE = 8;
const BN_USE_SHIFT = 16;
const ELTWISE_RELU_USE_DST = 256;
const BINARY_MUL = 131057;
const ARG_SRC_1 = 2;
const ELTWISE_LINEAR = 127;
const ELTWISE_SQRT = 111;
const BINARY_ADD = 131056;
const BINARY_DIV = 131060;
/** `DNNL_ARG_ATTR_MULTIPLE_POST_OP(i) | DNNL_ARG_SRC_1`: the second input of post-op i. */
const postOpSrc1 = (i: number) => 16384 * (i + 1) | ARG_SRC_1;
const ARG_MEAN = 49;
const ARG_VARIANCE = 50;
const ARG_SCALE = 51;
const ARG_SHIFT = 52;
const ARG_DIFF_SCALE = 255;
const ARG_DIFF_SHIFT = 256;
const QUERY_IMPL_INFO_STR = 8;
const QUERY_WEIGHTS_MD = 131;
const QUERY_DIFF_WEIGHTS_MD = 132;
const ARG_SRC = 1;
const ARG_DST = 17;
const ARG_WEIGHTS = 33;
const ARG_DIFF_SRC = 129;
const ARG_DIFF_DST = 145;
const ARG_DIFF_WEIGHTS = 161;
const ARG_FROM = 1; // reorder: DNNL_ARG_FROM = DNNL_ARG_SRC
const ARG_TO = 17; // reorder: DNNL_ARG_TO = DNNL_ARG_DST

const STATUS: Record<number, string> = {
  1: "out of memory",
  2: "invalid arguments",
  3: "unimplemented",
  4: "iterator ends",
  5: "runtime error",
  6: "not required",
};

const P = "pointer" as const;
const SYMBOLS = {
  dnnl_version: { parameters: [], result: P },
  dnnl_get_effective_cpu_isa: { parameters: [], result: "i32" },
  dnnl_engine_create: { parameters: [P, "i32", "usize"], result: "i32" },
  dnnl_stream_create: { parameters: [P, P, "u32"], result: "i32" },
  dnnl_stream_wait: { parameters: [P], result: "i32" },
  dnnl_memory_desc_init_by_tag: { parameters: [P, "i32", P, "i32", "i32"], result: "i32" },
  dnnl_memory_desc_equal: { parameters: [P, P], result: "i32" },
  dnnl_memory_desc_get_size: { parameters: [P], result: "usize" },
  dnnl_convolution_forward_desc_init: {
    parameters: [P, "i32", "i32", P, P, P, P, P, P, P],
    result: "i32",
  },
  dnnl_convolution_backward_data_desc_init: {
    parameters: [P, "i32", P, P, P, P, P, P],
    result: "i32",
  },
  dnnl_convolution_backward_weights_desc_init: {
    parameters: [P, "i32", P, P, P, P, P, P, P],
    result: "i32",
  },
  dnnl_primitive_desc_create: { parameters: [P, P, P, P, P], result: "i32" },
  dnnl_primitive_desc_query: { parameters: [P, "i32", "i32", P], result: "i32" },
  dnnl_primitive_desc_query_md: { parameters: [P, "i32", "i32"], result: P },
  dnnl_reorder_primitive_desc_create: { parameters: [P, P, P, P, P, P], result: "i32" },
  dnnl_primitive_create: { parameters: [P, P], result: "i32" },
  dnnl_primitive_execute: { parameters: [P, P, "i32", P], result: "i32" },
  dnnl_memory_create: { parameters: [P, P, P, P], result: "i32" },
  dnnl_memory_set_data_handle: { parameters: [P, P], result: "i32" },
  dnnl_batch_normalization_forward_desc_init: {
    parameters: [P, "i32", P, "f32", "u32"],
    result: "i32",
  },
  dnnl_batch_normalization_backward_desc_init: {
    parameters: [P, "i32", P, P, "f32", "u32"],
    result: "i32",
  },
  dnnl_eltwise_forward_desc_init: { parameters: [P, "i32", "i32", P, "f32", "f32"], result: "i32" },
  dnnl_eltwise_backward_desc_init: { parameters: [P, "i32", P, P, "f32", "f32"], result: "i32" },
  dnnl_binary_desc_init: { parameters: [P, "i32", P, P, P], result: "i32" },
  dnnl_primitive_attr_create: { parameters: [P], result: "i32" },
  dnnl_primitive_attr_set_post_ops: { parameters: [P, P], result: "i32" },
  dnnl_post_ops_create: { parameters: [P], result: "i32" },
  dnnl_post_ops_append_sum: { parameters: [P, "f32"], result: "i32" },
  dnnl_post_ops_append_eltwise: { parameters: [P, "f32", "i32", "f32", "f32"], result: "i32" },
  dnnl_post_ops_append_binary: { parameters: [P, "i32", P], result: "i32" },
  dnnl_sgemm: {
    parameters: ["i8", "i8", "i64", "i64", "i64", "f32", P, "i64", P, "i64", "f32", P, "i64"],
    result: "i32",
  },
} as const;

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
type Ptr = Deno.PointerValue;

/** oneDNN's CPU ISA names (`dnnl_cpu_isa_t` bit sets of 2.6) for the backend line. */
const ISA_NAMES: [number, string][] = [
  [0x3e7, "avx512_core_amx"],
  [0xe7, "avx512_core_bf16"],
  [0x67, "avx512_core_vnni"],
  [0x27, "avx512_core"],
  [0x407, "avx2_vnni"],
  [0x7, "avx2"],
  [0x3, "avx"],
  [0x1, "sse41"],
];

/** A pointer-sized out-parameter. */
function outPtr(): BigUint64Array {
  return new BigUint64Array(1);
}

/**
 * The address of a typed array's first element. Views of a SharedArrayBuffer (the threaded
 * wasm heap) work too; Deno's types only admit ArrayBuffer-backed ones.
 */
export function ptrOf(buf: ArrayBufferView): Ptr {
  return Deno.UnsafePointer.of(buf as ArrayBufferView<ArrayBuffer>);
}

function ptrValue(cell: BigUint64Array): Ptr {
  return Deno.UnsafePointer.create(cell[0]);
}

/** The geometry of one NHWC float32 convolution (the forward direction). */
export interface ConvShape {
  /** Batch. */
  n: number;
  /** Input height, width and channels. */
  h: number;
  w: number;
  ci: number;
  /** Output height, width and channels. */
  oh: number;
  ow: number;
  co: number;
  /** Filter height and width. */
  kh: number;
  kw: number;
  /** Strides. */
  sh: number;
  sw: number;
  /** Top and left padding (bottom and right follow from the output size). */
  pt: number;
  pl: number;
}

/** Which pass of a convolution a primitive computes. */
export type ConvPass = "forward" | "backwardData" | "backwardWeights";

interface Reorder {
  prim: Ptr;
  from: Ptr;
  to: Ptr;
  /** Byte sizes of the source and destination buffers (a blocked layout pads). */
  fromBytes: number;
  toBytes: number;
}

/** A cached convolution primitive with its memories and the reorders its weights need. */
interface ConvPrimitive {
  prim: Ptr;
  src: Ptr;
  weights: Ptr;
  dst: Ptr;
  /** hwio -> the primitive's weights layout (forward, backward data); null if it is hwio. */
  toPrimitive: Reorder | null;
  /** The primitive's diff-weights layout -> hwio (backward weights); null if it is hwio. */
  fromPrimitive: Reorder | null;
  /** oneDNN's implementation name, e.g. `brg:avx512_core`. */
  impl: string;
  args: Uint8Array;
}

/** A cached primitive with one memory object per argument (handles set at each run). */
interface Primitive {
  prim: Ptr;
  /** Its primitive descriptor (a backward pass's hint). */
  pd: Ptr;
  mems: Map<number, Ptr>;
  args: Uint8Array;
}

/** One post-op of a primitive (see `Dnnl.#postOps`). */
type PostOp =
  | { sum: number }
  | { eltwise: number; alpha: number; beta: number }
  | { binary: number; md: Uint8Array };

/** How to build a {@link Primitive} (see `Dnnl.#primitive`). */
interface PrimitiveRecipe {
  op: (desc: Uint8Array) => number;
  mds: [number, Uint8Array][];
  hint?: Ptr;
  attr?: Ptr;
}

/**
 * The geometry of a channels-last batch norm: `batch` examples of `spatial` rows of `c`
 * channels (a [batch, ..., c] tensor; a dense layer's [batch, c] has `spatial` 1).
 */
export interface BatchNormShape {
  batch: number;
  spatial: number;
  c: number;
}

/** Pointers of a fused batch norm forward pass (training mode). */
export interface BatchNormForwardBuffers {
  /** Input [batch, spatial, c]. */
  x: Ptr;
  /** Scale and shift [c]. */
  gamma: Ptr;
  beta: Ptr;
  /** Output, same shape as x. */
  y: Ptr;
  /** Batch mean and biased variance [c], written. */
  mean: Ptr;
  variance: Ptr;
  /** Channel mask [batch, c] multiplied into the output, or null. */
  mask: Ptr;
}

/** Pointers of a fused batch norm backward pass. */
export interface BatchNormBackwardBuffers {
  /** The forward input, output, batch mean and variance, scale, shift and mask (or null). */
  x: Ptr;
  y: Ptr;
  mean: Ptr;
  variance: Ptr;
  gamma: Ptr;
  beta: Ptr;
  mask: Ptr;
  /** The output's gradient (read only). */
  dy: Ptr;
  /** Written: the input's gradient, and those of scale and shift [c]. */
  dx: Ptr;
  dgamma: Ptr;
  dbeta: Ptr;
}

/** What {@link Dnnl.open} found. */
export interface DnnlInfo {
  /** The file that opened. */
  library: string;
  /** `major.minor.patch`. */
  version: string;
  /** The ISA its kernels dispatch to (`avx512_core`, `avx2`, ...). */
  isa: string;
}

/**
 * The opened library with one CPU engine and stream, and a cache of convolution primitives
 * keyed by geometry and pass.
 */
export class Dnnl {
  /** What was opened. */
  readonly info: DnnlInfo;
  #lib: Lib;
  #engine: Ptr;
  #stream: Ptr;
  #convs = new Map<string, ConvPrimitive>();
  #prims = new Map<string, Primitive>();
  #scratch = new Map<number, Float32Array>();

  private constructor(lib: Deno.DynamicLibrary<typeof SYMBOLS>, library: string) {
    this.#lib = lib.symbols;
    const v = new Deno.UnsafePointerView(this.#lib.dnnl_version()!);
    const [major, minor, patch] = [v.getInt32(0), v.getInt32(4), v.getInt32(8)];
    const version = `${major}.${minor}.${patch}`;
    if (major !== 2) {
      lib.close();
      throw new Error(
        `${library} is oneDNN ${version}; this engine speaks the 2.x C API (Debian's libdnnl2)`,
      );
    }
    const isaBits = this.#lib.dnnl_get_effective_cpu_isa();
    const isa = ISA_NAMES.find(([bits]) => (isaBits & bits) === bits)?.[1] ??
      `isa 0x${isaBits.toString(16)}`;
    this.info = { library, version, isa };
    const engine = outPtr();
    this.#check(this.#lib.dnnl_engine_create(ptrOf(engine), DNNL_CPU, 0n), "engine_create");
    this.#engine = ptrValue(engine);
    const stream = outPtr();
    this.#check(this.#lib.dnnl_stream_create(ptrOf(stream), this.#engine, 1), "stream_create");
    this.#stream = ptrValue(stream);
  }

  /**
   * Opens oneDNN (the first of {@link DNNL_LIBRARIES} that loads, or `library`).
   *
   * @throws naming the library and the apt package when none opens.
   */
  static open(library?: string): Dnnl {
    const names = library ? [library] : DNNL_LIBRARIES;
    const errors: string[] = [];
    for (const name of names) {
      let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
      try {
        lib = Deno.dlopen(name, SYMBOLS);
      } catch (e) {
        errors.push(`${name}: ${(e as Error).message.split("\n")[0]}`);
        continue;
      }
      return new Dnnl(lib, name);
    }
    throw new Error(
      `oneDNN is not installed (${errors.join("; ")}); install it with: apt-get install libdnnl2`,
    );
  }

  #check(status: number, what: string): void {
    if (status !== DNNL_SUCCESS) {
      throw new Error(`oneDNN ${what} failed: ${STATUS[status] ?? `status ${status}`}`);
    }
  }

  /** A memory descriptor of `dims` (float32) in layout `tag` (`any` when absent). */
  #md(dims: number[], tag: number): Uint8Array {
    const md = new Uint8Array(MEMORY_DESC_BYTES);
    const d = new BigInt64Array(12);
    dims.forEach((v, i) => d[i] = BigInt(v));
    this.#check(
      this.#lib.dnnl_memory_desc_init_by_tag(ptrOf(md), dims.length, ptrOf(d), DNNL_F32, tag),
      "memory_desc_init_by_tag",
    );
    return md;
  }

  #memory(md: Ptr | Uint8Array): Ptr {
    const mem = outPtr();
    const mdPtr = md instanceof Uint8Array ? ptrOf(md) : md;
    // a placeholder handle: every execution sets the real one
    this.#check(
      this.#lib.dnnl_memory_create(ptrOf(mem), mdPtr, this.#engine, null),
      "memory_create",
    );
    return ptrValue(mem);
  }

  #reorder(fromMd: Ptr | Uint8Array, toMd: Ptr | Uint8Array): Reorder {
    const pd = outPtr();
    const f = fromMd instanceof Uint8Array ? ptrOf(fromMd) : fromMd;
    const t = toMd instanceof Uint8Array ? ptrOf(toMd) : toMd;
    this.#check(
      this.#lib.dnnl_reorder_primitive_desc_create(
        ptrOf(pd),
        f,
        this.#engine,
        t,
        this.#engine,
        null,
      ),
      "reorder_primitive_desc_create",
    );
    const prim = outPtr();
    this.#check(this.#lib.dnnl_primitive_create(ptrOf(prim), ptrValue(pd)), "primitive_create");
    return {
      prim: ptrValue(prim),
      from: this.#memory(f),
      to: this.#memory(t),
      fromBytes: Number(this.#lib.dnnl_memory_desc_get_size(f)),
      toBytes: Number(this.#lib.dnnl_memory_desc_get_size(t)),
    };
  }

  #conv(shape: ConvShape, pass: ConvPass): ConvPrimitive {
    const { n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl } = shape;
    const key = `${pass}:${[n, h, w, ci, oh, ow, co, kh, kw, sh, sw, pt, pl]}`;
    const cached = this.#convs.get(key);
    if (cached) return cached;
    const pb = (oh - 1) * sh + kh - h - pt, pr = (ow - 1) * sw + kw - w - pl;
    const src = this.#md([n, ci, h, w], TAG_NHWC);
    const dst = this.#md([n, co, oh, ow], TAG_NHWC);
    const hwio = this.#md([co, ci, kh, kw], TAG_HWIO);
    const anyW = this.#md([co, ci, kh, kw], TAG_ANY);
    const dims = (a: number, b: number) => new BigInt64Array([BigInt(a), BigInt(b)]);
    const strides = dims(sh, sw), padL = dims(pt, pl), padR = dims(pb, pr);
    const desc = (op: Uint8Array) => {
      const pd = outPtr();
      this.#check(
        this.#lib.dnnl_primitive_desc_create(ptrOf(pd), ptrOf(op), null, this.#engine, hint),
        `${pass} convolution primitive_desc_create (${key})`,
      );
      return ptrValue(pd);
    };
    // backward passes need the forward primitive descriptor as a hint
    const fwdOp = new Uint8Array(OP_DESC_BYTES);
    this.#check(
      this.#lib.dnnl_convolution_forward_desc_init(
        ptrOf(fwdOp),
        PROP_FORWARD_TRAINING,
        CONVOLUTION_DIRECT,
        ptrOf(src),
        ptrOf(anyW),
        null,
        ptrOf(dst),
        ptrOf(strides),
        ptrOf(padL),
        ptrOf(padR),
      ),
      "convolution_forward_desc_init",
    );
    let hint: Ptr = null;
    const fwdPd = desc(fwdOp);
    let pd = fwdPd;
    if (pass === "backwardData") {
      const op = new Uint8Array(OP_DESC_BYTES);
      this.#check(
        this.#lib.dnnl_convolution_backward_data_desc_init(
          ptrOf(op),
          CONVOLUTION_DIRECT,
          ptrOf(src),
          ptrOf(anyW),
          ptrOf(dst),
          ptrOf(strides),
          ptrOf(padL),
          ptrOf(padR),
        ),
        "convolution_backward_data_desc_init",
      );
      hint = fwdPd;
      pd = desc(op);
    } else if (pass === "backwardWeights") {
      const op = new Uint8Array(OP_DESC_BYTES);
      this.#check(
        this.#lib.dnnl_convolution_backward_weights_desc_init(
          ptrOf(op),
          CONVOLUTION_DIRECT,
          ptrOf(src),
          ptrOf(anyW),
          null,
          ptrOf(dst),
          ptrOf(strides),
          ptrOf(padL),
          ptrOf(padR),
        ),
        "convolution_backward_weights_desc_init",
      );
      hint = fwdPd;
      pd = desc(op);
    }
    const wMd = this.#lib.dnnl_primitive_desc_query_md(
      pd,
      pass === "backwardWeights" ? QUERY_DIFF_WEIGHTS_MD : QUERY_WEIGHTS_MD,
      0,
    );
    const plain = this.#lib.dnnl_memory_desc_equal(wMd, ptrOf(hwio)) === 1;
    const prim = outPtr();
    this.#check(this.#lib.dnnl_primitive_create(ptrOf(prim), pd), "primitive_create");
    const implCell = outPtr();
    this.#lib.dnnl_primitive_desc_query(pd, QUERY_IMPL_INFO_STR, 0, ptrOf(implCell));
    const implPtr = ptrValue(implCell);
    const impl = implPtr ? Deno.UnsafePointerView.getCString(implPtr) : "?";
    const conv: ConvPrimitive = {
      prim: ptrValue(prim),
      src: this.#memory(src),
      weights: this.#memory(wMd!),
      dst: this.#memory(dst),
      toPrimitive: !plain && pass !== "backwardWeights" ? this.#reorder(hwio, wMd!) : null,
      fromPrimitive: !plain && pass === "backwardWeights" ? this.#reorder(wMd!, hwio) : null,
      impl,
      args: new Uint8Array(EXEC_ARG_BYTES * 3),
    };
    this.#convs.set(key, conv);
    return conv;
  }

  /** A scratch buffer of at least `bytes` bytes, reused across calls of the same size. */
  #scratchBuffer(bytes: number): Float32Array {
    let buf = this.#scratch.get(bytes);
    if (!buf) this.#scratch.set(bytes, buf = new Float32Array(Math.ceil(bytes / 4)));
    return buf;
  }

  #exec(prim: Ptr, args: Uint8Array, pairs: [number, Ptr][]): void {
    const view = new DataView(args.buffer, args.byteOffset, args.byteLength);
    pairs.forEach(([arg, mem], i) => {
      view.setInt32(i * EXEC_ARG_BYTES, arg, true);
      view.setBigUint64(i * EXEC_ARG_BYTES + 8, BigInt(Deno.UnsafePointer.value(mem)), true);
    });
    this.#check(
      this.#lib.dnnl_primitive_execute(prim, this.#stream, pairs.length, ptrOf(args)),
      "primitive_execute",
    );
  }

  #runReorder(r: Reorder, from: Ptr, to: Ptr): void {
    this.#lib.dnnl_memory_set_data_handle(r.from, from);
    this.#lib.dnnl_memory_set_data_handle(r.to, to);
    this.#exec(r.prim, new Uint8Array(EXEC_ARG_BYTES * 2), [[ARG_FROM, r.from], [ARG_TO, r.to]]);
  }

  /**
   * Runs one pass of the convolution `shape` on float32 buffers in place:
   * - `forward`: y[n, oh, ow, co] = conv(x[n, h, w, ci], w[kh, kw, ci, co]);
   * - `backwardData`: dx = conv_backward_data(dy, w) (also a transposed convolution's forward);
   * - `backwardWeights`: dw[kh, kw, ci, co] = conv_backward_weights(x, dy).
   *
   * `x`, `w` and `y` are the NHWC input, the hwio filter and the NHWC output of the forward
   * convolution (for the backward passes: x or dx, w or dw, dy). The output buffer is
   * overwritten. Returns oneDNN's implementation name.
   */
  conv(shape: ConvShape, pass: ConvPass, x: Ptr, w: Ptr, y: Ptr): string {
    const c = this.#conv(shape, pass);
    let weights = w;
    if (c.toPrimitive) {
      weights = ptrOf(this.#scratchBuffer(c.toPrimitive.toBytes));
      this.#runReorder(c.toPrimitive, w, weights);
    } else if (c.fromPrimitive) {
      weights = ptrOf(this.#scratchBuffer(c.fromPrimitive.fromBytes));
    }
    const lib = this.#lib;
    lib.dnnl_memory_set_data_handle(c.src, x);
    lib.dnnl_memory_set_data_handle(c.weights, weights);
    lib.dnnl_memory_set_data_handle(c.dst, y);
    const argSrc = pass === "backwardData" ? ARG_DIFF_SRC : ARG_SRC;
    const argW = pass === "backwardWeights" ? ARG_DIFF_WEIGHTS : ARG_WEIGHTS;
    const argDst = pass === "forward" ? ARG_DST : ARG_DIFF_DST;
    this.#exec(c.prim, c.args, [[argSrc, c.src], [argW, c.weights], [argDst, c.dst]]);
    if (c.fromPrimitive) this.#runReorder(c.fromPrimitive, weights, w);
    this.#check(lib.dnnl_stream_wait(this.#stream), "stream_wait");
    return c.impl;
  }

  /**
   * Row-major C[m, n] = alpha * op(A) op(B) + beta * C with oneDNN's GEMM (`dnnl_sgemm`);
   * `transA`/`transB` transpose A ([k, m] stored) and B ([n, k] stored).
   */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    a: Ptr,
    b: Ptr,
    c: Ptr,
    beta = 0,
  ): void {
    const T = 84, N = 78; // 'T', 'N'
    this.#check(
      this.#lib.dnnl_sgemm(
        transA ? T : N,
        transB ? T : N,
        BigInt(m),
        BigInt(n),
        BigInt(k),
        1,
        a,
        BigInt(transA ? m : k),
        b,
        BigInt(transB ? k : n),
        beta,
        c,
        BigInt(n),
      ),
      "sgemm",
    );
  }

  /**
   * The cached primitive for `key`; on a miss `build` says how to make it: `op` writes the op
   * descriptor into the buffer it is given, `mds` names each argument's memory descriptor,
   * `hint` is the forward primitive descriptor a backward pass needs, `attr` its post-ops.
   * Nothing is built, and no FFI call made, when the primitive is cached.
   */
  #primitive(key: string, build: () => PrimitiveRecipe): Primitive {
    const cached = this.#prims.get(key);
    if (cached) return cached;
    const { op, mds, hint = null, attr = null } = build();
    const desc = new Uint8Array(OP_DESC_BYTES);
    this.#check(op(desc), `${key} desc_init`);
    const pd = outPtr();
    this.#check(
      this.#lib.dnnl_primitive_desc_create(ptrOf(pd), ptrOf(desc), attr, this.#engine, hint),
      `${key} primitive_desc_create`,
    );
    const prim = outPtr();
    this.#check(this.#lib.dnnl_primitive_create(ptrOf(prim), ptrValue(pd)), "primitive_create");
    const p: Primitive = {
      prim: ptrValue(prim),
      pd: ptrValue(pd),
      mems: new Map(mds.map(([arg, md]) => [arg, this.#memory(md)])),
      args: new Uint8Array(EXEC_ARG_BYTES * mds.length),
    };
    this.#prims.set(key, p);
    return p;
  }

  #run(p: Primitive, handles: [number, Ptr][]): void {
    for (const [arg, handle] of handles) {
      this.#lib.dnnl_memory_set_data_handle(p.mems.get(arg)!, handle);
    }
    this.#exec(p.prim, p.args, handles.map(([arg]) => [arg, p.mems.get(arg)!]));
  }

  /** The descriptors of a batch norm's data ([batch, c, 1, spatial] nhwc), channels and mask. */
  #bnMds(s: BatchNormShape): { data: Uint8Array; chan: Uint8Array; mask: Uint8Array } {
    return {
      data: this.#md([s.batch, s.c, 1, s.spatial], TAG_NHWC),
      chan: this.#md([s.c], TAG_A),
      mask: this.#md([s.batch, s.c, 1, 1], TAG_NHWC),
    };
  }

  #bnForward(s: BatchNormShape, eps: number): Primitive {
    return this.#primitive(`bnf:${s.batch},${s.spatial},${s.c},${eps}`, () => {
      const { data, chan } = this.#bnMds(s);
      return {
        op: (d) =>
          this.#lib.dnnl_batch_normalization_forward_desc_init(
            ptrOf(d),
            PROP_FORWARD_TRAINING,
            ptrOf(data),
            eps,
            BN_USE_SCALE | BN_USE_SHIFT,
          ),
        mds: [[ARG_SRC, data], [ARG_DST, data], [ARG_MEAN, chan], [ARG_VARIANCE, chan], [
          ARG_SCALE,
          chan,
        ], [ARG_SHIFT, chan]],
      };
    });
  }

  /** ReLU with negative slope `slope`, in place (its backward pass takes it as the hint). */
  #reluForward(s: BatchNormShape, slope: number): Primitive {
    return this.#primitive(`eltf:${s.batch},${s.spatial},${s.c},${slope}`, () => {
      const { data } = this.#bnMds(s);
      return {
        op: (d) =>
          this.#lib.dnnl_eltwise_forward_desc_init(
            ptrOf(d),
            PROP_FORWARD_TRAINING,
            ELTWISE_RELU_USE_DST,
            ptrOf(data),
            slope,
            0,
          ),
        mds: [[ARG_SRC, data], [ARG_DST, data]],
      };
    });
  }

  /** The data times the [batch, c] channel mask. */
  #maskMul(s: BatchNormShape): Primitive {
    return this.#primitive(`mul:${s.batch},${s.spatial},${s.c}`, () => {
      const { data, mask } = this.#bnMds(s);
      return {
        op: (d) =>
          this.#lib.dnnl_binary_desc_init(
            ptrOf(d),
            BINARY_MUL,
            ptrOf(data),
            ptrOf(mask),
            ptrOf(data),
          ),
        mds: [[ARG_SRC, data], [ARG_SRC_1, mask], [ARG_DST, data]],
      };
    });
  }

  /**
   * Training-mode batch norm over channels-last data, then `act` (ReLU with negative slope
   * `slope`: 0 for ReLU, alpha for LeakyReLU; null for none), then the channel mask:
   * y = act(gamma (x - mean) / sqrt(var + eps) + beta) [* mask]. Mean and biased variance are
   * written to their buffers.
   */
  batchNormForward(
    s: BatchNormShape,
    eps: number,
    slope: number | null,
    b: BatchNormForwardBuffers,
  ): void {
    this.#run(this.#bnForward(s, eps), [
      [ARG_SRC, b.x],
      [ARG_DST, b.y],
      [ARG_MEAN, b.mean],
      [ARG_VARIANCE, b.variance],
      [ARG_SCALE, b.gamma],
      [ARG_SHIFT, b.beta],
    ]);
    if (slope !== null) this.#run(this.#reluForward(s, slope), [[ARG_SRC, b.y], [ARG_DST, b.y]]);
    if (b.mask) {
      this.#run(this.#maskMul(s), [[ARG_SRC, b.y], [ARG_SRC_1, b.mask], [ARG_DST, b.y]]);
    }
    this.#check(this.#lib.dnnl_stream_wait(this.#stream), "stream_wait");
  }

  /**
   * The gradients of {@link batchNormForward}: g = dy [* mask] act'(y), then batch norm's
   * backward pass (dx, dgamma, dbeta). `scratch` holds g ([batch, spatial, c] floats).
   */
  batchNormBackward(
    s: BatchNormShape,
    eps: number,
    slope: number | null,
    b: BatchNormBackwardBuffers,
    scratch: Ptr,
  ): void {
    let g = b.dy;
    if (b.mask) {
      this.#run(this.#maskMul(s), [[ARG_SRC, b.dy], [ARG_SRC_1, b.mask], [ARG_DST, scratch]]);
      g = scratch;
    }
    if (slope !== null) {
      // the activation's derivative from the sign of its output (a mask keeps the sign)
      const act = this.#primitive(`eltb:${s.batch},${s.spatial},${s.c},${slope}`, () => {
        const { data } = this.#bnMds(s);
        return {
          op: (d) =>
            this.#lib.dnnl_eltwise_backward_desc_init(
              ptrOf(d),
              ELTWISE_RELU_USE_DST,
              ptrOf(data),
              ptrOf(data),
              slope,
              0,
            ),
          hint: this.#reluForward(s, slope).pd,
          mds: [[ARG_DST, data], [ARG_DIFF_DST, data], [ARG_DIFF_SRC, data]],
        };
      });
      this.#run(act, [[ARG_DST, b.y], [ARG_DIFF_DST, g], [ARG_DIFF_SRC, scratch]]);
      g = scratch;
    }
    const bwd = this.#primitive(`bnb:${s.batch},${s.spatial},${s.c},${eps}`, () => {
      const { data, chan } = this.#bnMds(s);
      return {
        op: (d) =>
          this.#lib.dnnl_batch_normalization_backward_desc_init(
            ptrOf(d),
            PROP_BACKWARD,
            ptrOf(data),
            ptrOf(data),
            eps,
            BN_USE_SCALE | BN_USE_SHIFT,
          ),
        hint: this.#bnForward(s, eps).pd,
        mds: [
          [ARG_SRC, data],
          [ARG_MEAN, chan],
          [ARG_VARIANCE, chan],
          [ARG_DIFF_DST, data],
          [ARG_SCALE, chan],
          [ARG_SHIFT, chan],
          [ARG_DIFF_SRC, data],
          [ARG_DIFF_SCALE, chan],
          [ARG_DIFF_SHIFT, chan],
        ],
      };
    });
    this.#run(bwd, [
      [ARG_SRC, b.x],
      [ARG_MEAN, b.mean],
      [ARG_VARIANCE, b.variance],
      [ARG_DIFF_DST, g],
      [ARG_SCALE, b.gamma],
      [ARG_SHIFT, b.beta], // oneDNN 2.6 asks for it, though the gradients do not depend on it
      [ARG_DIFF_SRC, b.dx],
      [ARG_DIFF_SCALE, b.dgamma],
      [ARG_DIFF_SHIFT, b.dbeta],
    ]);
    this.#check(this.#lib.dnnl_stream_wait(this.#stream), "stream_wait");
  }

  /**
   * Primitive attributes with a chain of post-ops: `sum` (dst = result + scale * dst),
   * `eltwise` (ReLU, linear, ...: alg, alpha, beta) or `binary` (alg with a second input of
   * descriptor md, given at execution as {@link postOpSrc1}).
   */
  #postOps(ops: PostOp[]): Ptr {
    const po = outPtr();
    this.#check(this.#lib.dnnl_post_ops_create(ptrOf(po)), "post_ops_create");
    const postOps = ptrValue(po);
    for (const op of ops) {
      if ("sum" in op) {
        this.#check(this.#lib.dnnl_post_ops_append_sum(postOps, op.sum), "append_sum");
      } else if ("eltwise" in op) {
        this.#check(
          this.#lib.dnnl_post_ops_append_eltwise(postOps, 1, op.eltwise, op.alpha, op.beta),
          "append_eltwise",
        );
      } else {
        this.#check(
          this.#lib.dnnl_post_ops_append_binary(postOps, op.binary, ptrOf(op.md)),
          "append_binary",
        );
      }
    }
    const at = outPtr();
    this.#check(this.#lib.dnnl_primitive_attr_create(ptrOf(at)), "primitive_attr_create");
    const attr = ptrValue(at);
    this.#check(this.#lib.dnnl_primitive_attr_set_post_ops(attr, postOps), "set_post_ops");
    return attr;
  }

  /** The per-step scalars of {@link adam}: (1 - beta1), 1 / bc2, -lr / bc1. */
  #adamScalars = new Float32Array(4);

  /**
   * One Adam step (PyTorch's formula) over `n` float32 values, as four oneDNN passes:
   * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2 (both in place); d = sqrt(v / bc2) + eps;
   * out = p - lr / bc1 * m / d. `scratch` holds d (n floats). The per-step factors are runtime
   * inputs (one-value tensors), so the primitives are built once per size.
   */
  adam(
    n: number,
    b: { p: Ptr; g: Ptr; m: Ptr; v: Ptr; out: Ptr; scratch: Ptr },
    k: { beta1: number; beta2: number; eps: number; stepSize: number; rootBc2: number },
  ): void {
    const key = `${n},${k.beta1},${k.beta2},${k.eps}`;
    const sc = this.#adamScalars;
    sc[0] = 1 - k.beta1;
    sc[1] = 1 / (k.rootBc2 * k.rootBc2);
    sc[2] = -k.stepSize;
    const at = (i: number) =>
      Deno.UnsafePointer.create(BigInt(Deno.UnsafePointer.value(ptrOf(sc))) + BigInt(4 * i));
    /** A binary op over [n] with a second input of n values or one; post-ops in `attr`. */
    const binary =
      (alg: number, src1IsVector: boolean, postOps: PostOp[]) => (): PrimitiveRecipe => {
        const vec = this.#md([n], TAG_A), one = this.#md([1], TAG_A);
        const src1 = src1IsVector ? vec : one;
        const mds: [number, Uint8Array][] = [[ARG_SRC, vec], [ARG_SRC_1, src1], [ARG_DST, vec]];
        postOps.forEach((op, i) => {
          if ("binary" in op) mds.push([postOpSrc1(i), op.md]);
        });
        return {
          op: (d) =>
            this.#lib.dnnl_binary_desc_init(ptrOf(d), alg, ptrOf(vec), ptrOf(src1), ptrOf(vec)),
          mds,
          attr: this.#postOps(postOps),
        };
      };
    // m = (1 - b1) g + b1 m
    const mStep = this.#primitive(
      `adam-m:${key}`,
      binary(BINARY_MUL, false, [{ sum: k.beta1 }]),
    );
    this.#run(mStep, [[ARG_SRC, b.g], [ARG_SRC_1, at(0)], [ARG_DST, b.m]]);
    // v = (1 - b2) g g + b2 v
    const vStep = this.#primitive(
      `adam-v:${key}`,
      binary(BINARY_MUL, true, [{ eltwise: ELTWISE_LINEAR, alpha: 1 - k.beta2, beta: 0 }, {
        sum: k.beta2,
      }]),
    );
    this.#run(vStep, [[ARG_SRC, b.g], [ARG_SRC_1, b.g], [ARG_DST, b.v]]);
    // d = sqrt(v * (1 / bc2)) + eps (a binary op: oneDNN's eltwise with post-ops is its
    // reference kernel, and gave zeros)
    const dStep = this.#primitive(
      `adam-d:${key}`,
      binary(BINARY_MUL, false, [{ eltwise: ELTWISE_SQRT, alpha: 0, beta: 0 }, {
        eltwise: ELTWISE_LINEAR,
        alpha: 1,
        beta: k.eps,
      }]),
    );
    this.#run(dStep, [[ARG_SRC, b.v], [ARG_SRC_1, at(1)], [ARG_DST, b.scratch]]);
    // out = m / d * (-lr / bc1) + p
    const pStep = this.#primitive(
      `adam-p:${key}`,
      binary(BINARY_DIV, true, [
        { binary: BINARY_MUL, md: this.#md([1], TAG_A) },
        { binary: BINARY_ADD, md: this.#md([n], TAG_A) },
      ]),
    );
    this.#run(pStep, [[ARG_SRC, b.m], [ARG_SRC_1, b.scratch], [ARG_DST, b.out], [
      postOpSrc1(0),
      at(2),
    ], [postOpSrc1(1), b.p]]);
    this.#check(this.#lib.dnnl_stream_wait(this.#stream), "stream_wait");
  }
}
