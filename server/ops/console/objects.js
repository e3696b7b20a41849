// One object: its metadata, checksums and tags (HeadObject with x-amz-checksum-mode,
// GetObjectTagging), a preview (a Range GET of a text head, or an image shown from a blob:
// URL), download and share links (presigned GET URLs computed in the page), delete,
// and its versions with restore (CopyObject from a versionId). All signed by s3.js.
"use strict";

const PREVIEW_TEXT_BYTES = 8192;
const PREVIEW_IMAGE_MAX = 10 * 1024 * 1024;
const CSV_ROWS = 20;
const DOWNLOAD_LINK_SECONDS = 300;
const TEXT_TYPES = /^(text\/|application\/(json|xml|x-ndjson|yaml|x-yaml|javascript|csv))/;
const TEXT_EXTS = /\.(txt|log|json|ndjson|csv|tsv|md|xml|ya?ml|ini|conf|toml|sql|sh|py|js|ts|c|h|cpp|go|rs|java)$/i;
const IMAGE_TYPES = /^image\/(png|jpeg|gif|webp|avif|bmp|svg\+xml|x-icon)$/;

const ObjectView = {
  bucket: null,
  key: null,
  versionId: undefined,  // the version shown; undefined: the current one
  blobUrl: null,

  init() {
    $("object-close").addEventListener("click", () => this.close());
    $("object-download").addEventListener("click", () => this.download());
    $("object-share").addEventListener("click", () => this.share());
    $("object-delete").addEventListener("click", () => this.remove());
    $("object-delete-all").addEventListener("click", () => this.removeAll());
  },

  close() {
    $("object-panel").hidden = true;
    this.dropBlob();
    this.key = null;
  },

  dropBlob() {
    if (this.blobUrl) URL.revokeObjectURL(this.blobUrl);
    this.blobUrl = null;
  },

  versionQuery(versionId) {
    return versionId ? [["versionId", versionId]] : [];
  },

  async open(bucket, key, versionId) {
    this.bucket = bucket;
    this.key = key;
    this.versionId = versionId || undefined;
    this.dropBlob();
    const panel = $("object-panel");
    panel.hidden = false;
    panel.dataset.key = key;
    panel.dataset.loaded = "";
    $("object-title").textContent = key + (versionId ? ` (version ${versionId})` : "");
    $("share-box").hidden = true;
    for (const id of ["object-meta", "object-tags", "object-preview"]) $(id).replaceChildren();
    showError("object-error", null);
    const versioned = Buckets.versioning === "Enabled" || Buckets.versioning === "Suspended";
    $("object-delete").textContent = versionId ? "Delete this version" : "Delete";
    $("object-delete-all").hidden = !versioned;
    let head;
    try {
      head = await S3.call({ method: "HEAD", bucket, key, query: this.versionQuery(versionId),
        headers: { "x-amz-checksum-mode": "ENABLED" } });
    } catch (e) {
      showError("object-error", e);
      panel.dataset.loaded = "error";
      await this.loadVersions(versioned);
      return;
    }
    if (this.key !== key) return;
    const h = head.headers;
    this.drawMeta(h);
    await Promise.all([this.loadTags(), this.preview(h), this.loadVersions(versioned)]);
    panel.dataset.loaded = String(Date.now());
    panel.scrollIntoView({ block: "nearest" });
    $("object-download").focus();
  },

  drawMeta(h) {
    const items = [];
    const add = (label, value, key) => {
      if (value === null || value === undefined || value === "") return;
      items.push(el("dt", {}, label), el("dd", key ? { "data-key": key } : {}, value));
    };
    add("Size", `${bytes(Number(h.get("Content-Length")))} (${h.get("Content-Length")} bytes)`, "size");
    add("Content-Type", h.get("Content-Type"), "content-type");
    add("Last modified", h.get("Last-Modified") ? time(Date.parse(h.get("Last-Modified"))) : "");
    add("ETag", h.get("ETag"), "etag");
    add("Storage class", h.get("x-amz-storage-class") || "STANDARD", "storage-class");
    add("Version", h.get("x-amz-version-id"), "version");
    for (const name of ["Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires"])
      add(name, h.get(name));
    for (const [name, value] of h.entries()) {
      if (name.startsWith("x-amz-meta-")) add("Metadata " + name.slice(11), value, "meta-" + name.slice(11));
      if (name.startsWith("x-amz-checksum-") && name !== "x-amz-checksum-type")
        add("Checksum " + name.slice(15).toUpperCase(), value, "checksum-" + name.slice(15));
    }
    add("Checksum type", h.get("x-amz-checksum-type"));
    add("Server-side encryption", h.get("x-amz-server-side-encryption"));
    $("object-meta").replaceChildren(...items);
  },

  async loadTags() {
    try {
      const doc = await S3.xml({ bucket: this.bucket, key: this.key, query: [["tagging", ""],
        ...this.versionQuery(this.versionId)] });
      const items = [];
      for (const t of doc.getElementsByTagName("Tag"))
        items.push(el("dt", {}, xmlText(t, "Key")), el("dd", { "data-tag": xmlText(t, "Key") }, xmlText(t, "Value")));
      $("object-tags").replaceChildren(...(items.length ? items : [el("dd", { class: "muted" }, "none")]));
    } catch (e) {
      $("object-tags").replaceChildren(el("dd", { class: "muted" }, `${e.code}: ${e.message}`));
    }
  },

  async preview(h) {
    const box = $("object-preview");
    const type = (h.get("Content-Type") || "").split(";")[0].trim().toLowerCase();
    const size = Number(h.get("Content-Length"));
    const base = { bucket: this.bucket, key: this.key, query: this.versionQuery(this.versionId) };
    try {
      if (IMAGE_TYPES.test(type)) {
        if (size > PREVIEW_IMAGE_MAX) { box.replaceChildren(el("p", { class: "muted" }, "Too large to preview.")); return; }
        const blob = await (await S3.call(base)).blob();
        this.dropBlob();
        // A blob: URL of the bytes read here (the CSP admits blob: images, nothing more).
        this.blobUrl = URL.createObjectURL(new Blob([blob], { type }));
        box.replaceChildren(el("img", { src: this.blobUrl, alt: "Preview of " + this.key, id: "preview-image" }));
        return;
      }
      if (!TEXT_TYPES.test(type) && !TEXT_EXTS.test(this.key)) {
        box.replaceChildren(el("p", { class: "muted" }, `No preview for ${type || "this type"}.`));
        return;
      }
      if (size === 0) { box.replaceChildren(el("p", { class: "muted" }, "Empty.")); return; }
      const r = await S3.call({ ...base, headers: { Range: `bytes=0-${PREVIEW_TEXT_BYTES - 1}` } });
      const text = new TextDecoder("utf-8").decode(await r.arrayBuffer());
      const whole = size <= PREVIEW_TEXT_BYTES;
      const note = el("p", { class: "muted small" }, whole ? `All ${size} bytes.` :
        `The first ${PREVIEW_TEXT_BYTES} of ${size} bytes.`);
      if ((type === "text/csv" || /\.(csv|tsv)$/i.test(this.key))) {
        box.replaceChildren(note, csvTable(text, /\.tsv$/i.test(this.key) ? "\t" : ",", whole));
        return;
      }
      let shown = text;
      if (whole && (type === "application/json" || /\.json$/i.test(this.key))) {
        try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { shown = text; }
      }
      box.replaceChildren(note, el("pre", { id: "preview-text" }, shown));
    } catch (e) {
      box.replaceChildren(el("p", { class: "error" }, `${e.code}: ${e.message}`));
    }
  },

  async loadVersions(versioned) {
    const box = $("object-versions-box");
    if (!versioned) { box.hidden = true; return; }
    box.hidden = false;
    let versions = [];
    try {
      versions = await listVersionsOf(this.bucket, this.key);
    } catch (e) {
      fill($("object-versions").tBodies[0], [el("tr", {}, el("td", { colspan: "5", class: "error" }, e.message))]);
      return;
    }
    fill($("object-versions").tBodies[0], versions.map((v) => {
      const actions = el("td", {});
      if (!v.deleteMarker) {
        const open = el("button", { type: "button", class: "secondary" }, "Open");
        open.addEventListener("click", () => this.open(this.bucket, this.key, v.versionId));
        actions.append(open, " ");
        if (!v.latest) {
          const restore = el("button", { type: "button", "data-action": "restore",
            "aria-label": "Restore version " + v.versionId }, "Restore");
          restore.addEventListener("click", () => this.restore(v.versionId, restore));
          actions.append(restore, " ");
        }
      }
      const del = el("button", { type: "button", class: "danger", "data-action": "delete-version" }, "Delete");
      del.addEventListener("click", () => this.removeVersion(v.versionId, del));
      actions.append(del);
      return el("tr", { "data-version": v.versionId, "data-latest": String(v.latest),
        "data-delete-marker": String(v.deleteMarker) },
        el("td", {}, v.versionId + (v.latest ? " (latest)" : "") + (v.deleteMarker ? " delete marker" : "")),
        el("td", {}, time(v.modified)), el("td", {}, v.deleteMarker ? "" : bytes(v.size)),
        el("td", {}, v.storageClass), actions);
    }));
  },

  link(expires, attachment) {
    const q = this.versionQuery(this.versionId);
    if (attachment) {
      const name = this.key.split("/").pop() || "download";
      q.push(["response-content-disposition",
        `attachment; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, "_")}"; filename*=UTF-8''${SiltSign.uriEncode(name)}`]);
    }
    return S3.presignGet(this.bucket, this.key, expires, q);
  },

  // A presigned URL opened as a download: the browser streams the object to disk.
  download() {
    const a = el("a", { href: this.link(DOWNLOAD_LINK_SECONDS, true), download: "" });
    document.body.append(a);
    a.click();
    a.remove();
  },

  share() {
    const seconds = Number($("share-expiry").value);
    const url = this.link(seconds, false);
    $("share-url").value = url;
    $("share-box").hidden = false;
    $("share-url").dataset.expires = String(seconds);
    $("share-url").focus();
    $("share-url").select();
    notify(`Share link created: anyone with it can download ${this.key} for ` +
      $("share-expiry").selectedOptions[0].textContent + ".");
  },

  async remove() {
    const what = this.versionId ? `version ${this.versionId} of ${this.key} (for good)` : this.key;
    if (!confirm(`Delete ${what}?`)) return;
    await act($("object-delete"), "object-error", async () => {
      await S3.call({ method: "DELETE", bucket: this.bucket, key: this.key, query: this.versionQuery(this.versionId) });
      notify(`Deleted ${what}.`);
      this.close();
      await Buckets.list(false);
    });
  },

  async removeAll() {
    if (!confirm(`Delete every version of ${this.key}, for good?`)) return;
    await act($("object-delete-all"), "object-error", async () => {
      const versions = await listVersionsOf(this.bucket, this.key);
      for (const v of versions)
        await S3.call({ method: "DELETE", bucket: this.bucket, key: this.key, query: [["versionId", v.versionId]] });
      notify(`Deleted ${versions.length} versions of ${this.key}.`);
      this.close();
      await Buckets.list(false);
    });
  },

  async removeVersion(versionId, button) {
    if (!confirm(`Delete version ${versionId} of ${this.key}, for good?`)) return;
    await act(button, "object-error", async () => {
      await S3.call({ method: "DELETE", bucket: this.bucket, key: this.key, query: [["versionId", versionId]] });
      notify(`Deleted version ${versionId} of ${this.key}.`);
      await Promise.all([this.open(this.bucket, this.key), Buckets.list(false)]);
    });
  },

  // The old version becomes the current one again: a copy of it on top (S3's way).
  async restore(versionId, button) {
    await act(button, "object-error", async () => {
      const source = SiltSign.objectPath(this.bucket, this.key) + "?versionId=" + SiltSign.uriEncode(versionId);
      await S3.call({ method: "PUT", bucket: this.bucket, key: this.key, headers: { "x-amz-copy-source": source } });
      notify(`Restored version ${versionId} of ${this.key}.`);
      await Promise.all([this.open(this.bucket, this.key), Buckets.list(false)]);
    });
  },
};

// Every version and delete marker of exactly this key, newest first.
async function listVersionsOf(bucket, key) {
  const out = [];
  let marker = null;
  for (;;) {
    const q = [["versions", ""], ["prefix", key]];
    if (marker) q.push(["key-marker", marker.key], ["version-id-marker", marker.version]);
    const doc = await S3.xml({ bucket, query: q });
    for (const c of doc.documentElement.children) {
      if (c.localName !== "Version" && c.localName !== "DeleteMarker") continue;
      if (xmlChildText(c, "Key") !== key) continue;
      out.push({ versionId: xmlChildText(c, "VersionId"), latest: xmlChildText(c, "IsLatest") === "true",
        deleteMarker: c.localName === "DeleteMarker", size: Number(xmlChildText(c, "Size") || 0),
        modified: Date.parse(xmlChildText(c, "LastModified")), storageClass: xmlChildText(c, "StorageClass") });
    }
    if (xmlText(doc, "IsTruncated") !== "true") break;
    marker = { key: xmlText(doc, "NextKeyMarker"), version: xmlText(doc, "NextVersionIdMarker") };
    if (marker.key !== key && marker.key > key) break;
  }
  return out;
}

// The head of a CSV as a table (quoted fields understood; the last, maybe cut, line dropped).
function csvTable(text, sep, whole) {
  const rows = [];
  let row = [], field = "", quoted = false, i = 0;
  for (; i < text.length && rows.length < CSV_ROWS; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field.replace(/\r$/, "")); rows.push(row); row = []; field = ""; }
    else field += c;
  }
  if (whole && i >= text.length && (field || row.length)) { row.push(field); rows.push(row); }
  const [head, ...body] = rows;
  const table = el("table", { class: "csv", id: "preview-csv" });
  if (head) table.append(el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))));
  table.append(el("tbody", {}, ...body.map((r) => el("tr", {}, ...r.map((v) => el("td", {}, v))))));
  return el("div", { class: "scroll" }, table);
}
