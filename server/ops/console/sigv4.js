// SHA-256, HMAC-SHA256 and AWS Signature Version 4 in plain JavaScript, for the console.
// Pure JS on purpose: crypto.subtle exists only in secure contexts (https, localhost),
// and the console must also work over plain http on a LAN address. Everything here is
// synchronous and small; object bodies are never hashed here (they travel as
// UNSIGNED-PAYLOAD), only XML and JSON documents of a few KiB.
// Loaded as a classic script in the page (global SiltSign) and by node in the tests
// (module.exports): test/integration/node/sigv4_check.mjs compares it with node:crypto
// and signs requests to a real silt with it.
"use strict";

(function (root) {
  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);

  // Strings are UTF-8 encoded; Uint8Arrays are taken as they are.
  function bytesOf(data) {
    if (data instanceof Uint8Array) return data;
    return new TextEncoder().encode(String(data));
  }

  // SHA-256 (FIPS 180-4) of a string or Uint8Array: 32 bytes.
  function sha256(data) {
    const msg = bytesOf(data);
    const bitLen = msg.length * 8;
    const padded = new Uint8Array(((msg.length + 9 + 63) >> 6) << 6);
    padded.set(msg);
    padded[msg.length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(bitLen / 0x100000000));
    view.setUint32(padded.length - 4, bitLen >>> 0);
    const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
    const w = new Uint32Array(64);
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getUint32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const a = w[i - 15], b = w[i - 2];
        const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        const ch = (e & f) ^ (~e & g);
        const t1 = (hh + S1 + ch + K[i] + w[i]) | 0;
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        const maj = (a & b) ^ (a & c) ^ (b & c);
        const t2 = (S0 + maj) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0;
        d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setUint32(i * 4, h[i]);
    return out;
  }

  // HMAC-SHA256 (RFC 2104): 32 bytes.
  function hmac(key, data) {
    let k = bytesOf(key);
    if (k.length > 64) k = sha256(k);
    const inner = new Uint8Array(64), outer = new Uint8Array(64);
    for (let i = 0; i < 64; i++) {
      inner[i] = (k[i] || 0) ^ 0x36;
      outer[i] = (k[i] || 0) ^ 0x5c;
    }
    const msg = bytesOf(data);
    const first = new Uint8Array(64 + msg.length);
    first.set(inner);
    first.set(msg, 64);
    const second = new Uint8Array(64 + 32);
    second.set(outer);
    second.set(sha256(first), 64);
    return sha256(second);
  }

  function hex(bytes) {
    let s = "";
    for (const b of bytes) s += (b < 16 ? "0" : "") + b.toString(16);
    return s;
  }

  const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  const UNSIGNED = "UNSIGNED-PAYLOAD";

  // RFC 3986 percent-encoding as SigV4 wants it: all but A-Z a-z 0-9 - _ . ~ (and '/' when
  // keepSlash, for paths). encodeURIComponent leaves !'()* alone, so those are added.
  function uriEncode(s, keepSlash) {
    let out = encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
    if (keepSlash) out = out.replace(/%2F/g, "/");
    return out;
  }

  // The path of bucket and key as sent and as signed (the server signs the raw path).
  function objectPath(bucket, key) {
    if (!bucket) return "/";
    return "/" + uriEncode(bucket, false) + (key === undefined || key === null ? "" : "/" + uriEncode(key, true));
  }

  // [[name, value], ...] to the canonical (sorted, encoded) query string; the same
  // string is sent, so nothing is encoded twice or differently.
  function canonicalQuery(pairs) {
    return pairs.map(([k, v]) => [uriEncode(k, false), uriEncode(v === undefined || v === null ? "" : String(v), false)])
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
      .map(([k, v]) => k + "=" + v).join("&");
  }

  // 20240102T030405Z and 20240102 for a Date.
  function amzDate(date) {
    const iso = date.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    return { stamp: iso, day: iso.slice(0, 8) };
  }

  function signingKey(secret, day, region, service) {
    return hmac(hmac(hmac(hmac("AWS4" + secret, day), region), service), "aws4_request");
  }

  // Signs a header-authenticated request. req: {method, path (encoded, from objectPath),
  // query: [[name, value], ...], headers: {name: value} (host and every x-amz-* header
  // are signed, so silt accepts them), payloadHash (hex, or UNSIGNED)}; cred: {accessKey,
  // secretKey, region}; date: a Date. Returns the headers to send (without host, which
  // the browser sets itself) including Authorization, x-amz-date, x-amz-content-sha256.
  function signHeaders(req, cred, date) {
    const { stamp, day } = amzDate(date);
    const headers = {};
    for (const [k, v] of Object.entries(req.headers || {})) headers[k.toLowerCase()] = String(v).trim();
    headers["x-amz-date"] = stamp;
    headers["x-amz-content-sha256"] = req.payloadHash || EMPTY_SHA256;
    const signed = Object.keys(headers).filter((k) => k === "host" || k.startsWith("x-amz-") ||
      k === "content-md5").concat(["host"]).sort();
    const all = { ...headers, host: req.host };
    const canonicalHeaders = signed.map((k) => k + ":" + all[k].replace(/\s+/g, " ") + "\n").join("");
    const scope = `${day}/${cred.region}/s3/aws4_request`;
    const canonical = [req.method, req.path, canonicalQuery(req.query || []), canonicalHeaders, signed.join(";"),
      headers["x-amz-content-sha256"]].join("\n");
    const toSign = ["AWS4-HMAC-SHA256", stamp, scope, hex(sha256(canonical))].join("\n");
    const signature = hex(hmac(signingKey(cred.secretKey, day, cred.region, "s3"), toSign));
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${cred.accessKey}/${scope}, ` +
      `SignedHeaders=${signed.join(";")}, Signature=${signature}`;
    return headers;
  }

  // A presigned URL's path and query (to append to the origin). req: {method, path,
  // query: extra [[name, value], ...] such as response-content-disposition, host,
  // expires (seconds, 1 to 604800)}.
  function presign(req, cred, date) {
    const { stamp, day } = amzDate(date);
    const scope = `${day}/${cred.region}/s3/aws4_request`;
    const query = (req.query || []).concat([
      ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
      ["X-Amz-Credential", `${cred.accessKey}/${scope}`],
      ["X-Amz-Date", stamp],
      ["X-Amz-Expires", String(req.expires)],
      ["X-Amz-SignedHeaders", "host"],
    ]);
    const cq = canonicalQuery(query);
    const canonical = [req.method, req.path, cq, "host:" + req.host + "\n", "host", UNSIGNED].join("\n");
    const toSign = ["AWS4-HMAC-SHA256", stamp, scope, hex(sha256(canonical))].join("\n");
    const signature = hex(hmac(signingKey(cred.secretKey, day, cred.region, "s3"), toSign));
    return req.path + "?" + cq + "&X-Amz-Signature=" + signature;
  }

  const api = { sha256, hmac, hex, uriEncode, objectPath, canonicalQuery, amzDate, signHeaders, presign,
    EMPTY_SHA256, UNSIGNED };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.SiltSign = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
