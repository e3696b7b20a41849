// Drives the web console (/_silt/console) in headless Chromium (Debian's, through
// playwright-core), run by ../test_console.py: the operations panels, then every flow of
// the working console (buckets, objects, uploads, previews, share links, versions,
// lifecycle, policies, users), a non-admin user, keyboard use, a phone-width viewport
// and cross-origin (CSRF) attempts. One browser for everything.
// Protocol: one JSON line per step on stdout; after each, node waits for a line on stdin
// (the test has checked the server through boto3, or changed something) before going on.
// env: ENDPOINT, ADMIN_KEY, ADMIN_SECRET, USER_KEY, USER_SECRET, OFFLINE_SLOT,
//      SCREENSHOT_DIR, FILES_DIR, WORK_BUCKET, CHROMIUM
import { chromium } from "playwright-core";
import readline from "node:readline";
import http from "node:http";
import path from "node:path";

const env = process.env;
const url = env.ENDPOINT + "/_silt/console";
const W = env.WORK_BUCKET;
const FILES = env.FILES_DIR;
const SHOTS = env.SCREENSHOT_DIR;
const stdin = readline.createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();
async function step(name, data) {
  process.stdout.write(JSON.stringify({ step: name, ...data }) + "\n");
  await lines.next();  // the test's turn
}

const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium" });
let attacker = null;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];  // script errors and CSP violations: the page must have none
  const watch = (p) => {
    p.on("pageerror", (e) => problems.push("pageerror: " + e.message));
    // Answers like 401, 403, 404 and 503 are expected (Chromium logs each as an error);
    // anything else logged as an error, "Refused to ..." from the CSP above all, is a problem.
    p.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of"))
        problems.push("console: " + m.text());
    });
    p.on("dialog", (d) => d.accept());  // confirm() before deletes
  };
  watch(page);
  const consoleCookies = async (ctx) => (await (ctx || context).cookies(url)).filter((c) => c.name === "silt_console");
  const text = (sel) => page.textContent(sel).then((t) => (t || "").trim());
  const rows = (sel) => page.$$eval(sel, (rs) => rs.map((r) => ({ ...r.dataset, text: r.innerText })));
  // Runs action and waits until the page marks body[data-ATTR] anew (a listing drawn, ...).
  async function after(attr, action, p = page) {
    const before = await p.evaluate((a) => document.body.dataset[a] || "", attr);
    await action();
    await p.waitForFunction(([a, b]) => (document.body.dataset[a] || "") !== b, [attr, before], { timeout: 60000 });
  }
  const shot = async (name, p = page) => {
    const file = path.join(SHOTS, name);
    await p.screenshot({ path: file, fullPage: true });
    return file;
  };
  async function openObject(key) {
    await page.click(`#objects tr[data-key="${key}"] button.link`);
    await page.waitForFunction((k) => {
      const p = document.getElementById("object-panel");
      return !p.hidden && p.dataset.key === k && p.dataset.loaded && p.dataset.loaded !== "";
    }, key, { timeout: 30000 });
  }
  const objectRows = () => rows("#objects tbody tr[data-key]");

  async function signIn(p, key, secret) {
    await p.fill("#access-key", key);
    await p.fill("#secret-key", secret);
    await p.click("#login-button");
  }

  // --- sign-in and the operations panels ---------------------------------------------
  await page.goto(url);
  await page.waitForSelector("#login:not([hidden])");
  await step("login_form", { title: await page.title() });

  await signIn(page, env.ADMIN_KEY, "not-the-secret-123");
  await page.waitForSelector("#login-error:not([hidden])", { timeout: 15000 });
  await step("wrong_secret", { error: await text("#login-error"), cookies: (await consoleCookies()).length,
    dashboard_visible: await page.isVisible("#dashboard"), browser_visible: await page.isVisible("#browser") });

  await signIn(page, env.ADMIN_KEY, env.ADMIN_SECRET);
  await page.waitForSelector("#browser:not([hidden])", { timeout: 15000 });
  await page.click("#nav-ops");
  await page.waitForSelector("#dashboard:not([hidden])", { timeout: 15000 });
  await page.waitForSelector("#classes tbody tr[data-class]", { timeout: 30000 });
  await page.waitForSelector("#savings-chart svg", { timeout: 30000 });
  const cookie = (await consoleCookies())[0] || null;
  const dashboard = await page.evaluate(() => {
    const rows = (sel) => [...document.querySelectorAll(sel)];
    return {
      user: document.getElementById("user").textContent,
      drives: rows("#drives tbody tr").map((r) => ({ slot: Number(r.dataset.slot), state: r.dataset.state,
        text: r.innerText })),
      drives_summary: document.getElementById("drives-summary").textContent,
      pools: rows("#pools tbody tr").map((r) => ({ name: r.dataset.pool, text: r.innerText })),
      classes: rows("#classes tbody tr").map((r) => ({
        storage_class: r.dataset.class, objects: Number(r.dataset.objects),
        logical_bytes: Number(r.dataset.logicalBytes), stored_bytes: Number(r.dataset.storedBytes),
        monthly_cost: Number(r.dataset.monthlyCost), text: r.innerText })),
      cost_bars: rows("#cost-chart svg rect").length,
      rules: rows("#rules tbody tr[data-rule]").map((r) => ({ bucket: r.dataset.bucket, id: r.dataset.rule,
        status: r.dataset.status, text: r.innerText })),
      lifecycle_summary: document.getElementById("lifecycle-summary").textContent,
      saved_so_far: document.getElementById("saved-so-far").textContent,
      saved_per_month: Number(document.getElementById("saved-so-far").dataset.perMonth),
      savings: rows("#savings-chart svg text.value").map((t) => t.textContent),
      savings_labels: rows("#savings-chart svg text.label").map((t) => t.textContent),
      savings_now: Number(document.getElementById("savings-chart").dataset.now),
      healing: document.getElementById("healing").innerText,
      backlog: document.querySelector('#healing [data-key="backlog"]')?.textContent,
      requests: document.getElementById("requests-summary").textContent,
      document_cookie: document.cookie,
      stored_credentials: sessionStorage.getItem("silt.console.credentials"),
    };
  });
  await shot("console.png");
  await step("dashboard", { ...dashboard, cookie });  // the test takes a drive offline

  const slot = env.OFFLINE_SLOT;
  const started = Date.now();
  await page.waitForSelector(`#drives tbody tr[data-slot="${slot}"][data-state="offline"]`, { timeout: 45000 });
  const offline = await page.evaluate(() => ({
    drives: [...document.querySelectorAll("#drives tbody tr")].map((r) => ({ slot: Number(r.dataset.slot),
      state: r.dataset.state, text: r.innerText })),
    summary: document.getElementById("drives-summary").textContent,
    pools: [...document.querySelectorAll("#pools tbody tr")].map((r) => r.innerText),
    requests: document.getElementById("requests-summary").textContent,
    request_lines: document.querySelectorAll("#requests-chart svg polyline").length,
  }));
  const offlineShot = await shot("console-offline.png");
  await step("offline", { ...offline, seconds: (Date.now() - started) / 1000, screenshot: offlineShot });
  // (the test has put the drive back)

  // --- buckets -------------------------------------------------------------------------
  await page.setViewportSize({ width: 1280, height: 900 });
  await after("bucketsLoaded", () => page.click("#nav-buckets"));
  await step("buckets_list", { rows: await rows("#buckets tbody tr[data-bucket]"), note: await text("#buckets-note"),
    screenshot: await shot("console-buckets.png") });

  // Created with the keyboard: type the name, Enter submits.
  await page.focus("#new-bucket-name");
  await page.keyboard.type(W);
  await after("bucketsLoaded", () => page.keyboard.press("Enter"));
  await step("bucket_created", { rows: await rows("#buckets tbody tr[data-bucket]"), notice: await text("#notice") });

  await after("listed", () => page.click(`#buckets tr[data-bucket="${W}"] a.button`));
  await page.click("#versioning-toggle");
  await page.waitForSelector('#versioning-state[data-state="Enabled"]');
  await step("versioning_enabled", { state: await text("#versioning-state") });

  // --- uploads: the file picker, then a large file dropped into a folder -----------------
  const picked = ["hello.txt", "table.csv", "data.json", "pic.png"].map((f) => path.join(FILES, f));
  await after("listed", () => page.setInputFiles("#file-input", picked));
  await step("uploaded", { uploads: await rows("#uploads li"), objects: await objectRows(),
    notice: await text("#notice") });

  await after("listed", () => page.evaluate((w) => { location.hash = "#/b/" + w + "/big%2F"; }, W));
  const dropTarget = await text("#drop-target");
  await page.evaluate(() => {
    window.__samples = [];
    window.__sampler = setInterval(() => {
      const bar = document.querySelector('#uploads li[data-key="big/large.bin"] progress');
      if (bar) window.__samples.push(Number(bar.value));
    }, 20);
  });
  const transfer = await page.evaluateHandle(() => {
    const n = 20 * 1024 * 1024;
    const pattern = new Uint8Array(251);
    for (let i = 0; i < 251; i++) pattern[i] = i;
    const a = new Uint8Array(n);
    for (let off = 0; off < n; off += 251) a.set(pattern.subarray(0, Math.min(251, n - off)), off);
    const dt = new DataTransfer();
    dt.items.add(new File([a], "large.bin", { type: "application/octet-stream" }));
    return dt;
  });
  const dropStarted = Date.now();
  await page.dispatchEvent("#dropzone", "drop", { dataTransfer: transfer });
  await page.waitForSelector('#uploads li[data-key="big/large.bin"]:not([data-state="uploading"])', { timeout: 180000 });
  const multipart = await page.evaluate(() => {
    clearInterval(window.__sampler);
    const li = document.querySelector('#uploads li[data-key="big/large.bin"]');
    const bar = li.querySelector("progress");
    return { state: li.dataset.state, parts: li.dataset.parts, text: li.innerText, samples: window.__samples,
      value: Number(bar.value), max: Number(bar.max) };
  });
  await page.waitForSelector('#objects tr[data-key="big/large.bin"]');
  await step("multipart", { ...multipart, drop_target: dropTarget, seconds: (Date.now() - dropStarted) / 1000,
    screenshot: await shot("console-upload.png") });

  // Folders: the bucket's root shows big/ as a folder; opening it lists what is inside.
  await after("listed", () => page.click(`#crumbs a[href="#/b/${W}/"]`));
  const rootRows = await objectRows();
  await after("listed", () => page.click('#objects tr[data-kind="folder"][data-key="big/"] a'));
  await step("folders", { root: rootRows, big: await objectRows(), crumbs: await text("#crumbs") });
  await after("listed", () => page.click(`#crumbs a[href="#/b/${W}/"]`));

  // Sorting (in the page) and search by prefix (a listing with that prefix).
  await page.click('#objects .sort[data-sort="size"]');
  const asc = (await objectRows()).map((r) => r.key);
  await page.click('#objects .sort[data-sort="size"]');
  const desc = (await objectRows()).map((r) => r.key);
  const ariaSort = await page.getAttribute('#objects th:has(.sort[data-sort="size"])', "aria-sort");
  await page.click('#objects .sort[data-sort="name"]');
  await step("sorted", { asc, desc, aria_sort: ariaSort });

  await page.fill("#search-prefix", "da");
  await after("listed", () => page.press("#search-prefix", "Enter"));
  await step("search", { keys: (await objectRows()).map((r) => r.key) });  // the test adds tagged.txt
  await page.fill("#search-prefix", "");
  await after("listed", () => page.press("#search-prefix", "Enter"));

  // --- one object: metadata, tags, checksums, previews ---------------------------------
  await openObject("tagged.txt");
  const meta = await page.$$eval("#object-meta dd[data-key]", (ds) => Object.fromEntries(ds.map((d) =>
    [d.dataset.key, d.textContent])));
  const tags = await page.$$eval("#object-tags dd[data-tag]", (ds) => Object.fromEntries(ds.map((d) =>
    [d.dataset.tag, d.textContent])));
  await step("object_meta", { meta, tags, screenshot: await shot("console-object.png") });

  const previews = {};
  await openObject("hello.txt");
  previews.text = { body: await page.textContent("#preview-text"), note: await text("#object-preview p") };
  await openObject("table.csv");
  previews.csv = await page.$$eval("#preview-csv tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  await openObject("data.json");
  previews.json = await page.textContent("#preview-text");
  await openObject("pic.png");
  await page.waitForFunction(() => {
    const i = document.getElementById("preview-image");
    return i && i.complete && i.naturalWidth > 0;
  }, null, { timeout: 15000 });
  previews.image = await page.$eval("#preview-image", (i) => ({ src: i.src, width: i.naturalWidth,
    height: i.naturalHeight }));
  await step("previews", previews);

  // --- share link and download ---------------------------------------------------------
  await openObject("hello.txt");
  await page.selectOption("#share-expiry", "86400");
  await page.click("#object-share");
  await step("share", { url: await page.inputValue("#share-url"), notice: await text("#notice") });

  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 30000 }),
    page.click("#object-download")]);
  const saved = path.join(SHOTS, "console-download.bin");
  await download.saveAs(saved);
  await step("download", { path: saved, filename: download.suggestedFilename() });

  // --- versions: a second upload, restore the first, delete versions -------------------
  await after("listed", () => page.setInputFiles("#file-input", [path.join(FILES, "v2", "hello.txt")]));
  await openObject("hello.txt");
  const versionRows = () => rows("#object-versions tbody tr[data-version]");
  await step("versions_before", { versions: await versionRows(), meta_version: await text('#object-meta dd[data-key="version"]') });
  await page.click('#object-versions tr[data-latest="false"] button[data-action="restore"]');
  await page.waitForFunction(() => document.querySelectorAll("#object-versions tbody tr[data-version]").length === 3,
    null, { timeout: 30000 });
  await page.waitForFunction(() => document.getElementById("object-panel").dataset.loaded, null, { timeout: 30000 });
  await step("restored", { versions: await versionRows(), preview: await page.textContent("#preview-text") });

  const oldest = (await versionRows()).at(-1).version;
  await page.click(`#object-versions tr[data-version="${oldest}"] button[data-action="delete-version"]`);
  await page.waitForFunction(() => document.querySelectorAll("#object-versions tbody tr[data-version]").length === 2,
    null, { timeout: 30000 });
  await step("version_deleted", { deleted: oldest, versions: await versionRows() });

  await after("listed", () => page.click("#object-delete"));
  await step("object_deleted", { objects: await objectRows(), panel_hidden: await page.isHidden("#object-panel") });

  await openObject("table.csv");
  await after("listed", () => page.click("#object-delete-all"));
  await step("all_versions_deleted", { objects: await objectRows(), notice: await text("#notice") });

  await after("listed", () => page.check("#show-versions"));
  const withVersions = await objectRows();
  await after("listed", () => page.uncheck("#show-versions"));
  await step("versions_listing", { rows: withVersions });

  await page.click("#versioning-toggle");
  await page.waitForSelector('#versioning-state[data-state="Suspended"]');
  await step("versioning_suspended", { state: await text("#versioning-state"),
    button: await text("#versioning-toggle") });

  // --- lifecycle: simulate before saving --------------------------------------------------
  await after("lifecycleLoaded", () => page.click("#tab-lifecycle"));
  await page.fill("#lc-id", "big-to-ia");
  await page.fill("#lc-prefix", "big/");
  await page.fill("#lc-transition-days", "30");
  await page.fill("#lc-transition-class", "STANDARD_IA");
  await page.fill("#lc-expiration-days", "365");
  await page.fill("#lc-noncurrent-days", "7");
  await page.fill("#lc-abort-days", "2");
  const saveBefore = await page.isDisabled("#lc-save");
  await page.click("#lc-simulate");
  await page.waitForSelector("#lc-simulation-result", { timeout: 30000 });
  const simRows = await rows("#lc-simulation-result tbody tr");
  const saveAfterReview = await page.isEnabled("#lc-save");
  await page.fill("#lc-abort-days", "3");  // a change needs a new review
  const saveAfterEdit = await page.isDisabled("#lc-save");
  await page.click("#lc-simulate");
  await page.waitForSelector("#lc-simulation-result", { timeout: 30000 });
  await step("lc_simulated", { rows: await rows("#lc-simulation-result tbody tr"), first_rows: simRows,
    now: await page.getAttribute("#lc-simulation-result", "data-now"), save_disabled_before: saveBefore,
    save_enabled_after_review: saveAfterReview, save_disabled_after_edit: saveAfterEdit,
    screenshot: await shot("console-lifecycle.png") });
  await after("lifecycleLoaded", () => page.click("#lc-save"));
  const firstSaved = await rows("#lc-rules tbody tr[data-rule]");
  // A second rule by tag: the stored one is kept as it is.
  await page.fill("#lc-id", "tagged-expire");
  await page.fill("#lc-tags", "team=data");
  await page.fill("#lc-expiration-days", "10");
  await page.click("#lc-simulate");
  await page.waitForSelector("#lc-simulation-result", { timeout: 30000 });
  const tagRows = await rows("#lc-simulation-result tbody tr");
  await after("lifecycleLoaded", () => page.click("#lc-save"));
  await step("lc_saved", { first: firstSaved, tag_simulation: tagRows, rules: await rows("#lc-rules tbody tr[data-rule]"),
    notice: await text("#notice") });

  await page.fill("#lc-id", "bad-class");
  await page.fill("#lc-transition-days", "10");
  await page.fill("#lc-transition-class", "NO_SUCH_CLASS");
  await page.click("#lc-simulate");
  await page.waitForSelector("#lc-form-error:not([hidden])", { timeout: 30000 });
  await step("lc_invalid", { error: await text("#lc-form-error"), save_disabled: await page.isDisabled("#lc-save") });
  await page.click("#lc-cancel");

  // --- bucket policy ---------------------------------------------------------------------
  await after("policyLoaded", () => page.click("#tab-policy"));
  await page.selectOption("#policy-template", "public-read");
  await page.click("#policy-apply-template");
  await after("policyLoaded", () => page.click("#policy-save"));
  await step("policy_public", { status: await text("#policy-status"),
    public: await page.getAttribute("#policy-status", "data-public"), text: await page.inputValue("#policy-text") });

  await page.selectOption("#policy-template", "user-read");
  await page.fill("#policy-user", env.USER_KEY);
  await page.click("#policy-apply-template");
  await after("policyLoaded", () => page.click("#policy-save"));
  await step("policy_user", { public: await page.getAttribute("#policy-status", "data-public"),
    text: await page.inputValue("#policy-text"), screenshot: await shot("console-policy.png") });

  const invalid = {};
  for (const [name, doc] of [["bad_json", "{ not json"], ["bad_resource", JSON.stringify({ Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::elsewhere/*" }] })]]) {
    await page.fill("#policy-text", doc);
    await page.click("#policy-save");
    await page.waitForSelector("#policy-error:not([hidden])", { timeout: 30000 });
    invalid[name] = { doc, error: await text("#policy-error") };
    await page.evaluate(() => { document.getElementById("policy-error").hidden = true; });
  }
  await step("policy_invalid", invalid);

  await page.selectOption("#policy-template", "private");
  await page.click("#policy-apply-template");
  await after("policyLoaded", () => page.click("#policy-save"));
  await step("policy_private", { status: await text("#policy-status"), text: await page.inputValue("#policy-text") });

  // --- users and keys (admin) ------------------------------------------------------------
  await after("usersLoaded", () => page.click("#nav-access"));
  await page.fill("#new-user-key", "console-bob");
  await after("usersLoaded", () => page.press("#new-user-key", "Enter"));
  await step("user_added", { users: await rows("#users tbody tr"), secret: await page.inputValue("#new-secret"),
    who: await text("#new-secret-user"), screenshot: await shot("console-users.png") });
  await page.fill("#new-user-key", "console-carol");
  await page.fill("#new-user-secret", "carol-chosen-secret-42");
  await after("usersLoaded", () => page.click("#add-user-button"));
  await page.fill("#new-user-key", "x!");
  await page.click("#add-user-button");
  await page.waitForSelector("#users-error:not([hidden])");
  await step("user_invalid", { error: await text("#users-error"), carol_secret: await page.inputValue("#new-secret") });
  await after("usersLoaded", () => page.click('#users tr[data-user="console-bob"] button'));
  await step("user_removed", { users: (await rows("#users tbody tr")).map((r) => r.user) });

  // --- bucket deletion ---------------------------------------------------------------------
  await after("bucketsLoaded", () => page.click("#nav-buckets"));
  await page.click(`#buckets tr[data-bucket="${W}"] button.danger`);
  await page.waitForSelector("#buckets-error:not([hidden])");
  const notEmpty = await text("#buckets-error");
  await page.fill("#new-bucket-name", W + "-gone");
  await after("bucketsLoaded", () => page.click("#create-bucket-button"));
  const created = (await rows("#buckets tbody tr[data-bucket]")).map((r) => r.bucket);
  await after("bucketsLoaded", () => page.click(`#buckets tr[data-bucket="${W}-gone"] button.danger`));
  await step("bucket_deleted", { not_empty: notEmpty, before: created,
    after: (await rows("#buckets tbody tr[data-bucket]")).map((r) => r.bucket) });

  // --- keyboard: Tab to the main actions, Enter works ------------------------------------
  await after("listed", () => page.evaluate((w) => { location.hash = "#/b/" + w + "/"; }, W));
  const describe = () => page.evaluate(() => {
    const a = document.activeElement;
    return a ? { tag: a.tagName, id: a.id, text: (a.innerText || a.value || "").slice(0, 40),
      key: a.closest("tr") ? a.closest("tr").dataset.key || "" : "" } : null;
  });
  async function tabUntil(pred, limit = 80) {
    const seen = [];
    for (let i = 1; i <= limit; i++) {
      await page.keyboard.press("Tab");
      const d = await describe();
      seen.push(d.id || d.text || d.tag);
      if (pred(d)) return { presses: i, seen };
    }
    return { presses: -1, seen };
  }
  await page.evaluate(() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); });
  const keyboard = {};
  keyboard.nav = await tabUntil((d) => d.id === "nav-buckets");
  keyboard.versioning = await tabUntil((d) => d.id === "versioning-toggle");
  keyboard.lifecycle_tab = await tabUntil((d) => d.id === "tab-lifecycle");
  keyboard.search = await tabUntil((d) => d.id === "search-prefix");
  keyboard.picker = await tabUntil((d) => d.id === "file-input");
  keyboard.sort = await tabUntil((d) => d.text === "Size");
  await page.keyboard.press("Enter");
  keyboard.sorted_by_enter = await page.getAttribute('#objects th:has(.sort[data-sort="size"])', "aria-sort");
  keyboard.object = await tabUntil((d) => d.tag === "BUTTON" && d.key === "data.json");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("object-panel").dataset.key === "data.json" &&
    document.getElementById("object-panel").dataset.loaded, null, { timeout: 30000 });
  keyboard.opened = await page.getAttribute("#object-panel", "data-key");
  keyboard.focus_after_open = (await describe()).id;
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  keyboard.share_focused = (await describe()).id;
  await page.keyboard.press("Enter");
  keyboard.share_url = await page.inputValue("#share-url");
  await step("keyboard", keyboard);

  // --- a phone-width viewport --------------------------------------------------------------
  await page.setViewportSize({ width: 390, height: 844 });
  const width = () => page.evaluate(() => document.documentElement.scrollWidth);
  const phone = { viewport: 390 };
  phone.object_width = await width();
  phone.object_shot = await shot("console-phone-object.png");
  await after("bucketsLoaded", () => page.click("#nav-buckets"));
  phone.buckets_width = await width();
  phone.buckets_shot = await shot("console-phone-buckets.png");
  await page.fill("#new-bucket-name", W + "-phone");
  await after("bucketsLoaded", () => page.tap("#create-bucket-button").catch(() => page.click("#create-bucket-button")));
  await after("listed", () => page.click(`#buckets tr[data-bucket="${W}"] a.button`));
  phone.bucket_width = await width();
  phone.bucket_shot = await shot("console-phone-bucket.png");
  phone.create_button_box = await page.$eval("#versioning-toggle", (b) => b.getBoundingClientRect().right);
  await step("phone", phone);
  await page.setViewportSize({ width: 1280, height: 900 });

  // --- a user who is not the admin, in a second tab of the same browser --------------------
  const userContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const up = await userContext.newPage();
  watch(up);
  await up.goto(url);
  await up.waitForSelector("#login:not([hidden])");
  await after("bucketsLoaded", () => signIn(up, env.USER_KEY, env.USER_SECRET), up);
  const userView = {
    user: (await up.textContent("#user")).trim(),
    users_nav_visible: await up.isVisible("#nav-access"), ops_nav_visible: await up.isVisible("#nav-ops"),
    buckets: await up.$$eval("#buckets tbody tr[data-bucket]", (rs) => rs.map((r) => r.dataset.bucket)),
    cookies: (await consoleCookies(userContext)).length,
  };
  await up.fill("#new-bucket-name", W + "-alice");
  await after("bucketsLoaded", () => up.click("#create-bucket-button"), up);
  userView.after_create = await up.$$eval("#buckets tbody tr[data-bucket]", (rs) => rs.map((r) => r.dataset.bucket));
  // No side door: the admin API refuses this key, from this page too.
  userView.admin_api = await up.evaluate(() => S3.admin("GET", "users").then(() => "allowed",
    (e) => `${e.status} ${e.code}`));
  userView.ops_api = await up.evaluate(async () => (await fetch("/_silt/console/api/status")).status);
  await up.evaluate((w) => { location.hash = "#/b/" + w + "/"; }, W);
  await up.waitForSelector("#objects-error:not([hidden])", { timeout: 15000 });
  userView.foreign_bucket_error = (await up.textContent("#objects-error")).trim();
  userView.screenshot = await shot("console-user.png", up);
  await step("non_admin", userView);
  await userContext.close();

  // --- CSRF: another origin, with the admin's console cookie in this browser --------------
  // Same site (127.0.0.1), another port: the browser sends the SameSite cookie along, so
  // this shows that the cookie alone authorizes nothing. The page tries what it can.
  const target = env.ENDPOINT;
  attacker = http.createServer((req, res) => {
    res.setHeader("Content-Type", "text/html");
    res.end(`<!doctype html><title>attacker</title><body>
<iframe name="sink" style="display:none"></iframe>
<form id="f1" method="POST" target="sink" action="${target}/${W}" enctype="multipart/form-data">
  <input name="key" value="csrf-form.txt"><input name="file" value="planted">
</form>
<form id="f2" method="POST" target="sink" action="${target}/_silt/admin/v1/users?accessKey=csrf-evil"></form>
<form id="f3" method="POST" target="sink" action="${target}/${W}/hello.txt?uploads" enctype="text/plain">
  <input name="x" value="y"></form>
<script>
(async () => {
  const results = {};
  const T = ${JSON.stringify(target)}, W = ${JSON.stringify(W)};
  const tryFetch = async (name, u, init) => {
    try { const r = await fetch(u, Object.assign({ credentials: "include" }, init)); results[name] = r.type + " " + r.status; }
    catch (e) { results[name] = "blocked: " + e.message; }
  };
  await tryFetch("delete_object", T + "/" + W + "/hello.txt", { method: "DELETE" });
  await tryFetch("delete_bucket", T + "/" + W, { method: "DELETE" });
  await tryFetch("delete_objects", T + "/" + W + "?delete", { method: "POST", mode: "no-cors",
    headers: { "Content-Type": "text/plain" }, body: "<Delete><Object><Key>hello.txt</Key></Object></Delete>" });
  await tryFetch("put_object", T + "/" + W + "/csrf-fetch.txt", { method: "PUT", body: "x" });
  await tryFetch("post_object", T + "/" + W, { method: "POST", mode: "no-cors", body: "key=csrf-post.txt" });
  await tryFetch("add_user", T + "/_silt/admin/v1/users?accessKey=csrf-evil2", { method: "POST", mode: "no-cors" });
  await tryFetch("console_status", T + "/_silt/console/api/status", {});
  await tryFetch("console_logout", T + "/_silt/console/api/logout", { method: "POST", mode: "no-cors" });
  for (const f of ["f1", "f2", "f3"]) { document.getElementById(f).submit(); await new Promise((r) => setTimeout(r, 400)); }
  window.__done = results;
})();
</script></body>`);
  });
  await new Promise((r) => attacker.listen(0, "127.0.0.1", r));
  const evil = await context.newPage();
  const cookieBefore = (await consoleCookies()).length;
  await evil.goto(`http://127.0.0.1:${attacker.address().port}/`);
  await evil.waitForFunction(() => window.__done, null, { timeout: 30000 });
  const attempts = await evil.evaluate(() => window.__done);
  await evil.close();
  // The console in the first tab still works: the cookie-only logout did not end its key.
  await page.reload();
  await page.waitForSelector("#browser:not([hidden])", { timeout: 15000 });
  await step("csrf", { attempts, cookie_before: cookieBefore, origin: `http://127.0.0.1:${attacker.address().port}`,
    console_still_signed_in: await page.isVisible("#browser"),
    panels_status: await page.evaluate(async () => (await fetch("/_silt/console/api/status")).status) });

  // --- sign out ------------------------------------------------------------------------------
  await page.click("#logout");
  await page.waitForSelector("#login:not([hidden])");
  const afterStatus = await page.evaluate(async () => (await fetch("/_silt/console/api/status")).status);
  await step("signed_out", { cookies: (await consoleCookies()).length, status_after: afterStatus,
    stored_credentials: await page.evaluate(() => sessionStorage.getItem("silt.console.credentials")), problems });
} finally {
  stdin.close();
  if (attacker) attacker.close();
  await browser.close();
}
