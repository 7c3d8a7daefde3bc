/**
 * The parts of oneDNN 2.x's C API this engine calls: the functions (for `Deno.dlopen`), the
 * enum values of `dnnl_types.h` and the sizes of the structs of the 2.6 headers (x86-64).
 *
 * @module
 */

/** Bytes of `dnnl_memory_desc_t`. */
export const MEMORY_DESC_BYTES = 696;
/** Bytes of an op descriptor buffer (convolution desc: 5976; batch norm: 3496; room to spare). */
export const OP_DESC_BYTES = 8192;
/** Bytes of `dnnl_exec_arg_t`. */
export const EXEC_ARG_BYTES = 16;

/** `dnnl_success`. */
export const DNNL_SUCCESS = 0;
/** `dnnl_cpu` (engine kind). */
export const DNNL_CPU = 1;
/** `dnnl_data_type_t` values of the element types this engine uses. */
export const DATA_TYPES = { bf16: 2, f32: 3 } as const;
/** `dnnl_format_tag_t` values: `any` (the primitive chooses), `a`, `nhwc` (acdb), `hwio` (cdba). */
export const TAG = { any: 1, a: 2, nhwc: 20, hwio: 30 } as const;
/** `dnnl_prop_kind_t` and algorithm kinds. */
export const KIND = {
  forwardTraining: 64,
  backward: 128,
  convolutionDirect: 1,
  reluUseDst: 256,
  eltwiseTanh: 47,
  eltwiseLinear: 127,
  eltwiseSqrt: 111,
  binaryAdd: 131056,
  binaryMul: 131057,
  binaryDiv: 131060,
} as const;
/** Batch norm flags. */
export const BN_FLAGS = { useScale: 8, useShift: 16 } as const;
/** `DNNL_ARG_*` execution argument indices. */
export const ARG = {
  src: 1,
  src1: 2,
  dst: 17,
  weights: 33,
  mean: 49,
  variance: 50,
  scale: 51,
  shift: 52,
  diffSrc: 129,
  diffDst: 145,
  diffWeights: 161,
  diffScale: 255,
  diffShift: 256,
} as const;
/** `DNNL_ARG_ATTR_MULTIPLE_POST_OP(i) | DNNL_ARG_SRC_1`: the second input of post-op i. */
export const postOpSrc1 = (i: number): number => 16384 * (i + 1) | ARG.src1;
/** `dnnl_query_impl_info_str`. */
export const QUERY_IMPL_INFO_STR = 8;
/** `dnnl_query_t` values of memory descriptors. */
export const QUERY = { weightsMd: 131, diffWeightsMd: 132 } as const;
/** A reorder's input: `DNNL_ARG_FROM` (= `DNNL_ARG_SRC`). */
export const ARG_FROM = 1;
/** A reorder's output: `DNNL_ARG_TO` (= `DNNL_ARG_DST`). */
export const ARG_TO = 17;

/** Messages of `dnnl_status_t` values. */
export const STATUS: Record<number, string> = {
  1: "out of memory",
  2: "invalid arguments",
  3: "unimplemented",
  4: "iterator ends",
  5: "runtime error",
  6: "not required",
};

const P = "pointer" as const;
/** The C functions this engine calls. */
export const SYMBOLS = {
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
  dnnl_gemm_bf16bf16f32: {
    parameters: ["i8", "i8", "i64", "i64", "i64", "f32", P, "i64", P, "i64", "f32", P, "i64"],
    result: "i32",
  },
} as const;
