// Opens object URLs in headless Chromium (Debian's, through playwright-core) the way a
// victim would open a link, and reports whether the object's own script ran: the
// script asks for a "beacon" URL, which only a running script requests. Run by
// ../test_trust_headers.py. Prints one JSON line: {name: {beacon, console}}.
// env: URLS (JSON list of [name, url]), CHROMIUM
import { chromium } from "playwright-core";

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
try {
  const out = {};
  for (const [name, url] of JSON.parse(process.env.URLS)) {
    const page = await browser.newPage();
    const seen = { beacon: false, console: [] };
    page.on("request", (r) => { if (r.url().includes("beacon")) seen.beacon = true; });
    page.on("console", (m) => seen.console.push(m.text()));
    await page.goto(url);
    await page.waitForTimeout(1000);  // time for an inline script's request to go out
    out[name] = seen;
    await page.close();
  }
  process.stdout.write(JSON.stringify(out) + "\n");
} finally {
  await browser.close();
}
