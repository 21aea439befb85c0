/**
 * Typed errors of the Sphinx layer. Parsing or processing untrusted bytes throws only
 * subclasses of {@linkcode SphinxError}.
 *
 * @module
 */

/** Base class of every Sphinx error. */
export class SphinxError extends Error {
  override name = "SphinxError";
}

/** The bytes have the wrong length or layout to be a Sphinx packet, header or SURB. */
export class MalformedPacketError extends SphinxError {
  override name = "MalformedPacketError";
}

/** γ did not verify: the packet was tampered with or is not for this key. */
export class HeaderIntegrityError extends SphinxError {
  override name = "HeaderIntegrityError";
}

/** The decrypted routing flag is neither forward (1) nor final (2). */
export class UnknownRoutingFlagError extends SphinxError {
  override name = "UnknownRoutingFlagError";
}

/** A final-hop payload failed its integrity check or has no end-of-message marker. */
export class PayloadRecoveryError extends SphinxError {
  override name = "PayloadRecoveryError";
}

/** A SURB's bytes are malformed. */
export class MalformedSurbError extends SphinxError {
  override name = "MalformedSurbError";
}

/** Packet construction got inconsistent inputs (route length, delays, message size). */
export class InvalidBuildArgumentError extends SphinxError {
  override name = "InvalidBuildArgumentError";
}
