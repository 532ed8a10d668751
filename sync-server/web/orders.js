// The Orders page: orders and their state, who holds which work, waves, transfers between
// warehouses, and shipments of cartons with their packing slips and labels.

import { act, api, currentWarehouse, download, el, fetchText, hooks, paint, say, session } from "./core.js";
import { num, t, when } from "./i18n.js";

function shipmentCell(o) {
  const confirm = async (body) => {
    try {
      const r = await api("POST", `/v1/supervisor/orders/${encodeURIComponent(o.order)}/shipment`, body);
      say("ok", t("orders.isNow", { order: r.order, status: t(`orderStatus.${r.status}`, { defaultValue: r.status }) }));
      await hooks.route();
    } catch (err) {
      say("error", err.message);
    }
  };
  if (o.status === "picked") return el("button", { onclick: () => void confirm("packed"), "data-testid": `pack-${o.order}` }, t("orders.confirmPacked"));
  if (o.status === "packed") {
    const carrier = el("input", { placeholder: t("orders.carrier"), "aria-label": t("orders.carrier"), size: 8, "data-testid": `carrier-${o.order}` });
    const tracking = el("input", { placeholder: t("orders.tracking"), "aria-label": t("orders.tracking"), size: 14, "data-testid": `tracking-${o.order}` });
    return el(
      "form",
      { class: "inline", onsubmit: (e) => { e.preventDefault(); void confirm({ shipped: { carrier: carrier.value, tracking: tracking.value } }); } },
      carrier,
      tracking,
      el("button", { type: "submit", "data-testid": `ship-${o.order}` }, t("orders.confirmShipped")),
    );
  }
  // Confirmed here with a carrier and tracking number, or shipped by the tablets in cartons.
  if (o.status === "shipped") return [o.carrier, o.tracking].filter(Boolean).join(" ") || t("orders.inCartons");
  if (o.status === "open" && o.picked > 0) {
    // Picked short: the supervisor decides what happens to the rest.
    const settle = async (choice) => {
      try {
        const r = await api("POST", `/v1/supervisor/orders/${encodeURIComponent(o.order)}/short`, { choice });
        say("ok", r.backorder ? t("orders.backordered", { order: o.order, backorder: r.backorder }) : t("orders.cut", { order: o.order }));
        await hooks.route();
      } catch (err) {
        say("error", err.message);
      }
    };
    return el(
      "span",
      {},
      el("button", { onclick: () => void settle("backorder"), "data-testid": `backorder-${o.order}` }, t("orders.backorderRest")),
      " ",
      el("button", { onclick: () => void settle("ship_partial"), "data-testid": `ship-partial-${o.order}` }, t("orders.shipPartial")),
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
      say("ok", t("orders.given", { reference: r.reference, device: r.device_name }));
      await hooks.route();
    } catch (err) {
      say("error", err.message);
    }
  };
  const giveTo = (l) => {
    const choice = el("select", { "aria-label": t("orders.giveLabel", { reference: l.reference }), "data-testid": `give-to-${l.reference}` }, tablets.filter((d) => d.id !== l.device_id).map((d) => el("option", { value: d.id }, d.name)));
    return el(
      "form",
      { class: "inline", onsubmit: (e) => { e.preventDefault(); if (choice.value) void give(l, choice.value); } },
      choice,
      el("button", { type: "submit", "data-testid": `give-${l.reference}` }, t("orders.giveTo")),
    );
  };
  const release = async (l) => {
    try {
      await api("POST", "/v1/supervisor/leases/release", { work: l.work });
      say("ok", t("orders.freed", { reference: l.reference }));
      await hooks.route();
    } catch (err) {
      say("error", err.message);
    }
  };
  return [
    el("h2", {}, t("orders.workInHand")),
    el("p", {}, leases.length ? t("orders.held", { n: num(leases.length), warehouse }) : t("orders.noneHeld")),
    el(
      "table",
      { "data-testid": "leases" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.work")), el("th", {}, t("col.device")), el("th", {}, t("col.until")), el("th", {}, ""))),
      el(
        "tbody",
        {},
        leases.map((l) =>
          el(
            "tr",
            {},
            el("td", {}, l.reference),
            el("td", {}, l.device_name),
            el("td", {}, when(l.expires_at)),
            el("td", {}, el("button", { onclick: () => void release(l), "data-testid": `release-${l.reference}` }, t("common.release")), " ", giveTo(l)),
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
    el("h2", {}, t("waves.title")),
    el("p", {}, t("waves.why")),
    el(
      "table",
      { "data-testid": "waves" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.wave")), el("th", {}, t("col.orders")), el("th", {}, t("col.state")), el("th", {}, ""))),
      el(
        "tbody",
        {},
        waves.map((w) =>
          el(
            "tr",
            { "data-testid": `wave-${w.wave}` },
            el("td", {}, w.wave),
            el("td", {}, w.orders.join(", ")),
            el("td", {}, w.released ? t("waves.releasedBy", { who: w.released_by }) : t("waves.held")),
            el("td", {}, w.released ? "" : el("button", { "data-testid": `release-${w.wave}`, onclick: () => void act("POST", `/v1/supervisor/waves/${encodeURIComponent(w.wave)}/release`, undefined, (r) => t("waves.released", { wave: r.wave })) }, t("common.release"))),
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
              if (chosen.length === 0) return say("error", t("waves.tickFirst"));
              void act("POST", "/v1/supervisor/waves", { warehouse, orders: chosen }, (w) => t("waves.made", { wave: w.wave, orders: w.orders.join(", ") }));
            },
          },
          open.map((o, i) => el("label", { class: "check" }, boxes[i], ` ${o.order} `)),
          el("button", { type: "submit", "data-testid": "make-wave" }, t("waves.make")),
        )
      : el("p", {}, t("waves.noneOutside")),
  ];
}

export async function ordersPage() {
  const gen = session.generation;
  const warehouse = currentWarehouse();
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
    el("h1", {}, t("orders.title", { warehouse })),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, t("col.order")), el("th", {}, t("col.customer")), el("th", { class: "num" }, t("col.lines")), el("th", { class: "num" }, t("col.picked")), el("th", {}, t("col.state")), el("th", {}, t("col.shipping")))),
      el(
        "tbody",
        {},
        orders.map((o) =>
          el(
            "tr",
            { "data-testid": `orderstate-${o.order}` },
            el("td", {}, o.order),
            el("td", {}, o.customer ?? ""),
            el("td", { class: "num" }, num(o.lines)),
            el("td", { class: "num" }, `${num(o.picked)} / ${num(o.ordered)}${o.cut ? ` ${t("orders.cutN", { n: num(o.cut) })}` : ""}`),
            el("td", {}, o.status === "part_shipped" ? t("orders.partShipped", { backorder: o.backorder }) : t(`orderStatus.${o.status}`, { defaultValue: o.status })),
            el("td", {}, shipmentCell(o)),
          ),
        ),
      ),
    ),
    ...workInHand(warehouse, leases, devices),
    ...wavesSection(warehouse, orders, waves),
    ...transfersSection(warehouse, transfers),
    ...shipmentsSection(shipments),
    el("h2", {}, t("orders.openLines")),
    el("p", { "data-testid": "orders-summary" }, t("orders.summary", { n: num(lines.length), short: num(short) })),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, t("col.order")), el("th", {}, t("col.customer")), el("th", {}, t("col.item")), el("th", { class: "num" }, t("col.open")), el("th", {}, t("col.from")), el("th", { class: "num" }, t("col.short")))),
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
            el("td", { class: "num" }, num(l.open)),
            el("td", {}, l.picks.map((p) => `${t("orders.pickFrom", { qty: num(p.qty), location: p.location })}${p.lot ? ` ${t("common.lot")} ${p.lot}` : ""}${p.expiry ? ` ${t("orders.exp", { date: p.expiry })}` : ""}`).join("; ") || t("orders.nothingInStock")),
            el("td", { class: "num" }, l.short ? num(l.short) : ""),
          ),
        ),
      ),
    ),
  );
}

/** Transfers into and out of the warehouse: a form to send stock to another warehouse (an order
 * here for the devices to pick and ship), and a Close button for one that has arrived. */
function transfersSection(warehouse, transfers) {
  const to = el("input", { placeholder: t("transfers.to"), "aria-label": t("transfers.toLabel"), "data-testid": "transfer-to" });
  const sku = el("input", { placeholder: t("transfers.sku"), "aria-label": t("transfers.skuLabel"), "data-testid": "transfer-sku" });
  const qty = el("input", { placeholder: t("transfers.qty"), inputmode: "numeric", "aria-label": t("transfers.qtyLabel"), "data-testid": "transfer-qty" });
  const create = (e) => {
    e.preventDefault();
    const n = Number(qty.value.trim());
    if (!Number.isInteger(n) || n < 1) return say("error", t("transfers.badQty"));
    return act(
      "/v1/supervisor/transfers",
      { from: warehouse, to: to.value.trim().toUpperCase(), lines: [{ sku: sku.value.trim(), qty: n }] },
      (r) => t("transfers.created", { transfer: r.transfer, warehouse }),
    );
  };
  const row = (x) =>
    el(
      "tr",
      { "data-testid": `transfer-${x.transfer}` },
      el("td", {}, x.transfer),
      el("td", {}, `${x.from} → ${x.to}`),
      el("td", {}, t(`transferStatus.${x.status}`, { defaultValue: x.status.replace("_", " ") })),
      el("td", { class: "num" }, `${num(x.received)} / ${num(x.shipped)} / ${num(x.ordered)}`),
      el(
        "td",
        {},
        x.status === "in_transit" && x.to === warehouse
          ? el("button", { "data-testid": `close-${x.transfer}`, onclick: () => void act(`/v1/supervisor/transfers/${encodeURIComponent(x.transfer)}/close`, {}, (c) => (c.short.length === 0 ? t("transfers.closed", { transfer: x.transfer }) : t("transfers.closedShort", { transfer: x.transfer, short: c.short.map((s) => t("transfers.shortLine", { sku: s.sku, received: num(s.received), shipped: num(s.shipped) })).join(", ") }))) }, t("transfers.close"))
          : "",
      ),
    );
  return [
    el("h2", {}, t("transfers.title", { n: num(transfers.length) })),
    el("form", { class: "inline", onsubmit: create }, to, sku, qty, el("button", { class: "primary", type: "submit", "data-testid": "transfer-create" }, t("transfers.from", { warehouse }))),
    el(
      "table",
      { "data-testid": "transfers" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.transfer")), el("th", {}, t("col.route")), el("th", {}, t("col.state")), el("th", { class: "num" }, t("col.receivedShippedOrdered")), el("th", {}, ""))),
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
      const printer = el("input", { placeholder: t("shipments.printer"), "aria-label": t("shipments.printer"), "data-testid": "printer-name" });
      const print = async (e) => {
        e.preventDefault();
        try {
          await api("POST", `/v1/supervisor/cartons/${encodeURIComponent(sscc)}/print`, { printer: printer.value.trim() });
          say("ok", t("shipments.labelSent", { sscc, printer: printer.value.trim() }));
        } catch (err) {
          say("error", err.message);
        }
      };
      shown.replaceChildren(
        el("figure", { class: "label" }, el("img", { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt: t("shipments.labelAlt", { sscc }) })),
        el("form", { class: "inline", onsubmit: print }, printer, el("button", { type: "submit", "data-testid": "print-label" }, t("shipments.print"))),
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
  const kg = (g) => (g >= 1000 ? `${num(g / 1000, { minimumFractionDigits: 3, maximumFractionDigits: 3 })} kg` : `${num(g)} g`);
  return [
    el("h2", {}, t("shipments.title", { n: num(shipments.length) })),
    el(
      "table",
      { "data-testid": "shipments" },
      el("thead", {}, el("tr", {}, el("th", {}, t("col.shipped")), el("th", {}, t("col.carrier")), el("th", {}, t("col.orders")), el("th", {}, t("col.cartons")), el("th", { class: "num" }, t("col.weight")), el("th", {}, ""))),
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
            el("td", {}, el("button", { onclick: () => void slip(s), "data-testid": `slip-${s.id}` }, t("shipments.slip"))),
          ),
        ),
      ),
    ),
    shown,
  ];
}
