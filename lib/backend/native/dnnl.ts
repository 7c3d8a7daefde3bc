/**
 * oneDNN (Debian's `libdnnl2`, 2.x C API) through `Deno.dlopen`: the core every native kernel
 * builds on. It opens the library, holds one CPU engine and stream, makes memory descriptors
 * (float32 or bfloat16), memories, reorders and post-op attributes, and keeps the one cache of
 * everything built from them (primitives, their memories, reorders), keyed by what they compute.
 * No C shim: the op descriptors of the 2.x API are plain structs, allocated here as byte buffers
 * of the sizes the 2.6 headers give (`dnnl_api.ts`; the library's version is checked on load).
 *
 * The concepts on top of it live in their own files: `convolution.ts`, `matmul.ts`,
 * `batch_norm.ts` and `adam_kernel.ts`.
 *
 * @module
 */

import {
  ARG_FROM,
  ARG_TO,
  DATA_TYPES,
  DNNL_CPU,
  DNNL_SUCCESS,
  EXEC_ARG_BYTES,
  MEMORY_DESC_BYTES,
  OP_DESC_BYTES,
  QUERY_IMPL_INFO_STR,
  STATUS,
  SYMBOLS,
  TAG,
} from "./dnnl_api.ts";

/** Library file names tried in order (Debian's `libdnnl2` ships the first). */
export const DNNL_LIBRARIES: readonly string[] = ["libdnnl.so.2", "libdnnl.so"];

type Lib = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
/** A pointer as Deno's FFI passes it. */
export type Ptr = Deno.PointerValue;

/** An element type of oneDNN memory: float32, or bfloat16 (float32's top 16 bits). */
export type DataType = keyof typeof DATA_TYPES;

/**
 * The arithmetic of the heavy kernels: `fp32` throughout, or `bf16` (mixed precision:
 * convolutions and matrix products read bfloat16 copies of their operands, made inside the
 * engine, and accumulate and write float32; everything else stays float32).
 */
export type Precision = "fp32" | "bf16";

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
/** The ISA bits of `avx512_core_bf16`, which AMX includes: bf16 dot products in hardware. */
const BF16_ISA_BITS = 0xe7;

/** Converted copies kept per reorder (see {@link Dnnl.converted}). */
export const COPIES_PER_REORDER = 2;

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

/** `p` moved by `bytes`. */
export function offsetPtr(p: Ptr, bytes: number): Ptr {
  return Deno.UnsafePointer.create(BigInt(Deno.UnsafePointer.value(p)) + BigInt(bytes));
}

function ptrValue(cell: BigUint64Array): Ptr {
  return Deno.UnsafePointer.create(cell[0]);
}

/** A reorder primitive (layout or element-type conversion) with its two memories. */
export interface Reorder {
  prim: Ptr;
  from: Ptr;
  to: Ptr;
  /** Byte sizes of the source and destination buffers (a blocked layout pads). */
  fromBytes: number;
  toBytes: number;
}

/** A cached primitive with one memory object per argument (handles set at each run). */
export interface Primitive {
  prim: Ptr;
  /** Its primitive descriptor (a backward pass's hint). */
  pd: Ptr;
  mems: Map<number, Ptr>;
  args: Uint8Array;
}

/** One post-op of a primitive (see {@link Dnnl.postOps}). */
export type PostOp =
  | { sum: number }
  | { eltwise: number; alpha: number; beta: number }
  | { binary: number; md: Uint8Array };

/** How to build a {@link Primitive} (see {@link Dnnl.primitive}). */
export interface PrimitiveRecipe {
  op: (desc: Uint8Array) => number;
  mds: [number, Uint8Array][];
  hint?: Ptr;
  attr?: Ptr;
}

/** What {@link Dnnl.open} found. */
export interface DnnlInfo {
  /** The file that opened. */
  library: string;
  /** `major.minor.patch`. */
  version: string;
  /** The ISA its kernels dispatch to (`avx512_core`, `avx2`, ...). */
  isa: string;
  /** Whether that ISA computes bfloat16 dot products in hardware (`avx512_core_bf16`, AMX). */
  bf16: boolean;
}

/**
 * The opened library with one CPU engine and stream, and one cache of built objects. Its
 * members are the native engine's internals: the kernel files of this folder call them.
 *
 * @example
 * ```ts
 * const dnnl = Dnnl.open();
 * console.log(dnnl.info.isa, dnnl.info.bf16); // e.g. "avx512_core_bf16 true"
 * dnnl.precision = "bf16"; // convolutions and matmuls compute in bfloat16 from now on
 * ```
 */
export class Dnnl {
  /** What was opened. */
  readonly info: DnnlInfo;
  /**
   * The arithmetic of convolutions and matrix products; `bf16` works on any AVX-512 CPU
   * (oneDNN emulates it without `avx512_bf16`, slowly). `openNativeEngine` sets it.
   */
  precision: Precision = "fp32";
  /** The C functions. */
  readonly symbols: Lib;
  #engine: Ptr;
  #stream: Ptr;
  #cache = new Map<string, unknown>();
  #scratch = new Map<string, Float32Array>();
  #copies = new Map<Reorder, { ids: (object | null)[]; bufs: Float32Array[]; next: number }>();

  private constructor(lib: Deno.DynamicLibrary<typeof SYMBOLS>, library: string) {
    this.symbols = lib.symbols;
    const v = new Deno.UnsafePointerView(this.symbols.dnnl_version()!);
    const [major, minor, patch] = [v.getInt32(0), v.getInt32(4), v.getInt32(8)];
    const version = `${major}.${minor}.${patch}`;
    if (major !== 2) {
      lib.close();
      throw new Error(
        `${library} is oneDNN ${version}; this engine speaks the 2.x C API (Debian's libdnnl2)`,
      );
    }
    const isaBits = this.symbols.dnnl_get_effective_cpu_isa();
    const isa = ISA_NAMES.find(([bits]) => (isaBits & bits) === bits)?.[1] ??
      `isa 0x${isaBits.toString(16)}`;
    this.info = { library, version, isa, bf16: (isaBits & BF16_ISA_BITS) === BF16_ISA_BITS };
    const engine = outPtr();
    this.check(this.symbols.dnnl_engine_create(ptrOf(engine), DNNL_CPU, 0n), "engine_create");
    this.#engine = ptrValue(engine);
    const stream = outPtr();
    this.check(this.symbols.dnnl_stream_create(ptrOf(stream), this.#engine, 1), "stream_create");
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

  /** Throws naming `what` when a call did not succeed. */
  check(status: number, what: string): void {
    if (status !== DNNL_SUCCESS) {
      throw new Error(`oneDNN ${what} failed: ${STATUS[status] ?? `status ${status}`}`);
    }
  }

  /** A memory descriptor of `dims` with elements `type` in layout `tag` (a {@link TAG}). */
  md(dims: number[], tag: number, type: DataType = "f32"): Uint8Array {
    const md = new Uint8Array(MEMORY_DESC_BYTES);
    const d = new BigInt64Array(12);
    dims.forEach((v, i) => d[i] = BigInt(v));
    this.check(
      this.symbols.dnnl_memory_desc_init_by_tag(
        ptrOf(md),
        dims.length,
        ptrOf(d),
        DATA_TYPES[type],
        tag,
      ),
      "memory_desc_init_by_tag",
    );
    return md;
  }

  /** A memory object of descriptor `md` whose data handle each execution sets. */
  memory(md: Ptr | Uint8Array): Ptr {
    const mem = outPtr();
    const mdPtr = md instanceof Uint8Array ? ptrOf(md) : md;
    this.check(
      this.symbols.dnnl_memory_create(ptrOf(mem), mdPtr, this.#engine, null),
      "memory_create",
    );
    return ptrValue(mem);
  }

  /** Whether two memory descriptors are the same. */
  mdEqual(a: Ptr | Uint8Array, b: Ptr | Uint8Array): boolean {
    const p = (x: Ptr | Uint8Array) => x instanceof Uint8Array ? ptrOf(x) : x;
    return this.symbols.dnnl_memory_desc_equal(p(a), p(b)) === 1;
  }

  /** A reorder from one descriptor to another (layout, element type or both). */
  reorder(fromMd: Ptr | Uint8Array, toMd: Ptr | Uint8Array): Reorder {
    const pd = outPtr();
    const f = fromMd instanceof Uint8Array ? ptrOf(fromMd) : fromMd;
    const t = toMd instanceof Uint8Array ? ptrOf(toMd) : toMd;
    this.check(
      this.symbols.dnnl_reorder_primitive_desc_create(
        ptrOf(pd),
        f,
        this.#engine,
        t,
        this.#engine,
        null,
      ),
      "reorder_primitive_desc_create",
    );
    return {
      prim: this.createPrimitive(ptrValue(pd)),
      from: this.memory(f),
      to: this.memory(t),
      fromBytes: Number(this.symbols.dnnl_memory_desc_get_size(f)),
      toBytes: Number(this.symbols.dnnl_memory_desc_get_size(t)),
    };
  }

  /** Runs a reorder from the buffer at `from` to the one at `to`. */
  runReorder(r: Reorder, from: Ptr, to: Ptr): void {
    this.symbols.dnnl_memory_set_data_handle(r.from, from);
    this.symbols.dnnl_memory_set_data_handle(r.to, to);
    this.exec(r.prim, new Uint8Array(EXEC_ARG_BYTES * 2), [[ARG_FROM, r.from], [ARG_TO, r.to]]);
  }

  /** The primitive descriptor of the op descriptor `op` (with `attr` and a forward `hint`). */
  primitiveDesc(op: Uint8Array, what: string, attr: Ptr = null, hint: Ptr = null): Ptr {
    const pd = outPtr();
    this.check(
      this.symbols.dnnl_primitive_desc_create(ptrOf(pd), ptrOf(op), attr, this.#engine, hint),
      `${what} primitive_desc_create`,
    );
    return ptrValue(pd);
  }

  /** The primitive of a primitive descriptor. */
  createPrimitive(pd: Ptr): Ptr {
    const prim = outPtr();
    this.check(this.symbols.dnnl_primitive_create(ptrOf(prim), pd), "primitive_create");
    return ptrValue(prim);
  }

  /** oneDNN's name for the implementation a primitive descriptor chose (`brgconv:...`). */
  implName(pd: Ptr): string {
    const cell = outPtr();
    this.symbols.dnnl_primitive_desc_query(pd, QUERY_IMPL_INFO_STR, 0, ptrOf(cell));
    const p = ptrValue(cell);
    return p ? Deno.UnsafePointerView.getCString(p) : "?";
  }

  /** Executes `prim` with `pairs` of (argument index, memory). */
  exec(prim: Ptr, args: Uint8Array, pairs: [number, Ptr][]): void {
    const view = new DataView(args.buffer, args.byteOffset, args.byteLength);
    pairs.forEach(([arg, mem], i) => {
      view.setInt32(i * EXEC_ARG_BYTES, arg, true);
      view.setBigUint64(i * EXEC_ARG_BYTES + 8, BigInt(Deno.UnsafePointer.value(mem)), true);
    });
    this.check(
      this.symbols.dnnl_primitive_execute(prim, this.#stream, pairs.length, ptrOf(args)),
      "primitive_execute",
    );
  }

  /** An argument buffer for `count` execution arguments. */
  execArgs(count: number): Uint8Array {
    return new Uint8Array(EXEC_ARG_BYTES * count);
  }

  /** Waits for the stream (every public kernel ends with it). */
  wait(): void {
    this.check(this.symbols.dnnl_stream_wait(this.#stream), "stream_wait");
  }

  /**
   * The one cache of the engine: the value built by `make` for `key`, made on the first call.
   * Keys start with what they compute (`conv:`, `bnf:`, `adam-m:`, ...).
   */
  cached<T>(key: string, make: () => T): T {
    let v = this.#cache.get(key) as T | undefined;
    if (v === undefined) this.#cache.set(key, v = make());
    return v;
  }

  /**
   * The cached primitive for `key`; on a miss `build` says how to make it: `op` writes the op
   * descriptor into the buffer it is given, `mds` names each argument's memory descriptor,
   * `hint` is the forward primitive descriptor a backward pass needs, `attr` its post-ops.
   * Nothing is built, and no FFI call made, when the primitive is cached.
   */
  primitive(key: string, build: () => PrimitiveRecipe): Primitive {
    return this.cached(key, () => {
      const { op, mds, hint = null, attr = null } = build();
      const desc = new Uint8Array(OP_DESC_BYTES);
      this.check(op(desc), `${key} desc_init`);
      const pd = this.primitiveDesc(desc, key, attr, hint);
      return {
        prim: this.createPrimitive(pd),
        pd,
        mems: new Map(mds.map(([arg, md]) => [arg, this.memory(md)])),
        args: this.execArgs(mds.length),
      };
    });
  }

  /** Runs a cached primitive on the buffers `handles` names by argument. */
  run(p: Primitive, handles: [number, Ptr][]): void {
    for (const [arg, handle] of handles) {
      this.symbols.dnnl_memory_set_data_handle(p.mems.get(arg)!, handle);
    }
    this.exec(p.prim, p.args, handles.map(([arg]) => [arg, p.mems.get(arg)!]));
  }

  /**
   * A scratch buffer of at least `bytes` bytes for `role`, reused across calls: two roles
   * never share memory, one role's buffers are reused by every call of that size.
   */
  scratch(role: string, bytes: number): Ptr {
    const key = `${role}:${bytes}`;
    let buf = this.#scratch.get(key);
    if (!buf) this.#scratch.set(key, buf = new Float32Array(Math.ceil(bytes / 4)));
    return ptrOf(buf);
  }

  /**
   * The buffer at `from` after the reorder `r` (a layout or bfloat16 conversion): in the
   * scratch buffer of `role` when `id` is absent; else in one of {@link COPIES_PER_REORDER}
   * buffers kept per reorder, reused without converting again when it last held `id`'s data.
   * `id` is the identity of immutable data (a tfjs tensor's `dataId`): a filter is converted
   * once per update, not once per call (D's filters serve the real and the fake batch, G's
   * the D step and the G step). The buffers are allocated once: fresh ones per call cost more
   * (zeroing, garbage collection) than the conversions they save.
   */
  converted(role: string, r: Reorder, from: Ptr, id?: object): Ptr {
    if (!id) {
      const to = this.scratch(role, r.toBytes);
      this.runReorder(r, from, to);
      return to;
    }
    let ring = this.#copies.get(r);
    if (!ring) {
      const bufs = Array.from(
        { length: COPIES_PER_REORDER },
        () => new Float32Array(Math.ceil(r.toBytes / 4)),
      );
      this.#copies.set(r, ring = { ids: bufs.map(() => null), bufs, next: 0 });
    }
    const hit = ring.ids.indexOf(id);
    if (hit >= 0) return ptrOf(ring.bufs[hit]);
    const slot = ring.next;
    ring.next = (slot + 1) % COPIES_PER_REORDER;
    ring.ids[slot] = id;
    const to = ptrOf(ring.bufs[slot]);
    this.runReorder(r, from, to);
    return to;
  }

  /**
   * Primitive attributes with a chain of post-ops: `sum` (dst = result + scale * dst),
   * `eltwise` (ReLU, linear, ...: alg, alpha, beta) or `binary` (alg with a second input of
   * descriptor md, given at execution as {@link postOpSrc1}).
   */
  postOps(ops: PostOp[]): Ptr {
    const po = outPtr();
    this.check(this.symbols.dnnl_post_ops_create(ptrOf(po)), "post_ops_create");
    const postOps = ptrValue(po);
    for (const op of ops) {
      if ("sum" in op) {
        this.check(this.symbols.dnnl_post_ops_append_sum(postOps, op.sum), "append_sum");
      } else if ("eltwise" in op) {
        this.check(
          this.symbols.dnnl_post_ops_append_eltwise(postOps, 1, op.eltwise, op.alpha, op.beta),
          "append_eltwise",
        );
      } else {
        this.check(
          this.symbols.dnnl_post_ops_append_binary(postOps, op.binary, ptrOf(op.md)),
          "append_binary",
        );
      }
    }
    const at = outPtr();
    this.check(this.symbols.dnnl_primitive_attr_create(ptrOf(at)), "primitive_attr_create");
    const attr = ptrValue(at);
    this.check(this.symbols.dnnl_primitive_attr_set_post_ops(attr, postOps), "set_post_ops");
    return attr;
  }

  /** A reorder of `count` contiguous float32 values into bfloat16 (cached per count). */
  toBf16(count: number): Reorder {
    return this.cached(
      `to-bf16:${count}`,
      () => this.reorder(this.md([count], TAG.a, "f32"), this.md([count], TAG.a, "bf16")),
    );
  }
}
