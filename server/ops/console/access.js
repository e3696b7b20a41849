// Access: users and keys (the admin API's users calls, admin only) and a bucket's policy
// (Get/Put/DeleteBucketPolicy, GetBucketPolicyStatus) from a template or as raw JSON.
// The policy text goes to the server as typed: its validation (MalformedPolicy and the
// message saying what is wrong) is shown under the editor as the server sent it.
"use strict";

const Access = {
  bucket: null,

  init() {
    $("add-user").addEventListener("submit", (e) => { e.preventDefault(); this.addUser(); });
    $("policy-form").addEventListener("submit", (e) => { e.preventDefault(); this.savePolicy(); });
    $("policy-template").addEventListener("change", () => {
      $("policy-user-label").hidden = $("policy-template").value !== "user-read";
    });
    $("policy-apply-template").addEventListener("click", () => this.applyTemplate());
  },

  // --- users -------------------------------------------------------------------------

  async load() {
    showError("users-error", null);
    let users;
    try {
      users = (await S3.admin("GET", "users")).users || [];
    } catch (e) {
      showError("users-error", e);
      return;
    }
    fill($("users").tBodies[0], users.map((u) => {
      const actions = el("td", {});
      if (!u.admin) {
        const del = el("button", { type: "button", class: "danger", "aria-label": "Remove user " + u.accessKey },
          "Remove");
        del.addEventListener("click", () => this.removeUser(u.accessKey, del));
        actions.append(del);
      }
      return el("tr", { "data-user": u.accessKey }, el("td", {}, u.accessKey), el("td", {}, time(u.created)),
        el("td", {}, u.admin ? "yes" : "no"), actions);
    }));
    document.body.dataset.usersLoaded = String(Date.now());
  },

  async addUser() {
    const key = $("new-user-key").value.trim();
    const secret = $("new-user-secret").value;
    $("new-secret-box").hidden = true;
    await act($("add-user-button"), "users-error", async () => {
      const made = await S3.admin("PUT", "users", [["accessKey", key]],
        secret ? JSON.stringify({ secretKey: secret }) : undefined);
      $("new-user-key").value = "";
      $("new-user-secret").value = "";
      // The secret is shown once, as the admin API answers it; it is not kept anywhere.
      $("new-secret-user").textContent = made.accessKey;
      $("new-secret").value = made.secretKey;
      $("new-secret-box").hidden = false;
      notify(`User ${made.accessKey} added.`);
      await this.load();
    });
  },

  async removeUser(key, button) {
    if (!confirm(`Remove user ${key}? Requests signed with this key fail from now on.`)) return;
    $("new-secret-box").hidden = true;
    await act(button, "users-error", async () => {
      await S3.admin("DELETE", "users", [["accessKey", key]]);
      notify(`User ${key} removed.`);
      await this.load();
    });
  },

  // --- bucket policy -----------------------------------------------------------------

  async loadPolicy(bucket) {
    this.bucket = bucket;
    showError("policy-error", null);
    $("policy-template").value = "";
    $("policy-user-label").hidden = true;
    let text = "";
    try {
      text = await (await S3.call({ bucket, query: [["policy", ""]] })).text();
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) { /* shown as stored */ }
    } catch (e) {
      if (e.code !== "NoSuchBucketPolicy") showError("policy-error", e);
    }
    if (bucket !== this.bucket) return;
    $("policy-text").value = text;
    await this.loadStatus();
  },

  async loadStatus() {
    const s = $("policy-status");
    try {
      const doc = await S3.xml({ bucket: this.bucket, query: [["policyStatus", ""]] });
      const pub = xmlText(doc, "IsPublic") === "true";
      s.textContent = pub ? "Public: anyone can read what this policy allows." : "Not public.";
      s.dataset.public = String(pub);
    } catch (e) {
      s.textContent = e.code === "NoSuchBucketPolicy" ? "No policy: only the owner (and the admin) can use this bucket."
        : `${e.code}: ${e.message}`;
      s.dataset.public = "false";
    }
    document.body.dataset.policyLoaded = String(Date.now());
  },

  applyTemplate() {
    const t = $("policy-template").value;
    const arn = "arn:aws:s3:::" + this.bucket;
    let doc = null;
    if (t === "public-read") {
      doc = { Version: "2012-10-17", Statement: [{ Sid: "PublicRead", Effect: "Allow", Principal: "*",
        Action: ["s3:GetObject"], Resource: [arn + "/*"] }] };
    } else if (t === "user-read") {
      const user = $("policy-user").value.trim();
      doc = { Version: "2012-10-17", Statement: [
        { Sid: "ListForUser", Effect: "Allow", Principal: { AWS: [user] }, Action: ["s3:ListBucket"], Resource: [arn] },
        { Sid: "ReadForUser", Effect: "Allow", Principal: { AWS: [user] }, Action: ["s3:GetObject"],
          Resource: [arn + "/*"] }] };
    }
    $("policy-text").value = t === "private" ? "" : doc ? JSON.stringify(doc, null, 2) : $("policy-text").value;
    showError("policy-error", null);
  },

  async savePolicy() {
    const text = $("policy-text").value.trim();
    await act($("policy-save"), "policy-error", async () => {
      if (text) {
        await S3.call({ method: "PUT", bucket: this.bucket, query: [["policy", ""]], body: text,
          headers: { "Content-Type": "application/json" } });
        notify(`Policy of ${this.bucket} saved.`);
      } else {
        await S3.call({ method: "DELETE", bucket: this.bucket, query: [["policy", ""]] });
        notify(`Policy of ${this.bucket} removed: the bucket is private.`);
      }
      await this.loadStatus();
    });
  },
};
