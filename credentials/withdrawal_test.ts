import { assertEquals, assertThrows } from "../testing/asserts.ts";
import { seededRandom } from "../crypto/random.ts";
import { EcashArgumentError, EcashDecodeError, EcashVerificationError } from "./errors.ts";
import { ttpKeygen } from "./keys_auth.ts";
import { userKeypairFromSeed } from "./keys_user.ts";
import { setup } from "./params.ts";
import { add } from "./scalar.ts";
import { decodeBlindedSignature, encodeBlindedSignature } from "./signature.ts";
import { TicketType } from "./ticket_type.ts";
import {
  decodePartialWallet,
  decodeRequestInfo,
  decodeWithdrawalRequest,
  encodePartialWallet,
  encodeRequestInfo,
  encodeWithdrawalRequest,
  issue,
  issueVerify,
  verifyWithdrawalRequest,
  type WithdrawalRequest,
  withdrawalRequest,
} from "./withdrawal.ts";

const params = setup(8);
const random = seededRandom(new Uint8Array(32).fill(4));
const signers = ttpKeygen(params, 2, 3, random);
const user = userKeypairFromSeed(params, new Uint8Array([9]));
const EXP = 1702166400;
const TYPE = TicketType.V1MixnetExit;
const { request, info } = withdrawalRequest(params, user.secretKey, EXP, TYPE, random);

const rejects = (f: () => unknown) =>
  assertEquals(assertThrows(f, EcashVerificationError).reason, "withdrawal-request");

Deno.test("withdrawal request verifies and round-trips through bincode", () => {
  verifyWithdrawalRequest(params, request, user.publicKey, EXP, TYPE);
  const bytes = encodeWithdrawalRequest(request);
  assertEquals(bytes.length, 397);
  assertEquals(bytes[0], 48); // serde byte-array prefix of the first G1 point
  const back = decodeWithdrawalRequest(bytes);
  assertEquals(encodeWithdrawalRequest(back), bytes);
  verifyWithdrawalRequest(params, back, user.publicKey, EXP, TYPE);
  const infoBytes = encodeRequestInfo(info);
  assertEquals(infoBytes.length, 248);
  assertEquals(encodeRequestInfo(decodeRequestInfo(infoBytes)), infoBytes);
});

Deno.test("withdrawal request is rejected for another key, date or ticket type", () => {
  const other = userKeypairFromSeed(params, new Uint8Array([10]));
  rejects(() => verifyWithdrawalRequest(params, request, other.publicKey, EXP, TYPE));
  rejects(() => verifyWithdrawalRequest(params, request, user.publicKey, EXP + 86400, TYPE));
  rejects(() =>
    verifyWithdrawalRequest(params, request, user.publicKey, EXP, TicketType.V1MixnetEntry)
  );
  assertThrows(
    () => verifyWithdrawalRequest(params, request, user.publicKey, EXP, 9 as TicketType),
    EcashArgumentError,
  );
});

Deno.test("every tampered proof field or commitment is rejected", () => {
  const p = request.zkProof;
  const variants: WithdrawalRequest[] = [
    { ...request, zkProof: { ...p, challenge: add(p.challenge, 1n) } },
    { ...request, zkProof: { ...p, responseOpening: add(p.responseOpening, 1n) } },
    {
      ...request,
      zkProof: { ...p, responseOpenings: [add(p.responseOpenings[0], 1n), p.responseOpenings[1]] },
    },
    {
      ...request,
      zkProof: { ...p, responseOpenings: [p.responseOpenings[0], add(p.responseOpenings[1], 1n)] },
    },
    {
      ...request,
      zkProof: {
        ...p,
        responseAttributes: [add(p.responseAttributes[0], 1n), p.responseAttributes[1]],
      },
    },
    {
      ...request,
      zkProof: {
        ...p,
        responseAttributes: [p.responseAttributes[0], add(p.responseAttributes[1], 1n)],
      },
    },
    { ...request, zkProof: { ...p, responseAttributes: [p.responseAttributes[0]] } },
    { ...request, zkProof: { ...p, responseAttributes: [] } },
    {
      ...request,
      privateAttributesCommitments: [
        request.privateAttributesCommitments[1],
        request.privateAttributesCommitments[0],
      ],
    },
    { ...request, privateAttributesCommitments: [request.privateAttributesCommitments[0]] },
    { ...request, joinedCommitment: request.joinedCommitment.double() },
    { ...request, joinedCommitmentHash: request.joinedCommitmentHash.double() },
    {
      ...request,
      joinedCommitmentHash: request.joinedCommitmentHash.subtract(request.joinedCommitmentHash),
    },
  ];
  for (const v of variants) {
    rejects(() => verifyWithdrawalRequest(params, v, user.publicKey, EXP, TYPE));
  }
  // A signer refuses to sign a bad request.
  rejects(() => issue(params, signers[0].secretKey, user.publicKey, variants[1], EXP, TYPE));
});

Deno.test("blind signature unblinds to a verifying partial wallet; wrong key or info fails", () => {
  const blinded = issue(params, signers[0].secretKey, user.publicKey, request, EXP, TYPE);
  assertEquals(
    encodeBlindedSignature(decodeBlindedSignature(encodeBlindedSignature(blinded))),
    encodeBlindedSignature(blinded),
  );
  const partial = issueVerify(params, signers[0].verificationKey, user.secretKey, blinded, info, 1);
  assertEquals(partial.signature.h.equals(request.joinedCommitmentHash), true);
  const bytes = encodePartialWallet(partial);
  assertEquals(bytes.length, 200);
  assertEquals(encodePartialWallet(decodePartialWallet(bytes)), bytes);
  const reason = (f: () => unknown) => assertThrows(f, EcashVerificationError).reason;
  assertEquals(
    reason(() => issueVerify(params, signers[1].verificationKey, user.secretKey, blinded, info, 2)),
    "issuance",
  );
  const other = userKeypairFromSeed(params, new Uint8Array([11]));
  assertEquals(
    reason(() =>
      issueVerify(params, signers[0].verificationKey, other.secretKey, blinded, info, 1)
    ),
    "issuance",
  );
  assertEquals(
    reason(() =>
      issueVerify(
        params,
        signers[0].verificationKey,
        user.secretKey,
        { ...blinded, c: blinded.c.double() },
        info,
        1,
      )
    ),
    "issuance",
  );
  assertEquals(
    reason(() =>
      issueVerify(
        params,
        signers[0].verificationKey,
        user.secretKey,
        { h: blinded.c, c: blinded.c },
        info,
        1,
      )
    ),
    "issuance",
  );
});

Deno.test("partial wallet decoding rejects malformed input", () => {
  const partial = issueVerify(
    params,
    signers[2].verificationKey,
    user.secretKey,
    issue(params, signers[2].secretKey, user.publicKey, request, EXP, TYPE),
    info,
    3,
  );
  const bytes = encodePartialWallet(partial);
  const reason = (b: Uint8Array) =>
    assertThrows(() => decodePartialWallet(b), EcashDecodeError).reason;
  assertEquals(reason(bytes.subarray(1)), "length");
  const zeroIndex = bytes.slice();
  zeroIndex.fill(0, 192);
  assertEquals(reason(zeroIndex), "value");
  const badScalar = bytes.slice();
  badScalar.fill(0xff, 96, 128);
  assertEquals(reason(badScalar), "scalar");
  const badPoint = bytes.slice();
  badPoint[5] ^= 0x40;
  assertEquals(reason(badPoint), "point");
});
