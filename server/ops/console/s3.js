// The console's S3 and admin API client: every call is signed in the page with the
// signed-in user's key (SigV4, sigv4.js) and sent to this origin, so silt checks it as
// it checks any client's, with that user's rights. The key and secret live in this
// tab's sessionStorage (never in a cookie): another site cannot make the browser send
// them, and a cookie alone authorizes no change.
"use strict";

const CREDS_KEY = "silt.console.credentials";

class S3Error extends Error {
  constructor(status, code, message, requestId) {
    super(message || code || "HTTP " + status);
    this.status = status;
    this.code = code || "HTTP" + status;
    this.requestId = requestId || "";
  }
}

const S3 = {
  // Server time minus ours, learnt from a RequestTimeTooSkewed answer's Date header.
  clockOffsetMs: 0,

  credentials() {
    try { return JSON.parse(sessionStorage.getItem(CREDS_KEY) || "null"); } catch (e) { return null; }
  },
  setCredentials(c) {
    if (c) sessionStorage.setItem(CREDS_KEY, JSON.stringify(c));
    else sessionStorage.removeItem(CREDS_KEY);
  },

  now() { return new Date(Date.now() + this.clockOffsetMs); },

  // Signed headers and URL for one call. opts: {method, bucket, key, path (instead of
  // bucket/key, e.g. the admin API's), query: [[name, value]...] or {name: value},
  // headers, body (string or Uint8Array: hashed and signed; a Blob: UNSIGNED-PAYLOAD)}.
  prepare(opts) {
    const cred = this.credentials();
    if (!cred) throw new S3Error(0, "SignedOut", "Not signed in");
    const query = Array.isArray(opts.query) ? opts.query : Object.entries(opts.query || {});
    const path = opts.path || SiltSign.objectPath(opts.bucket, opts.key);
    let payloadHash = SiltSign.EMPTY_SHA256;
    if (opts.body instanceof Blob) payloadHash = SiltSign.UNSIGNED;
    else if (opts.body !== undefined && opts.body !== null) payloadHash = SiltSign.hex(SiltSign.sha256(opts.body));
    const headers = SiltSign.signHeaders({ method: opts.method || "GET", path, query, headers: opts.headers || {},
      payloadHash, host: location.host }, cred, this.now());
    const qs = SiltSign.canonicalQuery(query);
    return { url: path + (qs ? "?" + qs : ""), headers };
  },

  // One signed call; resolves to the fetch Response when it is 2xx, else throws S3Error
  // with the server's Code and Message (XML for S3 and the admin API).
  async call(opts) {
    for (let attempt = 0; ; attempt++) {
      const { url, headers } = this.prepare(opts);
      const r = await fetch(url, { method: opts.method || "GET", headers, body: opts.body, cache: "no-store",
        credentials: "omit", signal: opts.signal });
      if (r.ok) return r;
      const err = await errorOf(r);
      // A wrong clock: take the server's and sign again, once.
      if (err.code === "RequestTimeTooSkewed" && attempt === 0 && r.headers.get("Date")) {
        this.clockOffsetMs = Date.parse(r.headers.get("Date")) - Date.now();
        continue;
      }
      throw err;
    }
  },

  async xml(opts) { return parseXml(await (await this.call(opts)).text()); },

  // The admin API (root user only): JSON answers.
  async admin(method, call, query, body) {
    const r = await this.call({ method, path: "/_silt/admin/v1/" + call, query: query || [], body });
    const text = await r.text();
    return text ? JSON.parse(text) : null;
  },

  // A presigned GET URL (absolute), computed here: nothing is asked of the server.
  presignGet(bucket, key, expiresSeconds, extraQuery) {
    const cred = this.credentials();
    const path = SiltSign.objectPath(bucket, key);
    return location.origin + SiltSign.presign({ method: "GET", path, query: extraQuery || [], host: location.host,
      expires: expiresSeconds }, cred, this.now());
  },

  // A body sent with XMLHttpRequest, which reports upload progress (fetch does not).
  // Resolves to {status, headers(name), text}; onProgress(loadedBytes).
  send(opts, onProgress) {
    const { url, headers } = this.prepare(opts);
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open(opts.method, url);
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      if (opts.contentType) xhr.setRequestHeader("Content-Type", opts.contentType);
      xhr.upload.onprogress = (e) => onProgress && onProgress(e.loaded);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300)
          resolve({ status: xhr.status, header: (n) => xhr.getResponseHeader(n), text: xhr.responseText });
        else reject(errorFromText(xhr.status, xhr.responseText));
      };
      xhr.onerror = () => reject(new S3Error(0, "NetworkError", "The upload could not reach the server"));
      xhr.onabort = () => reject(new S3Error(0, "Aborted", "The upload was cancelled"));
      if (opts.signal) opts.signal.addEventListener("abort", () => xhr.abort());
      xhr.send(opts.body);
    });
  },
};

async function errorOf(r) {
  let text = "";
  try { text = await r.text(); } catch (e) { text = ""; }
  return errorFromText(r.status, text);
}

function errorFromText(status, text) {
  if (text && text.trim().startsWith("<")) {
    const doc = parseXml(text);
    if (doc) return new S3Error(status, xmlText(doc, "Code"), xmlText(doc, "Message"), xmlText(doc, "RequestId"));
  }
  // HEAD answers carry no body: name the status as S3's SDKs do.
  const names = { 403: "Forbidden", 404: "NotFound", 412: "PreconditionFailed" };
  return new S3Error(status, names[status] || "HTTP" + status, "HTTP " + status);
}

// --- XML -----------------------------------------------------------------------------

function parseXml(text) {
  const doc = new DOMParser().parseFromString(text, "application/xml");
  return doc.getElementsByTagName("parsererror").length ? null : doc;
}

// Children of node named tag (direct children only: <Prefix> appears at several depths).
function xmlChildren(node, tag) {
  const root = node && node.documentElement ? node.documentElement : node;
  return root ? [...root.children].filter((c) => c.localName === tag) : [];
}

// The text of the first element named tag under node (any depth), or "".
function xmlText(node, tag) {
  const e = node && node.getElementsByTagName(tag)[0];
  return e ? e.textContent : "";
}

// The text of a direct child, or "".
function xmlChildText(node, tag) {
  const c = xmlChildren(node, tag)[0];
  return c ? c.textContent : "";
}

function xmlEscape(s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

// <tag>escaped text</tag>
function xmlElem(tag, text) { return `<${tag}>${xmlEscape(text)}</${tag}>`; }
