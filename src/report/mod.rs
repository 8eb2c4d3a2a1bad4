//! Reports: the last step of the pipeline. One model per view (analyze, compare, flows) and
//! one renderer per format; every model renders in every format through [`Render`], and the
//! words come from [`view`], in the language the user chose.

pub mod analyze;
pub mod compare;
pub mod evidence;
pub mod flows;
pub mod html;
pub mod markdown;
pub mod table;
pub mod timeline;
pub mod view;

use view::Cx;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Md,
    Json,
    Html,
}

impl Format {
    /// The format an output file's extension implies.
    pub fn from_path(p: &std::path::Path) -> Option<Format> {
        match p.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(Format::Md),
            "json" => Some(Format::Json),
            "html" | "htm" => Some(Format::Html),
            "txt" => Some(Format::Table),
            _ => None,
        }
    }
}

/// A report that can be shown in every format.
pub trait Render {
    fn table(&self, cx: &Cx) -> String;
    fn markdown(&self, cx: &Cx) -> String;
    fn html(&self, cx: &Cx) -> String;
    /// Language-neutral: English text beside message keys and arguments (docs/JSON.md).
    fn json(&self) -> String;
}

/// `report` in `format`.
pub fn render(report: &dyn Render, format: Format, cx: &Cx) -> String {
    match format {
        Format::Table => report.table(cx),
        Format::Md => report.markdown(cx),
        Format::Html => report.html(cx),
        Format::Json => report.json() + "\n",
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

impl Render for analyze::AnalyzeReport {
    fn table(&self, cx: &Cx) -> String {
        table::analyze(self, cx)
    }
    fn markdown(&self, cx: &Cx) -> String {
        markdown::analyze(self, cx)
    }
    fn html(&self, cx: &Cx) -> String {
        html::analyze(self, cx)
    }
    fn json(&self) -> String {
        to_json(self)
    }
}

impl Render for crate::compare::CompareReport {
    fn table(&self, cx: &Cx) -> String {
        table::compare(self, cx)
    }
    fn markdown(&self, cx: &Cx) -> String {
        markdown::compare(self, cx)
    }
    fn html(&self, cx: &Cx) -> String {
        html::compare(self, cx)
    }
    fn json(&self) -> String {
        to_json(self)
    }
}

impl Render for flows::FlowsReport {
    fn table(&self, cx: &Cx) -> String {
        table::flows(self, cx)
    }
    fn markdown(&self, cx: &Cx) -> String {
        markdown::flows(self, cx)
    }
    fn html(&self, cx: &Cx) -> String {
        html::flows(self, cx)
    }
    fn json(&self) -> String {
        to_json(self)
    }
}

/// Several reports of one kind (analyze FILE FILE…), one after the other; JSON is an array.
pub struct Many<'a, R>(pub &'a [R]);

impl<R: Render + serde::Serialize> Render for Many<'_, R> {
    fn table(&self, cx: &Cx) -> String {
        self.0.iter().map(|r| r.table(cx)).collect::<Vec<_>>().join("\n")
    }
    fn markdown(&self, cx: &Cx) -> String {
        self.0.iter().map(|r| r.markdown(cx)).collect::<Vec<_>>().join("\n---\n\n")
    }
    fn html(&self, cx: &Cx) -> String {
        self.0.iter().map(|r| r.html(cx)).collect()
    }
    fn json(&self) -> String {
        match self.0 {
            [one] => one.json(),
            many => to_json(&many),
        }
    }
}

/// Shows control characters from packet data as escapes, so a capture cannot drive the
/// user's terminal (ANSI sequences, bells, carriage returns).
pub fn escape_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' => out.push(c),
            c if c.is_control() || is_bidi_control(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// The Unicode bidirectional formatting characters (embeddings, overrides, isolates, marks):
/// in a URI, a User-Agent or an SNI they reorder what the reader sees ("Trojan Source"), so
/// every text format shows them as `\u{202e}`.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
