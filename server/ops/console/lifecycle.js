// The lifecycle tab of a bucket: its rules (GetBucketLifecycleConfiguration) and a rule
// editor. "Review" sends the whole proposed configuration to the admin API's
// lifecycle/simulate (POST, nothing saved) and shows what it would move and save; only
// then is "Save" enabled (PutBucketLifecycleConfiguration, or DeleteBucketLifecycle when
// no rule is left). Changing the form disables "Save" again until the next review.
// Non-admin keys cannot call the admin API: they review the document only.
"use strict";

const Lifecycle = {
  bucket: null,
  rules: [],          // [{id, xml (the rule element as stored), summary fields}]
  editing: null,      // the ID of the rule in the form when it replaces a stored one
  proposed: null,     // the document reviewed last; Save sends exactly this

  init() {
    $("lc-form").addEventListener("submit", (e) => { e.preventDefault(); this.review(); });
    $("lc-form").addEventListener("input", () => this.invalidate());
    $("lc-save").addEventListener("click", () => this.save());
    $("lc-cancel").addEventListener("click", () => this.clearForm());
  },

  invalidate() {
    this.proposed = null;
    $("lc-save").disabled = true;
  },

  async load(bucket) {
    this.bucket = bucket;
    this.clearForm();
    showError("lifecycle-error", null);
    this.fillClasses();
    let doc = null;
    try {
      doc = await S3.xml({ bucket, query: [["lifecycle", ""]] });
    } catch (e) {
      if (e.code !== "NoSuchLifecycleConfiguration") { showError("lifecycle-error", e); return; }
    }
    if (bucket !== this.bucket) return;
    this.rules = doc ? xmlChildren(doc, "Rule").map(ruleOf) : [];
    this.draw();
  },

  // Storage classes the pools map (admin: from the status), offered in the class fields.
  async fillClasses() {
    const list = $("storage-classes");
    if (list.children.length || !isAdmin()) return;
    try {
      const status = await S3.admin("GET", "status");
      const classes = new Set();
      for (const p of status.pools || []) for (const c of p.storage_classes || []) classes.add(c);
      list.replaceChildren(...[...classes].sort().map((c) => el("option", { value: c })));
    } catch (e) { /* free text then */ }
  },

  draw() {
    const rows = this.rules.map((r) => {
      const edit = el("button", { type: "button", class: "secondary", "aria-label": "Edit rule " + r.id }, "Edit");
      edit.addEventListener("click", () => this.edit(r));
      const del = el("button", { type: "button", class: "danger", "aria-label": "Delete rule " + r.id }, "Delete");
      del.addEventListener("click", () => this.removeRule(r, del));
      return el("tr", { "data-rule": r.id, "data-status": r.status },
        el("td", {}, r.id), el("td", {}, r.status), el("td", {}, r.filterText), el("td", {}, r.actionsText),
        el("td", {}, edit, " ", del));
    });
    if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: "5", class: "muted" }, "No lifecycle rules.")));
    fill($("lc-rules").tBodies[0], rows);
    document.body.dataset.lifecycleLoaded = String(Date.now());
  },

  clearForm() {
    $("lc-form").reset();
    this.editing = null;
    $("lc-form-title").textContent = "New rule";
    $("lc-simulation").replaceChildren();
    showError("lc-form-error", null);
    this.invalidate();
  },

  edit(r) {
    this.clearForm();
    this.editing = r.id;
    $("lc-form-title").textContent = "Edit rule " + r.id;
    const f = r.fields;
    $("lc-id").value = r.id;
    $("lc-status").value = r.status;
    $("lc-prefix").value = f.prefix;
    $("lc-tags").value = f.tags.map(([k, v]) => k + "=" + v).join("\n");
    $("lc-transition-days").value = f.transitionDays;
    $("lc-transition-class").value = f.transitionClass;
    $("lc-expiration-days").value = f.expirationDays;
    $("lc-noncurrent-days").value = f.noncurrentDays;
    $("lc-nc-transition-days").value = f.ncTransitionDays;
    $("lc-nc-transition-class").value = f.ncTransitionClass;
    $("lc-abort-days").value = f.abortDays;
    $("lc-id").focus();
  },

  // The rule in the form as XML (the server validates it; its message is shown as sent).
  formRule() {
    const v = (id) => $(id).value.trim();
    const tags = v("lc-tags").split("\n").map((l) => l.trim()).filter(Boolean).map((l) => {
      const eq = l.indexOf("=");
      return eq < 0 ? [l, ""] : [l.slice(0, eq).trim(), l.slice(eq + 1).trim()];
    });
    const tagXml = ([k, val]) => `<Tag>${xmlElem("Key", k)}${xmlElem("Value", val)}</Tag>`;
    let filter;
    if (tags.length === 0) filter = xmlElem("Prefix", v("lc-prefix"));
    else if (tags.length === 1 && !v("lc-prefix")) filter = tagXml(tags[0]);
    else filter = "<And>" + (v("lc-prefix") ? xmlElem("Prefix", v("lc-prefix")) : "") + tags.map(tagXml).join("") + "</And>";
    let x = "<Rule>" + xmlElem("ID", v("lc-id")) + `<Filter>${filter}</Filter>` + xmlElem("Status", v("lc-status"));
    if (v("lc-transition-days") || v("lc-transition-class"))
      x += `<Transition>${xmlElem("Days", v("lc-transition-days"))}${xmlElem("StorageClass", v("lc-transition-class"))}</Transition>`;
    if (v("lc-expiration-days")) x += `<Expiration>${xmlElem("Days", v("lc-expiration-days"))}</Expiration>`;
    if (v("lc-nc-transition-days") || v("lc-nc-transition-class"))
      x += `<NoncurrentVersionTransition>${xmlElem("NoncurrentDays", v("lc-nc-transition-days"))}` +
        `${xmlElem("StorageClass", v("lc-nc-transition-class"))}</NoncurrentVersionTransition>`;
    if (v("lc-noncurrent-days"))
      x += `<NoncurrentVersionExpiration>${xmlElem("NoncurrentDays", v("lc-noncurrent-days"))}</NoncurrentVersionExpiration>`;
    if (v("lc-abort-days"))
      x += `<AbortIncompleteMultipartUpload>${xmlElem("DaysAfterInitiation", v("lc-abort-days"))}` +
        "</AbortIncompleteMultipartUpload>";
    return x + "</Rule>";
  },

  // The stored rules (as stored, so what the editor does not model is kept) with the
  // form's rule added or in place of the one edited.
  document(extraRule, dropId) {
    const kept = this.rules.filter((r) => r.id !== dropId).map((r) => r.xml);
    const all = extraRule ? kept.concat([extraRule]) : kept;
    return all.length ? "<LifecycleConfiguration>" + all.join("") + "</LifecycleConfiguration>" : "";
  },

  async review() {
    const id = $("lc-id").value.trim();
    if (this.editing !== id && this.rules.some((r) => r.id === id)) {
      showError("lc-form-error", new Error(`A rule named ${id} exists: edit it, or choose another ID.`));
      return;
    }
    const doc = this.document(this.formRule(), this.editing);
    const box = $("lc-simulation");
    box.replaceChildren();
    await act($("lc-simulate"), "lc-form-error", async () => {
      if (!isAdmin()) {
        box.replaceChildren(el("p", { class: "muted" }, "Simulation needs the admin key (the admin API); " +
          "the rules will be checked when you save."));
      } else {
        const sim = await S3.admin("POST", "lifecycle/simulate", [["bucket", this.bucket]], doc);
        box.replaceChildren(simulationTable(sim));
      }
      this.proposed = doc;
      $("lc-save").disabled = false;
      $("lc-save").focus();
    });
  },

  async save() {
    if (this.proposed === null) return;
    const doc = this.proposed;
    await act($("lc-save"), "lc-form-error", async () => {
      await this.put(doc);
      notify(`Lifecycle rules of ${this.bucket} saved.`);
      await this.load(this.bucket);
    });
  },

  async put(doc) {
    if (doc) await S3.call({ method: "PUT", bucket: this.bucket, query: [["lifecycle", ""]], body: doc });
    else await S3.call({ method: "DELETE", bucket: this.bucket, query: [["lifecycle", ""]] });
  },

  async removeRule(r, button) {
    if (!confirm(`Delete lifecycle rule ${r.id}?`)) return;
    await act(button, "lifecycle-error", async () => {
      await this.put(this.document(null, r.id));
      notify(`Rule ${r.id} deleted.`);
      await this.load(this.bucket);
    });
  },
};

// A stored <Rule> element: its XML and what the table and the form show.
function ruleOf(node) {
  const filter = xmlChildren(node, "Filter")[0];
  const and = filter && xmlChildren(filter, "And")[0];
  const f = {
    prefix: filter ? xmlChildText(and || filter, "Prefix") : xmlChildText(node, "Prefix"),
    tags: (and ? xmlChildren(and, "Tag") : filter ? xmlChildren(filter, "Tag") : [])
      .map((t) => [xmlChildText(t, "Key"), xmlChildText(t, "Value")]),
    transitionDays: "", transitionClass: "", expirationDays: "", noncurrentDays: "",
    ncTransitionDays: "", ncTransitionClass: "", abortDays: "",
  };
  const actions = [];
  for (const t of xmlChildren(node, "Transition")) {
    f.transitionDays = xmlChildText(t, "Days"); f.transitionClass = xmlChildText(t, "StorageClass");
    actions.push(`to ${f.transitionClass} after ${f.transitionDays || xmlChildText(t, "Date")} days`);
  }
  for (const e of xmlChildren(node, "Expiration")) {
    f.expirationDays = xmlChildText(e, "Days");
    actions.push(f.expirationDays ? `expire after ${f.expirationDays} days` : "expire " +
      (xmlChildText(e, "Date") || "delete markers"));
  }
  for (const t of xmlChildren(node, "NoncurrentVersionTransition")) {
    f.ncTransitionDays = xmlChildText(t, "NoncurrentDays"); f.ncTransitionClass = xmlChildText(t, "StorageClass");
    actions.push(`noncurrent to ${f.ncTransitionClass} after ${f.ncTransitionDays} days`);
  }
  for (const e of xmlChildren(node, "NoncurrentVersionExpiration")) {
    f.noncurrentDays = xmlChildText(e, "NoncurrentDays");
    actions.push(`noncurrent expire after ${f.noncurrentDays} days`);
  }
  for (const a of xmlChildren(node, "AbortIncompleteMultipartUpload")) {
    f.abortDays = xmlChildText(a, "DaysAfterInitiation");
    actions.push(`abort uploads after ${f.abortDays} days`);
  }
  const filterText = [f.prefix ? `prefix ${f.prefix}` : "", ...f.tags.map(([k, v]) => `tag ${k}=${v}`)]
    .filter(Boolean).join(", ") || "whole bucket";
  return { id: xmlChildText(node, "ID"), status: xmlChildText(node, "Status"), xml: new XMLSerializer()
    .serializeToString(node), fields: f, filterText, actionsText: actions.join("; ") };
}

// The admin API's simulate answer: per horizon, what moves and the monthly cost then.
function simulationTable(sim) {
  const now = Number(sim.now.monthly_cost);
  const rows = (sim.horizons || []).map((h) => {
    const saving = now - Number(h.monthly_cost);
    return el("tr", { "data-days": String(h.days), "data-transitioned-bytes": String(h.transitioned_bytes),
      "data-expired-bytes": String(h.expired_bytes), "data-expired-objects": String(h.expired_objects),
      "data-transitioned-objects": String(h.transitioned_objects), "data-monthly-cost": String(h.monthly_cost),
      "data-saving": String(saving) },
      el("td", {}, `in ${h.days} days`),
      el("td", {}, `${h.transitioned_objects} (${bytes(h.transitioned_bytes)})`),
      el("td", {}, `${h.expired_objects} (${bytes(h.expired_bytes)})`),
      el("td", {}, money(h.monthly_cost)),
      el("td", {}, saving >= 0 ? "saves " + money(saving) : "costs " + money(-saving) + " more"));
  });
  return el("div", { class: "scroll", id: "lc-simulation-result", "data-now": String(now) },
    el("p", { class: "muted" }, `Simulated before saving (nothing moves): monthly cost now ${money(now)}.`),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "When"), el("th", {}, "Moved"),
      el("th", {}, "Expired"), el("th", {}, "Monthly cost"), el("th", {}, "Monthly saving"))),
    el("tbody", {}, ...rows)));
}
