//! The escapers every packet-derived string goes through: a Markdown code span, Markdown
//! text, the control/bidi escaper, and Wireshark filter quoting. Each result must stay inert:
//! the span is not closed early, no raw `<` survives in Markdown text, no control or bidi
//! character survives, and the filter string has no unescaped quote.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pcapdoc::detect::filter_string;
use pcapdoc::report::escape_control;
use pcapdoc::report::markdown::{code, md};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let span = code(&s);
    let fence = span.chars().take_while(|&c| c == '`').count();
    let inner = &span[fence..span.len() - fence];
    assert!(inner.split(|c| c != '`').all(|run| run.len() < fence), "{span}");
    let text = md(&s);
    assert!(text.match_indices('<').all(|(i, _)| text[..i].ends_with('\\')), "{text}");
    let plain = escape_control(&s);
    assert!(!plain.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || pcapdoc::report::is_bidi_control(c)));
    let q = filter_string(&s);
    let mut escaped = false;
    for c in q[1..q.len() - 1].chars() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else {
            assert!(c != '"', "{q}");
        }
    }
    assert!(!escaped, "{q}");
});
