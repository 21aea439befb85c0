/**
 * The status page served at `/`: one self-contained HTML document whose script polls
 * `/v1/directory/status` every two seconds and redraws the nodes grouped by role and layer, with
 * their health, version, load and packets per second. No external assets.
 *
 * @module
 */

/**
 * The page. Rows carry `data-node-id`, `data-identity` and `data-status` attributes, and each
 * group is a `<section data-group="layer1|layer2|layer3|entry|exit|other">`, for scripts.
 *
 * @example
 * ```ts
 * import { STATUS_PAGE_HTML } from "./status_page.ts";
 * STATUS_PAGE_HTML.startsWith("<!doctype html>"); // true
 * ```
 */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Nym directory</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d1d1f; background: #fafafa; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
  #summary { color: #555; }
  table { border-collapse: collapse; width: 100%; background: #fff; }
  th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #e3e3e3; white-space: nowrap; }
  th { font-weight: 600; color: #444; background: #f0f0f2; }
  td.identity { font-family: ui-monospace, monospace; }
  .status { font-weight: 600; border-radius: 3px; padding: 0 .35rem; }
  .status-up { color: #0a6b2c; background: #d9f3e1; }
  .status-down { color: #8a1c1c; background: #fbdcdc; }
  .status-gone, .status-refused { color: #fff; background: #8a1c1c; }
  .status-pending { color: #6b5a00; background: #fff2b3; }
  .empty { color: #888; font-style: italic; }
  #error { color: #8a1c1c; }
</style>
</head>
<body>
<h1>Nym directory</h1>
<div id="summary">loading…</div>
<div id="error"></div>
<div id="groups"></div>
<script>
"use strict";
const GROUPS = [
  ["layer1", "Mix layer 1"], ["layer2", "Mix layer 2"], ["layer3", "Mix layer 3"],
  ["entry", "Entry gateways"], ["exit", "Exit gateways"], ["other", "Other nodes"],
];
const text = (value) => (value === null || value === undefined ? "–" : String(value));
function cell(row, value, cls) {
  const td = row.insertCell();
  td.textContent = text(value);
  if (cls) td.className = cls;
  return td;
}
function render(status) {
  const up = status.nodes.filter((n) => n.status === "up").length;
  document.getElementById("summary").textContent =
    "epoch " + status.epoch.id + " (rotation " + status.epoch.rotation_id + ", ends " +
    status.epoch.end + ") · " + up + " of " + status.nodes.length + " nodes up · refreshed " +
    status.refreshed_at;
  const container = document.getElementById("groups");
  container.replaceChildren();
  for (const [group, title] of GROUPS) {
    const nodes = status.nodes.filter((n) => (n.role && group !== "other" ? n.role === group : group === "other" && !["layer1", "layer2", "layer3", "entry", "exit"].includes(n.role)));
    const section = document.createElement("section");
    section.dataset.group = group;
    const h = document.createElement("h2");
    h.textContent = title + " (" + nodes.length + ")";
    section.append(h);
    if (nodes.length === 0) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = "none";
      section.append(p);
    } else {
      const table = document.createElement("table");
      const head = table.createTHead().insertRow();
      for (const name of ["id", "identity", "address", "status", "mode", "version", "load", "pkt/s in", "pkt/s out", "last seen", "last error"]) {
        const th = document.createElement("th");
        th.textContent = name;
        head.append(th);
      }
      const body = table.createTBody();
      for (const n of nodes) {
        const row = body.insertRow();
        row.dataset.nodeId = String(n.node_id);
        row.dataset.identity = n.identity || "";
        row.dataset.status = n.status;
        cell(row, n.node_id);
        cell(row, n.identity, "identity").title = n.identity || "";
        cell(row, n.address);
        const s = cell(row, n.status);
        s.replaceChildren();
        const badge = document.createElement("span");
        badge.className = "status status-" + n.status;
        badge.textContent = n.status;
        s.append(badge);
        cell(row, n.mode);
        cell(row, n.version);
        cell(row, n.load);
        cell(row, n.packets_in_per_second, "pps-in");
        cell(row, n.packets_out_per_second, "pps-out");
        cell(row, n.last_success);
        cell(row, n.last_error);
      }
      section.append(table);
    }
    container.append(section);
  }
  document.body.dataset.refreshedAt = status.refreshed_at;
}
async function refresh() {
  try {
    const response = await fetch("v1/directory/status", { headers: { accept: "application/json" } });
    if (!response.ok) throw new Error("HTTP " + response.status);
    render(await response.json());
    document.getElementById("error").textContent = "";
  } catch (error) {
    document.getElementById("error").textContent = "cannot reach the directory: " + error.message;
  } finally {
    setTimeout(refresh, 2000);
  }
}
refresh();
</script>
</body>
</html>
`;
