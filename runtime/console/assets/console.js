// The Voronka console: plain JavaScript, no build step, nothing loaded from
// elsewhere. It reads the JSON of api/* (relative: the console is at /console/
// on a server, at /t/TENANT/console/ under --tenants) and draws the pages; every
// text from the store goes in through textContent, never as HTML.
"use strict";

const WORDS = {
  ru: {
    board: "Доска", stats: "Скорость и конверсия", outbox: "Исходящие", versions: "Версии", logout: "Выйти",
    token: "Токен сервера", login: "Войти", badToken: "Этот токен не подходит", admin: "администратор",
    read_only: "только чтение", pipeline: "Воронка", responsible: "Ответственный", tag: "Тег", anyone: "все",
    anyTag: "любой", deals: "сделок", overdue: "просрочено", stuck: "застряла", more: "ещё", funnel: "Воронка",
    from: "с", to: "по", apply: "Показать", stage: "Этап", dealsIn: "Вошло", toNext: "В следующий", toWon: "В успех",
    median: "Медиана", p90: "p90", stillIn: "Сейчас", lostHere: "Потеряно", overdueTasks: "Просрочено задач",
    lossReasons: "Причины отказа", chartIn: "Сделок вошло в этап", chartConv: "Конверсия в следующий этап, %",
    chartTime: "Время в этапе, часы (медиана и p90)", deal: "Сделка", timeline: "Хроника", timers: "Ожидающие таймеры",
    due: "Срок", rule: "Правило", line: "строка", version: "версия", event: "Событие", move: "Переход",
    task: "Задача", taskDone: "Задача выполнена", note: "Заметка", effect: "Отправка", attempts: "попыток",
    lastError: "последняя ошибка", nextAttempt: "следующая попытка", status: "Статус", kind: "Вид",
    pending: "в очереди", failing: "с ошибками", dead: "недоставленные", delivered: "доставлено", retry: "Повторить",
    retried: "Письмо снова в очереди", created: "создана", trigger: "по событию", automatic: "автоматически",
    manual: "вручную", cause: "причина", running: "Работает версия", deployments: "Журнал развёртываний",
    kept: "Сохранённые версии", source: "источник", added: "добавлена", started: "начато", finished: "закончено",
    by: "кто", none: "нет", stage_now: "Этап", contact: "Контакт", company: "Компания", fields: "Поля",
    createdAt: "Создана", enteredAt: "В этапе с", moduleVersion: "Версия модуля", lost: "Причина отказа",
    error: "Ошибка", empty: "Пусто", notFound: "Не найдено", sum: "сумма", cheap: "", outcome: "итог",
    at: "время", period: "Период", all: "всё время", loading: "Загрузка…", letterTo: "кому", subject: "тема",
    tenant: "Клиент", dueAt: "сработает", scheduled: "назначен", legendOverdue: "просрочена задача",
    legendStuck: "дольше p90 этапа", rules: "правила этапа на это",
    notRecorded: "Хранилище помнит причину отказа, только пока сделка в отказе: причины считаются по сделкам, потерянным сейчас; просроченные задачи — по этапу, где сделка сейчас.",
    is_dead: "не доставлено", is_pending: "в очереди", is_delivered: "доставлено",
    deploying: "Идёт развёртывание", dealsMoved: "сделок перенесено", notMoved: "ещё не перенесены на эту версию",
    outcome_applied: "применено", outcome_fired: "сработал", needAdmin: "Повторить отправку может только администратор: вы вошли с токеном только для чтения",
  },
  en: {
    board: "Board", stats: "Speed and conversion", outbox: "Outbox", versions: "Versions", logout: "Log out",
    token: "Server token", login: "Log in", badToken: "This token is not accepted", admin: "admin",
    read_only: "read-only", pipeline: "Pipeline", responsible: "Responsible", tag: "Tag", anyone: "anyone",
    anyTag: "any", deals: "deals", overdue: "overdue", stuck: "stuck", more: "more", funnel: "Funnel",
    from: "from", to: "to", apply: "Show", stage: "Stage", dealsIn: "Deals in", toNext: "To next", toWon: "To won",
    median: "Median", p90: "p90", stillIn: "Now", lostHere: "Lost here", overdueTasks: "Overdue tasks",
    lossReasons: "Loss reasons", chartIn: "Deals that entered the stage", chartConv: "Conversion to the next stage, %",
    chartTime: "Time in stage, hours (median and p90)", deal: "Deal", timeline: "Timeline", timers: "Pending timers",
    due: "Due", rule: "Rule", line: "line", version: "version", event: "Event", move: "Move",
    task: "Task", taskDone: "Task done", note: "Note", effect: "Sent", attempts: "attempts",
    lastError: "last error", nextAttempt: "next attempt", status: "Status", kind: "Kind",
    pending: "pending", failing: "failing", dead: "dead letters", delivered: "delivered", retry: "Retry",
    retried: "The letter is queued again", created: "created", trigger: "on an event", automatic: "automatic",
    manual: "manual", cause: "cause", running: "Running version", deployments: "Deployment journal",
    kept: "Versions kept", source: "source", added: "added", started: "started", finished: "finished",
    by: "by", none: "none", stage_now: "Stage", contact: "Contact", company: "Company", fields: "Fields",
    createdAt: "Created", enteredAt: "In stage since", moduleVersion: "Module version", lost: "Loss reason",
    error: "Error", empty: "Empty", notFound: "Not found", sum: "total", cheap: "", outcome: "outcome",
    at: "time", period: "Period", all: "all time", loading: "Loading…", letterTo: "to", subject: "subject",
    tenant: "Client", dueAt: "due", scheduled: "set", legendOverdue: "a task is overdue",
    legendStuck: "longer than the stage's p90", rules: "the stage's rules for it",
    notRecorded: "The store keeps a loss reason only while a deal is lost: loss reasons count the deals lost now; overdue tasks are counted at the stage their deal is in now.",
    is_dead: "dead", is_pending: "pending", is_delivered: "delivered",
    deploying: "Deploying", dealsMoved: "deals moved", notMoved: "not moved onto this version yet",
    outcome_applied: "applied", outcome_fired: "fired", needAdmin: "Only an admin can retry a letter: you logged in with a read-only token",
  },
};

const state = { session: null, lang: localStorage.getItem("voronka.lang") || "ru", refresh: null };

function t(key) { return (WORDS[state.lang] || WORDS.ru)[key] || key; }

// el("div", {class: "x", onclick: f}, child, "text", …)
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function locale() { return state.lang === "en" ? "en-GB" : "ru-RU"; }

// An instant in the account's time zone and the chosen language.
function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (isNaN(date)) return iso;
  const zone = (state.session && state.session.timezone) || "UTC";
  try {
    return date.toLocaleString(locale(), { timeZone: zone, dateStyle: "medium", timeStyle: "short" });
  } catch (e) {
    return date.toISOString();
  }
}

function money(value) {
  const currency = state.session && state.session.currency;
  try {
    if (currency) return new Intl.NumberFormat(locale(), { style: "currency", currency, maximumFractionDigits: 0 }).format(value);
  } catch (e) { /* not an ISO currency code: a plain number */ }
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 }).format(value);
}

// "1 сделка", "2 сделки", "5 сделок"; "1 deal", "2 deals".
function dealsCount(n) {
  if (state.lang === "en") return `${n} ${n === 1 ? "deal" : "deals"}`;
  const tens = n % 100, ones = n % 10;
  const word = tens >= 11 && tens <= 14 ? "сделок" : ones === 1 ? "сделка" : ones >= 2 && ones <= 4 ? "сделки" : "сделок";
  return `${n} ${word}`;
}

function userTitle(name) {
  const user = state.session && state.session.users.find((u) => u.name === name);
  return (user && user.title) || name;
}

function duration(seconds) {
  if (seconds === undefined || seconds === null) return "";
  if (seconds < 3600) return Math.round(seconds / 60) + (state.lang === "en" ? " min" : " мин");
  if (seconds < 2 * 86400) return (seconds / 3600).toFixed(1) + (state.lang === "en" ? " h" : " ч");
  return (seconds / 86400).toFixed(1) + (state.lang === "en" ? " d" : " дн");
}

function toast(text, bad) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = bad ? "bad" : "";
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

class HttpError extends Error {
  constructor(status, body) {
    super((body && body.error && body.error.message) || "HTTP " + status);
    this.status = status;
    this.code = body && body.error && body.error.code;
  }
}

async function request(method, path, body) {
  const headers = {};
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    if (state.session) headers["X-CSRF-Token"] = state.session.csrf;
  }
  const response = await fetch("api/" + path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new HttpError(response.status, data);
  return data;
}

// ── Login ──

function showLogin() {
  state.session = null;
  stopRefresh();
  document.getElementById("top").hidden = true;
  document.getElementById("page").replaceChildren();
  document.getElementById("login").hidden = false;
  document.getElementById("token").focus();
}

async function startSession() {
  try {
    state.session = await request("GET", "session");
  } catch (e) {
    if (e.status === 401) { showLogin(); return; }
    throw e;
  }
  if (!localStorage.getItem("voronka.lang")) state.lang = state.session.language || "ru";
  document.getElementById("login").hidden = true;
  document.getElementById("top").hidden = false;
  document.getElementById("role").textContent = t(state.session.role);
  showTenants();
  showDeploying(state.session.deploying);
  translate();
  route();
}

// The tenants this login may see; choosing one opens its console (the same login when it may see it).
function showTenants() {
  const tenants = state.session.tenants || [];
  const switcher = document.getElementById("tenant-switcher");
  switcher.hidden = tenants.length === 0;
  switcher.replaceChildren(...tenants.map((x) =>
    el("option", { value: x.url, selected: x.name === state.session.tenant }, x.title || x.name)));
}

// A deployment moving deals onto a new version: a line under the header while it runs.
function showDeploying(d) {
  const line = document.getElementById("deploying");
  line.hidden = !d;
  if (!d) return;
  line.textContent = `${t("deploying")}: ${(d.from || "—").slice(0, 12)} → ${d.to.slice(0, 12)} · ` +
    `${d.deals_moved} / ${d.deals_in_store} ${t("dealsMoved")}`;
}

// The board says which version it was drawn with: after a deployment the
// session's pipelines, stages and users are the new version's.
async function followVersion(data) {
  showDeploying(data.deploying);
  if (!data.module_version || data.module_version === state.session.module_version) return;
  state.session = await request("GET", "session");
  showTenants();
}

async function login(event) {
  event.preventDefault();
  const message = document.getElementById("login-error");
  message.textContent = "";
  try {
    const answer = await request("POST", "login", { token: document.getElementById("token").value });
    document.getElementById("token").value = "";
    state.session = { csrf: answer.csrf };
    await startSession();
  } catch (e) {
    message.textContent = e.status === 401 ? t("badToken") : e.message;
  }
}

async function logout() {
  try { await request("POST", "logout", {}); } catch (e) { /* logged out either way */ }
  location.hash = "";
  showLogin();
}

function translate() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  document.getElementById("lang").textContent = state.lang === "ru" ? "English" : "Русский";
  if (state.session) document.getElementById("role").textContent = t(state.session.role);
}

// ── Routing: #/board?pipeline=…, #/deal/ID, #/stats, #/outbox?status=…, #/versions ──

function parseHash() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query] = hash.split("?");
  return { parts: path.split("/").map(decodeURIComponent), params: new URLSearchParams(query || "") };
}

function stopRefresh() {
  if (state.refresh) clearInterval(state.refresh);
  state.refresh = null;
}

async function route() {
  if (!state.session) return;
  stopRefresh();
  const { parts, params } = parseHash();
  const name = parts[0] || "board";
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("active", link.dataset.page === name);
  const page = document.getElementById("page");
  page.replaceChildren(el("p", { class: "more" }, t("loading")));
  try {
    if (name === "deal") await showDeal(page, parts.slice(1).join("/"));
    else if (name === "stats") await showStats(page, params);
    else if (name === "outbox") await showOutbox(page, params);
    else if (name === "versions") await showVersions(page);
    else await showBoard(page, params);
  } catch (e) {
    if (e.status === 401) { showLogin(); return; }
    page.replaceChildren(el("p", { class: "error", id: "page-error" }, e.message));
  }
}

function select(id, label, options, value, onchange) {
  return el("label", {}, label + " ",
    el("select", { id, onchange },
      options.map(([v, text]) => el("option", { value: v, selected: v === value }, text))));
}

// ── Board ──

async function showBoard(page, params) {
  const query = new URLSearchParams();
  for (const key of ["pipeline", "responsible", "tag"]) if (params.get(key)) query.set(key, params.get(key));
  const data = await request("GET", "board?" + query.toString());
  await followVersion(data);
  const go = (key) => (event) => {
    const next = new URLSearchParams(params);
    if (event.target.value) next.set(key, event.target.value); else next.delete(key);
    location.hash = "#/board?" + next.toString();
  };
  const s = state.session;
  const filters = el("div", { class: "filters" },
    select("filter-pipeline", t("pipeline"), s.pipelines.map((p) => [p.name, p.title || p.name]), data.pipeline, go("pipeline")),
    select("filter-responsible", t("responsible"), [["", t("anyone")], ...s.users.map((u) => [u.name, u.title || u.name])],
      params.get("responsible") || "", go("responsible")),
    select("filter-tag", t("tag"), [["", t("anyTag")], ...data.tags.map((x) => [x, x])], params.get("tag") || "", go("tag")),
    el("span", { class: "more" }, el("span", { class: "flag overdue" }, t("overdue")), t("legendOverdue"), "  ",
      el("span", { class: "flag stuck" }, t("stuck")), t("legendStuck")));
  const columns = data.stages.map((stage) => el("div", { class: "column " + stage.kind, "data-stage": stage.name },
    el("h3", {}, stage.title || stage.name),
    el("div", { class: "sum" }, `${dealsCount(stage.deals)} · ${money(stage.money)}`,
      stage.p90 !== undefined ? ` · p90 ${duration(stage.p90)}` : ""),
    stage.shown.map((deal) => el("a", {
      class: "card" + (deal.overdue ? " overdue" : "") + (deal.stuck ? " stuck" : ""),
      href: "#/deal/" + encodeURIComponent(deal.id), "data-deal": deal.id,
    },
    el("div", {}, deal.overdue ? el("span", { class: "flag overdue" }, t("overdue")) : null,
      deal.stuck ? el("span", { class: "flag stuck" }, t("stuck")) : null, deal.name || deal.id),
    el("div", { class: "meta" }, [money(deal.money), userTitle(deal.responsible), deal.tags.join(", ")].filter(Boolean).join(" · ")))),
    stage.deals > stage.shown.length ? el("div", { class: "more" }, `+${stage.deals - stage.shown.length} ${t("more")}`) : null));
  const notMoved = data.not_moved ? [el("p", { class: "more", id: "not-moved" }, `${dealsCount(data.not_moved)} ${t("notMoved")}`)] : [];
  page.replaceChildren(el("h1", {}, data.title || data.pipeline), filters, ...notMoved,
    el("div", { class: "board", id: "board" }, columns),
    el("div", { class: "funnel", id: "funnel" }, el("h2", {}, t("funnel")), funnelSvg(data.stages)));
  // Live counts: the board reloads itself while it is open.
  state.refresh = setInterval(() => { if (!document.hidden) route(); }, 30000);
}

// The funnel diagram drawn from the module's stages: a band per stage, as
// wide as its share of deals, working stages first, then won and lost.
function funnelSvg(stages) {
  const rows = stages.filter((s) => s.kind === "working").concat(stages.filter((s) => s.kind !== "working"));
  const most = Math.max(1, ...rows.map((s) => s.deals));
  const width = 800, band = 34, gap = 6;
  const height = rows.length * (band + gap);
  const colors = { working: "#2f6fde", won: "#2f855a", lost: "#c0362c" };
  return svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("funnel") },
    rows.map((s, i) => {
      const w = Math.max(40, (width - 260) * (s.deals / most));
      const y = i * (band + gap);
      const x = 260 + (width - 260 - w) / 2;
      return svg("g", {},
        svg("text", { x: 0, y: y + band / 2 + 5, "font-size": 13, fill: "#1d2430" }, s.title || s.name),
        svg("rect", { x, y, width: w, height: band, rx: 4, fill: colors[s.kind], opacity: 0.85 }),
        svg("text", { x: x + w / 2, y: y + band / 2 + 5, "text-anchor": "middle", "font-size": 13, fill: "#fff" }, String(s.deals)));
    }));
}

// ── Stage speed and conversion ──

async function showStats(page, params) {
  const query = new URLSearchParams();
  if (params.get("from")) query.set("from", params.get("from"));
  if (params.get("to")) query.set("to", params.get("to"));
  const data = await request("GET", "stats?" + query.toString());
  const from = el("input", { type: "date", id: "stats-from", value: params.get("from") || "" });
  const to = el("input", { type: "date", id: "stats-to", value: params.get("to") || "" });
  const form = el("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (from.value) next.set("from", from.value);
    if (to.value) next.set("to", to.value);
    location.hash = "#/stats?" + next.toString();
  } }, t("period"), " ", t("from"), from, t("to"), to, el("button", { type: "submit", class: "primary" }, t("apply")));
  const sections = data.pipelines.map((p) => {
    const working = p.stages.filter((s) => s.kind === "working");
    const table = el("div", { class: "scroll" }, el("table", { class: "stats-table" },
      el("tr", {}, el("th", {}, t("stage")), ["dealsIn", "toNext", "toWon", "median", "p90", "stillIn", "lostHere", "overdueTasks"]
        .map((k) => el("th", { class: "num" }, t(k)))),
      p.stages.map((s) => {
        const time = s.time_in_stage || {};
        const pct = (x) => (x === undefined ? "" : (x * 100).toFixed(1) + "%");
        return el("tr", {}, el("td", {}, s.title || s.stage),
          [s.deals_in, pct(s.to_next), pct(s.to_won), duration(time.median), duration(time.p90), s.still_in,
            s.lost_here === undefined ? "" : s.lost_here, s.overdue_tasks].map((v) => el("td", { class: "num" }, v)));
      })));
    const label = (s) => s.title || s.stage;
    const charts = el("div", { class: "charts" },
      el("div", { class: "chart" }, el("h3", {}, t("chartIn")), barChart(working.map((s) => [label(s), [s.deals_in]]), ["#2f6fde"], (v) => String(v))),
      el("div", { class: "chart" }, el("h3", {}, t("chartConv")), barChart(working.map((s) => [label(s), [s.to_next * 100, s.to_won * 100]]), ["#2f6fde", "#2f855a"], (v) => v.toFixed(0))),
      el("div", { class: "chart" }, el("h3", {}, t("chartTime")), barChart(working.map((s) => [label(s),
        [(s.time_in_stage.median || 0) / 3600, (s.time_in_stage.p90 || 0) / 3600]]), ["#2f6fde", "#b7791f"], (v) => v.toFixed(1))));
    const reasons = p.loss_reasons.length ? el("table", {}, p.loss_reasons.map((r) =>
      el("tr", {}, el("td", {}, r.reason || "—"), el("td", { class: "num" }, r.deals)))) : el("p", { class: "more" }, t("none"));
    return el("section", {}, el("h2", {}, p.title || p.pipeline), table, charts, el("h2", {}, t("lossReasons")), reasons);
  });
  page.replaceChildren(el("h1", {}, t("stats")), form, ...sections, el("p", { class: "more" }, t("notRecorded")));
}

// Horizontal bars, one row per label, one bar per series.
function barChart(rows, colors, format) {
  const width = 560, labelWidth = 170, bar = 12, rowHeight = 10 + bar * colors.length;
  const most = Math.max(1e-9, ...rows.flatMap(([, values]) => values));
  return svg("svg", { viewBox: `0 0 ${width} ${Math.max(rowHeight, rows.length * rowHeight)}`, role: "img" },
    rows.map(([label, values], i) => svg("g", {},
      svg("text", { x: 0, y: i * rowHeight + rowHeight / 2 + 4, "font-size": 11, fill: "#1d2430" },
        label.length > 26 ? label.slice(0, 25) + "…" : label),
      values.map((v, j) => {
        const w = Math.max(1, (width - labelWidth - 50) * ((v || 0) / most));
        const y = i * rowHeight + 4 + j * bar;
        return svg("g", {}, svg("rect", { x: labelWidth, y, width: w, height: bar - 2, fill: colors[j] }),
          svg("text", { x: labelWidth + w + 4, y: y + bar - 3, "font-size": 10, fill: "#667085" }, format(v || 0)));
      }))));
}

// ── Deal ──

function stageText(ref) { return ref ? ref.title || ref.stage : "—"; }

// The rules of the module that run on this event in that stage (the store does not say which fired).
function rules(entry) {
  if (!entry.rules) return null;
  return el("div", { class: "rules" }, t("rules") + ": ", entry.rules.map((r, i) =>
    [i ? ", " : "", el("code", {}, r.name || "#" + r.index), ` ${t("line")} ${r.line}`]));
}

function describe(entry) {
  switch (entry.what) {
    case "event": return [el("b", {}, t("event") + " "), el("code", {}, entry.type), " ", t("outcome_" + entry.outcome) === "outcome_" + entry.outcome ? entry.outcome : t("outcome_" + entry.outcome),
      entry.module_version ? el("span", { class: "more" }, ` · ${t("version")} ${entry.module_version.slice(0, 12)}`) : null,
      rules(entry)];
    case "move": return [el("b", {}, t("move") + " "), `${stageText(entry.from)} → ${stageText(entry.to)}`,
      el("span", { class: "more" }, ` · ${t(entry.how)} · ${t("cause")} ${entry.cause_type || entry.cause}`), rules(entry)];
    case "task": return [el("b", {}, t("task") + " "), entry.text, entry.due ? ` · ${t("due")} ${when(entry.due)}` : "",
      entry.responsible ? ` · ${userTitle(entry.responsible)}` : ""];
    case "task_done": return [el("b", {}, t("taskDone") + " "), entry.text];
    case "note": return [el("b", {}, t("note") + " "), entry.text];
    case "effect": {
      const p = entry.payload || {};
      const to = p.to || p.email || p.phone || p.url || "";
      return [el("b", {}, `${t("effect")}: ${entry.kind} `), el("span", { class: "badge " + entry.status }, t("is_" + entry.status)),
        to ? ` · ${t("letterTo")} ${to}` : "", p.subject ? ` · ${t("subject")} «${p.subject}»` : "",
        p.template ? ` · ${p.template}` : "",
        el("div", { class: "attempts", "data-attempts": entry.attempts },
          entry.attempts ? `${entry.attempts} ${t("attempts")}` : "",
          entry.last_error ? ` · ${t("lastError")}: ${entry.last_error}` : "",
          entry.next_attempt_at ? ` · ${t("nextAttempt")} ${when(entry.next_attempt_at)}` : "")];
    }
    default: return [entry.what];
  }
}

async function showDeal(page, id) {
  let data;
  try {
    data = await request("GET", "deal/" + encodeURIComponent(id));
  } catch (e) {
    if (e.status === 404) { page.replaceChildren(el("p", { class: "error" }, t("notFound") + ": " + id)); return; }
    throw e;
  }
  const d = data.deal;
  const fact = (k, v) => (v ? [el("dt", {}, t(k)), el("dd", {}, v)] : []);
  const fields = Object.entries(d.fields).map(([name, f]) => fact(name, `${f.title || name}: ${typeof f.value === "object" ? JSON.stringify(f.value) : f.value}`));
  const facts = el("dl", { class: "facts" }, fact("stage_now", stageText(d.stage)), fact("responsible", userTitle(d.responsible)),
    fact("contact", [d.contact.name, d.contact.email, d.contact.phone].filter(Boolean).join(" · ")), fact("company", d.company),
    fact("createdAt", when(d.created_at)), fact("enteredAt", when(d.entered_at)), fact("lost", d.lost_reason), fact("error", d.error),
    fact("moduleVersion", d.module_version ? d.module_version.slice(0, 16) : ""), fact("tag", d.tags.join(", ")));
  const timeline = el("ol", { class: "timeline", id: "timeline" }, data.timeline.map((entry) => el("li", {
    class: entry.what + (entry.what === "effect" && (entry.status === "dead" || entry.attempts > 0) ? " failed" : ""),
    "data-what": entry.what,
  }, el("div", { class: "when" }, when(entry.at)), el("div", {}, describe(entry)))));
  const timers = data.timers.length ? el("div", { class: "scroll" }, el("table", { id: "timers" },
    el("tr", {}, el("th", {}, t("dueAt")), el("th", {}, t("kind")), el("th", {}, t("rule")), el("th", {}, t("scheduled"))),
    data.timers.map((x) => el("tr", {}, el("td", {}, when(x.due)), el("td", {}, x.kind),
      el("td", {}, x.rule ? [el("code", {}, x.rule.name || "#" + x.rule.index), ` ${x.rule.file || ""}:${x.rule.line}`] : "—"),
      el("td", {}, when(x.scheduled_at), el("span", { class: "more" }, " · " + x.cause)))))) : el("p", { class: "more" }, t("none"));
  page.replaceChildren(el("h1", {}, `${t("deal")} ${d.name || d.id}`, el("span", { class: "more" }, ` (${d.id})`)),
    el("div", { class: "deal-head" }, el("div", {}, el("h2", {}, t("timeline")), timeline),
      el("div", {}, facts, el("h2", {}, t("fields")), el("dl", { class: "facts" }, fields), el("h2", {}, t("timers")), timers)));
}

// ── Outbox ──

async function showOutbox(page, params) {
  const status = params.get("status") || "dead";
  const data = await request("GET", "outbox?status=" + encodeURIComponent(status));
  const tabs = el("div", { class: "tabs" }, ["pending", "failing", "dead"].map((s) =>
    el("a", { href: "#/outbox?status=" + s, class: s === status ? "active" : "", id: "tab-" + s }, t(s))));
  const rows = data.effects.map((e) => {
    const message = el("div", { class: "error", id: "retry-message-" + e.id, role: "alert" });
    const retry = status === "dead" ? el("button", { type: "button", class: "danger", id: "retry-" + e.id, onclick: async () => {
      message.textContent = "";
      try {
        await request("POST", `outbox/${e.id}/retry`, {});
        toast(t("retried"));
        route();
      } catch (err) {
        if (err.status === 401) { showLogin(); return; }
        const text = err.status === 403 && err.code === "forbidden" ? t("needAdmin") : err.message;
        message.textContent = text;
        toast(text, true);
      }
    } }, t("retry")) : null;
    const p = e.payload || {};
    return el("tr", { "data-effect": e.id }, el("td", {}, e.id), el("td", {}, el("a", { href: "#/deal/" + encodeURIComponent(e.deal) }, e.deal)),
      el("td", {}, e.kind, p.subject ? ` «${p.subject}»` : ""), el("td", { class: "num" }, e.attempts),
      el("td", {}, e.last_error || "", e.next_attempt_at ? el("div", { class: "more" }, `${t("nextAttempt")} ${when(e.next_attempt_at)}`) : null),
      el("td", {}, when(e.created_at)), el("td", {}, retry, message));
  });
  page.replaceChildren(el("h1", {}, t("outbox")), tabs,
    el("p", { class: "more" }, `${t("pending")}: ${data.pending} · ${t("dead")}: ${data.dead}`),
    rows.length ? el("div", { class: "scroll" }, el("table", { id: "outbox" },
      el("tr", {}, ["#", t("deal"), t("kind"), t("attempts"), t("lastError"), t("createdAt"), ""].map((h) => el("th", {}, h))), rows))
      : el("p", { class: "more" }, t("empty")));
}

// ── Versions ──

async function showVersions(page) {
  const data = await request("GET", "versions");
  showDeploying(data.deploying);
  const table = (heads, rows) => el("div", { class: "scroll" }, el("table", {}, el("tr", {}, heads.map((h) => el("th", {}, h))), rows));
  page.replaceChildren(el("h1", {}, t("versions")),
    el("p", {}, t("running") + ": ", el("code", { id: "running-version" }, data.running)),
    ...(data.deploying ? [el("p", { id: "deploying-now" }, `${t("deploying")} #${data.deploying.id}: `,
      el("code", {}, (data.deploying.from || "—").slice(0, 12)), " → ", el("code", {}, data.deploying.to.slice(0, 12)),
      ` · ${data.deploying.deals_moved} / ${data.deploying.deals_in_store} ${t("dealsMoved")}`)] : []),
    el("h2", {}, t("kept")),
    table([t("version"), t("source"), t("added")], data.versions.map((v) =>
      el("tr", {}, el("td", {}, el("code", {}, v.version)), el("td", {}, v.source), el("td", {}, when(v.added_at))))),
    el("h2", {}, t("deployments")),
    data.deployments.length ? table(["#", t("started"), t("finished"), t("by"), t("version"), t("status")], data.deployments.map((d) =>
      el("tr", {}, el("td", {}, d.id), el("td", {}, when(d.started_at)), el("td", {}, when(d.finished_at)), el("td", {}, d.by),
        el("td", {}, el("code", {}, (d.from || "—").slice(0, 12)), " → ", el("code", {}, d.to.slice(0, 12))), el("td", {}, d.status))))
      : el("p", { class: "more" }, t("none")));
}

// ── Start ──

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login").addEventListener("submit", login);
  document.getElementById("logout").addEventListener("click", logout);
  document.getElementById("tenant-switcher").addEventListener("change", (e) => { location.href = e.target.value; });
  document.getElementById("lang").addEventListener("click", () => {
    state.lang = state.lang === "ru" ? "en" : "ru";
    localStorage.setItem("voronka.lang", state.lang);
    translate();
    route();
  });
  window.addEventListener("hashchange", route);
  translate();
  startSession().catch((e) => toast(e.message, true));
});
