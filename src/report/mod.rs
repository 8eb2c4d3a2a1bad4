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

/// A finding as terminal text: severity, detector, summary, explanation, evidence frames,
/// display filter and recommendations. Shared by the `analyze` and `compare` tables.
pub fn finding_text(out: &mut String, index: usize, f: &crate::detect::Finding) {
    out.push_str(&format!(
        "\n[{}] {} {}: {}\n",
        index + 1,
        f.severity.as_str(),
        f.detector,
        escape_control(&f.summary)
    ));
    out.push_str(&format!("    {}\n", escape_control(&f.explanation)));
    out.push_str(&format!("    confidence: {}", f.confidence.as_str()));
    if !f.confirm.is_empty() {
        out.push_str(&format!("; to confirm: {}", escape_control(&f.confirm)));
    }
    out.push('\n');
    for e in &f.evidence {
        out.push_str(&format!("    frame {:>7}  {}\n", e.frame, escape_control(&e.role)));
    }
    out.push_str(&format!("    Wireshark: {}\n", escape_control(&f.display_filter)));
    for r in &f.recommendations {
        out.push_str(&format!("    - {}\n", escape_control(r)));
    }
}
