/**
 * Worker entry point of the ticket verifier: runs {@linkcode TicketJobRunner} jobs off the
 * gateway's event loop. Messages in: `{id, job}`; out: `{id, outcome}`, or `{type: "ready"}`
 * once parameters are set up.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type TicketJob, TicketJobRunner } from "./ticket_jobs.ts";

const runner = new TicketJobRunner();
self.postMessage({ type: "ready" });

self.onmessage = (event: MessageEvent<{ id: number; job: TicketJob }>) => {
  const { id, job } = event.data;
  self.postMessage({ id, outcome: runner.run(job) });
};
