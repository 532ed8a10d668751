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
    /// Which values are quantities or dates, for a front end to write the way its language does
    /// ("1.250" in German, "1,250" in English). Absent for text, codes and identifiers.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub forms: BTreeMap<Cow<'static, str>, Form>,
    /// The whole message in English.
    pub text: String,
}

/// What kind of value a text is, where a front end writes it in its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// A whole number (a quantity or a count), written as `i64` text.
    Number,
    /// A calendar day, written `YYYY-MM-DD`.
    Date,
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
        args: [(&'static str, (Arg, Option<Form>)); N],
    ) -> Self {
        debug_assert!(
            placeholders(template).all(|p| args.iter().any(|(name, _)| *name == p)),
            "said!({key:?}): every placeholder of {template:?} must be passed by name"
        );
        let forms = args
            .iter()
            .filter_map(|(k, (_, form))| form.map(|f| (Cow::Borrowed(*k), f)))
            .collect();
        Self {
            key: Cow::Borrowed(key),
            args: args
                .into_iter()
                .map(|(k, (v, _))| (Cow::Borrowed(k), v))
                .collect(),
            forms,
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
            forms: BTreeMap::new(),
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

impl<T: Says + ?Sized> Says for Box<T> {
    fn said(&self) -> Said {
        (**self).said()
    }
}

impl<T: Says + ?Sized> Says for &T {
    fn said(&self) -> Said {
        (**self).said()
    }
}

/// How [`said!`](crate::said!) makes each value an [`Arg`]: what [`Says`] is a message, a whole
/// number or a date is text with its [`Form`], anything else its text. The macro calls
/// `(&&&Value(v)).arg()`; method lookup tries the message impl (on `&&Value`) first, then the
/// formed one (on `&Value`), then the text one (on `Value`), chosen at compile time.
#[doc(hidden)]
pub mod value {
    use super::{Arg, Form, Says};
    use std::fmt::Display;

    #[derive(Debug)]
    pub struct Value<'a, T: ?Sized>(pub &'a T);

    pub trait AsMessage {
        fn arg(&self) -> (Arg, Option<Form>);
    }

    impl<T: Says + ?Sized> AsMessage for &&Value<'_, T> {
        fn arg(&self) -> (Arg, Option<Form>) {
            (Arg::Said(Box::new(self.0.said())), None)
        }
    }

    pub trait AsFormed {
        fn arg(&self) -> (Arg, Option<Form>);
    }

    /// Whole numbers and days, taken as they are or by reference (a value bound by a pattern).
    macro_rules! formed {
        ($form:expr => $($t:ty),*) => {$(
            impl AsFormed for &Value<'_, $t> {
                fn arg(&self) -> (Arg, Option<Form>) {
                    (Arg::Text(self.0.to_string()), Some($form))
                }
            }
            impl AsFormed for &Value<'_, &$t> {
                fn arg(&self) -> (Arg, Option<Form>) {
                    (Arg::Text(self.0.to_string()), Some($form))
                }
            }
        )*};
    }
    formed!(Form::Number => i64, u64, i32, u32, usize, i16, u16);
    formed!(Form::Date => chrono::NaiveDate);

    pub trait AsText {
        fn arg(&self) -> (Arg, Option<Form>);
    }

    impl<T: Display + ?Sized> AsText for Value<'_, T> {
        fn arg(&self) -> (Arg, Option<Form>) {
            (Arg::Text(self.0.to_string()), None)
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
        // Every value is evaluated before any name is bound, so a value may use a variable
        // of the same name as an earlier value (`qty = s.qty, rounded = qty`).
        #[allow(clippy::match_single_binding)]
        match ($(&($value),)*) { ($($name,)*) => $crate::said::Said::new(
            $key,
            $template,
            format!($template $(, $name = $name)*),
            [$((stringify!($name), {
                #[allow(unused_imports)]
                use $crate::said::value::{AsFormed as _, AsMessage as _, AsText as _};
                (&&&$crate::said::value::Value($name)).arg()
            })),*],
        )}
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
            [("x", (Arg::Text(String::new()), None))],
        );
    }

    #[test]
    fn a_value_may_name_a_variable_an_earlier_value_is_called_by() {
        let (first, second) = (1, 2);
        let s = crate::said!(
            "x.r",
            "{first} then {second}",
            first = second,
            second = first
        );
        assert_eq!(s.text, "2 then 1");
    }

    #[test]
    fn whole_numbers_and_dates_are_marked_for_the_reader_codes_are_not() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let s = crate::said!(
            "x.f",
            "{qty} of {sku} at #{seq} on {day} ({inner})",
            qty = 1250_i64,
            sku = "HAR-00001",
            seq = 4321_u64.to_string(),
            day = day,
            inner = crate::said!("x.i", "{n} more", n = &7_usize)
        );
        assert_eq!(s.text, "1250 of HAR-00001 at #4321 on 2026-12-03 (7 more)");
        assert_eq!(s.forms.get("qty"), Some(&Form::Number));
        assert_eq!(s.forms.get("day"), Some(&Form::Date));
        assert_eq!(s.forms.get("sku"), None);
        assert_eq!(s.forms.get("seq"), None, "an identifier stays text");
        assert_eq!(s.forms.get("inner"), None);
        let Some(Arg::Said(inner)) = s.args.get("inner") else {
            panic!("a message of its own: {s:?}")
        };
        assert_eq!(inner.forms.get("n"), Some(&Form::Number));
        // On the wire: a list beside the values, which a reader that predates it ignores.
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["forms"]["qty"], "number");
        assert_eq!(json["args"]["qty"], "1250");
        let mut old = json.clone();
        old.as_object_mut().unwrap().remove("forms");
        let back: Said = serde_json::from_value(old).unwrap();
        assert!(back.forms.is_empty());
        assert_eq!(serde_json::from_value::<Said>(json).unwrap(), s);
    }
}
