// Uploads into the open folder, by drag and drop or the file picker: PutObject for small
// files, a multipart upload (CreateMultipartUpload, UploadPart, CompleteMultipartUpload;
// AbortMultipartUpload when a part fails) for large ones, with a progress bar each.
// Bodies travel as UNSIGNED-PAYLOAD: hashing gigabytes in page script would take longer
// than sending them, and the signature still covers the key, headers and time.
"use strict";

const MULTIPART_THRESHOLD = 16 * 1024 * 1024;
const MIN_PART = 8 * 1024 * 1024;
const MAX_PARTS = 10000;

const Upload = {
  init() {
    const zone = $("dropzone");
    zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", () => zone.classList.remove("over"));
    zone.addEventListener("drop", (e) => {
      e.preventDefault();
      zone.classList.remove("over");
      this.start([...(e.dataTransfer ? e.dataTransfer.files : [])]);
    });
    $("file-input").addEventListener("change", (e) => {
      this.start([...e.target.files]);
      e.target.value = "";
    });
  },

  async start(files) {
    if (!files.length || !Buckets.bucket) return;
    const bucket = Buckets.bucket, prefix = Buckets.prefix;
    const done = await Promise.all(files.map((f) => this.one(bucket, prefix + f.name, f)));
    const ok = done.filter(Boolean).length;
    notify(`Uploaded ${ok} of ${files.length} file${files.length === 1 ? "" : "s"} to ${bucket}/${prefix}.`);
    if (Buckets.bucket === bucket && Buckets.prefix === prefix) await Buckets.list(false);
  },

  // One file; true when it is stored.
  async one(bucket, key, file) {
    const bar = el("progress", { max: String(file.size || 1), value: "0" });
    const status = el("span", { class: "muted" }, "starting");
    const item = el("li", { "data-key": key, "data-state": "uploading" }, el("span", { class: "name" }, key), " ", bar,
      " ", status);
    $("uploads").prepend(item);
    const type = file.type || "application/octet-stream";
    const progress = (n) => {
      bar.value = n;
      status.textContent = `${bytes(n)} of ${bytes(file.size)}`;
    };
    try {
      if (file.size < MULTIPART_THRESHOLD) {
        await S3.send({ method: "PUT", bucket, key, body: file, contentType: type }, progress);
      } else {
        await this.multipart(bucket, key, file, type, progress, item);
      }
      bar.value = file.size || 1;
      status.textContent = `done, ${bytes(file.size)}` + (item.dataset.parts ? ` in ${item.dataset.parts} parts` : "");
      item.dataset.state = "done";
      return true;
    } catch (e) {
      status.textContent = `failed: ${e.code}: ${e.message}`;
      status.className = "error";
      item.dataset.state = "failed";
      return false;
    }
  },

  async multipart(bucket, key, file, type, progress, item) {
    const partSize = Math.max(MIN_PART, Math.ceil(file.size / MAX_PARTS));
    const created = await S3.xml({ method: "POST", bucket, key, query: [["uploads", ""]],
      headers: { "Content-Type": type } });
    const uploadId = xmlText(created, "UploadId");
    const parts = [];
    let sent = 0;
    try {
      for (let n = 1, off = 0; off < file.size; n++, off += partSize) {
        const blob = file.slice(off, Math.min(file.size, off + partSize));
        const r = await S3.send({ method: "PUT", bucket, key, body: blob,
          query: [["partNumber", String(n)], ["uploadId", uploadId]] }, (x) => progress(sent + x));
        sent += blob.size;
        parts.push({ n, etag: r.header("ETag") });
        item.dataset.parts = String(parts.length);
      }
      const body = "<CompleteMultipartUpload>" + parts.map((p) =>
        `<Part>${xmlElem("PartNumber", p.n)}${xmlElem("ETag", p.etag)}</Part>`).join("") + "</CompleteMultipartUpload>";
      const done = await S3.call({ method: "POST", bucket, key, query: [["uploadId", uploadId]], body });
      // CompleteMultipartUpload may answer 200 with an <Error> body.
      const doc = parseXml(await done.text());
      if (doc && doc.documentElement.localName === "Error")
        throw new S3Error(200, xmlText(doc, "Code"), xmlText(doc, "Message"));
    } catch (e) {
      await S3.call({ method: "DELETE", bucket, key, query: [["uploadId", uploadId]] }).catch(() => {});
      throw e;
    }
  },
};
