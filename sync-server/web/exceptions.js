// The Exceptions page: what the server could not simply apply, grouped (by kind, location, device,
// operator or day) and filtered, with the filters in the address; each resolved on its own
// (accept, adjust, release a held operation) or the chosen ones accepted in one go.

import { api, currentWarehouse, el, hashParams, hooks, main, paint, place, say, session } from "./core.js";
import { exceptionMessage, num, t, when } from "./i18n.js";

/** Exception kinds whose operation the server held (logged, not applied): a supervisor may release it. */
const HELD_KINDS = ["unauthorized", "invalid_operation", "duplicate_entry"];

/** The exceptions the page's filters let through (`#/exceptions?kind=…&device=…&location=…&operator=…&day=…&all=1`). */
function exceptionFilter(params, devices) {
  const current = place.warehouses.find((w) => w.code === currentWarehouse());
  return {
    kind: params.get("kind") ?? "",
    device: params.get("device") ?? "",
    location: params.get("location") ?? "",
    operator: params.get("operator") ?? "",
    day: params.get("day") ?? "",
    all: params.get("all") === "1" || current === undefined,
    warehouse: current,
    keeps(x) {
      return (
        (this.all || x.warehouse_id === this.warehouse.id) &&
        (this.kind === "" || x.kind === this.kind) &&
        (this.device === "" || (devices.get(x.device_id) ?? "") === this.device) &&
        (this.location === "" || (x.location ?? "") === this.location) &&
        (this.operator === "" || (x.operator ?? "") === this.operator) &&
        (this.day === "" || x.created_at.slice(0, 10) === this.day)
      );
    },
  };
}

/** A filter's choices with how many of the open exceptions each holds, most first. */
function choices(list, of) {
  const counts = new Map();
  for (const x of list) counts.set(of(x), (counts.get(of(x)) ?? 0) + 1);
  return [...counts].filter(([k]) => k !== "").sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])));
}

export async function exceptionsPage() {
  const gen = session.generation;
  const [list, devices] = await Promise.all([api("GET", "/v1/supervisor/exceptions"), api("GET", "/v1/supervisor/devices")]);
  const deviceName = new Map(devices.map((d) => [d.id, d.name]));
  const params = hashParams();
  const filter = exceptionFilter(params, deviceName);
  const here = list.filter((x) => filter.all || x.warehouse_id === filter.warehouse.id);
  const shown = here.filter((x) => filter.keeps(x)).sort((a, b) => a.kind.localeCompare(b.kind) || b.created_at.localeCompare(a.created_at));
  const kindName = (k) => t(`kind.${k}`, { defaultValue: k.replaceAll("_", " ") });
  // How the list is grouped (`&group=location`...): each group's key and its heading.
  const GROUPS = {
    kind: [(x) => x.kind, kindName],
    location: [(x) => x.location ?? "", (k) => k],
    device: [(x) => deviceName.get(x.device_id) ?? "", (k) => k],
    operator: [(x) => x.operator ?? "", (k) => k],
    day: [(x) => x.created_at.slice(0, 10), (k) => k],
  };
  const group = GROUPS[params.get("group") ?? ""] ? params.get("group") : "kind";
  const [groupKey, groupName] = GROUPS[group];
  // Changing a filter rewrites the address, so a filtered list can be bookmarked and sent on.
  const refilter = (name, value) => {
    const next = new URLSearchParams(params);
    if (value === "") next.delete(name);
    else next.set(name, value);
    location.hash = `#/exceptions?${next}`;
  };
  const select = (name, label, testid, options) =>
    el(
      "label",
      {},
      label,
      " ",
      el(
        "select",
        { "data-testid": testid, onchange: (e) => refilter(name, e.target.value) },
        el("option", { value: "" }, t("exceptions.any")),
        options.map(([value, n, text]) => el("option", { value, selected: params.get(name) === value }, `${text ?? value} (${num(n)})`)),
      ),
    );
  const filters = el(
    "div",
    { class: "filters", "data-testid": "exception-filters" },
    select("kind", t("col.kind"), "filter-kind", choices(here, (x) => x.kind).map(([k, n]) => [k, n, kindName(k)])),
    select("device", t("col.device"), "filter-device", choices(here, (x) => deviceName.get(x.device_id) ?? "")),
    select("location", t("col.location"), "filter-location", choices(here, (x) => x.location ?? "")),
    select("operator", t("exceptions.operator"), "filter-operator", choices(here, (x) => x.operator ?? "")),
    select("day", t("exceptions.day"), "filter-day", choices(here, (x) => x.created_at.slice(0, 10))),
    el(
      "label",
      {},
      t("exceptions.groupBy"),
      " ",
      el(
        "select",
        { "data-testid": "group-by", onchange: (e) => refilter("group", e.target.value === "kind" ? "" : e.target.value) },
        Object.keys(GROUPS).map((g) => el("option", { value: g, selected: group === g }, t(`exceptions.by.${g}`))),
      ),
    ),
    el(
      "label",
      { class: "check" },
      el("input", { type: "checkbox", checked: filter.all, "data-testid": "filter-all", onchange: (e) => refilter("all", e.target.checked ? "1" : "") }),
      " ",
      t("exceptions.allWarehouses"),
    ),
  );
  const picked = new Set();
  const bulkNote = el("input", { placeholder: t("exceptions.note"), "aria-label": t("exceptions.bulkNote") });
  const acceptPicked = async () => {
    const chosen = shown.filter((x) => picked.has(x.id));
    if (chosen.length === 0) return say("error", t("exceptions.pickFirst"));
    let done = 0;
    const failed = [];
    for (const x of chosen) {
      try {
        await api("POST", `/v1/supervisor/exceptions/${x.id}/resolve`, { accept: { note: bulkNote.value.trim() || "accepted" } });
        done += 1;
      } catch (err) {
        failed.push(`${kindName(x.kind)}: ${err.message}`);
      }
    }
    say(failed.length === 0 ? "ok" : "error", [t("exceptions.bulkDone", { n: num(done) }), ...failed].join("; "));
    await hooks.route();
  };
  const row = (x) => {
    const note = el("input", { placeholder: t("exceptions.note"), "aria-label": t("exceptions.note") });
    const qty = el("input", { placeholder: t("exceptions.units"), inputmode: "numeric", size: 6, "aria-label": t("exceptions.adjustBy") });
    const resolve = async (body) => {
      try {
        await api("POST", `/v1/supervisor/exceptions/${x.id}/resolve`, body);
        say("ok", t("exceptions.resolved", { message: exceptionMessage(x) }));
        await hooks.route();
      } catch (err) {
        say("error", err.message);
      }
    };
    return el(
      "tr",
      { "data-testid": "exception", "data-kind": x.kind },
      el("td", {}, el("label", { class: "tap" }, el("input", { type: "checkbox", "aria-label": t("exceptions.pick"), "data-testid": "pick-exception", onchange: (e) => (e.target.checked ? picked.add(x.id) : picked.delete(x.id)) }))),
      el("td", {}, kindName(x.kind)),
      el("td", {}, exceptionMessage(x)),
      el("td", {}, deviceName.get(x.device_id) ?? "", x.operator ? el("div", { class: "why" }, x.operator) : ""),
      el("td", {}, x.location ?? ""),
      el("td", {}, when(x.created_at)),
      el(
        "td",
        {},
        el(
          "form",
          { class: "inline", onsubmit: (e) => { e.preventDefault(); void resolve({ accept: { note: note.value.trim() || "accepted" } }); } },
          note,
          el("button", { type: "submit", "data-testid": "accept" }, t("exceptions.accept")),
        ),
        // Held work (an unknown badge, an operator's adjustment...) is applied only if released.
        HELD_KINDS.includes(x.kind)
          ? el("button", { "data-testid": "release-held", onclick: () => void resolve({ release: { note: note.value.trim() || "released" } }) }, t("exceptions.release"))
          : "",
        el(
          "form",
          {
            class: "inline",
            onsubmit: (e) => {
              e.preventDefault();
              const n = Number.parseInt(qty.value, 10);
              if (!Number.isSafeInteger(n) || n === 0) return say("error", t("exceptions.badQty"));
              void resolve({ adjust: { qty: n, reason: note.value.trim() || "supervisor correction" } }); // a default note, recorded as is
            },
          },
          qty,
          el("button", { type: "submit" }, t("exceptions.adjust")),
        ),
      ),
    );
  };
  // Grouped (by kind unless chosen): a heading row with the count, then the group's exceptions,
  // newest first; those without a value for the grouping (no location, say) come last.
  const body = [];
  const groups = choices(shown, groupKey);
  if (shown.some((x) => groupKey(x) === "")) groups.push(["", shown.filter((x) => groupKey(x) === "").length]);
  for (const [key, n] of groups) {
    body.push(el("tr", { class: "group", "data-testid": `group-${key}` }, el("th", { colspan: 7 }, `${key === "" ? t("exceptions.noValue") : groupName(key)} · ${num(n)}`)));
    body.push(...shown.filter((x) => groupKey(x) === key).map(row));
  }
  paint(
    gen,
    el("h1", {}, t("exceptions.title", { n: num(list.length) })),
    filters,
    el("p", { "data-testid": "exceptions-shown" }, t("exceptions.shown", { n: num(shown.length), of: num(list.length), warehouse: filter.all ? t("exceptions.everywhere") : filter.warehouse.code })),
    shown.length === 0
      ? el("p", { "data-testid": "no-exceptions" }, t("exceptions.none"))
      : [
          el(
            "form",
            { class: "inline", onsubmit: (e) => { e.preventDefault(); void acceptPicked(); } },
            el("button", { type: "button", "data-testid": "pick-all", onclick: () => { for (const b of main.querySelectorAll("[data-testid=pick-exception]")) { b.checked = true; } for (const x of shown) picked.add(x.id); } }, t("exceptions.pickAll")),
            bulkNote,
            el("button", { type: "submit", class: "primary", "data-testid": "accept-picked" }, t("exceptions.acceptPicked")),
          ),
          el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, ""), el("th", {}, t("col.kind")), el("th", {}, t("col.happened")), el("th", {}, t("col.device")), el("th", {}, t("col.location")), el("th", {}, t("col.when")), el("th", {}, t("col.decision")))), el("tbody", {}, body)),
        ],
  );
}
