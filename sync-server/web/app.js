// The supervisor pages: a small client of the JSON API (/v1/supervisor/*, see
// /v1/openapi.json). Shared helpers are in core.js; the Orders page is in orders.js.

import { act, api, el, hashParams, hooks, main, message, nav, paint, say, session, signoutButton, who } from "./core.js";
import { ordersPage } from "./orders.js";

function signedOut() {
  session.token = null;
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
          session.token = s.token;
          sessionStorage.setItem("aisle.token", s.token);
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

/** Customer returns, newest first; quarantined ones can be released to a location once inspected. */
function returnsSection(warehouse, returned) {
  const release = (r, input) => {
    const to = input.value.trim().toUpperCase();
    if (to === "") return say("error", "type the location the goods go to (for example A-01-01-1)");
    return act(
      "/v1/supervisor/quarantine/release",
      { warehouse, from: r.location, sku: r.sku, lot: r.lot, qty: r.qty, to },
      (x) => `${r.qty} × ${r.sku} released from ${r.location} to ${to} (${x.moved} stock line(s) moved); devices follow on their next sync`,
    );
  };
  const row = (r) => {
    const to = el("input", { placeholder: "to location", "aria-label": `release ${r.sku} to`, "data-testid": "release-to" });
    return el(
      "tr",
      { class: r.mismatch ? "due" : "", "data-testid": "return-line", "data-disposition": r.disposition },
      el("td", {}, r.at.slice(0, 16).replace("T", " ")),
      el("td", {}, r.order),
      el("td", {}, `${r.sku} ${r.description}`, r.lot ? ` lot ${r.lot}` : ""),
      el("td", { class: "num" }, r.qty),
      el("td", {}, r.disposition === "scrap" ? "scrapped" : `${r.disposition} at ${r.location}`),
      el("td", { class: "why" }, r.mismatch ? "more than the order shipped, or an order that did not ship: see Exceptions" : "", r.reason ? ` ${r.reason}` : "", ` (${r.operator})`),
      el(
        "td",
        {},
        r.disposition === "quarantine"
          ? el("form", { class: "inline", onsubmit: (e) => { e.preventDefault(); void release(r, to); } }, to, el("button", { type: "submit", "data-testid": "release" }, "Release"))
          : "",
      ),
    );
  };
  return el(
    "div",
    {},
    el("h2", {}, `Customer returns · ${warehouse} (${returned.length})`),
    el(
      "table",
      { "data-testid": "returns" },
      el("thead", {}, el("tr", {}, el("th", {}, "When"), el("th", {}, "Order"), el("th", {}, "Item"), el("th", { class: "num" }, "Qty"), el("th", {}, "Where"), el("th", { class: "why" }, "Note"), el("th", {}, ""))),
      el("tbody", {}, returned.map(row)),
    ),
  );
}

/** Open tasks on the devices, with a button to cancel each. */
function taskTable(tasks, testid) {
  return el(
    "table",
    { "data-testid": testid },
    el("thead", {}, el("tr", {}, el("th", {}, "Item"), el("th", {}, "Where"), el("th", { class: "num" }, "Done"), el("th", { class: "why" }, "Why"), el("th", {}, ""))),
    el(
      "tbody",
      {},
      tasks.map((t) =>
        el(
          "tr",
          { "data-testid": "task", "data-status": t.status },
          el("td", {}, t.sku),
          el("td", {}, t.from_code ? `${t.from_code} → ${t.to_code}` : t.to_code),
          el("td", { class: "num" }, t.type === "move" ? `${t.done_qty} / ${t.qty}` : t.done_qty > 0 ? "counted" : "waiting"),
          el("td", { class: "why" }, t.reason),
          el("td", {}, t.status === "open" ? el("button", { onclick: () => void act(`/v1/supervisor/tasks/${t.id}/cancel`, undefined, () => `Task for ${t.sku} cancelled`) }, "Cancel") : t.status),
        ),
      ),
    ),
  );
}

/** Exception kinds whose operation the server held (logged, not applied): a supervisor may release it. */
const HELD_KINDS = ["unauthorized", "invalid_operation", "duplicate_entry"];

async function exceptionsPage() {
  const gen = session.generation;
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
        // Held work (an unknown badge, an operator's adjustment...) is applied only if released.
        HELD_KINDS.includes(x.kind)
          ? el("button", { "data-testid": "release-held", onclick: () => void resolve({ release: { note: note.value.trim() || "released" } }) }, "Release (apply it)")
          : "",
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
  paint(
    gen,
    el("h1", {}, `Exceptions (${list.length} open)`),
    list.length === 0
      ? el("p", { "data-testid": "no-exceptions" }, "Nothing waits for a supervisor.")
      : el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Kind"), el("th", {}, "What happened"), el("th", {}, "When"), el("th", {}, "Decision"))), el("tbody", {}, rows)),
  );
}

/** A preferred supplier and its terms, in a few words. */
function supplierText(s) {
  if (!s) return "";
  const terms = [`${s.lead_time_days} days`];
  if (s.min_order_qty > 1) terms.push(`min ${s.min_order_qty}`);
  if (s.pack_multiple > 1) terms.push(`packs of ${s.pack_multiple}`);
  if (s.price) terms.push(s.price);
  return `${s.code} (${terms.join(", ")})`;
}

async function replenishmentPage() {
  const gen = session.generation;
  const warehouse = hashParams().get("warehouse") ?? "WH1";
  const [lines, tops, tasks, orders] = await Promise.all([
    api("GET", `/v1/supervisor/replenishment?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/pick-faces?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/tasks?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/purchase-orders?warehouse=${encodeURIComponent(warehouse)}`),
  ]);
  const moves = tasks.filter((t) => t.type === "move");
  const suggested = lines.filter((l) => l.suggestion !== null);
  const picks = new Map(suggested.map((l) => [l.sku, true]));
  const order = async () => {
    const chosen = suggested.filter((l) => picks.get(l.sku)).map((l) => ({ sku: l.sku, qty: l.suggestion.qty }));
    if (chosen.length === 0) return say("error", "tick at least one suggestion");
    try {
      const raised = await api("POST", "/v1/supervisor/replenishment/orders", { warehouse, lines: chosen });
      const each = raised.purchase_orders.map(
        (po) => `Purchase order ${po.purchase_order} raised with ${po.lines} line(s) ${po.supplier ? `from ${po.supplier}` : "without a supplier"}${po.expected_date ? `, expected ${po.expected_date}` : ""}`,
      );
      say("ok", `${each.join("; ")}. Devices receive them as expected goods.`);
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
      el("td", {}, supplierText(l.supplier)),
      el("td", { class: "num" }, l.suggestion?.qty ?? ""),
      el("td", { class: "why" }, l.suggestion?.reason ?? "", el("br"), l.forecast.levels.explanation, el("br"), l.forecast.reason),
    );
  paint(
    gen,
    el("h1", {}, `Reorder suggestions · ${warehouse}`),
    el("p", {}, `${suggested.length} item(s) at or below their reorder level, of ${lines.length} with a policy.`),
    el("button", { class: "primary", onclick: order, disabled: suggested.length === 0, "data-testid": "raise-po" }, "Raise purchase orders for the ticked items (one per supplier)"),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, "Item"), el("th", { class: "num" }, "On hand"), el("th", { class: "num" }, "Allocated"), el("th", { class: "num" }, "On order"), el("th", {}, "Supplier"), el("th", { class: "num" }, "Order"), el("th", { class: "why" }, "Why"))),
      el("tbody", {}, suggested.map(row)),
    ),
    el("h2", {}, `Purchase orders (${orders.length})`),
    el(
      "table",
      { "data-testid": "purchase-orders" },
      el("thead", {}, el("tr", {}, el("th", {}, "Order"), el("th", {}, "Supplier"), el("th", {}, "Expected"), el("th", { class: "num" }, "Lines"), el("th", { class: "num" }, "Ordered"), el("th", { class: "num" }, "Received"))),
      el(
        "tbody",
        {},
        orders.map((o) =>
          el("tr", {}, el("td", {}, o.purchase_order), el("td", {}, o.supplier ?? "none named"), el("td", {}, o.expected_date ?? ""), el("td", { class: "num" }, o.lines), el("td", { class: "num" }, o.ordered), el("td", { class: "num" }, o.received)),
        ),
      ),
    ),
    el("h2", {}, `Pick faces to top up (${tops.length} move(s))`),
    el("p", { class: "why" }, "Pick faces holding less than a quarter of their capacity, filled to capacity from storage (earliest expiry first, else oldest stock). A pick that leaves a face low sends its top-up to the devices by itself; faces with a top-up on its way are not listed again."),
    el(
      "button",
      {
        class: "primary",
        disabled: tops.length === 0,
        "data-testid": "send-top-ups",
        onclick: () => void act("/v1/supervisor/tasks/top-ups", { warehouse }, (r) => `${r.length} move task(s) sent to the devices`),
      },
      "Send these moves to the devices",
    ),
    el(
      "table",
      { "data-testid": "top-ups" },
      el("thead", {}, el("tr", {}, el("th", {}, "Item"), el("th", {}, "To"), el("th", { class: "num" }, "Holds"), el("th", {}, "From"), el("th", { class: "num" }, "Move"))),
      el("tbody", {}, tops.map((t) => el("tr", {}, el("td", {}, t.sku), el("td", {}, t.to), el("td", { class: "num" }, `${t.face_qty} / ${t.capacity}`), el("td", {}, t.from + (t.lot ? ` lot ${t.lot}` : "")), el("td", { class: "num" }, t.qty)))),
    ),
    el("h2", {}, `Move tasks on the devices (${moves.length} open)`),
    taskTable(moves, "move-tasks"),
  );
}

/** A device clock more than two minutes off is flagged: its times are corrected, but it should be set right. */
function clockOff(d) {
  return d.clock_offset_s !== null && Math.abs(d.clock_offset_s) > 120;
}

function clockText(d) {
  if (d.clock_offset_s === null) return "not reported";
  const s = Math.abs(d.clock_offset_s);
  if (s <= 120) return "right";
  const span = s >= 7200 ? `${Math.round(s / 3600)} h` : `${Math.round(s / 60)} min`;
  return `${span} ${d.clock_offset_s > 0 ? "ahead" : "behind"}: set the device's clock`;
}

async function devicesPage() {
  const gen = session.generation;
  const devices = await api("GET", "/v1/supervisor/devices");
  paint(
    gen,
    el("h1", {}, "Devices"),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, "Name"), el("th", {}, "Warehouse"), el("th", {}, "Last sync"), el("th", { class: "num" }, "Operations received"), el("th", { class: "num" }, "Waiting on the device"), el("th", {}, "Clock"), el("th", {}, "App"), el("th", {}, "State"))),
      el(
        "tbody",
        {},
        devices.map((d) =>
          el("tr", { "data-testid": "device" }, el("td", {}, d.name), el("td", {}, d.warehouse_code), el("td", {}, d.last_seen_at ? new Date(d.last_seen_at).toLocaleString() : "never"), el("td", { class: "num" }, d.durable_seq), el("td", { class: "num", "data-testid": "waiting" }, d.waiting ?? "unknown"), el("td", { class: clockOff(d) ? "due" : "", "data-testid": "clock" }, clockText(d)), el("td", {}, d.app_version), el("td", {}, d.revoked ? "revoked" : "active")),
        ),
      ),
    ),
  );
}

async function stockPage() {
  const gen = session.generation;
  const params = hashParams();
  const q = params.get("q") ?? "";
  const input = el("input", { name: "q", value: q, placeholder: "SKU, description, barcode, lot or location", "aria-label": "search", "data-testid": "stock-q" });
  const form = el(
    "form",
    { class: "inline", onsubmit: (e) => { e.preventDefault(); location.hash = `#/stock?q=${encodeURIComponent(input.value.trim())}`; } },
    input,
    el("button", { class: "primary", type: "submit", "data-testid": "stock-search" }, "Search"),
  );
  const parts = [el("h1", {}, "Stock"), form];
  if (q.trim() === "") {
    const warehouse = params.get("warehouse") ?? "WH1";
    const [soon, value, returned] = await Promise.all([
      api("GET", `/v1/supervisor/expiring?warehouse=${encodeURIComponent(warehouse)}&days=30`),
      api("GET", `/v1/supervisor/valuation?warehouse=${encodeURIComponent(warehouse)}`),
      api("GET", `/v1/supervisor/returns?warehouse=${encodeURIComponent(warehouse)}&limit=50`),
    ]);
    const totals = value.totals.map((t) => `${t.value} ${t.currency}`).join(" + ") || "nothing costed";
    parts.push(
      el("h2", {}, `Stock value · ${warehouse}`),
      el("p", { "data-testid": "valuation-total" }, `${totals} at unit cost, over ${value.items.length} stocked item(s)`, value.uncosted > 0 ? `; ${value.uncosted} item(s) have no cost and are not included.` : "."),
      el(
        "table",
        { "data-testid": "valuation" },
        el("thead", {}, el("tr", {}, el("th", {}, "Item"), el("th", { class: "num" }, "On hand"), el("th", { class: "num" }, "Unit cost"), el("th", { class: "num" }, "Value"))),
        el(
          "tbody",
          {},
          value.items.slice(0, 10).map((i) =>
            el("tr", {}, el("td", {}, `${i.sku} ${i.description}`), el("td", { class: "num" }, i.on_hand), el("td", { class: "num" }, i.unit_cost ? `${i.unit_cost} ${i.currency}` : "no cost"), el("td", { class: "num" }, i.value ?? "")),
          ),
        ),
      ),
    );
    // Expired stock is never allocated or picked; out of quarantine it still sits where pickers walk.
    const expired = soon.filter((x) => x.days_left < 0 && !x.quarantined);
    const quarantine = () =>
      act("/v1/supervisor/expired/quarantine", { warehouse }, (moved) => `${moved.length} expired stock line(s) moved to quarantine`);
    parts.push(
      el("h2", {}, `Expiring within 30 days · ${warehouse} (${soon.length})`),
      expired.length > 0
        ? el(
            "p",
            {},
            `${expired.length} line(s) have expired: they are never allocated or picked. `,
            el("button", { class: "primary", "data-testid": "quarantine-expired", onclick: () => void quarantine() }, "Move expired stock to quarantine"),
          )
        : "",
      el(
        "table",
        { "data-testid": "expiring" },
        el("thead", {}, el("tr", {}, el("th", {}, "Expiry"), el("th", {}, "Item"), el("th", {}, "Location"), el("th", {}, "Lot"), el("th", { class: "num" }, "Qty"))),
        el(
          "tbody",
          {},
          soon.map((x) =>
            el(
              "tr",
              { class: x.days_left < 0 ? "due" : "", "data-testid": "expiring-line", "data-state": x.quarantined ? "quarantined" : x.days_left < 0 ? "expired" : "due" },
              el("td", {}, x.days_left < 0 ? `${x.expiry} (expired)` : `${x.expiry} (${x.days_left} d)`),
              el("td", {}, `${x.sku} ${x.description}`),
              el("td", {}, x.quarantined ? `${x.location} (quarantine)` : x.location),
              el("td", {}, x.lot ?? ""),
              el("td", { class: "num" }, x.qty),
            ),
          ),
        ),
      ),
    );
    parts.push(returnsSection(warehouse, returned));
  } else {
    const warehouse = params.get("warehouse") ?? "WH1";
    const [hits, lots, place] = await Promise.all([
      api("GET", `/v1/supervisor/stock?q=${encodeURIComponent(q)}`),
      api("GET", `/v1/supervisor/lots/${encodeURIComponent(q)}`),
      api("GET", `/v1/supervisor/locations/${encodeURIComponent(q.toUpperCase())}?warehouse=${encodeURIComponent(warehouse)}`).catch(() => null),
    ]);
    if (place !== null) parts.push(el("p", { "data-testid": "location-hit" }, "Location ", locationLink(place.code, warehouse), ` in ${warehouse}: ${place.stock.length} line(s).`));
    if (lots.length > 0) {
      parts.push(
        el("h2", {}, `Lot ${q}`),
        el(
          "table",
          { "data-testid": "lot-stock" },
          el("thead", {}, el("tr", {}, el("th", {}, "Warehouse"), el("th", {}, "Location"), el("th", {}, "Item"), el("th", {}, "Expiry"), el("th", { class: "num" }, "Qty"))),
          el("tbody", {}, lots.map((l) => el("tr", {}, el("td", {}, l.warehouse), el("td", {}, locationLink(l.location, l.warehouse)), el("td", {}, itemLink(l.sku, l.warehouse), ` ${l.description}`), el("td", {}, l.expiry ?? ""), el("td", { class: "num" }, l.qty)))),
        ),
      );
    }
    parts.push(
      el("p", {}, `${hits.length} item(s)`),
      el(
        "table",
        {},
        el("thead", {}, el("tr", {}, el("th", {}, "Item"), el("th", {}, "Description"), el("th", {}, "On hand by warehouse"))),
        el(
          "tbody",
          {},
          hits.map((h) =>
            el(
              "tr",
              { "data-testid": `hit-${h.sku}` },
              el("td", {}, el("a", { "data-testid": `item-link-${h.sku}`, href: `#/item?sku=${encodeURIComponent(h.sku)}&warehouse=${encodeURIComponent(h.warehouses[0]?.[0] ?? "WH1")}` }, h.sku)),
              el("td", {}, h.description),
              el("td", {}, h.warehouses.map(([w, n]) => `${w}: ${n}`).join(" · ") || "none", h.in_transit.map(([w, n]) => ` · in transit to ${w}: ${n}`).join("")),
            ),
          ),
        ),
      ),
    );
  }
  paint(gen, ...parts);
  input.focus();
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children.flat()) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
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
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `demand of ${item.sku}: history and forecast`, "data-testid": "demand-chart", class: "chart" },
    svg("line", { x1: L, y1: H - B, x2: W - 10, y2: H - B, class: "axis" }),
    svg("text", { x: 4, y: T + 10, class: "label" }, Math.ceil(top)),
    svg("text", { x: 4, y: H - B, class: "label" }, 0),
    svg("text", { x: L, y: H - 6, class: "label" }, history[0]?.[0] ?? ""),
    svg("text", { x: x(f0), y: H - 6, class: "label" }, "forecast →"),
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
    el("thead", {}, el("tr", {}, el("th", {}, "When"), el("th", {}, "What"), el("th", {}, "Item"), el("th", {}, "Location"), el("th", { class: "num" }, "Qty"), el("th", {}, "Who"), el("th", {}, "Device"), el("th", { class: "why" }, "Scans"))),
    el(
      "tbody",
      {},
      movements.map((m) =>
        el("tr", {}, el("td", {}, new Date(m.at).toLocaleString()), el("td", {}, m.op_type.replaceAll("_", " ")), el("td", {}, itemLink(m.sku, warehouse)), el("td", {}, locationLink(m.location, warehouse), m.lot ? ` lot ${m.lot}` : ""), el("td", { class: "num" }, m.qty > 0 ? `+${m.qty}` : m.qty), el("td", {}, m.operator), el("td", {}, m.device), el("td", { class: "why" }, m.scans.join(" · "))),
      ),
    ),
  );
}

async function locationPage() {
  const gen = session.generation;
  const params = hashParams();
  const code = params.get("code") ?? "";
  const warehouse = params.get("warehouse") ?? "WH1";
  const loc = await api("GET", `/v1/supervisor/locations/${encodeURIComponent(code)}?warehouse=${encodeURIComponent(warehouse)}`);
  const total = loc.stock.reduce((a, l) => a + l.qty, 0);
  paint(
    gen,
    el("h1", { "data-testid": "location-title" }, `${loc.code} · ${loc.kind.replaceAll("_", " ")} · ${warehouse}`),
    el("p", {}, `${total} unit(s) in ${loc.stock.length} line(s)`, loc.capacity ? ` of a capacity of ${loc.capacity}.` : ".", ` Label: ${loc.barcode}`),
    el(
      "table",
      { "data-testid": "location-stock" },
      el("thead", {}, el("tr", {}, el("th", {}, "Item"), el("th", {}, "Lot"), el("th", {}, "Expiry"), el("th", {}, "Pallet"), el("th", { class: "num" }, "Qty"))),
      el("tbody", {}, loc.stock.map((l) => el("tr", {}, el("td", {}, itemLink(l.sku, warehouse), ` ${l.description}`), el("td", {}, l.lot ?? ""), el("td", {}, l.expiry ?? ""), el("td", {}, l.plate ?? ""), el("td", { class: "num" }, l.qty)))),
    ),
    el("h2", {}, "Latest movements"),
    movementsTable(loc.movements, warehouse),
  );
}

async function itemPage() {
  const gen = session.generation;
  const params = hashParams();
  const sku = params.get("sku") ?? "";
  const warehouse = params.get("warehouse") ?? "WH1";
  const item = await api("GET", `/v1/supervisor/items/${encodeURIComponent(sku)}?warehouse=${encodeURIComponent(warehouse)}`);
  paint(
    gen,
    el("h1", { "data-testid": "item-title" }, `${item.sku} · ${item.description}`),
    el("p", { "data-testid": "item-position" }, `${item.position.on_hand} on hand in ${warehouse} (${item.stock.length} line(s)), ${item.position.allocated} allocated to open orders, ${item.position.on_hand - item.position.allocated} available, ${item.position.on_order} on order.`),
    el(
      "table",
      { "data-testid": "item-stock" },
      el("thead", {}, el("tr", {}, el("th", {}, "Location"), el("th", {}, "Lot"), el("th", {}, "Expiry"), el("th", {}, "Pallet"), el("th", { class: "num" }, "Qty"))),
      el("tbody", {}, item.stock.map((l) => el("tr", {}, el("td", {}, locationLink(l.location, warehouse)), el("td", {}, l.lot ?? ""), el("td", {}, l.expiry ?? ""), el("td", {}, l.plate ?? ""), el("td", { class: "num" }, l.qty)))),
    ),
    el("h2", {}, "Demand"),
    demandChart(item),
    el("p", { class: "why", "data-testid": "forecast-reason" }, `${item.reason}. The band is the ${Math.round(item.service_level * 100)}% interval.`),
    el("h2", {}, "Latest movements"),
    movementsTable(item.movements, warehouse),
  );
}

async function countsPage() {
  const gen = session.generation;
  const warehouse = hashParams().get("warehouse") ?? "WH1";
  const [plan, open, tasks] = await Promise.all([
    api("GET", `/v1/supervisor/counts?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", "/v1/supervisor/exceptions"),
    api("GET", `/v1/supervisor/tasks?warehouse=${encodeURIComponent(warehouse)}`),
  ]);
  const today = new Date().toISOString().slice(0, 10);
  const due = plan.filter((t) => t.due_on <= today);
  const waiting = open.filter((x) => x.kind === "count_variance" || x.kind === "count_during_movement");
  const counting = tasks.filter((t) => t.type === "count");
  const send = (skus) =>
    act("/v1/supervisor/tasks/counts", { warehouse, skus }, (r) => (r.length === 0 ? "Those counts are already on the devices" : `${r.length} count task(s) sent to the devices`));
  const decide = (x, body, what) => act(`/v1/supervisor/exceptions/${x.id}/resolve`, body, () => `${what}: ${x.message}`);
  const approvals = waiting.map((x) => {
    const note = el("input", { placeholder: "note", "aria-label": "note" });
    const text = () => note.value.trim();
    return el(
      "tr",
      { "data-testid": "approval", "data-kind": x.kind },
      el("td", {}, x.message),
      el("td", {}, new Date(x.created_at).toLocaleString()),
      el(
        "td",
        {},
        note,
        el("button", { "data-testid": "approve", onclick: () => void decide(x, { accept: { note: text() || "count approved" } }, "Approved") }, "Approve"),
        x.kind === "count_variance" ? el("button", { "data-testid": "reject", onclick: () => void decide(x, { reject: { note: text() || "count rejected" } }, "Rejected; the books are restored") }, "Reject") : "",
        el("button", { "data-testid": "recount", onclick: () => void act(`/v1/supervisor/exceptions/${x.id}/recount`, undefined, () => "A blind recount was sent to the devices") }, "Recount"),
      ),
    );
  });
  paint(
    gen,
    el("h1", {}, `Cycle counts · ${warehouse}`),
    el("h2", {}, `Counts awaiting approval (${waiting.length})`),
    el("p", { class: "why" }, "Counts that differ from the books by more than 2 units and 5%, or that crossed a movement. Approve keeps the counted figure; Reject puts the books back to the figure before the count; Recount sends a blind count to the devices first."),
    waiting.length === 0
      ? el("p", { "data-testid": "no-approvals" }, "No count results await approval.")
      : el("table", { "data-testid": "approvals" }, el("thead", {}, el("tr", {}, el("th", {}, "Count"), el("th", {}, "When"), el("th", {}, "Decision"))), el("tbody", {}, approvals)),
    el("h2", {}, `Count tasks on the devices (${counting.length} open)`),
    taskTable(counting, "count-tasks"),
    el("h2", {}, "Plan"),
    el(
      "p",
      { "data-testid": "counts-summary" },
      `${due.length} item(s) due today or overdue, of ${plan.length}. A items (80% of movement) are counted every 30 days, B every 90, C every 365.`,
    ),
    el("button", { class: "primary", disabled: due.length === 0, "data-testid": "send-due-counts", onclick: () => void send([]) }, "Send the due counts to the devices"),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, "Class"), el("th", {}, "Item"), el("th", { class: "num" }, "Picked (90 days)"), el("th", {}, "Last counted"), el("th", {}, "Due"), el("th", {}, "Locations"), el("th", {}, ""))),
      el(
        "tbody",
        {},
        plan.map((t) =>
          el(
            "tr",
            { "data-testid": `count-${t.sku}`, class: t.due_on <= today ? "due" : "" },
            el("td", {}, t.class),
            el("td", {}, t.sku, el("br"), el("span", { class: "why" }, t.description)),
            el("td", { class: "num" }, t.movement),
            el("td", {}, t.last_counted ?? "never"),
            el("td", {}, t.due_on <= today ? `due (${t.due_on})` : t.due_on),
            el("td", {}, t.locations.join(", ")),
            el("td", {}, el("button", { "data-testid": `count-now-${t.sku}`, onclick: () => void send([t.sku]) }, "Count now")),
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
  "#/location": locationPage, "#/exceptions": exceptionsPage, "#/replenishment": replenishmentPage, "#/devices": devicesPage };

async function route() {
  session.generation += 1;
  if (!session.token) return showSignIn();
  const page = location.hash.split("?")[0];
  const show = PAGES[page] ?? exceptionsPage;
  for (const a of nav.querySelectorAll("a")) a.classList.toggle("active", a.getAttribute("href") === page || ((page === "#/item" || page === "#/location") && a.getAttribute("href") === "#/stock"));
  try {
    await show();
  } catch (err) {
    if (session.token) say("error", err.message);
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
window.addEventListener("hashchange", () => {
  message.hidden = true;
  void route();
});
hooks.route = route;
hooks.signedOut = signedOut;
if (session.token) void start();
else showSignIn();
