// The Orders page: orders and their state, who holds which work, waves, transfers between
// warehouses, and shipments of cartons with their packing slips and labels.

import { act, api, download, el, fetchText, hashParams, hooks, paint, say, session } from "./core.js";

function shipmentCell(o) {
  const confirm = async (body) => {
    try {
      const r = await api("POST", `/v1/supervisor/orders/${encodeURIComponent(o.order)}/shipment`, body);
      say("ok", `Order ${r.order} is ${r.status}`);
      await hooks.route();
    } catch (err) {
      say("error", err.message);
    }
  };
  if (o.status === "picked") return el("button", { onclick: () => void confirm("packed"), "data-testid": `pack-${o.order}` }, "Confirm packed");
  if (o.status === "packed") {
    const carrier = el("input", { placeholder: "carrier", "aria-label": "carrier", size: 8, "data-testid": `carrier-${o.order}` });
    const tracking = el("input", { placeholder: "tracking number", "aria-label": "tracking number", size: 14, "data-testid": `tracking-${o.order}` });
    return el(
      "form",
      { class: "inline", onsubmit: (e) => { e.preventDefault(); void confirm({ shipped: { carrier: carrier.value, tracking: tracking.value } }); } },
      carrier,
      tracking,
      el("button", { type: "submit", "data-testid": `ship-${o.order}` }, "Confirm shipped"),
    );
  }
  if (o.status === "shipped") return `${o.carrier} ${o.tracking}`;
  if (o.status === "open" && o.picked > 0) {
    // Picked short: the supervisor decides what happens to the rest.
    const settle = async (choice) => {
      try {
        const r = await api("POST", `/v1/supervisor/orders/${encodeURIComponent(o.order)}/short`, { choice });
        say("ok", r.backorder ? `Order ${o.order} ships what was picked; the rest is backorder ${r.backorder}` : `Order ${o.order} ships what was picked; the rest is cut`);
        await hooks.route();
      } catch (err) {
        say("error", err.message);
      }
    };
    return el(
      "span",
      {},
      el("button", { onclick: () => void settle("backorder"), "data-testid": `backorder-${o.order}` }, "Backorder the rest"),
      " ",
      el("button", { onclick: () => void settle("ship_partial"), "data-testid": `ship-partial-${o.order}` }, "Ship what was picked"),
    );
  }
  return "";
}

/** Who holds which work (leases), with ways to take it back or give it to another tablet. */
function workInHand(warehouse, leases, devices) {
  const tablets = devices.filter((d) => d.warehouse_code === warehouse && !d.revoked);
  const give = async (l, device) => {
    try {
      const r = await api("POST", "/v1/supervisor/leases/assign", { work: l.work, device_id: device });
      say("ok", `${r.reference} now belongs to ${r.device_name}`);
      await hooks.route();
    } catch (err) {
      say("error", err.message);
    }
  };
  const giveTo = (l) => {
    const choice = el("select", { "aria-label": `give ${l.reference} to`, "data-testid": `give-to-${l.reference}` }, tablets.filter((d) => d.id !== l.device_id).map((d) => el("option", { value: d.id }, d.name)));
    return el(
      "form",
      { class: "inline", onsubmit: (e) => { e.preventDefault(); if (choice.value) void give(l, choice.value); } },
      choice,
      el("button", { type: "submit", "data-testid": `give-${l.reference}` }, "Give to"),
    );
  };
  const release = async (l) => {
    try {
      await api("POST", "/v1/supervisor/leases/release", { work: l.work });
      say("ok", `${l.reference} is free for any device again`);
      await hooks.route();
    } catch (err) {
      say("error", err.message);
    }
  };
  return [
    el("h2", {}, "Work in hand"),
    el("p", {}, leases.length ? `${leases.length} piece(s) of work held by devices in ${warehouse}; a lease runs out two hours after the device's last sync.` : "No device holds work: each tablet claims orders and tasks when it syncs."),
    el(
      "table",
      { "data-testid": "leases" },
      el("thead", {}, el("tr", {}, el("th", {}, "Work"), el("th", {}, "Device"), el("th", {}, "Until"), el("th", {}, ""))),
      el(
        "tbody",
        {},
        leases.map((l) =>
          el(
            "tr",
            {},
            el("td", {}, l.reference),
            el("td", {}, l.device_name),
            el("td", {}, new Date(l.expires_at).toLocaleString()),
            el("td", {}, el("button", { onclick: () => void release(l), "data-testid": `release-${l.reference}` }, "Release"), " ", giveTo(l)),
          ),
        ),
      ),
    ),
  ];
}

/** Waves: open orders grouped and held, then released to the tablets together. */
function wavesSection(warehouse, orders, waves) {
  const inWave = new Set(waves.flatMap((w) => w.orders));
  const open = orders.filter((o) => o.status === "open" && !inWave.has(o.order));
  const boxes = open.map((o) => el("input", { type: "checkbox", value: o.order, "aria-label": o.order, "data-testid": `wave-pick-${o.order}` }));
  const act = async (method, path, body, done) => {
    try {
      const w = await api(method, path, body);
      say("ok", done(w));
      await hooks.route();
    } catch (err) {
      say("error", err.message);
    }
  };
  return [
    el("h2", {}, "Waves"),
    el("p", {}, "Orders in a wave wait until it is released; then tablets take them first, ahead of orders in no wave."),
    el(
      "table",
      { "data-testid": "waves" },
      el("thead", {}, el("tr", {}, el("th", {}, "Wave"), el("th", {}, "Orders"), el("th", {}, "State"), el("th", {}, ""))),
      el(
        "tbody",
        {},
        waves.map((w) =>
          el(
            "tr",
            { "data-testid": `wave-${w.wave}` },
            el("td", {}, w.wave),
            el("td", {}, w.orders.join(", ")),
            el("td", {}, w.released ? `released by ${w.released_by}` : "held"),
            el("td", {}, w.released ? "" : el("button", { "data-testid": `release-${w.wave}`, onclick: () => void act("POST", `/v1/supervisor/waves/${encodeURIComponent(w.wave)}/release`, undefined, (r) => `${r.wave} is released: tablets take its orders first`) }, "Release")),
          ),
        ),
      ),
    ),
    open.length
      ? el(
          "form",
          {
            class: "inline",
            onsubmit: (e) => {
              e.preventDefault();
              const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
              if (chosen.length === 0) return say("error", "tick the orders for the wave first");
              void act("POST", "/v1/supervisor/waves", { warehouse, orders: chosen }, (w) => `${w.wave} holds ${w.orders.join(", ")} until it is released`);
            },
          },
          open.map((o, i) => el("label", { class: "check" }, boxes[i], ` ${o.order} `)),
          el("button", { type: "submit", "data-testid": "make-wave" }, "Make a wave"),
        )
      : el("p", {}, "No open order outside a wave."),
  ];
}

export async function ordersPage() {
  const gen = session.generation;
  const warehouse = hashParams().get("warehouse") ?? "WH1";
  const [orders, lines, leases, devices, waves, transfers, shipments] = await Promise.all([
    api("GET", `/v1/supervisor/orders?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/allocation?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/leases?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", "/v1/supervisor/devices"),
    api("GET", `/v1/supervisor/waves?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/transfers?warehouse=${encodeURIComponent(warehouse)}`),
    api("GET", `/v1/supervisor/shipments?warehouse=${encodeURIComponent(warehouse)}&limit=50`),
  ]);
  const short = lines.filter((l) => l.short > 0).length;
  paint(
    gen,
    el("h1", {}, `Orders · ${warehouse}`),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, "Order"), el("th", {}, "Customer"), el("th", { class: "num" }, "Lines"), el("th", { class: "num" }, "Picked"), el("th", {}, "State"), el("th", {}, "Shipping"))),
      el(
        "tbody",
        {},
        orders.map((o) =>
          el(
            "tr",
            { "data-testid": `orderstate-${o.order}` },
            el("td", {}, o.order),
            el("td", {}, o.customer ?? ""),
            el("td", { class: "num" }, o.lines),
            el("td", { class: "num" }, `${o.picked} / ${o.ordered}${o.cut ? ` (${o.cut} cut)` : ""}`),
            el("td", {}, o.status === "part_shipped" ? `part shipped, ${o.backorder} to come` : o.status),
            el("td", {}, shipmentCell(o)),
          ),
        ),
      ),
    ),
    ...workInHand(warehouse, leases, devices),
    ...wavesSection(warehouse, orders, waves),
    ...transfersSection(warehouse, transfers),
    ...shipmentsSection(shipments),
    el("h2", {}, "Open lines and their stock"),
    el("p", { "data-testid": "orders-summary" }, `${lines.length} open line(s), ${short} short. Stock is allocated earliest expiry first for dated items, first in first out otherwise; devices pick in walk order.`),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, "Order"), el("th", {}, "Customer"), el("th", {}, "Item"), el("th", { class: "num" }, "Open"), el("th", {}, "From"), el("th", { class: "num" }, "Short"))),
      el(
        "tbody",
        {},
        lines.map((l) =>
          el(
            "tr",
            { "data-testid": `order-${l.order}-${l.line}`, class: l.short > 0 ? "due" : "" },
            el("td", {}, `${l.order}/${l.line}`),
            el("td", {}, l.customer ?? ""),
            el("td", {}, l.sku),
            el("td", { class: "num" }, l.open),
            el("td", {}, l.picks.map((p) => `${p.qty} from ${p.location}${p.lot ? ` lot ${p.lot}` : ""}${p.expiry ? ` exp ${p.expiry}` : ""}`).join("; ") || "nothing in stock"),
            el("td", { class: "num" }, l.short || ""),
          ),
        ),
      ),
    ),
  );
}

/** Transfers into and out of the warehouse: a form to send stock to another warehouse (an order
 * here for the devices to pick and ship), and a Close button for one that has arrived. */
function transfersSection(warehouse, transfers) {
  const to = el("input", { placeholder: "to warehouse", "aria-label": "transfer to warehouse", "data-testid": "transfer-to" });
  const sku = el("input", { placeholder: "SKU", "aria-label": "transfer SKU", "data-testid": "transfer-sku" });
  const qty = el("input", { placeholder: "qty", inputmode: "numeric", "aria-label": "transfer quantity", "data-testid": "transfer-qty" });
  const create = (e) => {
    e.preventDefault();
    const n = Number(qty.value.trim());
    if (!Number.isInteger(n) || n < 1) return say("error", "type a whole quantity of at least 1");
    return act(
      "/v1/supervisor/transfers",
      { from: warehouse, to: to.value.trim().toUpperCase(), lines: [{ sku: sku.value.trim(), qty: n }] },
      (r) => `Transfer ${r.transfer} created: ${warehouse}'s devices pick it, then ship it here`,
    );
  };
  const row = (t) =>
    el(
      "tr",
      { "data-testid": `transfer-${t.transfer}` },
      el("td", {}, t.transfer),
      el("td", {}, `${t.from} → ${t.to}`),
      el("td", {}, t.status.replace("_", " ")),
      el("td", { class: "num" }, `${t.received} / ${t.shipped} / ${t.ordered}`),
      el(
        "td",
        {},
        t.status === "in_transit" && t.to === warehouse
          ? el("button", { "data-testid": `close-${t.transfer}`, onclick: () => void act(`/v1/supervisor/transfers/${encodeURIComponent(t.transfer)}/close`, {}, (c) => (c.short.length === 0 ? `Transfer ${t.transfer} closed: everything arrived` : `Transfer ${t.transfer} closed short (${c.short.map((s) => `${s.sku} ${s.received} of ${s.shipped}`).join(", ")}): see Exceptions`)) }, "Close: receiving done")
          : "",
      ),
    );
  return [
    el("h2", {}, `Transfers (${transfers.length})`),
    el("form", { class: "inline", onsubmit: create }, to, sku, qty, el("button", { class: "primary", type: "submit", "data-testid": "transfer-create" }, `Transfer from ${warehouse}`)),
    el(
      "table",
      { "data-testid": "transfers" },
      el("thead", {}, el("tr", {}, el("th", {}, "Transfer"), el("th", {}, "Route"), el("th", {}, "State"), el("th", { class: "num" }, "Received / shipped / ordered"), el("th", {}, ""))),
      el("tbody", {}, transfers.map(row)),
    ),
  ];
}


/** Shipments of cartons the tablets recorded, newest first: each one's packing slip (PDF), and
 * each carton's label, shown here and sent to one of the server's label printers. */
function shipmentsSection(shipments) {
  const shown = el("div", { "data-testid": "carton-label" });
  const showLabel = async (sscc) => {
    try {
      const svg = await fetchText(`/v1/supervisor/cartons/${encodeURIComponent(sscc)}/label`);
      const printer = el("input", { placeholder: "printer name", "aria-label": "printer name", "data-testid": "printer-name" });
      const print = async (e) => {
        e.preventDefault();
        try {
          await api("POST", `/v1/supervisor/cartons/${encodeURIComponent(sscc)}/print`, { printer: printer.value.trim() });
          say("ok", `Label of carton ${sscc} sent to ${printer.value.trim()}`);
        } catch (err) {
          say("error", err.message);
        }
      };
      shown.replaceChildren(
        el("figure", { class: "label" }, el("img", { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt: `label of carton ${sscc}` })),
        el("form", { class: "inline", onsubmit: print }, printer, el("button", { type: "submit", "data-testid": "print-label" }, "Print on the label printer")),
      );
    } catch (err) {
      say("error", err.message);
    }
  };
  const slip = async (s) => {
    try {
      await download(`/v1/supervisor/shipments/${encodeURIComponent(s.id)}/packing-slip`, `packing-slip-${s.id.slice(0, 8)}.pdf`);
    } catch (err) {
      say("error", err.message);
    }
  };
  const kg = (g) => (g >= 1000 ? `${Math.floor(g / 1000)}.${String(g % 1000).padStart(3, "0")} kg` : `${g} g`);
  return [
    el("h2", {}, `Shipments (${shipments.length})`),
    el(
      "table",
      { "data-testid": "shipments" },
      el("thead", {}, el("tr", {}, el("th", {}, "Shipped"), el("th", {}, "Carrier"), el("th", {}, "Orders"), el("th", {}, "Cartons"), el("th", { class: "num" }, "Weight"), el("th", {}, ""))),
      el(
        "tbody",
        {},
        shipments.map((s) =>
          el(
            "tr",
            { "data-testid": `shipment-${s.id}` },
            el("td", {}, s.at.slice(0, 16).replace("T", " ")),
            el("td", {}, s.reference ? `${s.carrier} (${s.reference})` : s.carrier),
            el("td", {}, s.orders.join(", ")),
            el("td", {}, s.cartons.map((c) => el("button", { class: "link", onclick: () => void showLabel(c), "data-testid": `carton-${c}` }, c))),
            el("td", { class: "num" }, kg(s.weight_g)),
            el("td", {}, el("button", { onclick: () => void slip(s), "data-testid": `slip-${s.id}` }, "Packing slip")),
          ),
        ),
      ),
    ),
    shown,
  ];
}
