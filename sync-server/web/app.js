// The supervisor pages: a small client of the JSON API (/v1/supervisor/*, see
// /v1/openapi.json). Shared helpers are in core.js; the Orders, Exceptions, Operators, Devices and
// Dashboard pages are modules of their own.

import { act, api, currentWarehouse, el, hashParams, hooks, main, message, nav, paint, place, say, session, signoutButton, svg, who } from "./core.js";
import { dashboardPage } from "./dashboard.js";
import { exceptionsPage } from "./exceptions.js";
import { operatorsPage } from "./operators.js";
import { devicesPage } from "./devices.js";
import { ordersPage } from "./orders.js";
import { LANGUAGES, exceptionMessage, language, num, said, saveLanguage, savedLanguage, t, useLanguage, when } from "./i18n.js";

function signedOut() {
  session.token = null;
  session.badge = null;
  sessionStorage.removeItem("aisle.token");
  nav.hidden = true;
  signoutButton.hidden = true;
  languageSelect.hidden = true;
  warehouseSelect.hidden = true;
  who.textContent = "";
  // The next person at this browser may not read the last one's language.
  void useLanguage("en").then(() => {
    translateShell();
    showSignIn();
  });
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
          session.token = s.token;
          sessionStorage.setItem("aisle.token", s.token);
          say("ok", t("signin.done", { name: s.name }));
          await start();
        } catch (err) {
          pin.value = "";
          say("error", err.message);
        }
      },
    },
    el("h1", {}, t("signin.title")),
    el("label", {}, t("signin.badge"), " ", badge),
    el("label", {}, t("signin.pin"), " ", pin),
    el("button", { class: "primary", type: "submit", "data-testid": "signin" }, t("signin.submit")),
  );
  main.replaceChildren(form);
  badge.focus();
}

/** Customer returns, newest first; quarantined ones can be released to a location once inspected. */
function returnsSection(warehouse, returned) {
  const release = (r, input) => {
    const to = input.value.trim().toUpperCase();
    if (to === "") return say("error", t("returns.typeLocation"));
    return act(
      "/v1/supervisor/quarantine/release",
      { warehouse, from: r.location, sku: r.sku, lot: r.lot, qty: r.qty, to },
      (x) => t("returns.released", { qty: num(r.qty), sku: r.sku, from: r.location, to, moved: num(x.moved) }),
    );
  };
  const row = (r) => {
    const to = el("input", { placeholder: t("returns.toLocation"), "aria-label": t("returns.releaseTo", { sku: r.sku }), "data-testid": "release-to" });
    return el(
      "tr",
      { class: r.mismatch ? "due" : "", "data-testid": "return-line", "data-disposition": r.disposition },
      el("td", {}, r.at.slice(0, 16).replace("T", " ")),
      el("td", {}, r.order),
      el("td", {}, `${r.sku} ${r.description}`, r.lot ? ` ${t("common.lot")} ${r.lot}` : ""),
      el("td", { class: "num" }, num(r.qty)),
      el("td", {}, t(`returns.disposition.${r.disposition}`, { location: r.location })),
      el("td", { class: "why" }, r.mismatch ? t("returns.mismatch") : "", r.reason ? ` ${r.reason}` : "", ` (${r.operator})`),
      el(
        "td",
        {},
        r.disposition === "quarantine"
          ? el("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); void release(r, to); } }, to, el("button", { type: "submit", "data-testid": "release" }, t("common.release")))
          : "",
      ),
    );
  };
  return el(
    "div",
    {},
    el("h2", {}, t("returns.title", { warehouse, n: num(returned.length) })),
    el(
      "table",
      { "data-testid": "returns" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.when")), el("th", {}, t("col.order")), el("th", {}, t("col.item")), el("th", { class: "num" }, t("col.qty")), el("th", {}, t("col.where")), el("th", { class: "why" }, t("col.note")), el("th", {}, ""))),
      el("tbody", {}, returned.map(row)),
    ),
  );
}

/** Open tasks on the devices, with a button to cancel each. */
function taskTable(tasks, testid) {
  return el(
    "table",
    { "data-testid": testid },
    el("thead", {}, el("tr", {}, el("th", {}, t("col.item")), el("th", {}, t("col.where")), el("th", { class: "num" }, t("col.done")), el("th", { class: "why" }, t("col.why")), el("th", {}, ""))),
    el(
      "tbody",
      {},
      tasks.map((task) =>
        el(
          "tr",
          { "data-testid": "task", "data-status": task.status },
          el("td", {}, task.sku),
          el("td", {}, task.from_code ? `${task.from_code} → ${task.to_code}` : task.to_code),
          el("td", { class: "num" }, task.type === "move" ? `${num(task.done_qty)} / ${num(task.qty)}` : task.done_qty > 0 ? t("tasks.counted") : t("tasks.waiting")),
          el("td", { class: "why", "data-testid": "task-reason" }, task.reason_said ? said(task.reason_said) : task.reason),
          el("td", {}, task.status === "open" ? el("button", { onclick: () => void act(`/v1/supervisor/tasks/${task.id}/cancel`, undefined, () => t("tasks.cancelled", { sku: task.sku })) }, t("common.cancel")) : t(`tasks.status.${task.status}`)),
        ),
      ),
    ),
  );
}

/** A preferred supplier and its terms, in a few words. */
function supplierText(s) {
  if (!s) return "";
  const terms = [t("supplier.days", { n: num(s.lead_time_days) })];
  if (s.min_order_qty > 1) terms.push(t("supplier.min", { n: num(s.min_order_qty) }));
  if (s.pack_multiple > 1) terms.push(t("supplier.packs", { n: num(s.pack_multiple) }));
  if (s.price) terms.push(s.price);
  return `${s.code} (${terms.join(", ")})`;
}

async function replenishmentPage() {
  const gen = session.generation;
  const warehouse = currentWarehouse();
  const [lines, tops, tasks, orders] = await Promise.all([
    api("GET", `/v1/supervisor/replenishment?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/pick-faces?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/tasks?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/purchase-orders?warehouse=${encodeURIComponent(warehouse)}`),
  ]);
  const moves = tasks.filter((task) => task.type === "move");
  const suggested = lines.filter((l) => l.suggestion !== null);
  const picks = new Map(suggested.map((l) => [l.sku, true]));
  const order = async () => {
    const chosen = suggested.filter((l) => picks.get(l.sku)).map((l) => ({ sku: l.sku, qty: l.suggestion.qty }));
    if (chosen.length === 0) return say("error", t("reorder.tickOne"));
    try {
      const raised = await api("POST", "/v1/supervisor/replenishment/orders", { warehouse, lines: chosen });
      const each = raised.purchase_orders.map(
        (po) =>
          (po.supplier ? t("reorder.raisedFrom", { po: po.purchase_order, lines: num(po.lines), supplier: po.supplier }) : t("reorder.raisedWithout", { po: po.purchase_order, lines: num(po.lines) })) +
          (po.expected_date ? t("reorder.expected", { date: po.expected_date }) : ""),
      );
      say("ok", t("reorder.raised", { list: each.join("; ") }));
      await route();
    } catch (err) {
      say("error", err.message);
    }
  };
  const row = (l) =>
    el(
      "tr",
      { "data-testid": `suggestion-${l.sku}` },
      el("td", {}, l.suggestion ? el("label", { class: "tap" }, el("input", { type: "checkbox", checked: true, "aria-label": t("reorder.orderSku", { sku: l.sku }), onchange: (e) => picks.set(l.sku, e.target.checked) })) : ""),
      el("td", {}, l.sku, el("br"), el("span", { class: "why" }, l.description)),
      el("td", { class: "num" }, num(l.position.on_hand)),
      el("td", { class: "num" }, num(l.position.allocated)),
      el("td", { class: "num" }, num(l.position.on_order)),
      el("td", {}, supplierText(l.supplier)),
      el("td", { class: "num" }, l.suggestion ? num(l.suggestion.qty) : ""),
      el("td", { class: "why", "data-testid": "replenish-why" }, l.suggestion ? said(l.suggestion.reason_said) : "", el("br"), said(l.forecast.levels.explanation_said), el("br"), said(l.forecast.reason_said)),
    );
  paint(
    gen,
    el("h1", {}, t("reorder.title", { warehouse })),
    el("p", {}, t("reorder.summary", { n: num(suggested.length), of: num(lines.length) })),
    el("button", { class: "primary", onclick: order, disabled: suggested.length === 0, "data-testid": "raise-po" }, t("reorder.raise")),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, t("col.item")), el("th", { class: "num" }, t("col.onHand")), el("th", { class: "num" }, t("col.allocated")), el("th", { class: "num" }, t("col.onOrder")), el("th", {}, t("col.supplier")), el("th", { class: "num" }, t("col.orderQty")), el("th", { class: "why" }, t("col.why")))),
      el("tbody", {}, suggested.map(row)),
    ),
    el("h2", {}, t("reorder.purchaseOrders", { n: num(orders.length) })),
    el(
      "table",
      { "data-testid": "purchase-orders" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.order")), el("th", {}, t("col.supplier")), el("th", {}, t("col.expected")), el("th", { class: "num" }, t("col.lines")), el("th", { class: "num" }, t("col.ordered")), el("th", { class: "num" }, t("col.received")))),
      el(
        "tbody",
        {},
        orders.map((o) =>
          el("tr", {}, el("td", {}, o.purchase_order), el("td", {}, o.supplier ?? t("reorder.noSupplier")), el("td", {}, o.expected_date ?? ""), el("td", { class: "num" }, num(o.lines)), el("td", { class: "num" }, num(o.ordered)), el("td", { class: "num" }, num(o.received))),
        ),
      ),
    ),
    el("h2", {}, t("reorder.topUps", { n: num(tops.length) })),
    el("p", { class: "why" }, t("reorder.topUpsWhy")),
    el(
      "button",
      {
        class: "primary",
        disabled: tops.length === 0,
        "data-testid": "send-top-ups",
        onclick: () => void act("/v1/supervisor/tasks/top-ups", { warehouse }, (r) => t("reorder.movesSent", { n: num(r.length) })),
      },
      t("reorder.sendMoves"),
    ),
    el(
      "table",
      { "data-testid": "top-ups" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.item")), el("th", {}, t("col.to")), el("th", { class: "num" }, t("col.holds")), el("th", {}, t("col.from")), el("th", { class: "num" }, t("col.move")))),
      el("tbody", {}, tops.map((top) => el("tr", {}, el("td", {}, top.sku), el("td", {}, top.to), el("td", { class: "num" }, `${num(top.face_qty)} / ${num(top.capacity)}`), el("td", {}, top.from + (top.lot ? ` ${t("common.lot")} ${top.lot}` : "")), el("td", { class: "num" }, num(top.qty))))),
    ),
    el("h2", {}, t("reorder.moveTasks", { n: num(moves.length) })),
    taskTable(moves, "move-tasks"),
  );
}

async function stockPage() {
  const gen = session.generation;
  const params = hashParams();
  const q = params.get("q") ?? "";
  const input = el("input", { name: "q", value: q, placeholder: t("stock.searchHint"), "aria-label": t("stock.search"), "data-testid": "stock-q" });
  const form = el(
    "form",
    { class: "inline", onsubmit: (e) => { e.preventDefault(); location.hash = `#/stock?q=${encodeURIComponent(input.value.trim())}`; } },
    input,
    el("button", { class: "primary", type: "submit", "data-testid": "stock-search" }, t("stock.search")),
  );
  const parts = [el("h1", {}, t("nav.stock")), form];
  if (q.trim() === "") {
    const warehouse = currentWarehouse();
    const [soon, value, returned] = await Promise.all([
      api("GET", `/v1/supervisor/expiring?warehouse=${encodeURIComponent(warehouse)}&days=30`),
      api("GET", `/v1/supervisor/valuation?warehouse=${encodeURIComponent(warehouse)}`),
      api("GET", `/v1/supervisor/returns?warehouse=${encodeURIComponent(warehouse)}&limit=50`),
    ]);
    const totals = value.totals.map((v) => `${v.value} ${v.currency}`).join(" + ") || t("stock.nothingCosted");
    parts.push(
      el("h2", {}, t("stock.value", { warehouse })),
      el("p", { "data-testid": "valuation-total" }, t("stock.valueTotal", { totals, n: num(value.items.length) }), value.uncosted > 0 ? t("stock.uncosted", { n: num(value.uncosted) }) : "."),
      el(
        "table",
        { "data-testid": "valuation" },
        el("thead", {}, el("tr", {}, el("th", {}, t("col.item")), el("th", { class: "num" }, t("col.onHand")), el("th", { class: "num" }, t("col.unitCost")), el("th", { class: "num" }, t("col.value")))),
        el(
          "tbody",
          {},
          value.items.slice(0, 10).map((i) =>
            el("tr", {}, el("td", {}, `${i.sku} ${i.description}`), el("td", { class: "num" }, num(i.on_hand)), el("td", { class: "num" }, i.unit_cost ? `${i.unit_cost} ${i.currency}` : t("stock.noCost")), el("td", { class: "num" }, i.value ?? "")),
          ),
        ),
      ),
    );
    // Expired stock is never allocated or picked; out of quarantine it still sits where pickers walk.
    const expired = soon.filter((x) => x.days_left < 0 && !x.quarantined);
    const quarantine = () =>
      act("/v1/supervisor/expired/quarantine", { warehouse }, (moved) => t("stock.quarantined", { n: num(moved.length) }));
    parts.push(
      el("h2", {}, t("stock.expiring", { warehouse, n: num(soon.length) })),
      expired.length > 0
        ? el(
            "p",
            {},
            t("stock.expired", { n: num(expired.length) }),
            " ",
            el("button", { class: "primary", "data-testid": "quarantine-expired", onclick: () => void quarantine() }, t("stock.quarantine")),
          )
        : "",
      el(
        "table",
        { "data-testid": "expiring" },
        el("thead", {}, el("tr", {}, el("th", {}, t("col.expiry")), el("th", {}, t("col.item")), el("th", {}, t("col.location")), el("th", {}, t("col.lot")), el("th", { class: "num" }, t("col.qty")))),
        el(
          "tbody",
          {},
          soon.map((x) =>
            el(
              "tr",
              { class: x.days_left < 0 ? "due" : "", "data-testid": "expiring-line", "data-state": x.quarantined ? "quarantined" : x.days_left < 0 ? "expired" : "due" },
              el("td", {}, x.days_left < 0 ? t("stock.expiredOn", { date: x.expiry }) : t("stock.daysLeft", { date: x.expiry, n: num(x.days_left) })),
              el("td", {}, `${x.sku} ${x.description}`),
              el("td", {}, x.quarantined ? t("stock.inQuarantine", { location: x.location }) : x.location),
              el("td", {}, x.lot ?? ""),
              el("td", { class: "num" }, num(x.qty)),
            ),
          ),
        ),
      ),
    );
    parts.push(returnsSection(warehouse, returned));
  } else {
    const warehouse = currentWarehouse();
    const [hits, lots, place] = await Promise.all([
      api("GET", `/v1/supervisor/stock?q=${encodeURIComponent(q)}`),
      api("GET", `/v1/supervisor/lots/${encodeURIComponent(q)}`),
      api("GET", `/v1/supervisor/locations/${encodeURIComponent(q.toUpperCase())}?warehouse=${encodeURIComponent(warehouse)}`).catch(() => null),
    ]);
    if (place !== null) parts.push(el("p", { "data-testid": "location-hit" }, t("stock.locationWord"), " ", locationLink(place.code, warehouse), " ", t("stock.locationIn", { warehouse, n: num(place.stock.length) })));
    if (lots.length > 0) {
      parts.push(
        el("h2", {}, t("stock.lot", { lot: q })),
        el(
          "table",
          { "data-testid": "lot-stock" },
          el("thead", {}, el("tr", {}, el("th", {}, t("col.warehouse")), el("th", {}, t("col.location")), el("th", {}, t("col.item")), el("th", {}, t("col.expiry")), el("th", { class: "num" }, t("col.qty")))),
          el("tbody", {}, lots.map((l) => el("tr", {}, el("td", {}, l.warehouse), el("td", {}, locationLink(l.location, l.warehouse)), el("td", {}, itemLink(l.sku, l.warehouse), ` ${l.description}`), el("td", {}, l.expiry ?? ""), el("td", { class: "num" }, num(l.qty))))),
        ),
      );
    }
    parts.push(
      el("p", {}, t("stock.hits", { n: num(hits.length) })),
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, el("th", {}, t("col.item")), el("th", {}, t("col.description")), el("th", {}, t("col.byWarehouse")))),
        el(
          "tbody",
          {},
          hits.map((h) =>
            el(
              "tr",
              { "data-testid": `hit-${h.sku}` },
              el("td", {}, el("a", { "data-testid": `item-link-${h.sku}`, href: `#/item?sku=${encodeURIComponent(h.sku)}&warehouse=${encodeURIComponent(h.warehouses[0]?.[0] ?? "WH1")}` }, h.sku)),
              el("td", {}, h.description),
              el("td", {}, h.warehouses.map(([w, n]) => `${w}: ${num(n)}`).join(" · ") || t("stock.none"), h.in_transit.map(([w, n]) => ` · ${t("stock.inTransit", { warehouse: w, n: num(n) })}`).join("")),
            ),
          ),
        ),
      ),
    );
  }
  paint(gen, ...parts);
  input.focus();
}

/** Daily demand (bars) of the last 8 weeks, then the forecast (line) and its interval (band). */
function demandChart(item) {
  const history = item.history.slice(-56);
  const days = history.length + item.forecast.length;
  const top = Math.max(1, ...history.map(([, q]) => q), ...item.forecast.map((f) => f.high));
  const W = 900, H = 260, L = 40, B = 24, T = 10;
  const x = (i) => L + (i * (W - L - 10)) / Math.max(1, days);
  const y = (q) => H - B - (q * (H - B - T)) / top;
  const bw = Math.max(1, (W - L - 10) / Math.max(1, days) - 2);
  const bars = history.map(([day, q], i) => svg("rect", { x: x(i), y: y(q), width: bw, height: H - B - y(q), class: "bar" }, svg("title", {}, `${day}: ${q}`)));
  const f0 = history.length;
  const band = item.forecast.map((f, i) => `${x(f0 + i) + bw / 2},${y(f.high)}`).concat([...item.forecast].reverse().map((f, j) => `${x(f0 + item.forecast.length - 1 - j) + bw / 2},${y(f.low)}`));
  const line = item.forecast.map((f, i) => `${x(f0 + i) + bw / 2},${y(f.qty)}`).join(" ");
  return svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": t("item.chartLabel", { sku: item.sku }), "data-testid": "demand-chart", class: "chart" },
    svg("line", { x1: L, y1: H - B, x2: W - 10, y2: H - B, class: "axis" }),
    svg("text", { x: 4, y: T + 10, class: "label" }, Math.ceil(top)),
    svg("text", { x: 4, y: H - B, class: "label" }, 0),
    svg("text", { x: L, y: H - 6, class: "label" }, history[0]?.[0] ?? ""),
    svg("text", { x: x(f0), y: H - 6, class: "label" }, t("item.forecast")),
    bars,
    band.length > 0 ? svg("polygon", { points: band.join(" "), class: "band" }) : [],
    item.forecast.length > 0 ? svg("polyline", { points: line, class: "forecast" }) : [],
  );
}

function locationLink(code, warehouse) {
  return el("a", { href: `#/location?code=${encodeURIComponent(code)}&warehouse=${encodeURIComponent(warehouse)}`, "data-testid": `location-link-${code}` }, code);
}

function itemLink(sku, warehouse) {
  return el("a", { href: `#/item?sku=${encodeURIComponent(sku)}&warehouse=${encodeURIComponent(warehouse)}` }, sku);
}

/** The latest ledger entries, with who did them, on which device, by which scans. */
function movementsTable(movements, warehouse) {
  return el(
    "table",
    { "data-testid": "movements" },
    el("thead", {}, el("tr", {}, el("th", {}, t("col.when")), el("th", {}, t("col.what")), el("th", {}, t("col.item")), el("th", {}, t("col.location")), el("th", { class: "num" }, t("col.qty")), el("th", {}, t("col.who")), el("th", {}, t("col.device")), el("th", { class: "why" }, t("col.scans")))),
    el(
      "tbody",
      {},
      movements.map((m) =>
        el("tr", {}, el("td", {}, when(m.at)), el("td", {}, t(`op.${m.op_type}`, { defaultValue: m.op_type.replaceAll("_", " ") })), el("td", {}, itemLink(m.sku, warehouse)), el("td", {}, locationLink(m.location, warehouse), m.lot ? ` ${t("common.lot")} ${m.lot}` : ""), el("td", { class: "num" }, m.qty > 0 ? `+${num(m.qty)}` : num(m.qty)), el("td", {}, m.operator), el("td", {}, m.device), el("td", { class: "why" }, m.scans.join(" · "))),
      ),
    ),
  );
}

async function locationPage() {
  const gen = session.generation;
  const params = hashParams();
  const code = params.get("code") ?? "";
  const warehouse = currentWarehouse();
  const loc = await api("GET", `/v1/supervisor/locations/${encodeURIComponent(code)}?warehouse=${encodeURIComponent(warehouse)}`);
  const total = loc.stock.reduce((a, l) => a + l.qty, 0);
  paint(
    gen,
    el("h1", { "data-testid": "location-title" }, `${loc.code} · ${t(`locationKind.${loc.kind}`, { defaultValue: loc.kind.replaceAll("_", " ") })} · ${warehouse}`),
    el("p", {}, t("location.units", { units: num(total), lines: num(loc.stock.length) }), loc.capacity ? t("location.capacity", { n: num(loc.capacity) }) : ".", " ", t("location.label", { barcode: loc.barcode })),
    el(
      "table",
      { "data-testid": "location-stock" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.item")), el("th", {}, t("col.lot")), el("th", {}, t("col.expiry")), el("th", {}, t("col.pallet")), el("th", { class: "num" }, t("col.qty")))),
      el("tbody", {}, loc.stock.map((l) => el("tr", {}, el("td", {}, itemLink(l.sku, warehouse), ` ${l.description}`), el("td", {}, l.lot ?? ""), el("td", {}, l.expiry ?? ""), el("td", {}, l.plate ?? ""), el("td", { class: "num" }, num(l.qty))))),
    ),
    el("h2", {}, t("location.movements")),
    movementsTable(loc.movements, warehouse),
  );
}

async function itemPage() {
  const gen = session.generation;
  const params = hashParams();
  const sku = params.get("sku") ?? "";
  const warehouse = currentWarehouse();
  const item = await api("GET", `/v1/supervisor/items/${encodeURIComponent(sku)}?warehouse=${encodeURIComponent(warehouse)}`);
  paint(
    gen,
    el("h1", { "data-testid": "item-title" }, `${item.sku} · ${item.description}`),
    el("p", { "data-testid": "item-position" }, t("item.position", { onHand: num(item.position.on_hand), warehouse, lines: num(item.stock.length), allocated: num(item.position.allocated), available: num(item.position.on_hand - item.position.allocated), onOrder: num(item.position.on_order) })),
    el(
      "table",
      { "data-testid": "item-stock" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.location")), el("th", {}, t("col.lot")), el("th", {}, t("col.expiry")), el("th", {}, t("col.pallet")), el("th", { class: "num" }, t("col.qty")))),
      el("tbody", {}, item.stock.map((l) => el("tr", {}, el("td", {}, locationLink(l.location, warehouse)), el("td", {}, l.lot ?? ""), el("td", {}, l.expiry ?? ""), el("td", {}, l.plate ?? ""), el("td", { class: "num" }, num(l.qty))))),
    ),
    el("h2", {}, t("item.demand")),
    demandChart(item),
    el("p", { class: "why", "data-testid": "forecast-reason" }, t("item.band", { reason: said(item.reason_said), pct: Math.round(item.service_level * 100) })),
    el("h2", {}, t("location.movements")),
    movementsTable(item.movements, warehouse),
  );
}

async function countsPage() {
  const gen = session.generation;
  const warehouse = currentWarehouse();
  const [plan, open, tasks] = await Promise.all([
    api("GET", `/v1/supervisor/counts?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", "/v1/supervisor/exceptions"),
    api("GET", `/v1/supervisor/tasks?warehouse=${encodeURIComponent(warehouse)}`),
  ]);
  const today = new Date().toISOString().slice(0, 10);
  const due = plan.filter((c) => c.due_on <= today);
  const waiting = open.filter((x) => x.kind === "count_variance" || x.kind === "count_during_movement");
  const counting = tasks.filter((task) => task.type === "count");
  const send = (skus) =>
    act("/v1/supervisor/tasks/counts", { warehouse, skus }, (r) => (r.length === 0 ? t("counts.already") : t("counts.sent", { n: num(r.length) })));
  const decide = (x, body, what) => act(`/v1/supervisor/exceptions/${x.id}/resolve`, body, () => t("counts.decided", { what, message: exceptionMessage(x) }));
  const approvals = waiting.map((x) => {
    const note = el("input", { placeholder: t("exceptions.note"), "aria-label": t("exceptions.note") });
    const text = () => note.value.trim();
    return el(
      "tr",
      { "data-testid": "approval", "data-kind": x.kind },
      el("td", {}, exceptionMessage(x)),
      el("td", {}, when(x.created_at)),
      el(
        "td",
        {},
        note,
        el("button", { "data-testid": "approve", onclick: () => void decide(x, { accept: { note: text() || "count approved" } }, t("counts.approved")) }, t("counts.approve")), // default notes, recorded as is
        x.kind === "count_variance" ? el("button", { "data-testid": "reject", onclick: () => void decide(x, { reject: { note: text() || "count rejected" } }, t("counts.rejected")) }, t("counts.reject")) : "", // recorded as is
        el("button", { "data-testid": "recount", onclick: () => void act(`/v1/supervisor/exceptions/${x.id}/recount`, undefined, () => t("counts.recountSent")) }, t("counts.recount")),
      ),
    );
  });
  paint(
    gen,
    el("h1", {}, t("counts.title", { warehouse })),
    el("h2", {}, t("counts.awaiting", { n: num(waiting.length) })),
    el("p", { class: "why" }, t("counts.awaitingWhy")),
    waiting.length === 0
      ? el("p", { "data-testid": "no-approvals" }, t("counts.noApprovals"))
      : el("table", { "data-testid": "approvals" }, el("thead", {}, el("tr", {}, el("th", {}, t("col.count")), el("th", {}, t("col.when")), el("th", {}, t("col.decision")))), el("tbody", {}, approvals)),
    el("h2", {}, t("counts.tasks", { n: num(counting.length) })),
    taskTable(counting, "count-tasks"),
    el("h2", {}, t("counts.plan")),
    el(
      "p",
      { "data-testid": "counts-summary" },
      t("counts.summary", { n: num(due.length), of: num(plan.length) }),
    ),
    el("button", { class: "primary", disabled: due.length === 0, "data-testid": "send-due-counts", onclick: () => void send([]) }, t("counts.sendDue")),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, t("col.class")), el("th", {}, t("col.item")), el("th", { class: "num" }, t("col.picked90")), el("th", {}, t("col.lastCounted")), el("th", {}, t("col.due")), el("th", {}, t("col.locations")), el("th", {}, ""))),
      el(
        "tbody",
        {},
        plan.map((c) =>
          el(
            "tr",
            { "data-testid": `count-${c.sku}`, class: c.due_on <= today ? "due" : "" },
            el("td", {}, c.class),
            el("td", {}, c.sku, el("br"), el("span", { class: "why" }, c.description)),
            el("td", { class: "num" }, num(c.movement)),
            el("td", {}, c.last_counted ?? t("devices.never")),
            el("td", {}, c.due_on <= today ? t("counts.dueOn", { date: c.due_on }) : c.due_on),
            el("td", {}, c.locations.join(", ")),
            el("td", {}, el("button", { "data-testid": `count-now-${c.sku}`, onclick: () => void send([c.sku]) }, t("counts.countNow"))),
          ),
        ),
      ),
    ),
  );
}

const PAGES = {
  "#/orders": ordersPage,
  "#/counts": countsPage,
  "#/stock": stockPage,
  "#/item": itemPage,
  "#/location": locationPage, "#/exceptions": exceptionsPage, "#/replenishment": replenishmentPage, "#/devices": devicesPage, "#/operators": operatorsPage, "#/dashboard": dashboardPage };

async function route() {
  session.generation += 1;
  if (!session.token) return showSignIn();
  if (place.warehouses.length > 0) fillWarehouses();
  const page = location.hash.split("?")[0];
  const show = PAGES[page] ?? exceptionsPage;
  for (const a of nav.querySelectorAll("a")) a.classList.toggle("active", a.getAttribute("href") === page || ((page === "#/item" || page === "#/location") && a.getAttribute("href") === "#/stock"));
  try {
    await show();
  } catch (err) {
    if (session.token) say("error", err.message);
  }
}

/** The header's words (navigation, sign-out, the language list) in the current language. */
function translateShell() {
  for (const e of document.querySelectorAll("[data-i18n]")) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll("[data-i18n-label]")) e.setAttribute("aria-label", t(e.dataset.i18nLabel));
  document.title = `Aisle · ${t("header.title")}`;
  languageSelect.replaceChildren(...LANGUAGES.map(([code, name]) => el("option", { value: code, selected: code === language() }, name)));
}

const languageSelect = document.getElementById("language");
const warehouseSelect = document.getElementById("warehouse");

/** The header's warehouse list, the current one chosen. */
function fillWarehouses() {
  warehouseSelect.replaceChildren(...place.warehouses.map((w) => el("option", { value: w.code, selected: w.code === currentWarehouse() }, `${w.code} · ${w.name}`)));
}

warehouseSelect.addEventListener("change", async () => {
  place.chosen = warehouseSelect.value;
  localStorage.setItem("aisle.web.warehouse", place.chosen);
  // A page whose address names a warehouse shows the new one.
  const [page, query = ""] = location.hash.split("?");
  const params = new URLSearchParams(query);
  if (params.has("warehouse")) {
    params.set("warehouse", place.chosen);
    location.hash = `${page}?${params}`;
  } else {
    await route();
  }
});
languageSelect.addEventListener("change", async () => {
  await useLanguage(languageSelect.value);
  if (session.badge) saveLanguage(session.badge, language());
  translateShell();
  message.hidden = true;
  await route();
});

async function start() {
  try {
    const me = await api("GET", "/v1/supervisor/session");
    session.badge = me.badge;
    // Their own choice in this browser, else the language set for them on the Operators page.
    const set = (await api("GET", "/v1/supervisor/operators").catch(() => [])).find((o) => o.badge === me.badge)?.language ?? null;
    await useLanguage(savedLanguage(me.badge, set));
    translateShell();
    who.textContent = me.name;
    nav.hidden = false;
    signoutButton.hidden = false;
    languageSelect.hidden = false;
    place.warehouses = await api("GET", "/v1/supervisor/warehouses");
    if (!place.warehouses.some((w) => w.code === place.chosen)) place.chosen = place.warehouses[0]?.code ?? null;
    warehouseSelect.hidden = false;
    await route();
  } catch (err) {
    signedOut();
    if (session.token !== null) say("error", err.message);
  }
}

signoutButton.addEventListener("click", async () => {
  await api("DELETE", "/v1/supervisor/session").catch(() => null);
  say("ok", t("signin.signedOut"));
  signedOut();
});
window.addEventListener("hashchange", () => {
  message.hidden = true;
  void route();
});
// A fault in these pages is said, not swallowed: the supervisor sees it and can report it.
window.addEventListener("error", (e) => say("error", `${e.message} (${e.filename?.split("/").pop()}:${e.lineno})`));
window.addEventListener("unhandledrejection", (e) => say("error", String(e.reason?.stack ?? e.reason)));
hooks.route = route;
hooks.signedOut = signedOut;
// English until a supervisor signs in; then the language they chose here before.
void useLanguage("en").then(() => {
  translateShell();
  if (session.token) void start();
  else showSignIn();
});
