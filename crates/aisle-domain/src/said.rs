//! Words for the person at the screen: what a message means (a catalog key), the values it
//! names, and its English text.
//!
//! The core speaks English (the CLI, logs, the server's exceptions). A front end in another
//! language looks the key up in its own catalog and fills in the values; a key its catalog lacks
//! falls back to the English text. Messages are made with [`said!`](crate::said!), whose template
//! names every value (`{sku}`, never `{}`), so the catalogs' placeholders can be checked against
//! the code (`ui/src/lib/device-messages.test.ts`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// One message: `key` for a catalog, `args` for its placeholders, `text` in English. Made in
/// code with static keys; read back (a stored exception, one pulled from the server) with owned
/// ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Said {
    /// The catalog key, dotted (`pack.carton_shipped`). Empty for text that has no key (a
    /// detail passed through from elsewhere, such as a storage engine's own words).
    pub key: Cow<'static, str>,
    /// The values the template names.
    #[serde(default)]
    pub args: BTreeMap<Cow<'static, str>, Arg>,
    /// The whole message in English.
    pub text: String,
}

/// A value in a message: text, or a message of its own (a reason inside "scan … is not valid:
/// {reason}"), which a front end translates in turn.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    Text(String),
    Said(Box<Said>),
}

impl Arg {
    /// The value in English.
    pub fn text(&self) -> &str {
        match self {
            Self::Text(t) => t,
            Self::Said(s) => &s.text,
        }
    }
}

impl Said {
    /// Use [`said!`](crate::said!) instead; it keeps key, template and values together.
    #[doc(hidden)]
    pub fn new<const N: usize>(
        key: &'static str,
        template: &'static str,
        text: String,
        args: [(&'static str, Arg); N],
    ) -> Self {
        debug_assert!(
            placeholders(template).all(|p| args.iter().any(|(name, _)| *name == p)),
            "said!({key:?}): every placeholder of {template:?} must be passed by name"
        );
        Self {
            key: Cow::Borrowed(key),
            args: args
                .into_iter()
                .map(|(k, v)| (Cow::Borrowed(k), v))
                .collect(),
            text,
        }
    }

    /// Text with no catalog key: shown as it is in every language. There is no `From<String>`:
    /// every untranslated message is written out as one, so each can be found and justified
    /// (words from elsewhere, such as a storage engine's, or text only warehouse IT reads).
    pub fn untranslated(text: impl Into<String>) -> Self {
        Self {
            key: Cow::Borrowed(""),
            args: BTreeMap::new(),
            text: text.into(),
        }
    }

    /// This message with the value `name` given as a message of its own, for the front end to
    /// translate too (the English text already holds its English words).
    pub fn nest(mut self, name: &'static str, inner: Said) -> Self {
        self.args
            .insert(Cow::Borrowed(name), Arg::Said(Box::new(inner)));
        self
    }

    /// Several messages as one ("…; …"), each still a message of its own; `None` for none.
    pub fn all(parts: impl IntoIterator<Item = Said>) -> Option<Said> {
        let mut parts: Vec<Said> = parts.into_iter().collect();
        let mut whole = parts.pop()?;
        while let Some(first) = parts.pop() {
            whole = crate::said!("list.then", "{first}; {rest}", first = first, rest = whole);
        }
        Some(whole)
    }

    /// Whether the English text holds `part` (for tests and logs that name a message by words).
    pub fn contains(&self, part: &str) -> bool {
        self.text.contains(part)
    }

    /// The value `name`, in English.
    pub fn arg(&self, name: &str) -> Option<&str> {
        self.args.get(name).map(Arg::text)
    }
}

impl fmt::Display for Said {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Compares the English text (for tests and logs that name a message by its words).
impl PartialEq<&str> for Said {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

/// What can say itself as a message, not only as English text: a value of this kind in a
/// [`said!`](crate::said!) becomes a message of its own in the arguments (an operation's kind, a
/// stock key in words), which a front end says in its reader's language in turn.
pub trait Says {
    fn said(&self) -> Said;
}

impl Says for Said {
    fn said(&self) -> Said {
        self.clone()
    }
}

impl<T: Says + ?Sized> Says for &T {
    fn said(&self) -> Said {
        (**self).said()
    }
}

/// How [`said!`](crate::said!) makes each value an [`Arg`]: what [`Says`] is a message, anything
/// else its text. The macro calls `(&Value(v)).arg()`; method lookup finds the message impl
/// first where it applies, the text impl one reference further on (chosen at compile time).
#[doc(hidden)]
pub mod value {
    use super::{Arg, Says};
    use std::fmt::Display;

    #[derive(Debug)]
    pub struct Value<'a, T: ?Sized>(pub &'a T);

    pub trait AsMessage {
        fn arg(&self) -> Arg;
    }

    impl<T: Says + ?Sized> AsMessage for Value<'_, T> {
        fn arg(&self) -> Arg {
            Arg::Said(Box::new(self.0.said()))
        }
    }

    pub trait AsText {
        fn arg(&self) -> Arg;
    }

    impl<T: Display + ?Sized> AsText for &Value<'_, T> {
        fn arg(&self) -> Arg {
            Arg::Text(self.0.to_string())
        }
    }
}

/// The names of a format template's placeholders (`{name}`, `{name:?}`); an unnamed `{}` is
/// yielded as the empty name, so the check above refuses it.
pub fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.split_once('}').map(|(inside, _)| inside))
        .map(|inside| inside.split(':').next().unwrap_or(""))
}

/// A [`Said`]: `said!("waves.no_order", "order {order} does not exist", order = code)`.
/// Every value is named, and only named values appear in the template. A value that [`Says`]
/// itself is kept as a message of its own, anything else as its text.
#[macro_export]
macro_rules! said {
    ($key:literal, $template:literal $(, $name:ident = $value:expr)* $(,)?) => {{
        $(let $name = &($value);)*
        $crate::said::Said::new(
            $key,
            $template,
            format!($template $(, $name = $name)*),
            [$((stringify!($name), {
                #[allow(unused_imports)]
                use $crate::said::value::{AsMessage as _, AsText as _};
                (&$crate::said::value::Value($name)).arg()
            })),*],
        )
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_keeps_its_key_values_and_english_text() {
        let code = "003";
        let s = crate::said!(
            "pack.shipped",
            "carton {carton:?} has shipped ({n})",
            carton = code,
            n = 2
        );
        assert_eq!(s.key, "pack.shipped");
        assert_eq!(s.text, "carton \"003\" has shipped (2)");
        assert_eq!(s.arg("carton"), Some("003"));
        assert_eq!(s.arg("n"), Some("2"));
        assert_eq!(s.to_string(), s.text);
    }

    #[test]
    fn several_messages_are_one_with_each_kept_whole() {
        let one = crate::said!("x.a", "order {o} is shipped", o = "SO-1");
        let two = crate::said!("x.b", "order {o} does not exist", o = "SO-2");
        let three = crate::said!(
            "x.c",
            "order {o} is in wave W-{w} already",
            o = "SO-3",
            w = 4
        );
        assert_eq!(Said::all(Vec::new()), None);
        assert_eq!(Said::all([one.clone()]), Some(one.clone()));
        let all = Said::all([one.clone(), two.clone(), three.clone()]).unwrap();
        assert_eq!(
            all.text,
            "order SO-1 is shipped; order SO-2 does not exist; order SO-3 is in wave W-4 already"
        );
        assert_eq!(all.key, "list.then");
        let Some(Arg::Said(first)) = all.args.get("first") else {
            panic!("the first part is a message of its own: {all:?}")
        };
        assert_eq!(**first, one);
        let Some(Arg::Said(rest)) = all.args.get("rest") else {
            panic!("the rest is a message of its own: {all:?}")
        };
        assert_eq!(rest.args.get("first"), Some(&Arg::Said(Box::new(two))));
        assert_eq!(rest.args.get("rest"), Some(&Arg::Said(Box::new(three))));
    }

    #[test]
    fn a_nested_message_reaches_the_wire_whole() {
        let inner = crate::said!("rule.x", "at least {n}", n = 1);
        let outer =
            crate::said!("op.q", "must be {rule}", rule = inner.text.clone()).nest("rule", inner);
        assert_eq!(outer.text, "must be at least 1");
        let wire = serde_json::to_value(&outer).unwrap_or_default();
        assert_eq!(wire["args"]["rule"]["key"], "rule.x");
        assert_eq!(wire["args"]["rule"]["args"]["n"], "1");
        let back: Result<Said, _> = serde_json::from_value(wire);
        assert_eq!(
            back.ok(),
            Some(outer),
            "read back whole, the nested message a message"
        );
    }

    #[test]
    fn a_value_that_says_itself_is_a_message_of_its_own() {
        let rule = crate::said!("rule.x", "at least {n}", n = 1);
        let s = crate::said!(
            "op.q",
            "{kind}: must be {rule} ({sku})",
            kind = crate::op::OpKind::Pick,
            rule = rule,
            sku = "HAR-1".to_string()
        );
        assert_eq!(s.text, "pick: must be at least 1 (HAR-1)");
        assert!(
            matches!(&s.args["kind"], Arg::Said(k) if k.key == "op_kind.pick"),
            "{s:?}"
        );
        assert!(
            matches!(&s.args["rule"], Arg::Said(r) if r.key == "rule.x"),
            "{s:?}"
        );
        assert_eq!(s.args["sku"], Arg::Text("HAR-1".into()));
    }

    #[test]
    fn placeholders_are_the_named_values() {
        let names: Vec<_> = placeholders("a {x} b {y:?} {{ c {}").collect();
        assert_eq!(names, vec!["x", "y", ""]);
    }

    #[test]
    #[should_panic(expected = "must be passed by name")]
    fn an_unnamed_placeholder_is_refused_in_debug_builds() {
        let _ = Said::new(
            "k",
            "{} and {x}",
            String::new(),
            [("x", Arg::Text(String::new()))],
        );
    }
}
