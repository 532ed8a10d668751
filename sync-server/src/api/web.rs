//! The supervisor web pages: static files built into the binary (no separate install),
//! served with a strict content security policy. All data comes from the JSON API.

use axum::http::header;
use axum::response::IntoResponse;

const INDEX: &str = include_str!("../../web/index.html");

const JS: &str = "text/javascript; charset=utf-8";

/// The pages' files under `/web/`: name, content type, body. One module per page or area.
const ASSETS: [(&str, &str, &str); 9] = [
    ("app.js", JS, include_str!("../../web/app.js")),
    ("core.js", JS, include_str!("../../web/core.js")),
    ("i18n.js", JS, include_str!("../../web/i18n.js")),
    ("orders.js", JS, include_str!("../../web/orders.js")),
    ("devices.js", JS, include_str!("../../web/devices.js")),
    ("dashboard.js", JS, include_str!("../../web/dashboard.js")),
    ("exceptions.js", JS, include_str!("../../web/exceptions.js")),
    ("operators.js", JS, include_str!("../../web/operators.js")),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../web/app.css"),
    ),
];

/// The pages' message catalogs, one per language, the same keys in each (see `web/i18n.js`).
const LOCALES: [(&str, &str); 3] = [
    ("en.json", include_str!("../../web/locales/en.json")),
    ("de.json", include_str!("../../web/locales/de.json")),
    ("es.json", include_str!("../../web/locales/es.json")),
];

/// The words of the messages the server says (an exception's `said`), shared with the tablet
/// app: `/web/locales/core-de.json`.
const CORE_LOCALES: [(&str, &str); 3] = [
    (
        "core-en.json",
        include_str!("../../../crates/aisle-domain/locales/en.json"),
    ),
    (
        "core-de.json",
        include_str!("../../../crates/aisle-domain/locales/de.json"),
    ),
    (
        "core-es.json",
        include_str!("../../../crates/aisle-domain/locales/es.json"),
    ),
];

/// Only this server's own scripts, styles and API; no inline code, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn page(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}

pub async fn index() -> impl IntoResponse {
    page("text/html; charset=utf-8", INDEX)
}

/// A file of the pages (`/web/app.js`); 404 for any other name.
pub async fn asset(
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, kind, body)) => page(kind, body).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

/// A language's catalog (`/web/locales/de.json`, `/web/locales/core-de.json`); 404 for any
/// other name.
pub async fn locale(
    axum::extract::Path(file): axum::extract::Path<String>,
) -> axum::response::Response {
    match LOCALES
        .iter()
        .chain(&CORE_LOCALES)
        .find(|(name, _)| *name == file)
    {
        Some((_, body)) => page("application/json; charset=utf-8", body).into_response(),
        None => axum::http::StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    //! The catalogs are complete and the pages use them.
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    fn flatten(v: &serde_json::Value, prefix: &str, out: &mut BTreeMap<String, String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    flatten(v, &key, out);
                }
            }
            serde_json::Value::String(s) => {
                out.insert(prefix.to_string(), s.clone());
            }
            other => panic!("{prefix}: {other} is not text"),
        }
    }

    fn catalog(text: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        flatten(
            &serde_json::from_str(text).expect("a catalog is JSON"),
            "",
            &mut out,
        );
        out
    }

    fn placeholders(s: &str) -> BTreeSet<String> {
        s.split("{{")
            .skip(1)
            .filter_map(|p| p.split_once("}}").map(|(name, _)| name.to_string()))
            .collect()
    }

    #[test]
    fn every_language_has_every_key_with_the_same_placeholders() {
        let en = catalog(LOCALES[0].1);
        assert!(en.len() > 150, "{}", en.len());
        for (name, text) in LOCALES {
            let other = catalog(text);
            let missing: Vec<_> = en.keys().filter(|k| !other.contains_key(*k)).collect();
            let extra: Vec<_> = other.keys().filter(|k| !en.contains_key(*k)).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{name}: missing {missing:?}, extra {extra:?}"
            );
            for (k, v) in &other {
                assert!(!v.trim().is_empty(), "{name}: {k} is empty");
                assert_eq!(placeholders(v), placeholders(&en[k]), "{name}: {k}");
            }
        }
    }

    #[test]
    fn every_key_the_pages_name_exists_and_no_page_writes_words_of_its_own() {
        let en = catalog(LOCALES[0].1);
        let mut named = 0;
        // Every page script (the lookup itself, i18n.js, names no keys) and the HTML.
        let pages = ASSETS
            .iter()
            .filter(|(name, _, _)| name.ends_with(".js") && *name != "i18n.js")
            .map(|(name, _, body)| (*name, *body));
        for (file, source) in pages.chain([("index.html", INDEX)]) {
            // `t("key"` as a call of its own, not the end of another name (`get("warehouse")`).
            for (at, _) in source.match_indices("t(\"") {
                if source[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                {
                    continue;
                }
                let key = source[at + 3..].split('"').next().unwrap_or_default();
                assert!(
                    en.contains_key(key),
                    "{file} names {key:?}, which no catalog has"
                );
                named += 1;
            }
            for part in source.split("data-i18n=\"").skip(1) {
                let key = part.split('"').next().unwrap_or_default();
                assert!(
                    en.contains_key(key),
                    "{file} names {key:?}, which no catalog has"
                );
            }
            // Words in a literal: two words of letters in quotes, outside a catalog lookup
            // (`${...}` parts and comments taken out first). A line marked "recorded as is"
            // holds data sent to the server (a default note), not words on screen.
            for (n, line) in source.lines().enumerate() {
                if line.contains("recorded as is") {
                    continue;
                }
                let code = line.split("//").next().unwrap_or_default();
                for quote in ['"', '`'] {
                    for literal in code.split(quote).skip(1).step_by(2) {
                        let mut text = String::new();
                        let mut depth = 0;
                        for c in literal.chars() {
                            match c {
                                '{' if text.ends_with('$') => {
                                    text.pop();
                                    depth += 1;
                                }
                                '{' if depth > 0 => depth += 1,
                                '}' if depth > 0 => depth -= 1,
                                _ if depth == 0 => text.push(c),
                                _ => {}
                            }
                        }
                        let words: Vec<&str> = text.split(' ').collect();
                        let prose = words.windows(2).any(|w| {
                            w.iter().all(|x| {
                                x.chars().count() >= 2 && x.chars().all(char::is_alphabetic)
                            })
                        });
                        assert!(!prose, "{file}:{}: words of its own: {literal:?}", n + 1);
                    }
                }
            }
        }
        assert!(named > 150, "{named}");
    }
}
