// Checks the console's pure-JS signing (server/ops/console/sigv4.js), run by
// ../test_console.py: SHA-256 and HMAC-SHA256 against node:crypto over every length
// around the block boundaries, then SigV4 against a real silt: objects with awkward keys
// stored with header-signed PUTs, a listing with an awkward prefix, a presigned GET,
// and a tampered signature (which must be refused). Prints one JSON object.
// env: ENDPOINT, KEY, SECRET, REGION, BUCKET
import crypto from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const SiltSign = require(path.join(here, "../../../server/ops/console/sigv4.js"));
const env = process.env;
const cred = { accessKey: env.KEY, secretKey: env.SECRET, region: env.REGION };
const host = new URL(env.ENDPOINT).host;

const mismatches = [];
const lengths = [];
for (let n = 0; n <= 300; n++) lengths.push(n);
lengths.push(1000, 4095, 4096, 65537, 1 << 20);
for (const n of lengths) {
  const data = crypto.randomBytes(n);
  const key = crypto.randomBytes(n % 150);  // keys longer than a block are hashed first
  const want = crypto.createHash("sha256").update(data).digest("hex");
  if (SiltSign.hex(SiltSign.sha256(new Uint8Array(data))) !== want) mismatches.push("sha256/" + n);
  const mac = crypto.createHmac("sha256", key).update(data).digest("hex");
  if (SiltSign.hex(SiltSign.hmac(new Uint8Array(key), new Uint8Array(data))) !== mac) mismatches.push("hmac/" + n);
}
// UTF-8 strings are hashed as their bytes.
const text = "grüße/日本語 ✓";
if (SiltSign.hex(SiltSign.sha256(text)) !== crypto.createHash("sha256").update(text, "utf8").digest("hex"))
  mismatches.push("sha256/utf8");

async function signed(method, bucket, key, query, body, headers) {
  const p = SiltSign.objectPath(bucket, key);
  const payloadHash = body === undefined ? SiltSign.EMPTY_SHA256 : SiltSign.hex(SiltSign.sha256(body));
  const h = SiltSign.signHeaders({ method, path: p, query, headers: headers || {}, payloadHash, host }, cred, new Date());
  const qs = SiltSign.canonicalQuery(query);
  return fetch(env.ENDPOINT + p + (qs ? "?" + qs : ""), { method, headers: h, body });
}

const keys = ["plain.txt", "with space/and+plus.txt", "quote's (paren) *star*!.txt", "tilde~/percent%25.txt",
  "grüße/日本語.txt", "semi;colon=eq&amp?.txt", "a//double/slash"];
const puts = {};
for (const k of keys) {
  const r = await signed("PUT", env.BUCKET, k, [], "body of " + k, { "x-amz-meta-note": "plain ascii, as fetch sends headers as bytes",
    "x-amz-tagging": "k=v w&x=y" });
  puts[k] = r.status === 200 ? 200 : r.status + " " + (await r.text()).slice(0, 300);
}
const list = await signed("GET", env.BUCKET, undefined, [["list-type", "2"], ["prefix", "quote's (paren) *"],
  ["delimiter", "/"]]);
const listText = await list.text();
const presigned = env.ENDPOINT + SiltSign.presign({ method: "GET", path: SiltSign.objectPath(env.BUCKET, keys[2]),
  query: [["response-content-type", "text/plain; charset=utf-8"]], host, expires: 60 }, cred, new Date());
const pr = await fetch(presigned);
const tampered = await fetch(presigned.replace(/X-Amz-Signature=([0-9a-f])/, (m, c) =>
  "X-Amz-Signature=" + (c === "0" ? "1" : "0")));
process.stdout.write(JSON.stringify({
  lengths: lengths.length, mismatches, puts,
  list_status: list.status, list_keys: [...listText.matchAll(/<Key>([^<]*)<\/Key>/g)].map((m) => m[1]),
  presigned_status: pr.status, presigned_body: await pr.text(), presigned_type: pr.headers.get("content-type"),
  tampered_status: tampered.status, tampered_body: await tampered.text(),
}) + "\n");
