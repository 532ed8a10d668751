// The supervisor pages' words in the supervisor's language: message catalogs served with the
// pages (/web/locales/{en,de,es}.json, the same keys in each, `{{name}}` placeholders as in the
// tablet app's catalogs), and numbers and times formatted for the language with Intl. Written by
// hand, not i18next as in the app: these pages are plain modules served without a bundler, and
// what they need is a lookup and a substitution.

export const LANGUAGES = [
  ["en", "English"],
  ["de", "Deutsch"],
  ["es", "Español"],
];

// `core`: the words of the messages the server says (an exception's `said`: a key, its values and
// the English text), from the catalogs the tablet app uses too (crates/aisle-domain/locales).
const state = { lang: "en", words: {}, english: {}, core: {}, coreEnglish: {} };

async function catalog(name) {
  const res = await fetch(`/web/locales/${name}.json`);
  if (!res.ok) throw new Error(`the ${name} catalog: HTTP ${res.status}`);
  return res.json();
}

/** Switches the pages to `code` (falls back to English for an unknown code). */
export async function useLanguage(code) {
  const lang = LANGUAGES.some(([c]) => c === code) ? code : "en";
  if (Object.keys(state.english).length === 0) {
    [state.english, state.coreEnglish] = await Promise.all([catalog("en"), catalog("core-en")]);
  }
  [state.words, state.core] =
    lang === "en" ? [state.english, state.coreEnglish] : await Promise.all([catalog(lang), catalog(`core-${lang}`)]);
  state.lang = lang;
  document.documentElement.lang = lang;
}

export function language() {
  return state.lang;
}

function lookup(tree, key) {
  let node = tree;
  for (const part of key.split(".")) {
    if (node === null || typeof node !== "object") return undefined;
    node = node[part];
  }
  return typeof node === "string" ? node : undefined;
}

/** The words for `key`, with `{{name}}` placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const text = lookup(state.words, key) ?? lookup(state.english, key) ?? vars.defaultValue ?? key;
  return text.replace(/\{\{(\w+)\}\}/g, (_, name) => String(vars[name] ?? ""));
}

/** A message the server said, in the current language: values that are messages are said in
 * turn; a key no catalog has is shown in the message's English. */
export function said(s) {
  const words = s.key === "" ? undefined : (lookup(state.core, s.key) ?? lookup(state.coreEnglish, s.key));
  if (words === undefined) return s.text;
  return words.replace(/\{\{(\w+)\}\}/g, (_, name) => {
    const value = s.args?.[name];
    return typeof value === "string" ? formed(value, s.forms?.[name]) : value ? said(value) : "";
  });
}

/** A value the core marked as a whole number or a day, written the current language's way;
 * anything else (a code, a badge) as it is. */
function formed(value, form) {
  if (form === "number" && /^-?\d+$/.test(value)) return num(Number(value));
  if (form === "date" && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    return new Intl.DateTimeFormat(state.lang, { dateStyle: "medium", timeZone: "UTC" }).format(d);
  }
  return value;
}

/** An exception's message in the current language (its English where the server kept no key). */
export function exceptionMessage(x) {
  return x.said ? said(x.said) : x.message;
}

/** A number as written in the current language. */
export function num(n, options = {}) {
  return typeof n === "number" ? new Intl.NumberFormat(state.lang, options).format(n) : String(n ?? "");
}

/** A moment (ISO text) as written in the current language. */
export function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(state.lang);
}

const KEY = "aisle.web.language";

/** The language a supervisor chose in this browser, by badge; else `fallback` (the one set for
 * them on the Operators page), else English. */
export function savedLanguage(badge, fallback = null) {
  const otherwise = LANGUAGES.some(([code]) => code === fallback) ? fallback : "en";
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? "{}")[badge] ?? otherwise;
  } catch {
    return otherwise;
  }
}

export function saveLanguage(badge, code) {
  let all = {};
  try {
    all = JSON.parse(localStorage.getItem(KEY) ?? "{}");
  } catch {
    all = {};
  }
  all[badge] = code;
  localStorage.setItem(KEY, JSON.stringify(all));
}
