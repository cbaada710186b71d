// paxmodel serve: the what-if page. Plain JavaScript, no build step, nothing from elsewhere.
// Every number shown comes from /api/run (the JSON of `paxmodel run --json`), formatted as
// the command line's tables format it.
"use strict";

const state = {
  scenario: null, // GET /api/scenario
  members: new Set(),
  budget: null, // null: the file's value
  maxShare: null,
  shock: "", // a shock of the file ("": none)
  sort: { key: "removed", descending: true },
  result: null, // the last /api/run answer
};
// Only one /api/run request in flight: a change while it runs is sent when it returns.
const flight = { busy: false, again: false, started: 0, runs: 0 };
const timings = []; // ms from a change to its numbers on screen (read by tests and benchmarks)
window.paxmodel = { timings, state }; // (and `format`, below: tests compare it with the CLI's)

const $ = (selector) => document.querySelector(selector);

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

// Python's f"{x:.Nf}": the exact binary value rounded half to even (toFixed rounds ties up).
function fixed(x, digits = 1) {
  const negative = x < 0 || Object.is(x, -0);
  const [whole, fraction] = Math.abs(x).toFixed(100).split(".");
  let kept = BigInt(whole + fraction.slice(0, digits));
  const rest = fraction.slice(digits);
  const tail = rest.slice(1).replace(/0+$/, "");
  if (rest[0] > "5" || (rest[0] === "5" && (tail !== "" || kept % 2n === 1n))) kept += 1n;
  const text = kept.toString().padStart(digits + 1, "0");
  const number = digits ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  return `${negative ? "-" : ""}${number}`;
}
// The command line's pct() and points() (paxmodel/outputs/tables.py).
const pct = (value) => (value === null || value === undefined ? "–" : `${fixed(100 * value)}%`);
function points(value) {
  if (value === null || value === undefined) return "–";
  const text = fixed(100 * value);
  return `${text.startsWith("-") ? text : `+${text}`} pp`;
}
// survive() of paxmodel/outputs/stress_tables.py: stockpile months, or years beyond ten
function survive(months) {
  if (months === null || months === undefined) return "–";
  return months < 120 ? `${fixed(months)} mo` : `${fixed(months / 12, 0)} y`;
}
window.paxmodel.format = { pct, points, survive };
const amount = (value) => (value ? value.toLocaleString("en", { maximumSignificantDigits: 4 }) : "0");

function sameSet(a, b) {
  return a.length === b.size && a.every((code) => b.has(code));
}

function presetName() {
  for (const [name, members] of Object.entries(state.scenario.memberships)) {
    if (sameSet(members, state.members)) return name;
  }
  return null;
}

// The query string of the current configuration (settings only when moved off the file's).
function query() {
  const params = new URLSearchParams();
  const preset = presetName();
  if (preset !== null) params.set("membership", preset);
  else params.set("members", [...state.members].sort().join(","));
  if (state.budget !== null) params.append("set", `settings.budget=${state.budget}`);
  if (state.maxShare !== null) params.append("set", `settings.max_single_share=${state.maxShare}`);
  return params;
}

async function getJson(url, options) {
  const response = await fetch(url, options);
  const document_ = await response.json();
  if (!response.ok) throw new Error(document_.error || `${response.status} ${response.statusText}`);
  return document_;
}

function changed() {
  if (flight.busy) {
    flight.again = true;
    return;
  }
  update();
}

async function update() {
  flight.busy = true;
  flight.again = false;
  document.documentElement.dataset.busy = "1";
  const started = performance.now();
  const params = query();
  syncControls();
  try {
    const shock = state.shock;
    const [result, stress] = await Promise.all([
      getJson(`/api/run?${params}`),
      shock ? getJson(`/api/stress?${params}&shock=${encodeURIComponent(shock)}`) : null,
    ]);
    state.result = result;
    showError(null);
    render(result);
    renderShock(shock, stress);
  } catch (error) {
    showError(error.message);
  }
  $("#report").href = `/api/report?${params}`;
  timings.push(performance.now() - started);
  $("#timing").textContent = `${timings.length === 1 ? "loaded" : "updated"} in ${Math.round(timings.at(-1))} ms`;
  flight.busy = false;
  flight.runs += 1;
  if (flight.again) {
    update();
    return;
  }
  document.documentElement.dataset.runs = String(flight.runs);
  document.documentElement.dataset.busy = "0";
  scheduleInvite(params);
}

function showError(message) {
  const box = $("#error");
  box.hidden = message === null;
  box.textContent = message || "";
}

// ---- controls -------------------------------------------------------------------------

function buildControls() {
  const scenario = state.scenario;
  $("#scenario-name").textContent = scenario.scenario;
  $("#scenario-description").textContent = scenario.description || "";
  $("#scenario-file").textContent = scenario.file;
  document.title = `${scenario.scenario} · paxmodel what-if`;

  const presets = $("#preset-buttons");
  for (const [name, members] of Object.entries(scenario.memberships)) {
    const button = element("button", { type: "button", "data-preset": name, text: name, title: members.join(", ") });
    button.addEventListener("click", () => {
      state.members = new Set(members);
      changed();
    });
    presets.append(button);
  }

  const list = $("#country-list");
  for (const [code, country] of Object.entries(scenario.countries)) {
    const id = `country-${code}`;
    const input = element("input", { type: "checkbox", id, "data-country": code, disabled: country.concern });
    input.addEventListener("change", () => {
      if (input.checked) state.members.add(code);
      else state.members.delete(code);
      changed();
    });
    const label = element(
      "label",
      { for: id, title: country.notes || country.name },
      input,
      element("span", { class: "code", text: code }),
      element("span", { class: "name", text: country.name }),
      element("span", { class: "risk", text: `risk ${country.risk}` }),
    );
    const item = element("li", { class: country.concern ? "concern" : null }, label);
    if (country.concern) {
      const reason = element("span", { class: "reason", id: `${id}-reason`, text: "country of concern: never a member" });
      input.setAttribute("aria-describedby", reason.id);
      item.append(reason);
    }
    list.append(item);
  }
  $("#select-none").addEventListener("click", () => {
    state.members = new Set();
    changed();
  });

  const settings = scenario.settings;
  const budget = $("#budget");
  // up to five times the file's budget (or what pays for every expansion, if that is less)
  const top = settings.budget ? Math.min(settings.full_budget, 5 * settings.budget) || settings.budget : settings.full_budget;
  const step = niceStep(top / 200);
  budget.min = "0";
  budget.max = String(Math.ceil(top / step) * step);
  budget.step = String(step);
  budget.value = String(settings.budget === null ? budget.max : settings.budget);
  budget.addEventListener("input", () => {
    state.budget = Number(budget.value);
    changed();
  });
  const share = $("#max-share");
  share.value = String(settings.max_single_share);
  share.addEventListener("input", () => {
    state.maxShare = Number(share.value);
    changed();
  });

  if (scenario.shocks.length) {
    const select = $("#shock");
    for (const name of scenario.shocks) select.append(element("option", { value: name, text: name }));
    select.addEventListener("change", () => {
      state.shock = select.value;
      changed();
    });
    $("#shock-control").hidden = false;
  }

  const head = $("#items thead tr");
  for (const [key, heading] of COLUMNS) {
    const button = element("button", { type: "button", text: heading });
    button.addEventListener("click", () => {
      state.sort = { key, descending: state.sort.key === key ? !state.sort.descending : key !== "name" };
      renderItems(state.result);
    });
    head.append(element("th", { scope: "col", "data-key": key, "aria-sort": "none" }, button));
  }
}

function niceStep(raw) {
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
}

function syncControls() {
  const preset = presetName();
  for (const button of document.querySelectorAll("[data-preset]")) {
    button.setAttribute("aria-pressed", String(button.dataset.preset === preset));
  }
  for (const input of document.querySelectorAll("[data-country]")) {
    input.checked = state.members.has(input.dataset.country);
  }
  $("#member-count").textContent = `(${state.members.size})`;
  const settings = state.scenario.settings;
  const budget = state.budget ?? settings.budget;
  $("#budget-value").textContent = budget === null ? "unlimited" : amount(budget);
  $("#max-share-value").textContent = pct(state.maxShare ?? settings.max_single_share);
}

// ---- results --------------------------------------------------------------------------

function render(result) {
  const overall = result.overall;
  $('[data-metric="overall-baseline"]').textContent = pct(overall.baseline);
  $('[data-metric="overall-optimised"]').textContent = pct(overall.optimised);
  $('[data-metric="overall-removed"]').textContent = points(overall.removed);
  $('[data-metric="concern-share"]').textContent =
    `${pct(overall.concern_share_baseline)} → ${pct(overall.concern_share_optimised)}`;
  const count = result.members.length;
  $("#membership-label").textContent = `· ${result.membership} (${count} member${count === 1 ? "" : "s"})`;
  renderSectors(result);
  renderItems(result);
}

// One cell of `paxmodel stress --json`: the configuration under the chosen shock.
function renderShock(shock, stress) {
  $("#shock-panel").hidden = !shock;
  if (!shock) return;
  const cell = Object.values(stress.results)[0][shock];
  $("#shock-name").textContent = shock;
  $('[data-metric="shock-baseline"]').textContent = pct(cell.baseline.dependency);
  $('[data-metric="shock-optimised"]').textContent = pct(cell.dependency);
  $('[data-metric="shock-shortfall"]').textContent = pct(cell.shortfall_share);
  $('[data-metric="shock-survive"]').textContent = survive(cell.time_to_survive_months);
}

function renderSectors(result) {
  const rows = [];
  for (const [sector, values] of Object.entries(result.sectors)) {
    if (values.baseline === null) continue;
    const bar = element(
      "div",
      {
        class: "bar",
        role: "img",
        "data-sector": sector,
        "aria-label": `${sector}: baseline ${pct(values.baseline)}, optimised ${pct(values.optimised)}`,
      },
      barPart("b", values.baseline),
      barPart("o", values.optimised),
      element("em", { text: `${pct(values.baseline)} → ${pct(values.optimised)}` }),
    );
    rows.push(element("div", { class: "name", text: state.scenario.sectors[sector] || sector }), bar);
  }
  $("#sectors").replaceChildren(...rows);
}

// (a style property, not a style attribute: the page's content security policy allows no inline style)
function barPart(kind, value) {
  const part = element("span", { class: kind });
  part.style.width = `${Math.max(0, Math.min(100, 100 * value)).toFixed(2)}%`;
  return part;
}

const COLUMNS = [
  ["name", "item"],
  ["sector", "sector"],
  ["baseline", "baseline"],
  ["optimised", "optimised"],
  ["removed", "removed"],
  ["concern_share_optimised", "concern share"],
  ["shortfall", "shortfall"],
];

function renderItems(result) {
  if (!result) return;
  const { key, descending } = state.sort;
  const rows = Object.entries(result.items).filter(([, item]) => item.baseline !== null);
  const value = ([id, item]) => (key === "name" ? id : item[key]);
  rows.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const order = typeof x === "string" ? x.localeCompare(y) : x - y;
    return (descending ? -order : order) || a[0].localeCompare(b[0]);
  });
  const body = rows.map(([id, item]) =>
    element(
      "tr",
      { "data-item": id },
      element("td", { text: id, title: state.scenario.items[id]?.name || id }),
      element("td", { text: item.sector }),
      element("td", { text: pct(item.baseline) }),
      element("td", { text: pct(item.optimised) }),
      element("td", { text: points(item.removed) }),
      element("td", { text: `${pct(item.concern_share_baseline)} → ${pct(item.concern_share_optimised)}` }),
      element("td", { text: amount(item.shortfall) }),
    ),
  );
  $("#items tbody").replaceChildren(...body);
  for (const th of document.querySelectorAll("#items th")) {
    const sorted = th.dataset.key === key;
    th.setAttribute("aria-sort", sorted ? (descending ? "descending" : "ascending") : "none");
  }
}

// ---- who to invite next: the invite MILP for K = 1..max, after the numbers are shown -------

let inviteTimer = null;
let inviteAbort = null;

function scheduleInvite(params) {
  clearTimeout(inviteTimer);
  if (inviteAbort) inviteAbort.abort();
  inviteTimer = setTimeout(() => loadInvite(params), 250);
}

async function loadInvite(params) {
  const base = new URLSearchParams(params);
  const membership = base.get("membership");
  base.delete("membership");
  if (membership !== null) base.set("base", membership);
  base.set("max_new", String(state.scenario.max_invite));
  base.set("frontier", "1");
  inviteAbort = new AbortController();
  const box = $("#invite");
  box.setAttribute("aria-busy", "true");
  try {
    const answer = await getJson(`/api/invite?${base}`, { signal: inviteAbort.signal });
    renderInvite(answer);
  } catch (error) {
    if (error.name === "AbortError") return;
    box.replaceChildren(element("p", { class: "dim", text: error.message }));
  }
  box.removeAttribute("aria-busy");
}

function renderInvite(answer) {
  const box = $("#invite");
  const points_ = answer.frontier.filter((point) => point.k > 0);
  if (answer.candidates.length === 0) {
    box.replaceChildren(element("p", { class: "dim", text: "No candidates left to invite." }));
    return;
  }
  const list = element("ol");
  for (const point of points_) {
    const gain = answer.base_optimised - point.optimised;
    const apply = element("button", { type: "button", "data-invite": String(point.k), text: "add" });
    apply.addEventListener("click", () => {
      for (const code of point.chosen) state.members.add(code);
      changed();
    });
    list.append(
      element(
        "li",
        {},
        `up to ${point.k}: `,
        element("strong", { text: point.chosen.join(", ") || "nobody helps" }),
        ` → ${pct(point.optimised)} (${points(gain)} more removed${point.proven_optimal ? "" : ", not proven optimal"}) `,
        apply,
      ),
    );
  }
  box.replaceChildren(list, element("p", { class: "dim", text: `From ${answer.candidates.length} candidates; proven optimal by the invite MILP.` }));
}

// ---- start ----------------------------------------------------------------------------

async function start() {
  try {
    state.scenario = await getJson("/api/scenario");
  } catch (error) {
    showError(error.message);
    return;
  }
  const first = Object.values(state.scenario.memberships)[0] || [];
  state.members = new Set(first);
  buildControls();
  changed();
}

start();
