// Drives the web console (/_silt/console) in headless Chromium (Debian's, through
// playwright-core), run by ../test_console.py. Prints one JSON line per step on stdout;
// after the "dashboard" step it waits for a line on stdin (the test has taken a drive
// offline) before checking that the page shows it.
// env: ENDPOINT, ADMIN_KEY, ADMIN_SECRET, USER_KEY, USER_SECRET, OFFLINE_SLOT, SCREENSHOT_DIR
import { chromium } from "playwright-core";
import readline from "node:readline";
import path from "node:path";

const env = process.env;
const url = env.ENDPOINT + "/_silt/console";
const stdin = readline.createInterface({ input: process.stdin });
const lines = stdin[Symbol.asyncIterator]();
const emit = (step, data) => process.stdout.write(JSON.stringify({ step, ...data }) + "\n");

const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium" });
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const problems = [];  // script errors and CSP violations: the page must have none
  page.on("pageerror", (e) => problems.push("pageerror: " + e.message));
  // Answers like 401, 403 and 503 are expected (Chromium logs each as an error); anything
  // else logged as an error, "Refused to ..." from the CSP above all, is a problem.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of"))
      problems.push("console: " + m.text());
  });
  const consoleCookies = async () => (await context.cookies(url)).filter((c) => c.name === "silt_console");

  async function signIn(key, secret) {
    await page.fill("#access-key", key);
    await page.fill("#secret-key", secret);
    await page.click("#login-button");
  }

  async function refusal(key, secret) {
    await page.evaluate(() => { document.getElementById("login-error").hidden = true; });
    await signIn(key, secret);
    await page.waitForSelector("#login-error:not([hidden])", { timeout: 15000 });
    return {
      error: (await page.textContent("#login-error")).trim(),
      cookies: (await consoleCookies()).length,
      dashboard_visible: await page.isVisible("#dashboard"),
    };
  }

  await page.goto(url);
  await page.waitForSelector("#login:not([hidden])");
  emit("login_form", { title: await page.title() });

  emit("wrong_secret", await refusal(env.ADMIN_KEY, "not-the-secret-123"));
  emit("not_admin", await refusal(env.USER_KEY, env.USER_SECRET));

  await signIn(env.ADMIN_KEY, env.ADMIN_SECRET);
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
    };
  });
  await page.screenshot({ path: path.join(env.SCREENSHOT_DIR, "console.png"), fullPage: true });
  emit("dashboard", { ...dashboard, cookie });

  await lines.next();  // the test has taken a drive offline
  stdin.close();  // an open stdin would keep node running after the last step
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
  const shot = path.join(env.SCREENSHOT_DIR, "console-offline.png");
  await page.screenshot({ path: shot, fullPage: true });
  emit("offline", { ...offline, seconds: (Date.now() - started) / 1000, screenshot: shot });

  await page.click("#logout");
  await page.waitForSelector("#login:not([hidden])");
  const after = await page.evaluate(async () => (await fetch("/_silt/console/api/status")).status);
  emit("signed_out", { cookies: (await consoleCookies()).length, status_after: after, problems });
} finally {
  stdin.close();
  await browser.close();
}
