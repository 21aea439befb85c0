/**
 * The signer's HTTP routes (hono): nym-api's e-cash paths and JSON bodies
 * (`nym-api/src/ecash/api_routes/*.rs`) over an {@linkcode EcashSigner}, plus the two localnet
 * stand-ins for DKG contract queries (`../api/routes.ts`).
 *
 * Like nym-api, errors are plain-text bodies: 400 for refused requests and bad query values,
 * 415 without `Content-Type: application/json`, 400 for syntactically bad JSON, 422 for JSON of
 * the wrong shape (naming the field), 413 for bodies over the limit, 503 when too many
 * requests are being handled, 500 (logged) for bugs. `?output=yaml` is honoured; `bincode` is
 * refused (nym-api's little-endian bincode is not implemented).
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { getLogger } from "@logtape/logtape";
import { toYaml } from "../../util/yaml.ts";
import { parseEcashDate } from "../ecash_date.ts";
import { EcashApiFormatError } from "../api/errors.ts";
import {
  blindedSignatureResponseToJson,
  coinIndicesSignaturesToJson,
  contractVkShareToJson,
  dkgEpochInfoToJson,
  expirationDateSignaturesToJson,
  parseBlindSignRequestBody,
  parseVerifyEcashTicketBody,
  signerStatusResponseToJson,
  ticketVerificationResponseToJson,
  verificationKeyResponseToJson,
} from "../api/models.ts";
import type { JsonObject } from "../api/json.ts";
import { ECASH_PREFIX, EcashRoutes } from "../api/routes.ts";
import { type EcashSigner, SignerRequestError } from "./signer.ts";

/** Limits of {@linkcode createSignerApp}. */
export interface SignerAppLimits {
  /** Largest request body in bytes (default 256 KiB). */
  readonly maxBodyBytes?: number;
  /** POST requests handled at once before answering 503 (default 32). */
  readonly maxConcurrentPosts?: number;
}

class HttpRefusal extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function text(c: Context, status: number, message: string): Response {
  return c.body(message, status as 400, { "content-type": "text/plain; charset=utf-8" });
}

function output(c: Context, value: JsonObject): Response {
  const format = c.req.query("output") ?? "json";
  if (format === "json") return c.json(value);
  if (format === "yaml") {
    return c.body(toYaml(value), 200, { "content-type": "application/yaml" });
  }
  if (format === "bincode") {
    throw new HttpRefusal(400, "bincode output is not supported by this signer; use json or yaml");
  }
  throw new HttpRefusal(
    400,
    `Failed to deserialize query string: output: unknown variant \`${format}\`, expected one of \`json\`, \`yaml\`, \`bincode\``,
  );
}

function epochParam(c: Context): bigint | undefined {
  const raw = c.req.query("epoch_id");
  if (raw === undefined) return undefined;
  if (!/^\d{1,20}$/.test(raw) || BigInt(raw) > 0xffff_ffff_ffff_ffffn) {
    throw new HttpRefusal(
      400,
      `Failed to deserialize query string: epoch_id: invalid value ${JSON.stringify(raw)}`,
    );
  }
  return BigInt(raw);
}

function dateParam(c: Context): number | undefined {
  const raw = c.req.query("expiration_date");
  if (raw === undefined) return undefined;
  try {
    return parseEcashDate(raw);
  } catch {
    throw new HttpRefusal(400, "the provided expiration date is malformed");
  }
}

async function readJsonBody(c: Context, maxBytes: number): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    throw new HttpRefusal(415, "Expected request with `Content-Type: application/json`");
  }
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) {
    throw new HttpRefusal(413, `request body larger than ${maxBytes} bytes`);
  }
  const body = c.req.raw.body;
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw new HttpRefusal(413, `request body larger than ${maxBytes} bytes`);
      }
      chunks.push(value);
    }
  }
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, o);
    o += chunk.length;
  }
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new HttpRefusal(400, `Failed to parse the request body as JSON: ${(e as Error).message}`);
  }
}

function parsed<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof EcashApiFormatError) {
      throw new HttpRefusal(
        422,
        `Failed to deserialize the JSON body into the target type: ${e.message}`,
      );
    }
    throw e;
  }
}

/**
 * Builds the signer's hono app.
 *
 * @example
 * ```ts no-eval
 * const app = createSignerApp(signer);
 * Deno.serve({ port: 0 }, app.fetch);
 * ```
 */
export function createSignerApp(signer: EcashSigner, limits: SignerAppLimits = {}): Hono {
  const maxBody = limits.maxBodyBytes ?? 256 * 1024;
  const maxPosts = limits.maxConcurrentPosts ?? 32;
  const log = getLogger(["nym-node", "signer", "http"]);
  let posts = 0;
  const app = new Hono();

  app.onError((error, c) => {
    if (error instanceof HttpRefusal) return text(c, error.status, error.message);
    if (error instanceof SignerRequestError) return text(c, error.status, error.message);
    log.error("unexpected failure handling {path}: {error}", {
      path: c.req.path,
      error: (error as Error)?.stack ?? String(error),
    });
    return text(c, 500, "internal server error");
  });
  app.notFound((c) => text(c, 404, `no route for ${c.req.method} ${c.req.path}`));

  const post = (path: string, handle: (c: Context, body: unknown) => Promise<Response>) =>
    app.post(path, async (c) => {
      if (posts >= maxPosts) {
        return text(c, 503, "too many concurrent requests; try again later");
      }
      posts++;
      try {
        return await handle(c, await readJsonBody(c, maxBody));
      } finally {
        posts--;
      }
    });

  post(EcashRoutes.blindSign, async (c, json) => {
    const body = parsed(() => parseBlindSignRequestBody(json));
    return output(c, blindedSignatureResponseToJson(await signer.blindSign(body)));
  });

  post(EcashRoutes.verifyEcashTicket, (c, json) => {
    const body = parsed(() => parseVerifyEcashTicketBody(json));
    return Promise.resolve(
      output(c, ticketVerificationResponseToJson(signer.verifyEcashTicket(body))),
    );
  });

  app.get(EcashRoutes.partialExpirationDateSignatures, (c) => {
    const r = signer.partialExpirationDateSignatures(dateParam(c), epochParam(c));
    return output(c, expirationDateSignaturesToJson(r));
  });

  app.get(EcashRoutes.partialCoinIndicesSignatures, (c) => {
    return output(
      c,
      coinIndicesSignaturesToJson(signer.partialCoinIndicesSignatures(epochParam(c))),
    );
  });

  app.get(EcashRoutes.masterVerificationKey, (c) => {
    return output(c, verificationKeyResponseToJson(signer.masterVerificationKey(epochParam(c))));
  });

  app.get(EcashRoutes.aggregatedExpirationDateSignatures, async (c) => {
    const r = await signer.aggregatedExpirationDateSignatures(dateParam(c), epochParam(c));
    return output(c, expirationDateSignaturesToJson(r));
  });

  app.get(EcashRoutes.aggregatedCoinIndicesSignatures, async (c) => {
    const r = await signer.aggregatedCoinIndicesSignatures(epochParam(c));
    return output(c, coinIndicesSignaturesToJson(r));
  });

  app.get(EcashRoutes.signerStatus, (c) => {
    const { body, signature } = signer.signerStatus();
    return output(c, signerStatusResponseToJson(body, signature));
  });

  app.get(EcashRoutes.localnetEpoch, (c) => output(c, dkgEpochInfoToJson(signer.epochInfo())));

  app.get(
    EcashRoutes.localnetVkShare,
    (c) => output(c, contractVkShareToJson(signer.verificationKeyShare())),
  );

  app.get(
    `${ECASH_PREFIX}/double-spending-filter-v1`,
    (c) => text(c, 410, "permanently restricted"),
  );

  return app;
}
