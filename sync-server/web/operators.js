// The Operators page: who may sign in on the tablets. A supervisor adds one, gives one a new PIN,
// role or language, and disables or enables a badge; the tablets take each change at their next
// sync.

import { api, el, hooks, paint, say, session } from "./core.js";
import { LANGUAGES, t, when } from "./i18n.js";

/** Operators: who may sign in on the tablets. A supervisor adds one, or gives one a new PIN or
 * role; the tablets learn of it at their next sync. */
export async function operatorsPage() {
  const gen = session.generation;
  const operators = await api("GET", "/v1/supervisor/operators");
  const save = async (body, done) => {
    try {
      const o = await api("POST", "/v1/supervisor/operators", body);
      say("ok", done(o));
      await hooks.route();
    } catch (err) {
      say("error", err.message);
    }
  };
  const roleSelect = (value, testid) =>
    el("select", { "aria-label": t("operators.role"), "data-testid": testid }, ["operator", "supervisor"].map((r) => el("option", { value: r, selected: r === value }, t(`operators.roles.${r}`))));
  const badge = el("input", { "aria-label": t("operators.badge"), placeholder: t("operators.badge"), "data-testid": "new-operator-badge" });
  const name = el("input", { "aria-label": t("operators.name"), placeholder: t("operators.name"), "data-testid": "new-operator-name" });
  const pin = el("input", { type: "password", inputmode: "numeric", autocomplete: "new-password", "aria-label": t("operators.pin"), placeholder: t("operators.pin"), "data-testid": "new-operator-pin" });
  const role = roleSelect("operator", "new-operator-role");
  const row = (o) => {
    const newPin = el("input", { type: "password", inputmode: "numeric", autocomplete: "new-password", size: 8, "aria-label": t("operators.newPinFor", { badge: o.badge }), placeholder: t("operators.newPin"), "data-testid": `pin-${o.badge}` });
    const newRole = roleSelect(o.role, `role-${o.badge}`);
    const toggle = async () => {
      try {
        const done = await api("POST", `/v1/supervisor/operators/${encodeURIComponent(o.badge)}/${o.disabled_at ? "enable" : "disable"}`, {});
        say("ok", t(done.disabled_at ? "operators.disabledNow" : "operators.enabledNow", { badge: done.badge }));
        await hooks.route();
      } catch (err) {
        say("error", err.message);
      }
    };
    return el(
      "tr",
      { "data-testid": `operator-${o.badge}`, class: o.disabled_at ? "disabled" : "" },
      el("td", {}, o.badge),
      el("td", {}, o.name),
      el("td", {}, t(`operators.roles.${o.role}`, { defaultValue: o.role }), o.disabled_at ? el("div", { class: "why" }, t("operators.disabledSince", { when: when(o.disabled_at) })) : ""),
      el(
        "td",
        {},
        el(
          "form",
          { class: "inline", onsubmit: (e) => { e.preventDefault(); void save({ badge: o.badge, name: o.name, pin: newPin.value, role: newRole.value }, (saved) => t("operators.changed", { badge: saved.badge })); } },
          newPin,
          newRole,
          el("button", { type: "submit", "data-testid": `save-${o.badge}` }, t("operators.change")),
        ),
      ),
      el(
        "td",
        {},
        el(
          "select",
          {
            "aria-label": t("operators.languageFor", { badge: o.badge }),
            "data-testid": `language-${o.badge}`,
            onchange: async (e) => {
              try {
                const done = await api("POST", `/v1/supervisor/operators/${encodeURIComponent(o.badge)}/language`, { language: e.target.value === "" ? null : e.target.value });
                say("ok", t("operators.languageSet", { badge: done.badge }));
                await hooks.route();
              } catch (err) {
                say("error", err.message);
              }
            },
          },
          el("option", { value: "" }, t("operators.noLanguage")),
          LANGUAGES.map(([code, name]) => el("option", { value: code, selected: o.language === code }, name)),
        ),
      ),
      el("td", {}, o.badge === session.badge ? "" : el("button", { onclick: () => void toggle(), "data-testid": `${o.disabled_at ? "enable" : "disable"}-${o.badge}` }, o.disabled_at ? t("operators.enable") : t("operators.disable"))),
    );
  };
  paint(
    gen,
    el("h1", {}, t("nav.operators")),
    el("p", { class: "why" }, t("operators.why")),
    el(
      "form",
      { class: "inline", onsubmit: (e) => { e.preventDefault(); void save({ badge: badge.value, name: name.value, pin: pin.value, role: role.value }, (o) => t("operators.added", { badge: o.badge, name: o.name })); } },
      badge,
      name,
      pin,
      role,
      el("button", { type: "submit", class: "primary", "data-testid": "add-operator" }, t("operators.add")),
    ),
    el(
      "table",
      { "data-testid": "operators" },
      el("thead", {}, el("tr", {}, el("th", {}, t("operators.badge")), el("th", {}, t("operators.name")), el("th", {}, t("operators.role")), el("th", {}, t("operators.newPinAndRole")), el("th", {}, t("operators.language")), el("th", {}, t("operators.access")))),
      el("tbody", {}, operators.map(row)),
    ),
  );
}
