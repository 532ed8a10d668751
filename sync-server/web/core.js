// What every supervisor page uses: the page's elements, the session, building elements, messages
// and calls to the JSON API (/v1/supervisor/*, see /v1/openapi.json). The session token lives in
// sessionStorage, so closing the tab signs out.

import { said } from "./i18n.js";

export const main = document.getElementById("main");
export const message = document.getElementById("message");
export const who = document.getElementById("who");
export const nav = document.getElementById("nav");
export const signoutButton = document.getElementById("signout");

/** The session: its token, and which navigation is current (`generation`). */
export const session = { token: sessionStorage.getItem("aisle.token"), badge: null, generation: 0 };

/** The warehouses (from the API) and the one the pages show when the address names none: the
 * last one chosen in the header (kept in this browser), else the first. */
export const place = { warehouses: [], chosen: localStorage.getItem("aisle.web.warehouse") };

/** The warehouse a page shows: the one in the address (a link to an item in another warehouse),
 * else the header's. */
export function currentWarehouse() {
  return hashParams().get("warehouse") ?? place.chosen ?? place.warehouses[0]?.code ?? "WH1";
}

/** What the pages module (app.js) provides: redrawing the current page, and signing out. */
export const hooks = { route: async () => {}, signedOut: () => {} };

/** A page whose data arrives after the supervisor has moved on (another page, or another
 * search) must not paint over what is on screen now. */
export function paint(gen, ...nodes) {
  if (gen === session.generation) main.replaceChildren(...nodes.flat());
}

/** Elements without innerHTML: every value from the API is text, never markup. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
  return e;
}

const SVG = "http://www.w3.org/2000/svg";

/** SVG elements, built like `el`: values are text, never markup. */
export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children.flat(Infinity)) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

export function say(kind, text) {
  message.hidden = false;
  message.className = kind;
  message.textContent = text;
  message.dataset.testid = "message";
}

/** A refusal from the API in the supervisor's language: its `said` where the server sent one,
 * else its English message. */
function refusal(data, status) {
  return data.said ? said(data.said) : (data.message ?? `HTTP ${status}`);
}

export async function api(method, path, body) {
  const headers = { "content-type": "application/json" };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({ kind: "internal", message: `HTTP ${res.status}` }));
  if (!res.ok) {
    if (res.status === 401 && session.token) hooks.signedOut();
    throw new Error(refusal(data, res.status));
  }
  return data;
}

/** Runs a supervisor action, says what came of it and redraws the page. */
export async function act(path, body, done) {
  try {
    const r = await api("POST", path, body);
    say("ok", done(r));
    await hooks.route();
  } catch (err) {
    say("error", err.message);
  }
}

export function hashParams() {
  return new URLSearchParams(location.hash.split("?")[1] ?? "");
}


/** A document the API returns (a PDF, a label), fetched with the session and saved as `filename`. */
export async function download(path, filename) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${session.token}` } });
  if (!res.ok) {
    const data = await res.json().catch(() => ({ message: `HTTP ${res.status}` }));
    throw new Error(refusal(data, res.status));
  }
  const url = URL.createObjectURL(await res.blob());
  const a = el("a", { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A text document the API returns (an SVG label), fetched with the session. */
export async function fetchText(path) {
  const res = await fetch(path, { headers: { authorization: `Bearer ${session.token}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(refusal(JSON.parse(text || "{}"), res.status));
  return text;
}
