/**
 * Coin-index signatures: every signer publishes, once per key epoch, L = 50 PS signatures on
 * (l, TYPE_IDX, TYPE_IDX) for l = 0..L−1: h = H_G1(vk_bytes ‖ u64 LE l) with vk the **master**
 * key's bytes, s = h^{x + y₁·l + (y₂ + y₃)·TYPE_IDX}. A spender proves possession of the one for
 * its ticket's index, which bounds a ticketbook to L tickets
 * (upstream `scheme/coin_indices_signatures.rs`; credentials-anchors.md §A.3).
 *
 * @module
 */
import { BincodeReader, BincodeWriter } from "./bincode.ts";
import { batchedSignatureCheck, batchWeights } from "./batch.ts";
import { TYPE_IDX } from "./constants.ts";
import { EcashArgumentError, EcashVerificationError } from "./errors.ts";
import { G1, linearCombination, mulPublic, mulSecret } from "./group.ts";
import { hashToG1 } from "./hash.ts";
import {
  encodeVerificationKey,
  type SecretKeyAuth,
  type VerificationKeyAuth,
} from "./keys_auth.ts";
import { assertSignerIndices, lagrangeCoefficientsAtZero, type SignerIndex } from "./lagrange.ts";
import type { EcashParameters } from "./params.ts";
import { add, mul, scalarFromU64 } from "./scalar.ts";
import { encodeSignature, type Signature, signatureIsDegenerate } from "./signature.ts";
import { readSignature, SERDE_SIGNATURE_BYTES, writeSignature } from "./serde_codec.ts";

/** A coin-index signature with its index. */
export interface AnnotatedCoinIndexSignature {
  /** The (partial or aggregated) signature. */
  readonly signature: Signature;
  /** The coin index l. */
  readonly index: number;
}

/** One signer's L partial coin-index signatures, with its key and index. */
export interface CoinIndexSignatureShare {
  /** The signer's index. */
  readonly index: SignerIndex;
  /** The signer's verification key. */
  readonly key: VerificationKeyAuth;
  /** Its signatures, ordered by coin index. */
  readonly signatures: readonly Signature[];
}

/**
 * h for coin index l: H_G1(master vk bytes ‖ u64 LE l).
 *
 * @example
 * ```ts
 * // coinIndexHash(encodeVerificationKey(masterVk), 0)
 * ```
 */
export function coinIndexHash(vkBytes: Uint8Array, index: number) {
  const bytes = new Uint8Array(vkBytes.length + 8);
  bytes.set(vkBytes, 0);
  new DataView(bytes.buffer).setBigUint64(vkBytes.length, BigInt(index), true);
  return hashToG1(bytes);
}

/**
 * A signer's L partial coin-index signatures for the master key `vk` (upstream
 * `sign_coin_indices`).
 *
 * @example
 * ```ts
 * // const partials = signCoinIndices(params, masterVk, signer.secretKey);
 * ```
 */
export function signCoinIndices(
  params: EcashParameters,
  vk: VerificationKeyAuth,
  skAuth: SecretKeyAuth,
): AnnotatedCoinIndexSignature[] {
  if (skAuth.ys.length < 3) throw new EcashArgumentError("signing key too short");
  const [y0, y1, y2] = skAuth.ys;
  const partial = add(skAuth.x, mul(add(y1, y2), TYPE_IDX));
  const vkBytes = encodeVerificationKey(vk);
  return Array.from({ length: params.totalCoins }, (_, index) => {
    const h = coinIndexHash(vkBytes, index);
    const s = mulSecret(h, add(partial, mul(y0, scalarFromU64(index))));
    return { signature: { h, s }, index };
  });
}

/**
 * Verifies one key's L coin-index signatures (made for master key `vk`) under `vkAuth` with one
 * 3-pair batched product; throws {@linkcode EcashVerificationError} (`coin-index-signatures`).
 *
 * @example
 * ```ts
 * // verifyCoinIndexSignatures(params, masterVk, signerVk, partials.map((p) => p.signature));
 * ```
 */
export function verifyCoinIndexSignatures(
  params: EcashParameters,
  vk: VerificationKeyAuth,
  vkAuth: VerificationKeyAuth,
  signatures: readonly Signature[],
): void {
  const fail = (d: string) => new EcashVerificationError("coin-index-signatures", d);
  if (signatures.length !== params.totalCoins) {
    throw fail(`expected ${params.totalCoins} signatures, got ${signatures.length}`);
  }
  if (vkAuth.betaG2.length < 3) throw new EcashArgumentError("verification key too short");
  const vkBytes = encodeVerificationKey(vk);
  signatures.forEach((sig, l) => {
    if (signatureIsDegenerate(sig)) throw fail("identity element in a signature");
    if (!sig.h.equals(coinIndexHash(vkBytes, l))) throw fail(`wrong h at index ${l}`);
  });
  const rho = batchWeights(
    [vkBytes, encodeVerificationKey(vkAuth), ...signatures.map(encodeSignature)],
    signatures.length,
  );
  const base = vkAuth.alpha.add(mulPublic(vkAuth.betaG2[1].add(vkAuth.betaG2[2]), TYPE_IDX));
  const ls = signatures.map((_, l) => scalarFromU64(l));
  if (!batchedSignatureCheck(params, signatures, rho, ls, base, vkAuth.betaG2[0])) {
    throw fail("pairing check failed");
  }
}

/**
 * Aggregates ≥ t signers' shares into the L master coin-index signatures and verifies them under
 * the master key (upstream `aggregate_indices_signatures`).
 *
 * @example
 * ```ts
 * // const sigs = aggregateCoinIndexSignatures(params, masterVk, shares);
 * ```
 */
export function aggregateCoinIndexSignatures(
  params: EcashParameters,
  vk: VerificationKeyAuth,
  shares: readonly CoinIndexSignatureShare[],
  validateShares = true,
): AnnotatedCoinIndexSignature[] {
  if (shares.length === 0) throw new EcashArgumentError("no coin index signature shares");
  assertSignerIndices(shares.map((s) => s.index));
  for (const share of shares) {
    if (share.signatures.length !== params.totalCoins) {
      throw new EcashVerificationError("coin-index-signatures", "share of the wrong size");
    }
    if (validateShares) verifyCoinIndexSignatures(params, vk, share.key, share.signatures);
  }
  const lambdas = lagrangeCoefficientsAtZero(shares.map((s) => s.index));
  const vkBytes = encodeVerificationKey(vk);
  const out = Array.from({ length: params.totalCoins }, (_, l) => ({
    signature: {
      h: coinIndexHash(vkBytes, l),
      s: linearCombination(G1, shares.map((sh) => sh.signatures[l].s), lambdas),
    },
    index: l,
  }));
  verifyCoinIndexSignatures(params, vk, vk, out.map((o) => o.signature));
  return out;
}

/**
 * Writes the serde/bincode form of an annotated coin-index signature: h ‖ s (serde byte arrays)
 * ‖ varint(index).
 *
 * @example
 * ```ts
 * // writeAnnotatedCoinIndexSignature(writer, sig);
 * ```
 */
export function writeAnnotatedCoinIndexSignature(
  w: BincodeWriter,
  sig: AnnotatedCoinIndexSignature,
): void {
  writeSignature(w, sig.signature);
  w.varint(sig.index);
}

/**
 * Reads {@linkcode writeAnnotatedCoinIndexSignature}'s form.
 *
 * @example
 * ```ts
 * // const sig = readAnnotatedCoinIndexSignature(reader);
 * ```
 */
export function readAnnotatedCoinIndexSignature(r: BincodeReader): AnnotatedCoinIndexSignature {
  return { signature: readSignature(r), index: r.varintNumber(Number.MAX_SAFE_INTEGER) };
}

/**
 * bincode of `Vec<AnnotatedCoinIndexSignature>`.
 *
 * @example
 * ```ts
 * // const bytes = encodeCoinIndexSignatures(sigs);
 * ```
 */
export function encodeCoinIndexSignatures(
  sigs: readonly AnnotatedCoinIndexSignature[],
): Uint8Array {
  return new BincodeWriter().vec(sigs, writeAnnotatedCoinIndexSignature).finish();
}

/**
 * Decodes {@linkcode encodeCoinIndexSignatures}.
 *
 * @example
 * ```ts
 * // const sigs = decodeCoinIndexSignatures(bytes);
 * ```
 */
export function decodeCoinIndexSignatures(bytes: Uint8Array): AnnotatedCoinIndexSignature[] {
  const r = new BincodeReader(bytes, "Vec<AnnotatedCoinIndexSignature>");
  const out = r.vec(SERDE_SIGNATURE_BYTES + 1, readAnnotatedCoinIndexSignature);
  r.end();
  return out;
}
