// Buckets and the folder view of one bucket: ListBuckets, CreateBucket, DeleteBucket,
// Get/PutBucketVersioning, ListObjectsV2 and ListObjectVersions, all signed by s3.js
// with the signed-in key. Sizes per bucket come from the admin API's usage (admin) or
// from a listing of the bucket's current objects (anyone else).
"use strict";

const LIST_PAGE = 1000;
const TOTALS_LIMIT = 10000;  // keys a non-admin's totals walk per bucket before giving up

const Buckets = {
  bucket: null,       // the open bucket's name
  versioning: "",     // "Enabled", "Suspended" or "" (never enabled)
  prefix: "",         // the folder shown
  entries: [],        // rows of the listing: {kind: "folder"|"object", key, size, modified, storageClass, ...}
  token: null,        // continuation of a truncated listing
  sort: { by: "name", desc: false },
  tab: "objects",

  init() {
    $("create-bucket").addEventListener("submit", (e) => { e.preventDefault(); this.create(); });
    $("versioning-toggle").addEventListener("click", () => this.toggleVersioning());
    $("search").addEventListener("submit", (e) => { e.preventDefault(); this.list(false); });
    $("show-versions").addEventListener("change", () => this.list(false));
    for (const b of document.querySelectorAll("#objects .sort"))
      b.addEventListener("click", () => {
        this.sort = { by: b.dataset.sort, desc: this.sort.by === b.dataset.sort ? !this.sort.desc : false };
        this.draw();
      });
    for (const t of document.querySelectorAll("#bucket-panel [role=tab]"))
      t.addEventListener("click", () => this.showTab(t.dataset.tab));
  },

  // #/buckets, or #/b/BUCKET/PREFIX (both parts URI-encoded).
  route(hash) {
    const m = /^#\/b\/([^/]+)\/?(.*)$/.exec(hash);
    if (!m) {
      this.bucket = null;
      $("bucket-panel").hidden = true;
      $("object-panel").hidden = true;
      $("buckets-panel").hidden = false;
      this.loadList();
      return;
    }
    const bucket = decodeURIComponent(m[1]), prefix = decodeURIComponent(m[2] || "");
    this.open(bucket, prefix);
  },

  href(bucket, prefix) {
    return "#/b/" + encodeURIComponent(bucket) + "/" + encodeURIComponent(prefix || "");
  },

  // --- the bucket list ---------------------------------------------------------------

  async loadList() {
    showError("buckets-error", null);
    let doc;
    try {
      doc = await S3.xml({ method: "GET" });
    } catch (e) {
      showError("buckets-error", e);
      return;
    }
    const buckets = [...doc.getElementsByTagName("Bucket")].map((b) => ({
      name: xmlText(b, "Name"), created: xmlText(b, "CreationDate") }));
    const rows = buckets.map((b) => {
      const actions = el("td", {});
      const del = el("button", { type: "button", class: "danger", "aria-label": "Delete bucket " + b.name }, "Delete");
      del.addEventListener("click", () => this.remove(b.name, del));
      actions.append(el("a", { href: this.href(b.name, ""), class: "button secondary",
        "aria-label": "Open bucket " + b.name }, "Open"), " ", del);
      return el("tr", { "data-bucket": b.name },
        el("td", {}, el("a", { href: this.href(b.name, "") }, b.name)),
        el("td", {}, time(Date.parse(b.created))),
        el("td", { class: "versioning" }, "…"), el("td", { class: "objects" }, "…"),
        el("td", { class: "size" }, "…"), el("td", { class: "classes" }, "…"), actions);
    });
    if (!rows.length)
      rows.push(el("tr", {}, el("td", { colspan: "7", class: "muted" }, "No buckets yet: create one above.")));
    fill($("buckets").tBodies[0], rows);
    $("buckets-note").textContent = isAdmin()
      ? "Objects and sizes: the admin API's usage (every version, logical bytes)."
      : `Objects and sizes: a listing of each bucket's current objects (the first ${TOTALS_LIMIT}).`;
    await Promise.all([this.fillVersioning(buckets), this.fillTotals(buckets)]);
    document.body.dataset.bucketsLoaded = String(Date.now());
  },

  row(name) {
    return [...$("buckets").tBodies[0].rows].find((r) => r.dataset.bucket === name);
  },

  async fillVersioning(buckets) {
    await Promise.all(buckets.map(async (b) => {
      let v = "";
      try { v = xmlText(await S3.xml({ bucket: b.name, query: [["versioning", ""]] }), "Status"); } catch (e) { v = "?"; }
      const row = this.row(b.name);
      if (!row) return;
      row.dataset.versioning = v || "Off";
      row.querySelector(".versioning").textContent = v || "Off";
    }));
  },

  async fillTotals(buckets) {
    const totals = new Map();  // bucket -> Map(class -> {objects, bytes})
    let partial = new Set();
    if (isAdmin()) {
      try {
        const usage = await S3.admin("GET", "usage");
        for (const b of usage.buckets || []) {
          const m = new Map();
          for (const c of b.classes || []) m.set(c.storage_class, { objects: c.objects, bytes: c.logical_bytes });
          totals.set(b.bucket, m);
        }
      } catch (e) { /* shown as unknown below */ }
    } else {
      await Promise.all(buckets.map(async (b) => {
        const m = new Map();
        let token = null, seen = 0;
        try {
          do {
            const q = [["list-type", "2"], ["max-keys", String(LIST_PAGE)]];
            if (token) q.push(["continuation-token", token]);
            const doc = await S3.xml({ bucket: b.name, query: q });
            for (const c of doc.getElementsByTagName("Contents")) {
              const cls = xmlText(c, "StorageClass") || "STANDARD";
              const t = m.get(cls) || { objects: 0, bytes: 0 };
              t.objects++; t.bytes += Number(xmlText(c, "Size"));
              m.set(cls, t);
              seen++;
            }
            token = xmlText(doc, "IsTruncated") === "true" ? xmlText(doc, "NextContinuationToken") : null;
          } while (token && seen < TOTALS_LIMIT);
          if (token) partial.add(b.name);
          totals.set(b.name, m);
        } catch (e) { /* no right to list: unknown */ }
      }));
    }
    for (const b of buckets) {
      const row = this.row(b.name);
      if (!row) continue;
      const m = totals.get(b.name);
      if (!m) {
        for (const c of ["objects", "size", "classes"]) row.querySelector("." + c).textContent = "–";
        continue;
      }
      let objects = 0, size = 0;
      const parts = [];
      for (const [cls, t] of [...m.entries()].sort()) {
        objects += t.objects; size += t.bytes;
        parts.push(`${cls}: ${t.objects} (${bytes(t.bytes)})`);
      }
      const more = partial.has(b.name) ? "+" : "";
      row.dataset.objects = String(objects);
      row.dataset.bytes = String(size);
      row.dataset.classes = [...m.keys()].sort().join(",");
      row.querySelector(".objects").textContent = objects + more;
      row.querySelector(".size").textContent = bytes(size) + more;
      row.querySelector(".classes").textContent = parts.join(", ") || "–";
    }
  },

  async create() {
    const name = $("new-bucket-name").value.trim();
    await act($("create-bucket-button"), "buckets-error", async () => {
      await S3.call({ method: "PUT", bucket: name });
      $("new-bucket-name").value = "";
      notify(`Bucket ${name} created.`);
      await this.loadList();
    });
  },

  async remove(name, button) {
    if (!confirm(`Delete bucket ${name}? It must be empty.`)) return;
    await act(button, "buckets-error", async () => {
      await S3.call({ method: "DELETE", bucket: name });
      notify(`Bucket ${name} deleted.`);
      await this.loadList();
    });
  },

  // --- one bucket ----------------------------------------------------------------------

  async open(bucket, prefix) {
    const changed = bucket !== this.bucket;
    this.bucket = bucket;
    this.prefix = prefix;
    $("buckets-panel").hidden = true;
    $("bucket-panel").hidden = false;
    $("bucket-title").textContent = bucket;
    $("drop-target").textContent = bucket + "/" + prefix;
    $("search-prefix").value = "";
    this.drawCrumbs();
    if (changed) {
      $("object-panel").hidden = true;
      $("show-versions").checked = false;
      this.showTab("objects");
      this.loadVersioning();
    }
    await this.list(false);
  },

  drawCrumbs() {
    const parts = [el("a", { href: "#/buckets" }, "Buckets"), " / ", el("a", { href: this.href(this.bucket, "") }, this.bucket)];
    let acc = "";
    for (const seg of this.prefix.split("/").filter((x, i, a) => i < a.length - 1)) {
      acc += seg + "/";
      parts.push(" / ", el("a", { href: this.href(this.bucket, acc) }, seg));
    }
    $("crumbs").replaceChildren(...parts);
  },

  showTab(tab) {
    this.tab = tab;
    for (const t of document.querySelectorAll("#bucket-panel [role=tab]"))
      t.setAttribute("aria-selected", String(t.dataset.tab === tab));
    $("objects-tab").hidden = tab !== "objects";
    $("lifecycle-tab").hidden = tab !== "lifecycle";
    $("policy-tab").hidden = tab !== "policy";
    if (tab === "lifecycle") Lifecycle.load(this.bucket);
    if (tab === "policy") Access.loadPolicy(this.bucket);
  },

  async loadVersioning() {
    const bucket = this.bucket;
    try {
      const v = xmlText(await S3.xml({ bucket, query: [["versioning", ""]] }), "Status");
      if (bucket !== this.bucket) return;
      this.versioning = v;
    } catch (e) {
      this.versioning = "?";
    }
    $("versioning-state").textContent = "Versioning: " + (this.versioning || "off");
    $("versioning-state").dataset.state = this.versioning || "Off";
    $("versioning-toggle").textContent = this.versioning === "Enabled" ? "Suspend versioning" : "Enable versioning";
  },

  async toggleVersioning() {
    const status = this.versioning === "Enabled" ? "Suspended" : "Enabled";
    const body = `<VersioningConfiguration>${xmlElem("Status", status)}` +
      "</VersioningConfiguration>";
    await act($("versioning-toggle"), "objects-error", async () => {
      await S3.call({ method: "PUT", bucket: this.bucket, query: [["versioning", ""]], body });
      notify(`Versioning ${status === "Enabled" ? "enabled" : "suspended"} on ${this.bucket}.`);
      await this.loadVersioning();
    });
  },

  // The folder (or search) listing; more=true appends the next page.
  async list(more) {
    const bucket = this.bucket;
    const versions = $("show-versions").checked;
    const prefix = this.prefix + $("search-prefix").value;
    if (!more) { this.entries = []; this.token = null; }
    const q = [["prefix", prefix], ["delimiter", "/"], ["max-keys", String(LIST_PAGE)]];
    if (versions) {
      q.push(["versions", ""]);
      if (more && this.token) q.push(["key-marker", this.token.key], ["version-id-marker", this.token.version]);
    } else {
      q.push(["list-type", "2"]);
      if (more && this.token) q.push(["continuation-token", this.token]);
    }
    showError("objects-error", null);
    let doc;
    try {
      doc = await S3.xml({ bucket, query: q });
    } catch (e) {
      showError("objects-error", e);
      return;
    }
    if (bucket !== this.bucket) return;
    for (const p of doc.getElementsByTagName("CommonPrefixes"))
      this.entries.push({ kind: "folder", key: xmlText(p, "Prefix"), size: 0, modified: 0, storageClass: "" });
    const items = versions ? [...doc.documentElement.children].filter((c) => c.localName === "Version" ||
      c.localName === "DeleteMarker") : [...doc.getElementsByTagName("Contents")];
    for (const c of items)
      this.entries.push({ kind: "object", key: xmlChildText(c, "Key"), size: Number(xmlChildText(c, "Size") || 0),
        modified: Date.parse(xmlChildText(c, "LastModified")), storageClass: xmlChildText(c, "StorageClass"),
        versionId: versions ? xmlChildText(c, "VersionId") : undefined, latest: xmlChildText(c, "IsLatest") === "true",
        deleteMarker: c.localName === "DeleteMarker" });
    const truncated = xmlText(doc, "IsTruncated") === "true";
    this.token = !truncated ? null : versions
      ? { key: xmlText(doc, "NextKeyMarker"), version: xmlText(doc, "NextVersionIdMarker") }
      : xmlText(doc, "NextContinuationToken");
    this.draw();
  },

  draw() {
    const { by, desc } = this.sort;
    const cmp = {
      name: (a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
      size: (a, b) => a.size - b.size,
      modified: (a, b) => a.modified - b.modified,
      class: (a, b) => a.storageClass.localeCompare(b.storageClass),
    }[by];
    const sorted = [...this.entries].sort((a, b) => {
      if (a.kind !== b.kind) return a.kind === "folder" ? -1 : 1;  // folders first, always
      const c = cmp(a, b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
      return desc ? -c : c;
    });
    for (const b of document.querySelectorAll("#objects .sort")) {
      const th = b.closest("th");
      if (b.dataset.sort === by) th.setAttribute("aria-sort", desc ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
    const rows = sorted.map((e) => {
      const name = e.key.slice(this.prefix.length) || e.key;
      if (e.kind === "folder")
        return el("tr", { "data-key": e.key, "data-kind": "folder" },
          el("td", {}, el("a", { href: this.href(this.bucket, e.key), class: "folder" }, name)),
          el("td", {}, ""), el("td", {}, ""), el("td", {}, ""));
      const open = el("button", { type: "button", class: "link" }, name);
      open.addEventListener("click", () => ObjectView.open(this.bucket, e.key, e.versionId));
      const label = [open];
      if (e.versionId !== undefined)
        label.push(el("span", { class: "muted small" }, ` ${e.deleteMarker ? "delete marker" : "version"} ` +
          `${e.versionId}${e.latest ? " (latest)" : ""}`));
      return el("tr", { "data-key": e.key, "data-kind": e.deleteMarker ? "delete-marker" : "object",
        "data-size": String(e.size), "data-version": e.versionId || "" },
        el("td", {}, ...label), el("td", {}, e.deleteMarker ? "" : bytes(e.size)), el("td", {}, time(e.modified)),
        el("td", {}, e.storageClass));
    });
    if (!rows.length)
      rows.push(el("tr", {}, el("td", { colspan: "4", class: "muted" }, "Nothing here yet: drop files above to upload.")));
    fill($("objects").tBodies[0], rows);
    const more = $("objects-more");
    more.replaceChildren();
    if (this.token) {
      const b = el("button", { type: "button", class: "secondary" }, "Load more");
      b.addEventListener("click", () => this.list(true));
      more.append(b);
    }
    document.body.dataset.listed = String(Date.now());
  },
};
