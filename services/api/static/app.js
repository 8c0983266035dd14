// The fact-checkers' page: every action is a call of the public /v1 API with the key the user pasted.
// Text from the API (articles, passages, rationales, notes) only ever goes into the page as text nodes.

const main = document.getElementById("main");
const KEY = "factcheck-key";

// --- Building the page without HTML strings ---

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children.flat()) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}

function show(...nodes) {
  main.replaceChildren(...nodes.filter((node) => node !== null && node !== undefined && node !== false));
  main.focus();
}

const ago = (iso) => {
  const hours = (Date.now() - Date.parse(iso)) / 3.6e6;
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  return `${Math.round(hours / 24)} days`;
};
const when = (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC" : "");
const badge = (state) => el("span", { class: `badge ${state}` }, state);

// --- The API ---

class ApiError extends Error {
  constructor(status, body) {
    super(body?.detail || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

async function api(path, { method = "GET", body, headers = {}, raw = false } = {}) {
  const response = await fetch(path, {
    method,
    headers: {
      Authorization: `Bearer ${sessionStorage.getItem(KEY)}`,
      ...(body ? { "Content-Type": "application/json" } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (raw && response.ok) return response;
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return { data, etag: response.headers.get("ETag") };
}

function failure(error) {
  if (error instanceof ApiError && error.status === 401) {
    sessionStorage.removeItem(KEY);
    return signIn("That key was not accepted. Paste a valid API key.");
  }
  show(el("h2", {}, "Something went wrong"), el("p", { class: "error", role: "alert" }, error.message));
}

// --- Signing in: the key is kept for this tab only (sessionStorage), never in a URL ---

function signIn(message) {
  document.getElementById("who").textContent = "";
  const input = el("input", { type: "password", id: "key", name: "key", autocomplete: "off", required: true });
  show(
    el("h2", {}, "Sign in"),
    message ? el("p", { class: "error", role: "alert" }, message) : null,
    el(
      "form",
      {
        onsubmit: (event) => {
          event.preventDefault();
          sessionStorage.setItem(KEY, input.value.trim());
          route();
        },
      },
      el("label", { for: "key" }, "API key", input),
      " ",
      el("button", { type: "submit" }, "Use this key"),
    ),
  );
}

let me = null;

async function whoAmI() {
  me = (await api("/v1/me")).data;
  document.getElementById("who").replaceChildren(
    `${me.name} (${me.role}) `,
    el("button", { class: "secondary", type: "button", onclick: () => { sessionStorage.removeItem(KEY); me = null; signIn(); } }, "Sign out"),
  );
}

// --- Queue ---

const FILTERS = [
  ["state", "State", ["", "unverified", "corroborated", "disputed"]],
  ["suggested", "Suggested verdict", ["", "corroborated", "disputed", "none"]],
  ["decided_elsewhere", "Decided elsewhere", ["", "true", "false"]],
  ["sort", "Sort by", ["score", "age"]],
];

async function queuePage(params) {
  const query = new URLSearchParams([...params].filter(([, v]) => v !== ""));
  const { data } = await api(`/v1/queue?${query}`);
  const form = el("form", { class: "filters", role: "search", onsubmit: (event) => {
    event.preventDefault();
    location.hash = `#/queue?${new URLSearchParams(new FormData(form))}`;
  } });
  for (const [name, label, options] of FILTERS) {
    const select = el("select", { id: `f-${name}`, name }, options.map((o) => el("option", { value: o, selected: params.get(name) === o }, o || "any")));
    form.append(el("label", { for: `f-${name}` }, label, select));
  }
  form.append(
    el("label", { for: "f-source" }, "Source", el("input", { type: "text", id: "f-source", name: "source", value: params.get("source") || "" })),
    el("label", { for: "f-min_score" }, "Least score", el("input", { type: "text", id: "f-min_score", name: "min_score", inputmode: "decimal", size: 5, value: params.get("min_score") || "" })),
    el("label", { for: "f-min_age_hours" }, "Waiting at least (hours)", el("input", { type: "text", id: "f-min_age_hours", name: "min_age_hours", inputmode: "decimal", size: 5, value: params.get("min_age_hours") || "" })),
    el("label", { for: "f-max_age_hours" }, "Waiting at most (hours)", el("input", { type: "text", id: "f-max_age_hours", name: "max_age_hours", inputmode: "decimal", size: 5, value: params.get("max_age_hours") || "" })),
    el("button", { type: "submit" }, "Filter"),
  );
  const rows = data.items.map((claim) =>
    el("tr", { "data-id": claim.id },
      el("td", {}, el("a", { href: `#/claim/${claim.id}` }, claim.text)),
      el("td", {}, badge(claim.state)),
      el("td", {}, claim.suggested_state ? badge(claim.suggested_state) : el("span", { class: "muted" }, "none"),
        claim.suggested_from_claim_id ? el("span", { class: "muted" }, " decided elsewhere") : null),
      el("td", {}, claim.source),
      el("td", {}, claim.score.toFixed(2)),
      el("td", {}, ago(claim.created_at)),
      el("td", {}, claim.mine
        ? el("button", { class: "secondary", type: "button", onclick: () => act(`/v1/claims/${claim.id}/release`) }, "Release")
        : el("button", { type: "button", onclick: () => act(`/v1/claims/${claim.id}/take`) }, "Take")),
    ));
  const table = rows.length
    ? el("table", {},
        el("caption", { class: "muted" }, "j and k move, Enter opens, t takes the claim."),
        el("thead", {}, el("tr", {}, ["Claim", "State", "Suggested", "Source", "Score", "Waiting", ""].map((h) => el("th", { scope: "col" }, h)))),
        el("tbody", {}, rows))
    : el("p", { class: "notice" }, "Nothing waits here: no claim matches these filters.");
  show(el("h2", {}, "Queue"), form, table);
  selected = 0;
  highlight();
}

let selected = 0;
function highlight() {
  const rows = [...main.querySelectorAll("tbody tr")];
  rows.forEach((row, n) => row.classList.toggle("current", n === selected));
  rows[selected]?.scrollIntoView({ block: "nearest" });
}

async function act(path) {
  try {
    await api(path, { method: "POST" });
    route();
  } catch (error) {
    failure(error);
  }
}

document.addEventListener("keydown", (event) => {
  if (!location.hash.startsWith("#/queue") && location.hash !== "" && location.hash !== "#/") return;
  if (["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement?.tagName)) return;
  const rows = [...main.querySelectorAll("tbody tr")];
  if (!rows.length) return;
  if (event.key === "j") selected = Math.min(rows.length - 1, selected + 1);
  else if (event.key === "k") selected = Math.max(0, selected - 1);
  else if (event.key === "Enter") location.hash = `#/claim/${rows[selected].dataset.id}`;
  else if (event.key === "t") act(`/v1/claims/${rows[selected].dataset.id}/take`);
  else return;
  event.preventDefault();
  highlight();
});

// --- Claim ---

function articleText(article, focusId) {
  const box = el("div", { class: "article", tabindex: "0", "aria-label": "The article, claims marked" });
  let at = 0;
  for (const claim of [...article.claims].sort((a, b) => a.char_start - b.char_start)) {
    if (claim.char_start < at) continue;
    box.append(article.body.slice(at, claim.char_start));
    const mark = el("mark", { class: claim.id === focusId ? "" : "other", title: claim.id === focusId ? "this claim" : `claim ${claim.id}` },
      article.body.slice(claim.char_start, claim.char_end));
    box.append(claim.id === focusId ? mark : el("a", { href: `#/claim/${claim.id}` }, mark));
    at = claim.char_end;
  }
  box.append(article.body.slice(at));
  return box;
}

let polling = null;
const gatheringEvidence = (claim) => claim.task && ["pending", "queued", "running"].includes(claim.task.status);

// `drawnAt`: the version of the claim as the page showed it while its evidence was gathered; when given, what
// the fact-checker typed meanwhile is kept (see awaitEvidence).
async function claimPage(id, notice, drawnAt) {
  clearTimeout(polling);
  const [{ data: claim, etag }, history, related] = await Promise.all([
    api(`/v1/claims/${id}`),
    api(`/v1/claims/${id}/history`).then((r) => r.data.items).catch(() => null),
    api(`/v1/claims/${id}/related`).then((r) => r.data.items).catch(() => []),
  ]);
  const { data: article } = await api(`/v1/articles/${claim.article_id}`);
  const gathering = gatheringEvidence(claim);
  const evidence = claim.evidence.length
    ? el("ul", {}, claim.evidence.map((e) =>
        el("li", {},
          el("span", { class: `badge ${e.stance}` }, e.stance), " ",
          el("a", { href: e.url, rel: "noopener noreferrer", target: "_blank" }, e.title || e.url),
          el("span", { class: "muted" }, ` ${e.publisher || ""} · fetched ${when(e.fetched_at)}`),
          el("blockquote", {}, el("mark", {}, e.passage)))))
    : el("p", { class: "muted" }, gathering ? "" : "No evidence was found.");
  const form = verdictForm(claim, etag);
  if (drawnAt !== undefined && location.hash !== `#/claim/${id}`) return;  // left while it loaded
  const moved = drawnAt !== undefined && claim.version !== drawnAt;
  if (moved) notice = `Someone moved this claim while its evidence was gathered: it is ${claim.state} now. Your verdict was not kept; decide again with the evidence in.`;
  const typed = drawnAt === undefined ? null : typedOnPage(moved ? ["v-state", "v-rationale"] : []);
  show(
    el("p", {}, el("a", { href: "#/queue" }, "← Queue"), " · ", el("a", { href: `#/article/${article.id}` }, `Article: ${article.title}`)),
    el("h2", {}, "Claim ", badge(claim.state)),
    notice ? el("p", { class: "notice", role: "status" }, notice) : null,
    el("p", {}, el("strong", {}, claim.text)),
    el("p", { class: "muted" }, `Why it was picked: ${claim.reasons.join("; ") || "—"}`),
    el("div", { class: "columns" },
      el("section", { "aria-labelledby": "h-article" }, el("h3", { id: "h-article" }, `${article.source}: ${article.title}`), articleText(article, claim.id)),
      el("section", { "aria-labelledby": "h-evidence" },
        el("h3", { id: "h-evidence" }, "Evidence"),
        gathering ? el("p", { class: "notice", role: "status" }, "Gathering evidence… it appears here when it is in.") : null,
        evidence,
        el("h3", {}, "Suggested verdict"),
        claim.suggested_state
          ? el("p", {}, badge(claim.suggested_state), " ", claim.suggested_explanation || "")
          : el("p", { class: "muted" }, "None yet."),
        el("h3", {}, "The same claim elsewhere"),
        related.length
          ? el("ul", {}, related.map((r) => el("li", {}, el("a", { href: `#/claim/${r.claim_id}` }, r.text), " ", badge(r.state),
              r.verdict ? el("span", { class: "muted" }, ` ${r.verdict.by}: ${r.verdict.rationale || ""}`) : null)))
          : el("p", { class: "muted" }, "None found."),
      ),
    ),
    form,
    notesForm(claim.id),
    el("h3", {}, "History"),
    history === null
      ? el("p", { class: "muted" }, "Not available to this key.")
      : el("ol", { id: "history" }, history.map((e) => el("li", {},
          `${when(e.created_at)} · ${e.actor} · `,
          e.kind === "transition" ? `${e.from_state} → ${e.to_state}` : e.kind === "assignment" ? `assigned to ${e.assignee || "nobody"}` : "note",
          e.rationale ? el("q", {}, e.rationale) : null))),
  );
  if (typed) putBack(typed);
  if (gathering) awaitEvidence(id, claim.version);
}

// While its evidence is gathered, only the claim is asked for again (not its article, which may be a megabyte),
// and the page is drawn again once, when the evidence is in, keeping what the fact-checker typed meanwhile, unless
// someone moved the claim in between: then, as for a 412, the verdict begun is not kept and the page says why.
function awaitEvidence(id, version) {
  polling = setTimeout(async () => {
    let claim;
    try {
      claim = (await api(`/v1/claims/${id}`)).data;
    } catch (error) {
      // A network failure or a server error is tried again; a refusal (the key, the claim gone) ends the wait.
      if (!(error instanceof ApiError) || error.status >= 500) awaitEvidence(id, version);
      return;
    }
    if (location.hash !== `#/claim/${id}`) return;  // left meanwhile: another page is shown
    if (gatheringEvidence(claim)) return awaitEvidence(id, version);
    await claimPage(id, undefined, version);
  }, 2000);
}

// The text and choices in the page's forms, and the field being typed in with its selection, except `dropped`.
function typedOnPage(dropped) {
  const active = document.activeElement;
  return {
    values: [...main.querySelectorAll("textarea[id], select[id]:not([multiple])")]
      .filter((box) => !dropped.includes(box.id)).map((box) => [box.id, box.value]),
    focused: active && active.id && !dropped.includes(active.id) ? [active.id, active.selectionStart, active.selectionEnd] : null,
  };
}

function putBack({ values, focused }) {
  for (const [id, value] of values) {
    const box = document.getElementById(id);
    // A choice the new page no longer offers is left as it is drawn.
    if (box && (box.tagName === "TEXTAREA" || [...box.options].some((o) => o.value === value))) box.value = value;
  }
  const box = focused && document.getElementById(focused[0]);
  if (box) {
    box.focus();
    if (box.tagName === "TEXTAREA") box.setSelectionRange(focused[1], focused[2]);
  }
}

function verdictForm(claim, etag) {
  if (!me || me.role === "integration") return null;
  const moves = { unverified: ["corroborated", "disputed"], corroborated: ["disputed", "unverified"], disputed: ["corroborated", "unverified"] }[claim.state];
  const state = el("select", { id: "v-state", name: "to" }, moves.map((m) => el("option", { value: m }, m)));
  const rationale = el("textarea", { id: "v-rationale", name: "rationale", required: true });
  const cited = el("select", { id: "v-evidence", name: "evidence", multiple: true }, claim.evidence.map((e) => el("option", { value: e.id }, `${e.stance}: ${e.title || e.url}`)));
  const status = el("p", { role: "status" });
  const form = el("form", { "aria-labelledby": "h-verdict", onsubmit: async (event) => {
    event.preventDefault();
    const evidence_ids = state.value === "unverified" ? [] : [...cited.selectedOptions].map((o) => Number(o.value));
    try {
      await api(`/v1/claims/${claim.id}/transitions`, { method: "POST", headers: { "If-Match": etag },
        body: { to: state.value, rationale: rationale.value, evidence_ids } });
      claimPage(claim.id, `Saved: the claim is ${state.value} now.`);
    } catch (error) {
      if (error.status === 412) {
        const now = error.body?.current;
        claimPage(claim.id, `Someone moved this claim while you were deciding: it is ${now?.state} now (version ${now?.version}). ` +
          "Here it is as it stands; your rationale was not saved, decide again if you still disagree.");
      } else {
        status.replaceChildren(el("span", { class: "error" }, error.message));
      }
    }
  } },
    el("h3", { id: "h-verdict" }, "Verdict"),
    el("label", { for: "v-state" }, "Move to", state), " ",
    claim.evidence.length ? el("label", { for: "v-evidence" }, "Evidence cited", cited) : null,
    el("label", { for: "v-rationale", class: "wide" }, "Rationale", rationale),
    el("button", { type: "submit" }, "Save verdict"),
    status,
  );
  return form;
}

function notesForm(id) {
  if (!me || me.role === "integration") return null;
  const text = el("textarea", { id: "n-text", name: "text", required: true });
  return el("form", { onsubmit: async (event) => {
    event.preventDefault();
    try {
      await api(`/v1/claims/${id}/notes`, { method: "POST", body: { text: text.value } });
      claimPage(id, "Note added.");
    } catch (error) { failure(error); }
  } }, el("label", { for: "n-text", class: "wide" }, "Note", text), el("button", { type: "submit", class: "secondary" }, "Add note"));
}

// --- Article, and a new one ---

async function articlePage(id) {
  const { data: article } = await api(`/v1/articles/${id}`);
  show(
    el("h2", {}, `${article.source}: ${article.title}`),
    article.url ? el("p", {}, el("a", { href: article.url, rel: "noopener noreferrer", target: "_blank" }, article.url)) : null,
    articleText(article, null),
    el("h3", {}, `Claims (${article.claims.length})`),
    el("ul", {}, article.claims.map((c) => el("li", {}, badge(c.state), " ", el("a", { href: `#/claim/${c.id}` }, c.text)))),
  );
}

function newArticlePage() {
  const title = el("input", { type: "text", id: "a-title", name: "title", required: true, size: 50 });
  const source = el("input", { type: "text", id: "a-source", name: "source", value: "desk" });
  const body = el("textarea", { id: "a-body", name: "body", required: true, rows: 12 });
  const preview = el("div", { "aria-live": "polite" });
  const submit = el("button", { type: "button", onclick: async () => {
    try {
      const { data } = await api("/v1/articles", { method: "POST", body: { title: title.value, source: source.value, body: body.value } });
      location.hash = `#/article/${data.id}`;
    } catch (error) { preview.replaceChildren(el("p", { class: "error", role: "alert" }, error.message)); }
  } }, "Submit the article");
  show(
    el("h2", {}, "New article"),
    el("form", { onsubmit: async (event) => {
      event.preventDefault();
      try {
        const { data } = await api("/v1/extract", { method: "POST", body: { text: body.value } });
        preview.replaceChildren(
          el("h3", {}, `Claims found: ${data.claims.length}`),
          el("ol", {}, data.claims.map((c) => el("li", {}, c.text, el("span", { class: "muted" }, ` (${c.score.toFixed(2)}: ${c.reasons.join("; ")})`)))),
          me?.role === "admin" || me?.role === "integration" ? submit : el("p", { class: "muted" }, "Submitting needs an admin or integration key."),
        );
      } catch (error) { preview.replaceChildren(el("p", { class: "error", role: "alert" }, error.message)); }
    } },
      el("label", { for: "a-title" }, "Title", title), " ",
      el("label", { for: "a-source" }, "Source", source),
      el("label", { for: "a-body", class: "wide" }, "Text", body),
      el("button", { type: "submit" }, "See its claims"),
    ),
    preview,
  );
}

// --- Desk (editors) ---

function bars(title, items, { max, color = "#0b5cad", format = (v) => v } = {}) {
  // Fixed size in pixels (360 wide fits a 400 px screen); a label says the figure, the bar its size.
  const width = 360, row = 22, height = items.length * row + 10;
  const top = max ?? Math.max(1, ...items.map(([, v]) => v ?? 0));
  return el("figure", {},
    el("figcaption", {}, el("strong", {}, title)),
    svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": `${title}: ${items.map(([k, v]) => `${k} ${format(v)}`).join(", ")}` },
      items.map(([label, value], n) => svg("g", {},
        svg("text", { x: 0, y: n * row + 15 }, label),
        svg("rect", { x: 130, y: n * row + 4, height: 14, width: Math.max(1, ((value ?? 0) / top) * 170), fill: color }),
        svg("text", { x: 135 + Math.max(1, ((value ?? 0) / top) * 170), y: n * row + 15 }, format(value))))));
}

async function deskPage() {
  const [summary, verdicts, sources] = await Promise.all([
    api("/v1/reports/summary").then((r) => r.data),
    api("/v1/reports/timeseries?metric=verdicts&interval=day").then((r) => r.data.items),
    api("/v1/reports/sources").then((r) => r.data.items),
  ]);
  const b = summary.backlog, t = summary.time_to_first_verdict_seconds;
  const hours = (s) => (s === null || s === undefined ? "no verdict yet" : `${(s / 3600).toFixed(1)} h`);
  const download = el("button", { type: "button", onclick: async () => {
    const response = await api("/v1/exports/claims.csv", { raw: true });
    const link = el("a", { href: URL.createObjectURL(await response.blob()), download: "claims.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  } }, "Download the claims (CSV)");
  show(
    el("h2", {}, "Desk, last 30 days"),
    el("p", {}, `Backlog ${b.total} claims · verdicts ${summary.verdicts.corroborated + summary.verdicts.disputed} · reopened ${summary.reopened}`),
    el("div", { class: "charts" },
      bars("Backlog by age", [["under 1 h", b.under_1h], ["1 to 24 h", b["1h_to_24h"]], ["1 to 7 days", b["1d_to_7d"]], ["older", b.over_7d]]),
      bars("Verdicts per day", verdicts.slice(-14).map((d) => [d.start.slice(5, 10), d.corroborated + d.disputed])),
      bars("Time to first verdict", [["median", t.median], ["p90", t.p90]], { format: hours }),
      bars("Dispute rate by outlet", sources.slice(0, 8).map((s) => [s.source.slice(0, 18), s.dispute_rate ?? 0]), { max: 1, color: "#a3261b", format: (v) => `${Math.round(v * 100)} %` }),
    ),
    download,
  );
}

// --- Routing ---

async function route() {
  if (!sessionStorage.getItem(KEY)) return signIn();
  try {
    if (!me) await whoAmI();
    const [path, query] = (location.hash.slice(1) || "/queue").split("?");
    const [, page, id] = path.split("/");
    if (page === "claim") await claimPage(Number(id));
    else if (page === "article") await articlePage(Number(id));
    else if (page === "new") newArticlePage();
    else if (page === "desk") await deskPage();
    else await queuePage(new URLSearchParams(query || ""));
  } catch (error) {
    failure(error);
  }
}

window.addEventListener("hashchange", route);
route();
