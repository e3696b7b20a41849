// The console's cluster panel on a RADOS-backed gateway, in headless Chromium (playwright-core),
// run by ../test_rados_ops.py: signs in as the admin, then for each line on stdin waits for the
// dashboard's next refresh (every 5 s) and prints one JSON line of what the page shows: the
// cluster summary's data, the pool rows, which panels are hidden, and any script error or CSP
// violation. "quit" ends it.
// env: ENDPOINT, ADMIN_KEY, ADMIN_SECRET, CHROMIUM
import { chromium } from "playwright-core";
import readline from "node:readline";

const env = process.env;
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const browser = await chromium.launch({ executablePath: env.CHROMIUM || "/usr/bin/chromium" });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push("pageerror: " + e.message));
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource: the server responded with a status of"))
      problems.push("console: " + m.text());
  });
  await page.goto(env.ENDPOINT + "/_silt/console");
  await page.waitForSelector("#login:not([hidden])");
  await page.fill("#access-key", env.ADMIN_KEY);
  await page.fill("#secret-key", env.ADMIN_SECRET);
  await page.click("#login-button");
  await page.waitForSelector("#browser:not([hidden])", { timeout: 15000 });
  await page.click("#nav-ops");
  await page.waitForSelector("#dashboard:not([hidden])", { timeout: 15000 });
  await page.waitForSelector("#cluster-panel:not([hidden])", { timeout: 30000 });
  for (;;) {
    const { value, done } = await lines.next();
    if (done || value.trim() === "quit") break;
    const before = await page.evaluate(() => document.body.dataset.refreshed || "");
    await page.waitForFunction((b) => (document.body.dataset.refreshed || "") !== b, before, { timeout: 30000 });
    const shown = await page.evaluate(() => {
      const s = document.getElementById("cluster-summary");
      return {
        summary: { ...s.dataset, text: s.textContent },
        pools: [...document.querySelectorAll("#cluster-pools tbody tr")].map((r) => ({ ...r.dataset, text: r.innerText })),
        hidden: Object.fromEntries(["cluster-panel", "drives-panel", "pools-panel", "healing-panel", "usage-cluster"]
          .map((id) => [id, document.getElementById(id).hidden])),
        usagePools: [...document.querySelectorAll("#usage-pools tbody tr")].map((r) => r.dataset.pool),
        loadError: document.getElementById("load-error").hidden ? "" : document.getElementById("load-error").textContent,
      };
    });
    process.stdout.write(JSON.stringify({ ...shown, problems }) + "\n");
  }
} finally {
  await browser.close();
}
