// The Dashboard: how the chosen warehouse's day is going, as charts with their numbers beside
// them. Sync activity and the tablets furthest behind, exceptions per day, picks per hour per
// operator, and stock value in every warehouse. Charts are drawn here as SVG (a few bars need no
// charting library, and the pages load no code but their own); every chart has a text label and
// its figures as a table for screen readers and for copying.

import { api, currentWarehouse, el, paint, session, svg } from "./core.js";
import { language, num, t, when } from "./i18n.js";

/** Operators' colours in the picks chart (told apart by the legend's text too); the legend's
 * swatches are the classes .c0 to .c7 in app.css, the same colours. */
const COLOURS = ["#2563eb", "#d97706", "#059669", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626"];

/**
 * Vertical bars: one column per label, each column a stack of `series` (values per label).
 * Labels are shown every `every` columns so they do not overlap.
 */
function columns({ id, label, labels, series, every = 1 }) {
  const W = 720;
  const H = 220;
  const L = 40;
  const B = 28;
  const T = 10;
  const totals = labels.map((_, i) => series.reduce((a, s) => a + (s.values[i] ?? 0), 0));
  const top = Math.max(1, ...totals);
  const step = (W - L - 10) / Math.max(1, labels.length);
  const bw = Math.max(2, step * 0.75);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const bars = [];
  labels.forEach((name, i) => {
    let base = 0;
    for (const s of series) {
      const v = s.values[i] ?? 0;
      if (v > 0) bars.push(svg("rect", { x: L + i * step, y: y(base + v), width: bw, height: y(base) - y(base + v), fill: s.colour }, svg("title", {}, `${name} · ${s.name}: ${num(v)}`)));
      base += v;
    }
  });
  const ticks = labels.map((name, i) => (i % every === 0 ? svg("text", { x: L + i * step, y: H - 8, class: "label" }, name) : null)).filter((x) => x !== null);
  return svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "chart", "data-testid": id },
    svg("line", { x1: L, y1: H - B, x2: W - 10, y2: H - B, class: "axis" }),
    svg("text", { x: 4, y: T + 10, class: "label" }, num(top)),
    svg("text", { x: 4, y: H - B, class: "label" }, "0"),
    bars,
    ticks,
  );
}

/** Horizontal bars, one per row: `[name, value, text]`. */
function rows({ id, label, items, colour = "#2563eb" }) {
  const W = 720;
  const R = 26;
  const L = 180;
  const H = Math.max(1, items.length) * R + 8;
  const top = Math.max(1, ...items.map(([, v]) => v));
  return svg(
    "svg",
    { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label, class: "chart", "data-testid": id },
    items.map(([name, v, text], i) => [
      svg("text", { x: 4, y: 8 + i * R + 14, class: "label-big" }, name),
      svg("rect", { x: L, y: 8 + i * R, width: Math.max(v > 0 ? 2 : 0, (W - L - 160) * (v / top)), height: R - 8, fill: colour }),
      svg("text", { x: L + (W - L - 160) * (v / top) + 6, y: 8 + i * R + 14, class: "label-big" }, text),
    ]),
  );
}

/** A chart with its heading, and its figures as a table under a disclosure. */
function panel(title, chart, head, body, testid) {
  return el(
    "section",
    { class: "panel", "data-testid": testid },
    el("h2", {}, title),
    chart,
    el("details", {}, el("summary", {}, t("dashboard.figures")), el("table", {}, el("thead", {}, el("tr", {}, head.map((h, i) => el("th", { class: i > 0 ? "num" : "" }, h)))), el("tbody", {}, body.map((r) => el("tr", {}, r.map((c, i) => el("td", { class: i > 0 ? "num" : "" }, c))))))),
  );
}

/** An hour of the answer (UTC, `2026-12-03T09`) in the supervisor's own time and language. */
const hourOf = (h) => {
  const at = new Date(`${h}:00:00Z`);
  return Number.isNaN(at.getTime()) ? h : at.toLocaleTimeString(language(), { hour: "2-digit", minute: "2-digit" });
};

/** A day of the answer (`2026-12-03`) as the supervisor's language writes a short date. */
const dayOf = (d) => {
  const at = new Date(`${d}T12:00:00Z`);
  return Number.isNaN(at.getTime()) ? d : at.toLocaleDateString(language(), { day: "2-digit", month: "2-digit" });
};

export async function dashboardPage() {
  const gen = session.generation;
  const warehouse = currentWarehouse();
  const d = await api("GET", `/v1/supervisor/dashboard?warehouse=${encodeURIComponent(warehouse)}`);

  const syncs = panel(
    t("dashboard.syncs"),
    columns({ id: "chart-syncs", label: t("dashboard.syncsLabel", { warehouse }), labels: d.syncs.map((s) => hourOf(s.hour)), series: [{ name: t("dashboard.entries"), colour: "#2563eb", values: d.syncs.map((s) => s.entries) }], every: 3 }),
    [t("dashboard.hour"), t("dashboard.entries"), t("dashboard.devices")],
    d.syncs.filter((s) => s.entries > 0).map((s) => [hourOf(s.hour), num(s.entries), num(s.devices)]),
    "panel-syncs",
  );
  const behind = panel(
    t("dashboard.behind"),
    d.devices.length === 0
      ? el("p", {}, t("dashboard.noDevices"))
      : rows({ id: "chart-behind", label: t("dashboard.behindLabel", { warehouse }), colour: "#d97706", items: d.devices.map((x) => [x.name, x.waiting ?? 0, t("dashboard.waitingSince", { n: num(x.waiting ?? 0), when: x.last_seen_at ? when(x.last_seen_at) : t("devices.never") })]) }),
    [t("col.name"), t("col.waiting"), t("col.lastSync")],
    d.devices.map((x) => [x.name, x.waiting === null ? t("devices.unknown") : num(x.waiting), x.last_seen_at ? when(x.last_seen_at) : t("devices.never")]),
    "panel-behind",
  );
  const exceptions = panel(
    t("dashboard.exceptions"),
    columns({
      id: "chart-exceptions",
      label: t("dashboard.exceptionsLabel", { warehouse }),
      labels: d.exceptions.map((x) => dayOf(x.day)),
      series: [
        { name: t("dashboard.open"), colour: "#dc2626", values: d.exceptions.map((x) => x.open) },
        { name: t("dashboard.resolved"), colour: "#9ca3af", values: d.exceptions.map((x) => x.raised - x.open) },
      ],
      every: 2,
    }),
    [t("dashboard.day"), t("dashboard.raised"), t("dashboard.open")],
    d.exceptions.filter((x) => x.raised > 0).map((x) => [dayOf(x.day), num(x.raised), num(x.open)]),
    "panel-exceptions",
  );
  const hours = d.syncs.map((s) => s.hour);
  const operators = [...new Map(d.picks.map((p) => [p.badge, p.name])).entries()];
  const picks = panel(
    t("dashboard.picks"),
    operators.length === 0
      ? el("p", {}, t("dashboard.noPicks"))
      : [
          columns({
            id: "chart-picks",
            label: t("dashboard.picksLabel", { warehouse }),
            labels: hours.map(hourOf),
            series: operators.map(([badge, name], i) => ({ name, colour: COLOURS[i % COLOURS.length], values: hours.map((h) => d.picks.find((p) => p.hour === h && p.badge === badge)?.lines ?? 0) })),
            every: 3,
          }),
          el("ul", { class: "legend" }, operators.map(([, name], i) => el("li", {}, el("span", { class: `swatch c${i % COLOURS.length}` }), name))),
        ],
    [t("dashboard.hour"), t("dashboard.operator"), t("dashboard.lines"), t("dashboard.units")],
    d.picks.map((p) => [hourOf(p.hour), p.name, num(p.lines), num(p.units)]),
    "panel-picks",
  );
  const value = panel(
    t("dashboard.value"),
    rows({
      id: "chart-value",
      label: t("dashboard.valueLabel"),
      colour: "#059669",
      items: d.stock_value.map((w) => {
        const first = w.totals[0];
        const amount = first ? Number(first.value) : 0;
        return [w.warehouse, amount, first ? `${num(amount, { maximumFractionDigits: 0 })} ${first.currency}` : t("dashboard.noCost")];
      }),
    }),
    [t("col.warehouse"), t("dashboard.valueCol"), t("dashboard.uncosted")],
    d.stock_value.map((w) => [`${w.warehouse} · ${w.name}`, w.totals.map((x) => `${num(Number(x.value), { maximumFractionDigits: 2 })} ${x.currency}`).join(", ") || t("dashboard.noCost"), num(w.uncosted)]),
    "panel-value",
  );
  paint(gen, el("h1", {}, t("dashboard.title", { warehouse })), el("div", { class: "panels" }, syncs, behind, exceptions, picks, value));
}
