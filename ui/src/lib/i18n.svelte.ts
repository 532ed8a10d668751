// The app's words in the operator's language: message catalogs (src/locales/*.json, one per
// language, the same keys in each, and the core's below) read through i18next, and numbers and
// dates formatted for the language with the browser's Intl. The language is chosen per operator on this tablet (kept
// by badge) and applies from their sign-in; the screens re-render when it changes.
import i18next from "i18next";
// The core's words (every `said!` message of the Rust crates) are kept beside the Rust, in
// crates/aisle-domain/locales: the supervisor pages say them too. Here they are the `core.` keys.
import coreDe from "../../../crates/aisle-domain/locales/de.json";
import coreEn from "../../../crates/aisle-domain/locales/en.json";
import coreEs from "../../../crates/aisle-domain/locales/es.json";
import appDe from "../locales/de.json";
import appEn from "../locales/en.json";
import appEs from "../locales/es.json";

const en = { ...appEn, core: coreEn };
const de = { ...appDe, core: coreDe };
const es = { ...appEs, core: coreEs };

export const LANGUAGES = [
  { code: "en", name: "English" },
  { code: "de", name: "Deutsch" },
  { code: "es", name: "Español" },
] as const;

export type Language = (typeof LANGUAGES)[number]["code"];

export const CATALOGS: Record<Language, unknown> = { en, de, es };

const current = $state({ lang: "en" as Language });

void i18next.init({
  lng: "en",
  fallbackLng: "en",
  resources: { en: { translation: en }, de: { translation: de }, es: { translation: es } },
  initAsync: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function isLanguage(code: unknown): code is Language {
  return LANGUAGES.some((l) => l.code === code);
}

/** The words for `key` in the current language, with `{{name}}` placeholders filled. */
export function t(key: string, vars: Record<string, unknown> = {}): string {
  return i18next.t(key, { ...vars, lng: current.lang });
}

export function language(): Language {
  return current.lang;
}

export function setLanguage(code: Language): void {
  current.lang = code;
  if (typeof document !== "undefined") document.documentElement.lang = code;
}

/**
 * A message from the device's core (an error or a warning): a catalog key under `core.` with its
 * values, and its English text (aisle_domain::said). Values may be messages in turn.
 */
export interface Said {
  key: string;
  args: Record<string, string | Said>;
  /** Which values are whole numbers or days, to be written the current language's way. */
  forms?: Record<string, "number" | "date">;
  text: string;
}

/** A core message in the current language; its English text where the catalog has no words. */
export function saidText(s: Said): string {
  const key = `core.${s.key}`;
  if (s.key === "" || !i18next.exists(key)) return s.text;
  const vars = Object.fromEntries(Object.entries(s.args).map(([k, v]) => [k, typeof v === "string" ? formed(v, s.forms?.[k]) : saidText(v)]));
  return t(key, vars);
}

/** A value the core marked as a whole number or a day, in the current language's way; anything
 * else (a code, a badge) as it is. */
function formed(value: string, form: "number" | "date" | undefined): string {
  if (form === "number" && /^-?\d+$/.test(value)) return num(Number(value));
  if (form === "date" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return new Intl.DateTimeFormat(current.lang, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(`${value}T00:00:00Z`));
  }
  return value;
}

/** A number as written in the current language (1,234.5 / 1.234,5). */
export function num(n: number): string {
  return new Intl.NumberFormat(current.lang).format(n);
}

/** A date (an ISO date or timestamp) as written in the current language. */
export function date(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(current.lang, { dateStyle: "medium" }).format(d);
}

const KEY = "aisle.language";

/** The language an operator chose on this tablet, by badge. */
export function savedLanguage(storage: Pick<Storage, "getItem"> | null, badge: string, fallback: unknown = "en"): Language {
  // The operator's own choice on this tablet, else the one a supervisor set for them, else English.
  const otherwise: Language = isLanguage(fallback) ? fallback : "en";
  try {
    const all = JSON.parse(storage?.getItem(KEY) ?? "{}") as Record<string, unknown>;
    const code = all[badge];
    return isLanguage(code) ? code : otherwise;
  } catch {
    return otherwise;
  }
}

export function saveLanguage(storage: Pick<Storage, "getItem" | "setItem">, badge: string, code: Language): void {
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(storage.getItem(KEY) ?? "{}") as Record<string, unknown>;
  } catch {
    all = {};
  }
  all[badge] = code;
  storage.setItem(KEY, JSON.stringify(all));
}
