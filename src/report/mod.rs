//! Reports: the last step of the pipeline. One model per view, several renderers.

pub mod analyze;
pub mod compare;
pub mod evidence;
pub mod flows;
pub mod html;
pub mod markdown;
pub mod timeline;

/// Shows control characters from packet data as escapes, so a capture cannot drive the
/// user's terminal (ANSI sequences, bells, carriage returns).
pub fn escape_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' => out.push(c),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}
