// The supervisor pages: a small client of the JSON API (/v1/supervisor/*, see
// /v1/openapi.json). The session token lives in sessionStorage, so closing the tab signs out.

const main = document.getElementById("main");
const message = document.getElementById("message");
const who = document.getElementById("who");
const nav = document.getElementById("nav");
const signoutButton = document.getElementById("signout");

let token = sessionStorage.getItem("aisle.token");

/** Elements without innerHTML: every value from the API is text, never markup. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return e;
}

function say(kind, text) {
  message.hidden = false;
  message.className = kind;
  message.textContent = text;
  message.dataset.testid = "message";
}

async function api(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ kind: "internal", message: `HTTP ${res.status}` }));
  if (!res.ok) {
    if (res.status === 401 && token) signedOut();
    throw new Error(data.message ?? `HTTP ${res.status}`);
  }
  return data;
}

function signedOut() {
  token = null;
  sessionStorage.removeItem("aisle.token");
  nav.hidden = true;
  signoutButton.hidden = true;
  who.textContent = "";
  showSignIn();
}

function showSignIn() {
  const badge = el("input", { name: "badge", autocomplete: "username", required: true, "data-testid": "badge" });
  const pin = el("input", { name: "pin", type: "password", inputmode: "numeric", autocomplete: "current-password", required: true, "data-testid": "pin" });
  const form = el(
    "form",
    {
      class: "signin",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const s = await api("POST", "/v1/supervisor/session", { badge: badge.value.trim(), pin: pin.value });
          token = s.token;
          sessionStorage.setItem("aisle.token", token);
          say("ok", `Signed in: ${s.name}`);
          await start();
        } catch (err) {
          pin.value = "";
          say("error", err.message);
        }
      },
    },
    el("h1", {}, "Supervisor sign-in"),
    el("label", {}, "Badge ", badge),
    el("label", {}, "PIN ", pin),
    el("button", { class: "primary", type: "submit", "data-testid": "signin" }, "Sign in"),
  );
  main.replaceChildren(form);
  badge.focus();
}

async function exceptionsPage() {
  const list = await api("GET", "/v1/supervisor/exceptions");
  const rows = list.map((x) => {
    const note = el("input", { placeholder: "note", "aria-label": "note" });
    const qty = el("input", { placeholder: "± units", inputmode: "numeric", size: 6, "aria-label": "adjust by" });
    const resolve = async (body) => {
      try {
        await api("POST", `/v1/supervisor/exceptions/${x.id}/resolve`, body);
        say("ok", `Resolved: ${x.message}`);
        await route();
      } catch (err) {
        say("error", err.message);
      }
    };
    return el(
      "tr",
      { "data-testid": "exception", "data-kind": x.kind },
      el("td", {}, x.kind.replaceAll("_", " ")),
      el("td", {}, x.message),
      el("td", {}, new Date(x.created_at).toLocaleString()),
      el(
        "td",
        {},
        el(
          "form",
          { class: "inline", onsubmit: (e) => { e.preventDefault(); void resolve({ accept: { note: note.value.trim() || "accepted" } }); } },
          note,
          el("button", { type: "submit", "data-testid": "accept" }, "Accept"),
        ),
        el(
          "form",
          {
            class: "inline",
            onsubmit: (e) => {
              e.preventDefault();
              const n = Number.parseInt(qty.value, 10);
              if (!Number.isSafeInteger(n) || n === 0) return say("error", "enter a whole number of units to adjust by, e.g. -2");
              void resolve({ adjust: { qty: n, reason: note.value.trim() || "supervisor correction" } });
            },
          },
          qty,
          el("button", { type: "submit" }, "Adjust"),
        ),
      ),
    );
  });
  main.replaceChildren(
    el("h1", {}, `Exceptions (${list.length} open)`),
    list.length === 0
      ? el("p", { "data-testid": "no-exceptions" }, "Nothing waits for a supervisor.")
      : el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Kind"), el("th", {}, "What happened"), el("th", {}, "When"), el("th", {}, "Decision"))), el("tbody", {}, rows)),
  );
}

async function replenishmentPage() {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const warehouse = params.get("warehouse") ?? "WH1";
  const lines = await api("GET", `/v1/supervisor/replenishment?warehouse=${encodeURIComponent(warehouse)}`);
  const suggested = lines.filter((l) => l.suggestion !== null);
  const picks = new Map(suggested.map((l) => [l.sku, true]));
  const order = async () => {
    const chosen = suggested.filter((l) => picks.get(l.sku)).map((l) => ({ sku: l.sku, qty: l.suggestion.qty }));
    if (chosen.length === 0) return say("error", "tick at least one suggestion");
    try {
      const po = await api("POST", "/v1/supervisor/purchase-orders", { warehouse, lines: chosen });
      say("ok", `Purchase order ${po.purchase_order} raised with ${po.lines} line(s); devices receive it as expected goods`);
      await route();
    } catch (err) {
      say("error", err.message);
    }
  };
  const row = (l) =>
    el(
      "tr",
      { "data-testid": `suggestion-${l.sku}` },
      el("td", {}, l.suggestion ? el("input", { type: "checkbox", checked: true, "aria-label": `order ${l.sku}`, onchange: (e) => picks.set(l.sku, e.target.checked) }) : ""),
      el("td", {}, l.sku, el("br"), el("span", { class: "why" }, l.description)),
      el("td", { class: "num" }, l.position.on_hand),
      el("td", { class: "num" }, l.position.allocated),
      el("td", { class: "num" }, l.position.on_order),
      el("td", { class: "num" }, l.suggestion?.qty ?? ""),
      el("td", { class: "why" }, l.suggestion?.reason ?? "", el("br"), l.forecast.levels.explanation, el("br"), l.forecast.reason),
    );
  main.replaceChildren(
    el("h1", {}, `Reorder suggestions · ${warehouse}`),
    el("p", {}, `${suggested.length} item(s) at or below their reorder level, of ${lines.length} with a policy.`),
    el("button", { class: "primary", onclick: order, disabled: suggested.length === 0, "data-testid": "raise-po" }, "Raise a purchase order for the ticked items"),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, "Item"), el("th", { class: "num" }, "On hand"), el("th", { class: "num" }, "Allocated"), el("th", { class: "num" }, "On order"), el("th", { class: "num" }, "Order"), el("th", { class: "why" }, "Why"))),
      el("tbody", {}, suggested.map(row)),
    ),
  );
}

async function devicesPage() {
  const devices = await api("GET", "/v1/supervisor/devices");
  main.replaceChildren(
    el("h1", {}, "Devices"),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "Warehouse"), el("th", {}, "Last sync"), el("th", { class: "num" }, "Operations received"), el("th", {}, "App"), el("th", {}, "State"))),
      el(
        "tbody",
        {},
        devices.map((d) =>
          el("tr", { "data-testid": "device" }, el("td", {}, d.name), el("td", {}, d.warehouse_code), el("td", {}, d.last_seen_at ? new Date(d.last_seen_at).toLocaleString() : "never"), el("td", { class: "num" }, d.durable_seq), el("td", {}, d.app_version), el("td", {}, d.revoked ? "revoked" : "active")),
        ),
      ),
    ),
  );
}

const PAGES = { "#/exceptions": exceptionsPage, "#/replenishment": replenishmentPage, "#/devices": devicesPage };

async function route() {
  if (!token) return showSignIn();
  const page = location.hash.split("?")[0];
  const show = PAGES[page] ?? exceptionsPage;
  for (const a of nav.querySelectorAll("a")) a.classList.toggle("active", a.getAttribute("href") === page);
  try {
    await show();
  } catch (err) {
    if (token) say("error", err.message);
  }
}

async function start() {
  try {
    const me = await api("GET", "/v1/supervisor/session");
    who.textContent = me.name;
    nav.hidden = false;
    signoutButton.hidden = false;
    await route();
  } catch {
    signedOut();
  }
}

signoutButton.addEventListener("click", async () => {
  await api("DELETE", "/v1/supervisor/session").catch(() => null);
  say("ok", "Signed out");
  signedOut();
});
window.addEventListener("hashchange", () => void route());
if (token) void start();
else showSignIn();
