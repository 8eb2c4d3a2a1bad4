//! What pcapdoc says, as messages: a key and typed arguments. Detectors and the compare
//! stage build [`Message`]s; only the report stage turns them into text, in the language the
//! user chose, from the Fluent files under `locales/<lang>/` (one file per detector, plus
//! `report.ftl` and `compare.ftl`). A new language is a new folder there: `build.rs` embeds
//! whatever it finds, and `--lang` accepts it.
//!
//! Chinese texts follow the vocabulary of the seed cases (负载均衡, 会话保持, 空闲超时, 抓包).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// A language pcapdoc has texts for: the name of a folder under `locales/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lang(&'static str);

impl Lang {
    /// The language every message exists in; others fall back to it.
    pub const EN: Lang = Lang("en");

    pub fn id(self) -> &'static str {
        self.0
    }

    /// Every language in `locales/`.
    pub fn all() -> impl Iterator<Item = Lang> {
        LOCALES.iter().map(|(id, _)| Lang(id))
    }

    /// `--lang`'s parser: one of the folders under `locales/`.
    pub fn parse(s: &str) -> Result<Lang, String> {
        Lang::all().find(|l| l.0.eq_ignore_ascii_case(s)).ok_or_else(|| {
            format!("no texts for language {s:?}; known: {}", Lang::all().map(Lang::id).collect::<Vec<_>>().join(", "))
        })
    }

    /// Whether this language's sentences end in full-width punctuation.
    pub fn is_cjk(self) -> bool {
        matches!(self.0, "zh" | "ja" | "ko") || self.0.starts_with("zh-")
    }

    /// The text of a report label or any other message without arguments.
    pub fn ui(self, key: &'static str) -> String {
        Message::new(key).text(self)
    }
}

impl Default for Lang {
    fn default() -> Self {
        Lang::EN
    }
}

impl std::fmt::Display for Lang {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Lang {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

/// Text given per language, from data rather than from `locales/` (the idle-timeout
/// catalogue's names and fixes): English, and any others the data has.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Localized(pub BTreeMap<String, String>);

impl Localized {
    pub fn en(text: impl Into<String>) -> Self {
        let mut m = BTreeMap::new();
        m.insert("en".to_string(), text.into());
        Localized(m)
    }

    pub fn with(mut self, lang: &str, text: impl Into<String>) -> Self {
        let t = text.into();
        if !t.is_empty() {
            self.0.insert(lang.to_string(), t);
        }
        self
    }

    /// The text in `lang`, else English.
    pub fn get(&self, lang: Lang) -> &str {
        self.0.get(lang.id()).or_else(|| self.0.get("en")).map_or("", String::as_str)
    }
}

/// One argument of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// Data from the capture or the configuration: an address, a name, a filter.
    Text(String),
    /// A count: it chooses the plural form ("1 connection", "3 connections").
    Count(u64),
    /// A measured quantity shown with a fixed number of decimals (seconds, Mbit/s).
    Decimal(f64, u8),
    /// A part of the sentence that is itself a message, rendered in the same language.
    Msg(Box<Message>),
    /// Text the data carries in several languages.
    Local(Localized),
    /// Items joined by the separator message named first: `list-separator` ("a, b" /
    /// "a、b"), `clause-separator` ("a; b" / "a；b"), `sentence-separator` ("A. B." / "A。B。").
    Joined(&'static str, Vec<Arg>),
}

impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<Message> for Arg {
    fn from(v: Message) -> Self {
        Arg::Msg(Box::new(v))
    }
}
impl From<Localized> for Arg {
    fn from(v: Localized) -> Self {
        Arg::Local(v)
    }
}
macro_rules! count_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::Count(u64::try_from(v).unwrap_or(0))
            }
        }
    )*};
}
count_from!(u8, u16, u32, u64, usize, i32, i64);

impl From<&u64> for Arg {
    fn from(v: &u64) -> Self {
        Arg::Count(*v)
    }
}
macro_rules! text_from {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(v: $t) -> Self {
                Arg::Text(v.to_string())
            }
        }
        impl From<&$t> for Arg {
            fn from(v: &$t) -> Self {
                Arg::Text(v.to_string())
            }
        }
    )*};
}
text_from!(std::net::IpAddr, std::net::SocketAddr);

impl Arg {
    /// Seconds (or any quantity) with two decimals.
    pub fn dec2(v: f64) -> Arg {
        Arg::Decimal(v, 2)
    }

    /// "a, b, c" in the report's language.
    pub fn list<T: Into<Arg>>(items: impl IntoIterator<Item = T>) -> Arg {
        Arg::Joined("list-separator", items.into_iter().map(Into::into).collect())
    }

    /// "a; b; c": clauses of one sentence.
    pub fn clauses(items: impl IntoIterator<Item = Message>) -> Arg {
        Arg::Joined("clause-separator", items.into_iter().map(Arg::from).collect())
    }
}

/// Something to say: a key in `locales/<lang>/*.ftl` and its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub key: Cow<'static, str>,
    pub args: Vec<(&'static str, Arg)>,
}

/// `msg!("key", name = value, ...)`: a [`Message`]; each value converts into an [`Arg`].
#[macro_export]
macro_rules! msg {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::i18n::Message {
            key: ::std::borrow::Cow::Borrowed($key),
            args: vec![$((stringify!($name), $crate::i18n::Arg::from($value))),*],
        }
    };
}

impl Message {
    pub fn new(key: &'static str) -> Self {
        Message { key: Cow::Borrowed(key), args: Vec::new() }
    }

    /// A key made at run time (`confirm-<detector>`).
    pub fn owned(key: String) -> Self {
        Message { key: Cow::Owned(key), args: Vec::new() }
    }

    /// Several sentences as one text, in order.
    pub fn sentences(parts: Vec<Message>) -> Self {
        let parts = Arg::Joined("sentence-separator", parts.into_iter().map(Arg::from).collect());
        Message::new("sentences").arg("parts", parts)
    }

    pub fn arg(mut self, name: &'static str, v: impl Into<Arg>) -> Self {
        self.args.push((name, v.into()));
        self
    }

    /// The text in `lang` (English where `lang` lacks the key). A key no language has comes
    /// out as the key itself, which the tests guard against.
    pub fn text(&self, lang: Lang) -> String {
        let mut errors = Vec::new();
        let mut s = render(self, lang, &mut errors);
        s.truncate(s.trim_end().len());
        s
    }

    /// The text, or what went wrong rendering it (a missing key or argument): for tests.
    pub fn checked(&self, lang: Lang) -> Result<String, Vec<String>> {
        let mut errors = Vec::new();
        let mut s = render(self, lang, &mut errors);
        s.truncate(s.trim_end().len());
        if errors.is_empty() { Ok(s) } else { Err(errors) }
    }

    /// Whether some language has this key.
    pub fn exists(&self) -> bool {
        bundles().iter().any(|(_, b)| b.has_message(&self.key))
    }
}

/// The English text: for logs and tests; reports render in the user's language.
impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text(Lang::EN))
    }
}

impl Serialize for Message {
    /// `{"key": ..., "args": {...}}`: language-neutral, so that a ticket system can render
    /// it again in its own language.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("key", &self.key)?;
        m.serialize_entry("args", &ArgsView(&self.args))?;
        m.end()
    }
}

/// `#[serde(serialize_with = "crate::i18n::english")]`: a message as its English text.
pub fn english<S: Serializer>(m: &Message, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&m.text(Lang::EN))
}

struct ArgsView<'a>(&'a [(&'static str, Arg)]);

impl Serialize for ArgsView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl Serialize for Arg {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Arg::Text(t) => s.serialize_str(t),
            Arg::Count(n) => s.serialize_u64(*n),
            Arg::Decimal(v, places) => {
                let scale = 10f64.powi(i32::from(*places));
                s.serialize_f64((v * scale).round() / scale)
            }
            Arg::Msg(m) => m.serialize(s),
            Arg::Local(l) => l.0.serialize(s),
            Arg::Joined(_, items) => items.serialize(s),
        }
    }
}

type Bundle = FluentBundle<FluentResource>;

struct Loaded {
    bundles: Vec<(&'static str, Bundle)>,
    errors: Vec<String>,
}

/// One bundle per language, built on first use. Files that fail to parse keep the messages
/// that did parse; [`load_errors`] says what was wrong, for the tests.
fn loaded() -> &'static Loaded {
    static L: OnceLock<Loaded> = OnceLock::new();
    L.get_or_init(load)
}

fn bundles() -> &'static [(&'static str, Bundle)] {
    &loaded().bundles
}

fn load() -> Loaded {
    let mut bundles = Vec::new();
    let mut errors = Vec::new();
    for (id, files) in LOCALES {
        let langid = id.parse().unwrap_or_default();
        let mut b = Bundle::new_concurrent(vec![langid]);
        b.set_use_isolating(false);
        for (name, source) in *files {
            let res = match FluentResource::try_new(source.to_string()) {
                Ok(r) => r,
                Err((r, e)) => {
                    errors.push(format!("locales/{id}/{name}: {e:?}"));
                    r
                }
            };
            if let Err(e) = b.add_resource(res) {
                errors.push(format!("locales/{id}/{name}: {e:?}"));
            }
        }
        bundles.push((*id, b));
    }
    Loaded { bundles, errors }
}

/// Problems found while loading `locales/` (syntax errors, a key defined twice in one language).
pub fn load_errors() -> &'static [String] {
    &loaded().errors
}

fn bundle(lang: Lang) -> Option<&'static Bundle> {
    bundles().iter().find(|(id, _)| *id == lang.id()).map(|(_, b)| b)
}

fn render(m: &Message, lang: Lang, errors: &mut Vec<String>) -> String {
    let found = [lang, Lang::EN].into_iter().find_map(|l| {
        let b = bundle(l)?;
        let pattern = b.get_message(&m.key)?.value()?;
        Some((l, b, pattern))
    });
    let Some((used, b, pattern)) = found else {
        errors.push(format!("no text for {:?}", m.key));
        return m.key.to_string();
    };
    let mut args = FluentArgs::new();
    for (name, a) in &m.args {
        args.set(*name, value(a, used, errors));
    }
    let mut fe = Vec::new();
    let s = b.format_pattern(pattern, Some(&args), &mut fe).into_owned();
    errors.extend(fe.into_iter().map(|e| format!("{}: {e:?}", m.key)));
    s
}

fn value(a: &Arg, lang: Lang, errors: &mut Vec<String>) -> FluentValue<'static> {
    match a {
        Arg::Text(t) => FluentValue::from(t.clone()),
        Arg::Count(n) => FluentValue::from(*n),
        Arg::Decimal(v, places) => FluentValue::from(format!("{v:.*}", usize::from(*places))),
        Arg::Msg(m) => FluentValue::from(render(m, lang, errors)),
        Arg::Local(l) => FluentValue::from(l.get(lang).to_string()),
        Arg::Joined(sep, items) => {
            let sep = render(&Message::new(sep), lang, errors);
            let parts: Vec<String> = items
                .iter()
                .map(|i| match value(i, lang, errors) {
                    FluentValue::String(s) => s.into_owned(),
                    FluentValue::Number(n) => n.as_string().into_owned(),
                    _ => String::new(),
                })
                .filter(|t| !t.is_empty())
                .collect();
            FluentValue::from(parts.join(&sep))
        }
    }
}

/// Every message id in `lang`, with the variables its text uses, those of the messages it
/// references included (for the registry test).
pub fn catalogue(lang: Lang) -> BTreeMap<String, Vec<String>> {
    use fluent_syntax::ast;
    let mut direct: BTreeMap<String, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let Some((_, files)) = LOCALES.iter().find(|(id, _)| *id == lang.id()) else { return BTreeMap::new() };
    for (_, source) in *files {
        let res = match fluent_syntax::parser::parse(*source) {
            Ok(r) => r,
            Err((r, _)) => r,
        };
        for e in res.body {
            if let ast::Entry::Message(m) = e {
                let mut refs = (Vec::new(), Vec::new());
                if let Some(p) = &m.value {
                    pattern_vars(p, &mut refs);
                }
                direct.insert(m.id.name.to_string(), refs);
            }
        }
    }
    let mut out = BTreeMap::new();
    for (id, (vars, refs)) in &direct {
        let mut all = vars.clone();
        let mut todo = refs.clone();
        let mut seen = Vec::new();
        while let Some(r) = todo.pop() {
            if seen.contains(&r) {
                continue;
            }
            if let Some((v, more)) = direct.get(&r) {
                all.extend(v.iter().cloned());
                todo.extend(more.iter().cloned());
            }
            seen.push(r);
        }
        all.sort();
        all.dedup();
        out.insert(id.clone(), all);
    }
    out
}

/// (variables, referenced messages)
type Refs = (Vec<String>, Vec<String>);

fn pattern_vars(p: &fluent_syntax::ast::Pattern<&str>, out: &mut Refs) {
    for el in &p.elements {
        if let fluent_syntax::ast::PatternElement::Placeable { expression } = el {
            expression_vars(expression, out);
        }
    }
}

fn expression_vars(e: &fluent_syntax::ast::Expression<&str>, out: &mut Refs) {
    use fluent_syntax::ast::{Expression, InlineExpression};
    let inline = |i: &InlineExpression<&str>, out: &mut Refs| match i {
        InlineExpression::VariableReference { id } => out.0.push(id.name.to_string()),
        InlineExpression::MessageReference { id, .. } => out.1.push(id.name.to_string()),
        InlineExpression::Placeable { expression } => expression_vars(expression, out),
        _ => {}
    };
    match e {
        Expression::Inline(i) => inline(i, out),
        Expression::Select { selector, variants } => {
            inline(selector, out);
            for v in variants {
                pattern_vars(&v.value, out);
            }
        }
    }
}

/// IP addresses that appear in pcapdoc's own texts (public resolvers in advice). They are
/// pcapdoc's words, not data from the capture, so `--anonymize` leaves them alone.
pub fn constant_addresses() -> Vec<std::net::IpAddr> {
    let mut v: Vec<std::net::IpAddr> = LOCALES
        .iter()
        .flat_map(|(_, files)| files.iter().map(|(_, s)| *s))
        .flat_map(|t| t.split(|c: char| !(c.is_ascii_digit() || c == '.')))
        .filter(|w| w.split('.').count() == 4)
        .filter_map(|w| w.parse().ok())
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals_follow_the_language() {
        let one = msg!("idle-more", more = 1u64);
        let many = msg!("idle-more", more = 3u64);
        assert_eq!(one.checked(Lang::EN).as_deref(), Ok("; 1 more connection failed the same way"));
        assert_eq!(many.checked(Lang::EN).as_deref(), Ok("; 3 more connections failed the same way"));
        let zh = Lang::parse("zh").map(|l| many.text(l)).unwrap_or_default();
        assert!(zh.contains("另有 3 个连接"), "{zh}");
    }

    #[test]
    fn nested_messages_render_in_the_same_language_and_errors_are_reported() {
        let inner = msg!("idle-match", name = "WAF", seconds = "120");
        let zh = Lang::parse("zh").unwrap_or_default();
        assert!(inner.text(zh).contains("符合"));
        assert_eq!(Message::new("no-such-key").checked(Lang::EN), Err(vec!["no text for \"no-such-key\"".into()]));
        assert!(msg!("idle-match", name = "WAF").checked(Lang::EN).is_err(), "a missing argument is an error");
    }

    #[test]
    fn json_is_key_and_typed_args() {
        let m = msg!("idle-more", more = 2u64).arg("x", Arg::dec2(1.234)).arg("m", msg!("ui-none"));
        let v = serde_json::to_value(&m).unwrap_or_default();
        assert_eq!(v["key"], "idle-more");
        assert_eq!(v["args"]["more"], 2);
        assert_eq!(v["args"]["x"], 1.23);
        assert_eq!(v["args"]["m"]["key"], "ui-none");
    }
}
