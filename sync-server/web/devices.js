// The Devices page: every tablet with its last sync, how far it is behind and its clock; a new
// tablet enrolled with a one-time code shown as a QR code (the tablet's Settings screen reads it
// with its scanner or camera); a lost or retired tablet revoked.

import { api, currentWarehouse, el, hooks, paint, place, say, session, svg } from "./core.js";
import { num, t, when } from "./i18n.js";

/** A device clock more than two minutes off is flagged: its times are corrected, but it should be set right. */
export function clockOff(d) {
  return d.clock_offset_s !== null && Math.abs(d.clock_offset_s) > 120;
}

function clockText(d) {
  if (d.clock_offset_s === null) return t("devices.clockUnknown");
  const s = Math.abs(d.clock_offset_s);
  if (s <= 120) return t("devices.clockRight");
  const span = s >= 7200 ? t("devices.hours", { n: Math.round(s / 3600) }) : t("devices.minutes", { n: Math.round(s / 60) });
  return t(d.clock_offset_s > 0 ? "devices.ahead" : "devices.behind", { span });
}

/** A QR code from its rows of modules (`1` dark), with the four-module quiet zone it needs. */
function qrCode(rows, label) {
  const n = rows.length + 8;
  const dark = [];
  rows.forEach((row, y) => {
    for (let x = 0; x < row.length; x += 1) if (row[x] === "1") dark.push(`M${x + 4} ${y + 4}h1v1h-1z`);
  });
  return svg(
    "svg",
    { viewBox: `0 0 ${n} ${n}`, width: 8 * n, height: 8 * n, role: "img", "aria-label": label, "data-testid": "enrol-qr", class: "qr", "shape-rendering": "crispEdges" },
    svg("rect", { width: n, height: n, fill: "#fff" }),
    svg("path", { d: dark.join(""), fill: "#000" }),
  );
}

function enrolForm(gen) {
  const name = el("input", { required: true, maxlength: 64, "aria-label": t("devices.name"), placeholder: t("devices.name"), "data-testid": "enrol-name" });
  const warehouse = el("select", { "aria-label": t("col.warehouse"), "data-testid": "enrol-warehouse" }, place.warehouses.map((w) => el("option", { value: w.code, selected: w.code === currentWarehouse() }, `${w.code} · ${w.name}`)));
  const server = el("input", { required: true, value: location.origin, size: 28, "aria-label": t("devices.serverUrl"), "data-testid": "enrol-server" });
  const shown = el("div", { "data-testid": "enrolment" });
  const form = el(
    "form",
    {
      class: "inline",
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          const r = await api("POST", "/v1/supervisor/devices/enrol", { warehouse: warehouse.value, name: name.value, server_url: server.value });
          if (gen !== session.generation) return;
          say("ok", t("devices.enrolled", { name: r.name, warehouse: r.warehouse }));
          shown.replaceChildren(
            el("h2", {}, t("devices.enrolTitle", { name: r.name })),
            el("p", {}, t("devices.enrolHow")),
            qrCode(r.qr, t("devices.qrLabel", { name: r.name })),
            el("p", {}, t("devices.code"), " ", el("code", { "data-testid": "enrol-code" }, r.code), " · ", t("devices.until", { when: when(r.expires_at) })),
          );
          name.value = "";
        } catch (err) {
          say("error", err.message);
        }
      },
    },
    name,
    warehouse,
    el("label", {}, t("devices.serverUrl"), " ", server),
    el("button", { class: "primary", "data-testid": "enrol" }, t("devices.enrol")),
  );
  return [el("h2", {}, t("devices.newTablet")), form, shown];
}

async function revoke(d) {
  if (!window.confirm(t("devices.revokeSure", { name: d.name }))) return;
  try {
    await api("POST", `/v1/supervisor/devices/${encodeURIComponent(d.id)}/revoke`, {});
    say("ok", t("devices.revokedNow", { name: d.name }));
    await hooks.route();
  } catch (err) {
    say("error", err.message);
  }
}

export async function devicesPage() {
  const gen = session.generation;
  const devices = await api("GET", "/v1/supervisor/devices");
  paint(
    gen,
    el("h1", {}, t("nav.devices")),
    el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, t("col.name")), el("th", {}, t("col.warehouse")), el("th", {}, t("col.lastSync")), el("th", { class: "num" }, t("col.opsReceived")), el("th", { class: "num" }, t("col.waiting")), el("th", {}, t("col.clock")), el("th", {}, t("col.app")), el("th", {}, t("col.state")))),
      el(
        "tbody",
        {},
        devices.map((d) =>
          el(
            "tr",
            { "data-testid": "device" },
            el("td", {}, d.name),
            el("td", {}, d.warehouse_code),
            el("td", {}, d.last_seen_at ? when(d.last_seen_at) : t("devices.never")),
            el("td", { class: "num" }, num(d.durable_seq)),
            el("td", { class: "num", "data-testid": "waiting" }, d.waiting ?? t("devices.unknown")),
            el("td", { class: clockOff(d) ? "due" : "", "data-testid": "clock" }, clockText(d)),
            el("td", {}, d.app_version),
            el("td", {}, d.revoked ? t("devices.revoked") : [t("devices.active"), " ", el("button", { onclick: () => void revoke(d), "data-testid": `revoke-${d.name}` }, t("devices.revoke"))]),
          ),
        ),
      ),
    ),
    enrolForm(gen),
  );
}
