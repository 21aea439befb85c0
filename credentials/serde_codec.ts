/**
 * bincode field codecs for the curve types as upstream's serde derives emit them: points and
 * scalars are serdect byte arrays (varint length prefix + bytes, see `bincode.ts`), and a
 * `Signature { h, s }` is its two points in order.
 *
 * @module
 */
import type { BincodeReader, BincodeWriter } from "./bincode.ts";
import {
  G1_BYTES,
  g1FromBytes,
  type G1Point,
  g1ToBytes,
  G2_BYTES,
  g2FromBytes,
  type G2Point,
  g2ToBytes,
} from "./group.ts";
import { type Scalar, SCALAR_BYTES, scalarFromBytes, scalarToBytes } from "./scalar.ts";
import type { Signature } from "./signature.ts";

/** Minimum encoded size of a serde G1 point (1-byte prefix + 48). */
export const SERDE_G1_BYTES = 1 + G1_BYTES;
/** Minimum encoded size of a serde G2 point (1-byte prefix + 96). */
export const SERDE_G2_BYTES = 1 + G2_BYTES;
/** Minimum encoded size of a serde scalar (1-byte prefix + 32). */
export const SERDE_SCALAR_BYTES = 1 + SCALAR_BYTES;
/** Minimum encoded size of a serde signature. */
export const SERDE_SIGNATURE_BYTES = 2 * SERDE_G1_BYTES;

/**
 * Writes a G1 point: `0x30 ‖ compressed`.
 *
 * @example
 * ```ts
 * import { BincodeWriter } from "./bincode.ts";
 * import { G1 } from "./group.ts";
 * import { writeG1 } from "./serde_codec.ts";
 * const w = new BincodeWriter();
 * writeG1(w, G1.BASE);
 * w.finish().length; // 49
 * ```
 */
export function writeG1(w: BincodeWriter, p: G1Point): void {
  w.serdeBytes(g1ToBytes(p));
}

/**
 * Writes a G2 point: `0x60 ‖ compressed`.
 *
 * @example
 * ```ts
 * import { BincodeWriter } from "./bincode.ts";
 * import { G2 } from "./group.ts";
 * import { writeG2 } from "./serde_codec.ts";
 * const w = new BincodeWriter();
 * writeG2(w, G2.BASE);
 * w.finish().length; // 97
 * ```
 */
export function writeG2(w: BincodeWriter, p: G2Point): void {
  w.serdeBytes(g2ToBytes(p));
}

/**
 * Writes a scalar: `0x20 ‖ 32 B LE`.
 *
 * @example
 * ```ts
 * import { BincodeWriter } from "./bincode.ts";
 * import { writeScalar } from "./serde_codec.ts";
 * const w = new BincodeWriter();
 * writeScalar(w, 1n);
 * w.finish()[0]; // 32
 * ```
 */
export function writeScalar(w: BincodeWriter, s: Scalar): void {
  w.serdeBytes(scalarToBytes(s));
}

/**
 * Writes a signature struct: h then s.
 *
 * @example
 * ```ts
 * import { BincodeWriter } from "./bincode.ts";
 * import { G1 } from "./group.ts";
 * import { writeSignature } from "./serde_codec.ts";
 * const w = new BincodeWriter();
 * writeSignature(w, { h: G1.BASE, s: G1.BASE });
 * w.finish().length; // 98
 * ```
 */
export function writeSignature(w: BincodeWriter, sig: Signature): void {
  writeG1(w, sig.h);
  writeG1(w, sig.s);
}

/**
 * Reads a G1 point written by {@linkcode writeG1}.
 *
 * @example
 * ```ts
 * import { BincodeReader, BincodeWriter } from "./bincode.ts";
 * import { G1 } from "./group.ts";
 * import { readG1, writeG1 } from "./serde_codec.ts";
 * const w = new BincodeWriter();
 * writeG1(w, G1.BASE);
 * readG1(new BincodeReader(w.finish(), "point")).equals(G1.BASE); // true
 * ```
 */
export function readG1(r: BincodeReader): G1Point {
  return g1FromBytes(r.serdeBytes(G1_BYTES), r.what);
}

/**
 * Reads a G2 point written by {@linkcode writeG2}.
 *
 * @example
 * ```ts
 * import { BincodeReader, BincodeWriter } from "./bincode.ts";
 * import { G2 } from "./group.ts";
 * import { readG2, writeG2 } from "./serde_codec.ts";
 * const w = new BincodeWriter();
 * writeG2(w, G2.BASE);
 * readG2(new BincodeReader(w.finish(), "point")).equals(G2.BASE); // true
 * ```
 */
export function readG2(r: BincodeReader): G2Point {
  return g2FromBytes(r.serdeBytes(G2_BYTES), r.what);
}

/**
 * Reads a scalar written by {@linkcode writeScalar} (rejecting values ≥ r).
 *
 * @example
 * ```ts
 * import { BincodeReader, BincodeWriter } from "./bincode.ts";
 * import { readScalar, writeScalar } from "./serde_codec.ts";
 * const w = new BincodeWriter();
 * writeScalar(w, 5n);
 * readScalar(new BincodeReader(w.finish(), "scalar")); // 5n
 * ```
 */
export function readScalar(r: BincodeReader): Scalar {
  return scalarFromBytes(r.serdeBytes(SCALAR_BYTES), r.what);
}

/**
 * Reads a signature struct written by {@linkcode writeSignature}.
 *
 * @example
 * ```ts
 * import { BincodeReader, BincodeWriter } from "./bincode.ts";
 * import { G1 } from "./group.ts";
 * import { readSignature, writeSignature } from "./serde_codec.ts";
 * const w = new BincodeWriter();
 * writeSignature(w, { h: G1.BASE, s: G1.BASE });
 * readSignature(new BincodeReader(w.finish(), "sig")).s.equals(G1.BASE); // true
 * ```
 */
export function readSignature(r: BincodeReader): Signature {
  return { h: readG1(r), s: readG1(r) };
}
