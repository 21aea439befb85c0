/**
 * Registered clients: the shared AES-256-GCM-SIV key from the registration handshake, the last
 * accepted authentication timestamp (anti-replay for `authenticateV2`), and bandwidth
 * (`nym-node.md` §4.3, §4.4, §4.7, §4.9).
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { transaction } from "./database.ts";

/** What the gateway stores about a registered client. */
export interface ClientRecord {
  readonly id: number;
  /** base58 of the client's ed25519 identity. */
  readonly address: string;
  readonly sharedKey: Uint8Array;
  /** Unix seconds of the newest accepted authentication request, if any. */
  readonly lastAuthentication: number | null;
}

/** A client's bandwidth. */
export interface BandwidthRecord {
  /** Bytes available. */
  readonly available: number;
  /** Unix milliseconds after which the bandwidth is void, or `null` for none. */
  readonly expiration: number | null;
}

/** Access to the `clients`, `shared_keys` and `available_bandwidth` tables. */
export class ClientStore {
  readonly #db: DatabaseSync;
  readonly #byAddress: StatementSync;
  readonly #insertClient: StatementSync;
  readonly #upsertKey: StatementSync;
  readonly #insertBandwidth: StatementSync;
  readonly #updateAuth: StatementSync;
  readonly #getBandwidth: StatementSync;
  readonly #setBandwidth: StatementSync;
  readonly #deleteClient: StatementSync;

  /**
   * Wraps an open gateway database.
   *
   * @example
   * ```ts
   * import { openGatewayDatabase } from "./database.ts";
   * import { ClientStore } from "./clients.ts";
   * const store = new ClientStore(openGatewayDatabase(":memory:"));
   * store.register("addr", new Uint8Array(32));
   * ```
   */
  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#byAddress = db.prepare(
      `SELECT client_id AS id, client_address_bs58 AS address, derived_aes256_gcm_siv_key AS key,
              last_used_authentication AS last FROM shared_keys WHERE client_address_bs58 = ?`,
    );
    this.#insertClient = db.prepare("INSERT INTO clients (client_type) VALUES ('entry_mixnet')");
    this.#upsertKey = db.prepare(
      `INSERT INTO shared_keys (client_id, client_address_bs58, derived_aes256_gcm_siv_key)
       VALUES (?, ?, ?)
       ON CONFLICT (client_address_bs58) DO UPDATE SET derived_aes256_gcm_siv_key = excluded.derived_aes256_gcm_siv_key`,
    );
    this.#insertBandwidth = db.prepare(
      "INSERT OR IGNORE INTO available_bandwidth (client_id, available, expiration) VALUES (?, 0, NULL)",
    );
    this.#updateAuth = db.prepare(
      "UPDATE shared_keys SET last_used_authentication = ? WHERE client_address_bs58 = ?",
    );
    this.#getBandwidth = db.prepare(
      "SELECT available, expiration FROM available_bandwidth WHERE client_id = ?",
    );
    this.#setBandwidth = db.prepare(
      `INSERT INTO available_bandwidth (client_id, available, expiration) VALUES (?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET available = excluded.available, expiration = excluded.expiration`,
    );
    this.#deleteClient = db.prepare("DELETE FROM clients WHERE id = ?");
  }

  /** Looks a client up by its base58 address. */
  get(address: string): ClientRecord | null {
    const row = this.#byAddress.get(address) as
      | { id: number; address: string; key: Uint8Array; last: number | null }
      | undefined;
    if (!row) return null;
    return {
      id: Number(row.id),
      address: row.address,
      sharedKey: row.key,
      lastAuthentication: row.last === null ? null : Number(row.last),
    };
  }

  /**
   * Registers a client or replaces its shared key (re-registration keeps its bandwidth, as
   * nym-node's `INSERT OR IGNORE` + `UPDATE` does). Returns the client id.
   */
  register(address: string, sharedKey: Uint8Array): number {
    return transaction(this.#db, () => {
      const existing = this.get(address);
      const id = existing?.id ?? Number(this.#insertClient.run().lastInsertRowid);
      this.#upsertKey.run(id, address, sharedKey);
      this.#insertBandwidth.run(id);
      return id;
    });
  }

  /** Records the timestamp of an accepted `authenticateV2` request. */
  setLastAuthentication(address: string, unixSeconds: number): void {
    this.#updateAuth.run(unixSeconds, address);
  }

  /** A client's bandwidth (zero if it has no row). */
  bandwidth(clientId: number): BandwidthRecord {
    const row = this.#getBandwidth.get(clientId) as
      | { available: number; expiration: number | null }
      | undefined;
    if (!row) return { available: 0, expiration: null };
    return {
      available: Number(row.available),
      expiration: row.expiration === null ? null : Number(row.expiration),
    };
  }

  /** Sets a client's bandwidth. */
  setBandwidth(clientId: number, record: BandwidthRecord): void {
    this.#setBandwidth.run(clientId, Math.trunc(record.available), record.expiration);
  }

  /** Forgets a client entirely (ForgetMe): key, bandwidth and client row. */
  remove(address: string): boolean {
    const existing = this.get(address);
    if (!existing) return false;
    this.#deleteClient.run(existing.id);
    return true;
  }
}
