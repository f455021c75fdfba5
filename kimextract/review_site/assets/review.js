// kimextract review report: sorting and filtering the index; on a document's page, selecting a finding, a
// grant's field or a value scrolls to its box and highlights it. Works from the file system, without a server.
// Reads everything from the page's own markup: no data is evaluated.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.classList.contains("index")) setUpIndex();
  if (document.body.classList.contains("document")) setUpDocument();
});

// ------------------------------------------------------------------------------------------------ the index

function setUpIndex() {
  const table = document.getElementById("documents");
  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const controls = ["errors-only", "failed-only", "rule", "module", "search"].map((id) => document.getElementById(id));
  const shown = document.getElementById("shown");

  function filter() {
    const [errorsOnly, failedOnly, rule, module, search] = controls;
    const words = search.value.trim().toLowerCase();
    let count = 0;
    for (const row of rows) {
      const d = row.dataset;
      const keep = (!errorsOnly.checked || Number(d.error) > 0)
        && (!failedOnly.checked || d.status !== "ok")
        && (!rule.value || d.rules.split(" ").includes(rule.value))
        && (!module.value || d.modules.split(" ").includes(module.value))
        && (!words || [d.name, d.reference, d.kind, d.status].join(" ").toLowerCase().includes(words));
      row.hidden = !keep;
      count += keep;
    }
    shown.textContent = `${count} of ${rows.length} shown`;
  }
  controls.forEach((control) => control.addEventListener("input", filter));
  document.getElementById("filters").addEventListener("submit", (event) => event.preventDefault());

  for (const header of table.tHead.rows[0].cells) {
    if (!header.dataset.sort) continue;
    header.querySelector("button").addEventListener("click", () => {
      const key = header.dataset.sort;
      const numeric = header.dataset.type === "number";
      const descending = header.getAttribute("aria-sort") === "ascending";
      for (const other of table.tHead.rows[0].cells) other.removeAttribute("aria-sort");
      header.setAttribute("aria-sort", descending ? "descending" : "ascending");
      const value = (row) => (numeric ? Number(row.dataset[key]) : row.dataset[key].toLowerCase());
      rows.sort((a, b) => {
        const [x, y] = [value(a), value(b)];
        const order = x < y ? -1 : x > y ? 1 : Number(a.dataset.number) - Number(b.dataset.number);
        return descending ? -order : order;
      });
      rows.forEach((row) => body.appendChild(row));
    });
  }
  filter();
}

// ------------------------------------------------------------------------------------------------ a document

function setUpDocument() {
  const findings = Array.from(document.querySelectorAll(".entry.finding"));
  let current = null;

  function marksOf(id) {
    return Array.from(document.querySelectorAll(`[data-m~="${CSS.escape(id)}"]`));
  }

  function clear() {
    document.querySelectorAll(".active").forEach((element) => element.classList.remove("active"));
    current = null;
  }

  function select(id, updateAddress) {
    const entry = document.getElementById(id);
    if (!entry || !entry.dataset.select) return false;
    clear();
    current = id;
    entry.classList.add("active");
    const section = entry.closest("details");
    if (section) section.open = true;
    const marks = marksOf(id);
    marks.forEach((mark) => mark.classList.add("active"));
    const target = marks[0] || (entry.dataset.page && document.getElementById(`page-${entry.dataset.page}`));
    if (target) target.scrollIntoView({ block: marks[0] ? "center" : "start", inline: "nearest" });
    entry.scrollIntoView({ block: "nearest" });
    if (updateAddress) history.replaceState(null, "", `#${id}`);
    return true;
  }

  function step(direction) {
    if (!findings.length) return;
    const at = findings.findIndex((entry) => entry.id === current);
    const next = at < 0 ? (direction > 0 ? 0 : findings.length - 1) : (at + direction + findings.length) % findings.length;
    select(findings[next].id, true);
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("input, button, summary, a[href$='.html'], a[href$='.pdf']")) return;
    const holder = event.target.closest("[data-select]");
    if (!holder) return;
    event.preventDefault();
    select(holder.dataset.select, true);
  });
  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "n" || event.key === "j") step(1);
    else if (event.key === "p" || event.key === "k") step(-1);
    else if (event.key === "Escape") { clear(); history.replaceState(null, "", location.pathname); }
    else return;
    event.preventDefault();
  });
  document.getElementById("next-finding").addEventListener("click", () => step(1));
  document.getElementById("previous-finding").addEventListener("click", () => step(-1));
  for (const toggle of document.querySelectorAll("[data-layer]")) {
    const apply = () => document.body.classList.toggle(`hide-${toggle.dataset.layer}`, !toggle.checked);
    toggle.addEventListener("change", apply);
    apply();
  }
  const fromAddress = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    if (id) select(id, false);
  };
  window.addEventListener("hashchange", fromAddress);
  fromAddress();
}
