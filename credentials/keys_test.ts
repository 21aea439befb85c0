import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import { aggregateVerificationKeys } from "./aggregation.ts";
import { EcashArgumentError, EcashDecodeError } from "./errors.ts";
import {
  decodeSecretKeyAuth,
  decodeVerificationKey,
  encodeSecretKeyAuth,
  encodeVerificationKey,
  ttpKeygen,
  verificationKeyOf,
  verificationKeysEqual,
} from "./keys_auth.ts";
import {
  decodeKeyPairUser,
  decodePublicKeyUser,
  decodeSecretKeyUser,
  encodeKeyPairUser,
  encodePublicKeyUser,
  encodeSecretKeyUser,
  generateUserKeypair,
  userKeypairFromSeed,
} from "./keys_user.ts";
import { evaluatePolynomial, lagrangeCoefficientsAtZero } from "./lagrange.ts";
import { setup } from "./params.ts";
import { add, mod, mul } from "./scalar.ts";

const params = setup(8);
const random = seededRandom(new Uint8Array(32).fill(2));

Deno.test("polynomial evaluation and Lagrange interpolation at zero", () => {
  // x^3 + 3x^2 - 5x + 11 through (1..4) (upstream utils.rs test)
  const poly = [11n, mod(-5n), 3n, 1n];
  const points = [1, 2, 3, 4];
  const values = points.map((x) => evaluatePolynomial(poly, BigInt(x)));
  assertEquals(values, [10n, 21n, 50n, 103n]);
  const lambdas = lagrangeCoefficientsAtZero(points);
  assertEquals(lambdas.reduce((acc, l, i) => add(acc, mul(l, values[i])), 0n), 11n);
  assertThrows(() => lagrangeCoefficientsAtZero([1, 1]), EcashArgumentError);
  assertThrows(() => lagrangeCoefficientsAtZero([0, 1]), EcashArgumentError);
  assertThrows(() => lagrangeCoefficientsAtZero([]), EcashArgumentError);
});

Deno.test("trusted-dealer keygen: any t shares interpolate the same master key", () => {
  const keys = ttpKeygen(params, 3, 5, random);
  assertEquals(keys.map((k) => k.index), [1, 2, 3, 4, 5]);
  assertEquals(keys[0].secretKey.ys.length, 4);
  const vks = keys.map((k) => k.verificationKey);
  const a = aggregateVerificationKeys([vks[0], vks[1], vks[2]], [1, 2, 3]);
  const b = aggregateVerificationKeys([vks[4], vks[1], vks[3]], [5, 2, 4]);
  const all = aggregateVerificationKeys(vks, [1, 2, 3, 4, 5]);
  assertEquals(verificationKeysEqual(a, b), true);
  assertEquals(verificationKeysEqual(a, all), true);
  // Fewer than t shares land on another key.
  const short = aggregateVerificationKeys([vks[0], vks[1]], [1, 2]);
  assertEquals(verificationKeysEqual(a, short), false);
  // And the master key is that of the interpolated secret.
  const lambdas = lagrangeCoefficientsAtZero([1, 2, 3]);
  const x = lambdas.reduce((acc, l, i) => add(acc, mul(l, keys[i].secretKey.x)), 0n);
  assertEquals(a.alpha.equals(params.g2.multiply(x)), true);
});

Deno.test("keygen rejects impossible thresholds", () => {
  assertThrows(() => ttpKeygen(params, 0, 3, random), EcashArgumentError);
  assertThrows(() => ttpKeygen(params, 4, 3, random), EcashArgumentError);
  assertThrows(() => aggregateVerificationKeys([], []), EcashArgumentError);
  const [k] = ttpKeygen(params, 1, 1, random);
  assertThrows(() => aggregateVerificationKeys([k.verificationKey], [1, 2]), EcashArgumentError);
});

Deno.test("signer keys round-trip through upstream's layouts", () => {
  const [k] = ttpKeygen(params, 1, 2, random);
  const skBytes = encodeSecretKeyAuth(k.secretKey);
  assertEquals(skBytes.length, 40 + 4 * 32);
  assertEquals(skBytes[32], 4); // u64 LE count
  assertEquals(decodeSecretKeyAuth(skBytes), k.secretKey);
  const vkBytes = encodeVerificationKey(k.verificationKey);
  assertEquals(vkBytes.length, 96 + 8 + 4 * (48 + 96));
  assertEquals(vkBytes[96], 4);
  const vk = decodeVerificationKey(vkBytes);
  assertEquals(verificationKeysEqual(vk, k.verificationKey), true);
  assertEquals(verificationKeysEqual(vk, verificationKeyOf(params, k.secretKey)), true);
});

Deno.test("signer key decoding rejects bad lengths, counts, points and scalars", () => {
  const [k] = ttpKeygen(params, 1, 1, random);
  const sk = encodeSecretKeyAuth(k.secretKey);
  const vk = encodeVerificationKey(k.verificationKey);
  const reason = (f: () => unknown) => assertThrows(f, EcashDecodeError).reason;
  assertEquals(reason(() => decodeSecretKeyAuth(sk.subarray(1))), "length");
  const badCount = sk.slice();
  badCount[32] = 3;
  assertEquals(reason(() => decodeSecretKeyAuth(badCount)), "length");
  const bigScalar = sk.slice();
  bigScalar.fill(0xff, 0, 32);
  assertEquals(reason(() => decodeSecretKeyAuth(bigScalar)), "scalar");
  assertEquals(reason(() => decodeVerificationKey(vk.subarray(0, vk.length - 1))), "length");
  const badVkCount = vk.slice();
  badVkCount[96] = 5;
  assertEquals(reason(() => decodeVerificationKey(badVkCount)), "length");
  const badPoint = vk.slice();
  badPoint[110] ^= 0xff;
  assertEquals(reason(() => decodeVerificationKey(badPoint)), "point");
});

Deno.test("user keys: seeded derivation, encodings and errors", () => {
  const a = userKeypairFromSeed(params, new Uint8Array([1, 2, 3]));
  const b = userKeypairFromSeed(params, new Uint8Array([1, 2, 3]));
  assertEquals(a.secretKey.sk, b.secretKey.sk);
  assertEquals(a.publicKey.pk.equals(params.g1.multiply(a.secretKey.sk)), true);
  const c = generateUserKeypair(params, random);
  assertEquals(decodeSecretKeyUser(encodeSecretKeyUser(c.secretKey)), c.secretKey);
  assertEquals(
    decodePublicKeyUser(encodePublicKeyUser(c.publicKey)).pk.equals(c.publicKey.pk),
    true,
  );
  const pair = encodeKeyPairUser(c);
  assertEquals(pair.length, 80);
  const back = decodeKeyPairUser(pair);
  assertEquals(back.secretKey, c.secretKey);
  assertEquals(back.publicKey.pk.equals(c.publicKey.pk), true);
  assertThrows(() => decodeKeyPairUser(pair.subarray(1)), EcashDecodeError);
  assertThrows(() => decodePublicKeyUser(new Uint8Array(48)), EcashDecodeError);
});
