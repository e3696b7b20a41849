// silt web console: sign-in, the page's sections (buckets, users, operations) and the
// operations panels, which read /_silt/console/api/* (the admin API's JSON, with the
// admin's read-only cookie) and draw it. Work on buckets and objects is in buckets.js,
// objects.js, upload.js, lifecycle.js and access.js, all through signed S3 and admin
// API calls (s3.js). Plain DOM and inline SVG; text goes in with textContent only,
// never as HTML.
"use strict";

const API = "/_silt/console/api/";
const FAST_MS = 5000;   // drives, pools, lifecycle, healing, requests
const SLOW_MS = 30000;  // usage and simulations walk the index: less often
const SVG_NS = "http://www.w3.org/2000/svg";
const REQUEST_SAMPLES = 60;

const state = { timer: null, lastSlow: 0, requests: [], usage: null, pools: null, view: null };

// --- helpers -------------------------------------------------------------------------

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.dataset[k.slice(5).replace(/-([a-z])/g, (m, c) => c.toUpperCase())] = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function bytes(n) {
  if (n === undefined || n === null) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0, v = Number(n);
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v.toFixed(0) : v.toFixed(v < 10 ? 2 : 1)) + " " + units[i];
}

// Costs of test-sized data are tiny: keep significant digits instead of cents.
function money(x) {
  const v = Number(x);
  if (v === 0) return "0.00";
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(3);
}

function time(ms) { return ms ? new Date(ms).toLocaleString() : "–"; }

function fill(tbody, rows) { tbody.replaceChildren(...rows); }

// A short success message for the last action (read out by screen readers).
function notify(text) {
  const n = $("notice");
  n.textContent = text;
  n.hidden = !text;
  n.className = "ok";
}

// An error under the form or table it belongs to: the server's Code and Message as sent.
function showError(id, err) {
  const p = $(id);
  if (!err) { p.hidden = true; p.textContent = ""; return; }
  p.textContent = err instanceof S3Error ? `${err.code}: ${err.message}` : String(err.message || err);
  p.hidden = false;
}

// Runs an action from a button: disabled while it runs, errors shown in errorId.
async function act(button, errorId, fn) {
  if (button) button.disabled = true;
  if (errorId) showError(errorId, null);
  try {
    return await fn();
  } catch (e) {
    if (errorId) showError(errorId, e);
    else notify("Failed: " + e.message);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

function isAdmin() { const c = S3.credentials(); return !!(c && c.admin); }

async function api(name, query) {
  const r = await fetch(API + name + (query ? "?" + query : ""), { credentials: "same-origin", cache: "no-store" });
  if (r.status === 403) throw Object.assign(new Error("signed out"), { signedOut: true });
  let body = null;
  try { body = await r.json(); } catch (e) { body = null; }
  if (!r.ok) throw Object.assign(new Error((body && body.message) || ("HTTP " + r.status)), { status: r.status });
  return body;
}

// --- sign-in -------------------------------------------------------------------------

function showLogin(message) {
  clearTimeout(state.timer);
  S3.setCredentials(null);
  for (const id of ["dashboard", "browser", "access", "who", "nav", "notice"]) $(id).hidden = true;
  state.view = null;
  $("login").hidden = false;
  const err = $("login-error");
  err.hidden = !message;
  err.textContent = message || "";
}

// After a sign-in (or a reload of a signed-in tab): the sections this key may use.
function showApp(cred) {
  $("login").hidden = true;
  $("user").textContent = cred.user + (cred.admin ? " (admin)" : "");
  $("who").hidden = false;
  $("nav").hidden = false;
  $("nav-access").hidden = !cred.admin;
  $("nav-ops").hidden = !cred.admin;
  route();
}

const VIEWS = { browser: "#/buckets", access: "#/users", dashboard: "#/operations" };

// The section named by the address (#/buckets, #/b/BUCKET/PREFIX, #/users, #/operations).
function route() {
  const cred = S3.credentials();
  if (!cred) return;
  const h = location.hash;
  let view = "browser";
  if (cred.admin && h.startsWith("#/users")) view = "access";
  else if (cred.admin && h.startsWith("#/operations")) view = "dashboard";
  showView(view);
  if (view === "browser") Buckets.route(h);
  if (view === "access") Access.load();
}

function showView(view) {
  for (const v of Object.keys(VIEWS)) $(v).hidden = v !== view;
  for (const b of document.querySelectorAll("#nav button"))
    if (b.dataset.view === view) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  if (view === state.view) return;
  state.view = view;
  clearTimeout(state.timer);
  if (view === "dashboard") {  // the panels poll only while they are shown
    state.lastSlow = 0;
    refresh();
  }
}

async function login(ev) {
  ev.preventDefault();
  const button = $("login-button");
  button.disabled = true;
  $("login-error").hidden = true;
  try {
    const r = await fetch(API + "login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ accessKey: $("access-key").value, secretKey: $("secret-key").value }),
      credentials: "same-origin",
    });
    let body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    if (!r.ok) {
      showLogin((body && body.message) || ("Sign-in failed (HTTP " + r.status + ")"));
      return;
    }
    // The secret stays in this tab (sessionStorage) to sign requests; never in a cookie.
    S3.setCredentials({ accessKey: $("access-key").value, secretKey: $("secret-key").value,
      region: body.region || "us-east-1", user: body.user, admin: !!body.admin });
    $("secret-key").value = "";
    showApp(S3.credentials());
  } catch (e) {
    showLogin("The server cannot be reached: " + e.message);
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  await fetch(API + "logout", { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" } }).catch(() => {});
  showLogin("");
}

// --- panels --------------------------------------------------------------------------

function drawDrives(status) {
  const drives = status.drives || [];
  const count = (s) => drives.filter((d) => d.state === s).length;
  $("drives-summary").textContent =
    `${count("online")} online, ${count("healing")} healing, ${count("offline")} offline`;
  fill($("drives").tBodies[0], drives.map((d) => {
    const meter = el("meter", { min: "0", max: String(d.total_bytes || 1), value: String((d.total_bytes || 0) - (d.free_bytes || 0)) });
    return el("tr", { "data-slot": String(d.slot), "data-state": d.state },
      el("td", {}, d.slot),
      el("td", { class: "path" }, d.path),
      el("td", {}, el("span", { class: "badge state-" + d.state, title: d.reason || "" }, d.state)),
      el("td", {}, (d.pools || []).join(", ")),
      el("td", {}, d.total_bytes === undefined ? "cannot stat" : `${bytes(d.free_bytes)} free of ${bytes(d.total_bytes)}`),
      el("td", {}, d.total_bytes === undefined ? (d.reason || "") : meter, d.reason && d.total_bytes !== undefined ? " " + d.reason : ""));
  }));
}

// On a Ceph cluster (RADOS backend) the status carries the monitors' view instead of drives:
// this panel replaces the drives and pools panels.
function drawCluster(status) {
  const c = status.cluster;
  $("cluster-panel").hidden = !c;
  $("drives-panel").hidden = !!c;
  $("pools-panel").hidden = !!c;
  $("healing-panel").hidden = !!c;  // Ceph heals and scrubs; silt's healer does not run
  if (!c) return;
  const summary = $("cluster-summary");
  summary.dataset.health = c.health;
  summary.dataset.osdsUp = String(c.osds.up);
  summary.dataset.writable = String(c.writable);
  summary.textContent = (c.reachable ? c.health : "monitors not answering: " + c.error) +
    ` · OSDs ${c.osds.up} up, ${c.osds.in} in, of ${c.osds.total}` +
    ` · monitors ${c.monitors.in_quorum} of ${c.monitors.total} in quorum` +
    (c.checks.length ? ` · ${c.checks.join(", ")}` : "") +
    (c.writable ? " · takes writes" : " · CANNOT TAKE WRITES");
  fill($("cluster-pools").tBodies[0], c.pools.map((p) => {
    const health = p.pgs.inactive > 0 ? "offline" : p.pgs.degraded > 0 ? "healing" : "online";
    return el("tr", { "data-pool": p.name, "data-clean": String(p.pgs.clean), "data-degraded": String(p.pgs.degraded),
      "data-inactive": String(p.pgs.inactive) },
      el("td", {}, el("span", { class: "badge state-" + health }, p.name)),
      el("td", {}, p.role),
      el("td", {}, p.erasure ? `EC ${p.k}+${p.m}` : `${p.size} copies`, ` (min_size ${p.min_size})`),
      el("td", {}, `${p.pgs.clean} / ${p.pgs.degraded} / ${p.pgs.inactive} of ${p.pgs.total}`),
      el("td", { class: p.writable ? "yes" : "no" }, p.writable ? "yes" : "no"),
      el("td", {}, (p.storage_classes || []).join(", ")),
      el("td", {}, p.used_bytes === null ? "unknown (needs a ceph-mgr)" : `${bytes(p.stored_bytes)} / ${bytes(p.used_bytes)}`));
  }));
}

// usage.cluster: the index's stored bytes per RADOS pool beside the pool's own figure.
function drawUsageCluster(usage) {
  const rows = usage.cluster || [];
  $("usage-cluster").hidden = rows.length === 0;
  const unavailable = "unavailable (needs a ceph-mgr)";
  fill($("usage-pools").tBodies[0], rows.map((p) => el("tr", { "data-pool": p.pool, "data-status": p.status },
    el("td", {}, p.pool),
    el("td", {}, (p.storage_classes || []).join(", ")),
    el("td", {}, `${p.index_objects} (${p.inline_objects})`),
    el("td", {}, bytes(p.index_pool_bytes)),
    el("td", { "data-gc-bytes": p.pending ? String(p.pending.gc_bytes) : "" }, p.pending === null ? "unknown" :
      bytes(p.pending.gc_bytes) + (p.pending.gc_unknown_entries ? ` + ${p.pending.gc_unknown_entries} entries of unknown size` : "")),
    el("td", {}, p.pending === null ? "unknown" : `${bytes(p.pending.upload_part_bytes)} (${p.pending.upload_parts} parts)`),
    el("td", {}, p.compression === "none" ? "none" : `${p.compression}, ${Math.round(p.compression_ratio * 100) / 100}x`),
    el("td", {}, p.pool_stored_bytes === null ? unavailable : bytes(p.pool_stored_bytes)),
    el("td", {}, p.pool_used_bytes === null ? "–" : bytes(p.pool_used_bytes)),
    el("td", {}, p.difference_bytes === null ? "–" :
      `${p.difference_bytes < 0 ? "-" : "+"}${bytes(Math.abs(p.difference_bytes))} (tolerance ${bytes(p.tolerance_bytes)})`),
    el("td", { class: p.flagged ? "no" : "", title: p.note || "" },
      p.flagged ? `FLAGGED: ${p.note}` : p.status === "unknown" ? `unknown: ${p.note}` : p.status))));
}

function drawPools(status) {
  const priced = {};
  for (const p of (state.usage && state.usage.pools) || []) priced[p.name] = p;
  fill($("pools").tBodies[0], (status.pools || []).map((p) => {
    const u = priced[p.name] || {};
    const health = p.offline > 0 ? "offline" : p.healing > 0 ? "healing" : "online";
    return el("tr", { "data-pool": p.name },
      el("td", {}, el("span", { class: "badge state-" + health }, p.name)),
      el("td", {}, `${p.k}+${p.m}`),
      el("td", {}, `${p.online} / ${p.healing} / ${p.offline} of ${p.drives}`),
      el("td", { class: p.readable ? "yes" : "no" }, p.readable ? "yes" : "no"),
      el("td", { class: p.writable ? "yes" : "no" }, p.writable ? "yes" : "no"),
      el("td", {}, (p.storage_classes || []).join(", ")),
      el("td", {}, u.compression || "–"),
      el("td", {}, u.price_per_tb_month === undefined ? "–" : money(u.price_per_tb_month)));
  }));
}

// Per storage class over all buckets, as the admin API's usage reports it.
function classTotals(usage) {
  const by = new Map();
  for (const b of usage.buckets || [])
    for (const c of b.classes || []) {
      const t = by.get(c.storage_class) ||
        { storage_class: c.storage_class, pool: c.pool, objects: 0, logical_bytes: 0, stored_bytes: 0, monthly_cost: 0 };
      t.objects += c.objects; t.logical_bytes += c.logical_bytes; t.stored_bytes += c.stored_bytes;
      t.monthly_cost += c.monthly_cost;
      by.set(c.storage_class, t);
    }
  return [...by.values()].sort((a, b) => a.storage_class.localeCompare(b.storage_class));
}

function drawUsage(usage) {
  const classes = classTotals(usage);
  fill($("classes").tBodies[0], classes.map((c) => el("tr", {
      "data-class": c.storage_class, "data-stored-bytes": String(c.stored_bytes),
      "data-logical-bytes": String(c.logical_bytes), "data-objects": String(c.objects),
      "data-monthly-cost": String(c.monthly_cost) },
    el("td", {}, c.storage_class), el("td", {}, c.pool), el("td", {}, c.objects),
    el("td", {}, bytes(c.logical_bytes)), el("td", {}, bytes(c.stored_bytes)), el("td", {}, money(c.monthly_cost)))));
  const t = usage.totals || {};
  const cells = $("usage-total").cells;
  cells[1].textContent = t.objects; cells[2].textContent = bytes(t.logical_bytes);
  cells[3].textContent = bytes(t.stored_bytes); cells[4].textContent = money(t.monthly_cost);
  barChart($("cost-chart"), classes.map((c) => ({
    label: c.storage_class, value: c.monthly_cost, text: `${money(c.monthly_cost)}/month · ${bytes(c.stored_bytes)}` })),
    "Monthly cost per storage class");
}

function drawLifecycle(lc) {
  const last = lc.last, cur = lc.current;
  let text = cur ? `Pass ${cur.id} running: ${cur.objects_scanned} of ${cur.objects_total || "?"} versions scanned. ` : "Idle. ";
  text += last ? `Last pass ${last.id} finished ${time(last.finished_ms)}: ${last.objects_scanned} scanned, ` +
    `${last.expired} expired, ${last.transitioned} transitioned (${bytes(last.bytes_transitioned)}), ${last.errors} errors.`
    : "No pass has finished since the server started.";
  if (last && last.last_error) text += " Last error: " + last.last_error;
  $("lifecycle-summary").textContent = text;
  const rows = [];
  let expired = 0, transitioned = 0, moved = 0;
  for (const b of lc.buckets || [])
    for (const r of b.rules || []) {
      expired += r.expired; transitioned += r.transitioned; moved += r.bytes_transitioned;
      rows.push(el("tr", { "data-bucket": b.bucket, "data-rule": r.id, "data-status": r.status },
        el("td", {}, b.bucket), el("td", {}, r.id),
        el("td", {}, el("span", { class: "badge " + (r.status === "Enabled" ? "state-online" : "state-disabled") }, r.status)),
        el("td", {}, r.expired), el("td", {}, r.transitioned), el("td", {}, bytes(r.bytes_transitioned))));
    }
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: "6", class: "muted" }, "No bucket has lifecycle rules.")));
  fill($("rules").tBodies[0], rows);
  fill($("lc-leases").tBodies[0], (lc.buckets || []).map((b) =>
    el("tr", { "data-bucket": b.bucket, "data-holder": b.holder || "" },
      el("td", {}, b.bucket), el("td", {}, b.holder || "none"),
      el("td", {}, b.holder ? time(b.lease_expires_ms) : ""), el("td", {}, b.cursor || ""),
      el("td", {}, b.cursor ? b.scanned : ""))));
  const saved = $("saved-so-far");
  saved.textContent =
    `So far: ${transitioned} versions moved to cheaper classes (${bytes(moved)}), ${expired} expired.`;
  if (saved.dataset.perMonth !== undefined)
    saved.textContent += ` Data outside STANDARD costs ${money(Number(saved.dataset.perMonth))}/month less than it would in STANDARD.`;
}

// What the data in classes other than STANDARD would cost per month in STANDARD's pool
// (its erasure overhead, no compression) less what it costs where it is: what moving it
// has saved, per month, as of now. Null until both the usage and the status are in.
function savedPerMonth(usage, status) {
  const std = ((status && status.pools) || []).find((p) => (p.storage_classes || []).includes("STANDARD"));
  const pool = std && ((usage && usage.pools) || []).find((p) => p.name === std.name);
  if (!pool) return null;
  const perByte = (pool.price_per_tb_month / 1e12) * (std.k + std.m) / std.k;
  let saved = 0;
  for (const c of classTotals(usage))
    if (c.storage_class !== "STANDARD") saved += c.logical_bytes * perByte - c.monthly_cost;
  return saved;
}

// Sums the simulations of every bucket with rules: cost now and at each horizon.
function drawSavings(sims) {
  const box = $("savings-chart");
  if (!sims.length) { box.replaceChildren(el("p", { class: "muted" }, "No lifecycle rules: nothing to project.")); return; }
  const points = [{ label: "now", cost: 0, stored: 0 }];
  for (const s of sims) {
    points[0].cost += s.now.monthly_cost; points[0].stored += s.now.stored_bytes;
    s.horizons.forEach((h, i) => {
      if (!points[i + 1]) points[i + 1] = { label: `in ${h.days} days`, cost: 0, stored: 0 };
      points[i + 1].cost += h.monthly_cost; points[i + 1].stored += h.stored_bytes;
    });
  }
  const now = points[0].cost;
  barChart(box, points.map((p, i) => ({
    label: p.label, value: p.cost,
    text: i === 0 ? `${money(p.cost)}/month · ${bytes(p.stored)}`
      : `${money(p.cost)}/month · saves ${money(now - p.cost)}/month (${now > 0 ? Math.round(100 * (now - p.cost) / now) : 0}%)`,
  })), "Monthly cost of buckets with lifecycle rules, now and projected");
  box.dataset.now = String(now);
}

function drawHealing(heal, status) {
  const dl = $("healing");
  const items = [];
  const add = (k, v, key) => items.push(el("dt", {}, k), el("dd", key ? { "data-key": key } : {}, v));
  const pass = (p) => {
    if (!p) return "none";
    const pct = p.bytes_total ? Math.round(100 * p.bytes_scanned / p.bytes_total) : null;
    const what = `${p.kind} ${p.id || ""}${p.bucket ? " of " + p.bucket : ""}`;
    const progress = `${p.objects_scanned}/${p.objects_total || "?"} versions, ${bytes(p.bytes_scanned)} of ${bytes(p.bytes_total)}` +
      (pct === null ? "" : ` (${pct}%)`);
    const result = `${p.objects_healed} healed, ${p.shards_repaired} shards repaired, ${p.objects_lost} lost, ${p.errors} errors`;
    return p.finished_ms ? `${what} finished ${time(p.finished_ms)}: ${progress}; ${result}` : `${what} running: ${progress}; ${result}`;
  };
  const backlog = heal ? heal.backlog : status.healing.backlog;
  add("Repair queue (backlog)", String(backlog), "backlog");
  if (heal) {
    add("Healed from the queue / lost", `${heal.queue_healed} / ${heal.queue_lost}`);
    if (heal.current) {
      const p = heal.current;
      const m = el("meter", { min: "0", max: String(p.bytes_total || p.objects_total || 1),
        value: String(p.bytes_total ? p.bytes_scanned : p.objects_scanned) });
      add("Running", el("span", {}, m, " " + pass(p)));
    } else add("Running", "nothing");
    add("Last heal or rebuild", pass(heal.last));
    const sc = heal.scrub || {};
    add("Scrub", sc.interval_seconds ? `every ${Math.round(sc.interval_seconds / 3600 * 10) / 10} h at ${bytes(sc.bytes_per_second)}/s`
      : "off");
    if (sc.current) add("Scrub running", pass(sc.current));
    add("Last scrub", pass(sc.last));
  }
  dl.replaceChildren(...items);
}

function drawRequests(sample, error) {
  const box = $("requests-chart");
  if (error) {
    state.requests = [];
    $("requests-summary").textContent = "no data" + (error.status === 503 ? " (request counters not available)" : ": " + error.message);
    box.replaceChildren();
    return;
  }
  const s = state.requests;
  s.push({ t: sample.now_ms, ...sample.totals });
  while (s.length > REQUEST_SAMPLES + 1) s.shift();
  if (s.length < 2) { $("requests-summary").textContent = "measuring…"; return; }
  const rates = [];
  for (let i = 1; i < s.length; i++) {
    const dt = Math.max(0.001, (s[i].t - s[i - 1].t) / 1000);
    rates.push({
      requests: Math.max(0, s[i].requests - s[i - 1].requests) / dt,
      errors: Math.max(0, s[i].errors - s[i - 1].errors) / dt,
      bytes_in: Math.max(0, s[i].bytes_in - s[i - 1].bytes_in) / dt,
      bytes_out: Math.max(0, s[i].bytes_out - s[i - 1].bytes_out) / dt,
    });
  }
  const r = rates[rates.length - 1];
  $("requests-summary").textContent = `${r.requests.toFixed(1)} requests/s, ${r.errors.toFixed(1)} errors/s, ` +
    `in ${bytes(r.bytes_in)}/s, out ${bytes(r.bytes_out)}/s`;
  lineChart(box, [
    { name: "requests/s", cls: "series-a", values: rates.map((x) => x.requests) },
    { name: "errors/s", cls: "series-b", values: rates.map((x) => x.errors) },
  ]);
}

// --- charts --------------------------------------------------------------------------

function barChart(box, items, title) {
  const rowH = 28, labelW = 120, textW = 320, barW = 360, w = labelW + barW + textW;
  const h = items.length * rowH + 8;
  const max = Math.max(1e-12, ...items.map((i) => i.value));
  const s = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: String(w), height: String(h), role: "img", "aria-label": title });
  s.append(svg("title", {}, title));
  items.forEach((it, i) => {
    const y = 4 + i * rowH;
    s.append(svg("text", { x: "0", y: String(y + 18), class: "label" }, it.label));
    s.append(svg("rect", { x: String(labelW), y: String(y + 4), height: "18", class: "bar bar-" + (i % 4),
      width: String(Math.max(1, barW * it.value / max)) }));
    s.append(svg("text", { x: String(labelW + barW + 8), y: String(y + 18), class: "value" }, it.text));
  });
  box.replaceChildren(s);
}

function lineChart(box, series) {
  const w = 720, h = 140, pad = 30;
  const n = Math.max(...series.map((x) => x.values.length));
  const max = Math.max(1, ...series.flatMap((x) => x.values));
  const s = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: String(w), height: String(h), role: "img", "aria-label": "request rates" });
  s.append(svg("line", { x1: String(pad), y1: String(h - pad), x2: String(w), y2: String(h - pad), class: "axis" }));
  s.append(svg("text", { x: "0", y: "12", class: "label" }, max.toFixed(1)));
  s.append(svg("text", { x: "0", y: String(h - pad), class: "label" }, "0"));
  series.forEach((ser, k) => {
    const pts = ser.values.map((v, i) => {
      const x = pad + (n <= 1 ? 0 : (w - pad) * i / (n - 1));
      const y = (h - pad) - (h - pad - 10) * v / max;
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    });
    s.append(svg("polyline", { points: pts.join(" "), class: "line " + ser.cls }));
    s.append(svg("text", { x: String(pad + k * 140), y: String(h - 8), class: "legend " + ser.cls }, ser.name));
  });
  box.replaceChildren(s);
}

// --- refresh loop --------------------------------------------------------------------

async function refresh() {
  clearTimeout(state.timer);
  if (state.view !== "dashboard") return;
  try {
    const slow = Date.now() - state.lastSlow >= SLOW_MS;
    const [status, lc, heal] = await Promise.all([api("status"), api("lifecycle").catch(() => null),
      api("heal").catch(() => null)]);
    if (slow) {
      state.usage = await api("usage");
      drawUsage(state.usage);
      drawUsageCluster(state.usage);
      const buckets = lc ? (lc.buckets || []).filter((b) => (b.rules || []).length) : [];
      const sims = await Promise.all(buckets.map((b) =>
        api("simulate", "bucket=" + encodeURIComponent(b.bucket) + "&days=30%2C90%2C365").catch(() => null)));
      drawSavings(sims.filter(Boolean));
      state.lastSlow = Date.now();
    }
    drawCluster(status);
    drawDrives(status);
    drawPools(status);
    const saved = savedPerMonth(state.usage, status);
    if (saved !== null) $("saved-so-far").dataset.perMonth = String(saved);
    if (lc) drawLifecycle(lc);
    if (!status.cluster) drawHealing(heal, status);
    try { drawRequests(await api("requests")); } catch (e) { if (e.signedOut) throw e; drawRequests(null, e); }
    $("load-error").hidden = true;
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    document.body.dataset.refreshed = String(Date.now());
  } catch (e) {
    if (e.signedOut) { showLogin("Your sign-in has expired: sign in again."); return; }
    $("load-error").hidden = false;
    $("load-error").textContent = "Could not refresh: " + e.message;
  }
  if (state.view === "dashboard") state.timer = setTimeout(refresh, FAST_MS);
}

function start() {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", logout);
  for (const b of document.querySelectorAll("#nav button"))
    b.addEventListener("click", () => { location.hash = VIEWS[b.dataset.view]; });
  window.addEventListener("hashchange", route);
  Buckets.init();
  ObjectView.init();
  Upload.init();
  Lifecycle.init();
  Access.init();
  // A reload keeps this tab's key (sessionStorage); a new tab signs in again.
  const cred = S3.credentials();
  if (cred) showApp(cred);
  else showLogin("");
}

document.addEventListener("DOMContentLoaded", start);
