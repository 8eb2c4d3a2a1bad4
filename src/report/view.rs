//! What every text format shows, rendered once in the report's language: the capture's facts,
//! each finding's words, the verdict. The table, Markdown and HTML renderers lay these out;
//! none of them builds a sentence of its own.

use crate::detect::{Confidence, Finding, Severity};
use crate::i18n::{Arg, Lang, Message};
use crate::msg;
use crate::summary::CaptureSummary;

/// How a report is rendered: checked once from the command line.
#[derive(Debug, Clone, Copy)]
pub struct Cx {
    pub lang: Lang,
    /// The terminal's width in columns; `None` when the output is not a terminal.
    pub width: Option<u16>,
    pub color: bool,
}

impl Cx {
    pub fn new(lang: Lang) -> Self {
        Cx { lang, width: None, color: false }
    }

    pub fn t(&self, m: &Message) -> String {
        m.text(self.lang)
    }

    /// "Label: value" with the language's colon ("结论：…").
    pub fn labeled(&self, label: &str, value: &str) -> String {
        msg!("ui-labeled", label = label, value = value).text(self.lang)
    }

    /// A report label (`ui-*`).
    pub fn ui(&self, key: &'static str) -> String {
        self.lang.ui(key)
    }
}

pub fn severity(s: Severity, lang: Lang) -> String {
    lang.ui(match s {
        Severity::Info => "severity-info",
        Severity::Warning => "severity-warning",
        Severity::Error => "severity-error",
    })
}

pub fn confidence(c: Confidence, lang: Lang) -> String {
    lang.ui(match c {
        Confidence::Low => "confidence-low",
        Confidence::Medium => "confidence-medium",
        Confidence::High => "confidence-high",
    })
}

/// One finding's words in the report's language.
#[derive(Debug, Clone)]
pub struct FindingView {
    /// The severity's id (`error`), for styling.
    pub level: &'static str,
    pub severity: String,
    pub detector: &'static str,
    pub stream: Option<u32>,
    pub frames: Vec<u64>,
    pub summary: String,
    pub explanation: String,
    /// "confidence: high; to confirm: ..." as one line.
    pub confidence: String,
    pub evidence: Vec<(u64, String)>,
    /// What an evidence frame is called: "frame", or in a comparison "client frame" and
    /// "server frame" (each finding cites the frames of one capture).
    pub frame_label: String,
    pub filter: String,
    pub recommendations: Vec<String>,
}

impl FindingView {
    pub fn new(f: &Finding, lang: Lang) -> Self {
        let confidence = match &f.confirm {
            Some(c) => msg!("ui-confidence-confirm", level = confidence(f.confidence, lang), confirm = c.clone()),
            None => msg!("ui-confidence", level = confidence(f.confidence, lang)),
        };
        FindingView {
            level: f.severity.as_str(),
            severity: severity(f.severity, lang),
            detector: f.detector,
            stream: f.stream,
            frames: f.frames.clone(),
            summary: f.summary.text(lang),
            explanation: f.explanation.text(lang),
            confidence: confidence.text(lang),
            evidence: f
                .evidence
                .iter()
                .map(|e| {
                    let role = match &e.file {
                        Some((file, n)) => msg!("ui-in-file", role = e.role.clone(), file = file.clone(), frame = *n),
                        None => e.role.clone(),
                    };
                    (e.frame, role.text(lang))
                })
                .collect(),
            frame_label: Message::new("ui-frame").text(lang),
            filter: f.display_filter.clone(),
            recommendations: f.recommendations.iter().map(|r| r.text(lang)).collect(),
        }
    }
}

/// The key naming an evidence frame of `f` in a comparison: the capture its frames are in
/// (`facts.capture` for the comparison's own findings, `side` for a side's own).
pub fn compare_frame_key(f: &Finding, side: &str) -> &'static str {
    match f.facts.get("capture").and_then(|v| v.as_str()).unwrap_or(side) {
        "server" => "col-server-frame",
        _ => "col-client-frame",
    }
}

impl FindingView {
    /// The view with its frames named by `key` ([`compare_frame_key`]).
    pub fn framed(mut self, key: &'static str, lang: Lang) -> Self {
        self.frame_label = Message::new(key).text(lang);
        self
    }
}

/// The most severe finding in one sentence, with its first recommendation; "no problems
/// found" when there are none or only informational ones.
pub fn verdict(findings: &[Finding]) -> Message {
    let worst = findings.iter().max_by(|a, b| a.severity.cmp(&b.severity).then(b.time.total_cmp(&a.time)));
    match worst {
        Some(w) if w.severity > Severity::Info => match w.recommendations.first() {
            Some(r) => msg!("ui-verdict-fix", summary = w.summary.clone(), fix = r.clone()),
            None => msg!("ui-verdict-only", summary = w.summary.clone()),
        },
        _ => msg!("ui-no-problems"),
    }
}

/// The capture's facts as (label, value) pairs, in the order every format shows them.
pub fn capture_facts(c: &CaptureSummary, lang: Lang) -> Vec<(String, String)> {
    let mut v = Vec::new();
    let links: Vec<String> = c.link_types.iter().map(|l| l.name()).collect();
    v.push((lang.ui("ui-file"), c.file.clone()));
    // JSON keeps the format's English name; the text formats say it in the reader's language.
    let name = match c.format.as_str() {
        "pcap (nanosecond)" => lang.ui("ui-format-pcap-nanos"),
        "pcap (modified)" => lang.ui("ui-format-pcap-modified"),
        other => other.to_string(),
    };
    let format = if c.gzip { format!("{name} (gzip)") } else { name };
    v.push((lang.ui("ui-format"), format));
    v.push((lang.ui("ui-size"), msg!("ui-bytes", n = c.bytes).text(lang)));
    v.push((
        lang.ui("ui-contents"),
        msg!("ui-packets-streams", packets = c.packets, streams = c.tcp_streams).text(lang),
    ));
    v.push((lang.ui("ui-span"), msg!("ui-seconds", s = Arg::Decimal(c.duration_s.unwrap_or(0.0), 3)).text(lang)));
    v.push((lang.ui("ui-links"), if links.is_empty() { "-".into() } else { links.join(", ") }));
    if !c.anomalies.is_empty() {
        let parts = c.anomalies.iter().map(|(k, n)| Message::new(anomaly_key(*k)).arg("n", *n));
        v.push((lang.ui("ui-anomalies"), msg!("list", items = Arg::list(parts)).text(lang)));
    }
    for t in &c.tunnels {
        let m =
            msg!("ui-tunnel", kind = t.kind.name(), src = t.outer_src.clone(), dst = t.outer_dst.clone(), n = t.frames);
        v.push((lang.ui("ui-tunnels"), m.text(lang)));
    }
    if let Some(d) = c.interface_drops {
        v.push((lang.ui("ui-drops"), d.to_string()));
    }
    for i in &c.read_issue_messages {
        v.push((lang.ui("ui-issues"), i.text(lang)));
    }
    for (label, line) in &c.focus_lines {
        v.push((lang.ui(label), line.text(lang)));
    }
    if let (Some(h), true) = (&c.health, c.show_health) {
        for line in health_lines(h) {
            v.push((lang.ui("ui-checked"), line.text(lang)));
        }
    }
    if !c.files.is_empty() {
        let key = if c.files_overlap { "note-files-overlap" } else { "note-files" };
        v.push((lang.ui("ui-note"), msg!(key, n = c.files.len()).text(lang)));
    }
    for n in limit_notes(c) {
        v.push((lang.ui("ui-note"), n.text(lang)));
    }
    for q in quality_notes(&c.quality, c.packets) {
        v.push((lang.ui("ui-quality"), q.text(lang)));
    }
    v
}

/// What was seen working, as sentences: one each for TCP, handshake times, DNS, TLS and
/// HTTP, when the capture holds any.
pub fn health_lines(h: &crate::health::Health) -> Vec<Message> {
    // Milliseconds with the places that matter: 0.052 ms on a LAN, 43.7 ms across a country.
    let ms = |v: f64| {
        Arg::Decimal(
            v,
            if v < 1.0 {
                3
            } else if v < 10.0 {
                2
            } else {
                1
            },
        )
    };
    let counts = |m: &mut dyn Iterator<Item = (String, u64)>| Arg::list(m.map(|(k, n)| format!("{k} {n}")));
    let mut v = Vec::new();
    if h.tcp_streams > 0 {
        let mut states = h.conn_states.iter().map(|(k, n)| ((*k).to_string(), *n));
        v.push(msg!(
            "health-tcp",
            streams = h.tcp_streams,
            attempted = h.tcp_connections,
            established = h.tcp_established,
            states = counts(&mut states)
        ));
    }
    if let Some(r) = h.handshake_rtt_ms {
        v.push(msg!("health-rtt", n = r.n, median = ms(r.median), p90 = ms(r.p90), worst = ms(r.worst)));
    }
    if h.dns_queries > 0 {
        let mut rcodes = h.dns_rcodes.iter().map(|(k, n)| (k.clone(), *n));
        // Never an empty list or a median of nothing: no answer is said in words, and
        // answers whose queries are not in the capture have no time to show.
        v.push(match (h.dns_answered, h.dns_latency_ms) {
            (0, _) => msg!("health-dns-unanswered", queries = h.dns_queries),
            (answered, None) => {
                msg!("health-dns-untimed", queries = h.dns_queries, answered = answered, rcodes = counts(&mut rcodes))
            }
            (answered, Some(d)) => msg!(
                "health-dns",
                queries = h.dns_queries,
                answered = answered,
                rcodes = counts(&mut rcodes),
                median = ms(d.median),
                worst = ms(d.worst)
            ),
        });
    }
    if h.tls_client_hellos > 0 {
        v.push(msg!(
            "health-tls",
            hellos = h.tls_client_hellos,
            answered = h.tls_server_hellos,
            completed = h.tls_completed
        ));
    }
    if h.http_requests > 0 || !h.http_statuses.is_empty() {
        let mut statuses = h.http_statuses.iter().map(|(k, n)| (k.to_string(), *n));
        v.push(if h.http_statuses.is_empty() {
            msg!("health-http-unanswered", requests = h.http_requests)
        } else {
            msg!("health-http", requests = h.http_requests, statuses = counts(&mut statuses))
        });
    }
    v
}

/// What the bounded buffers let go of, as sentences.
fn limit_notes(c: &CaptureSummary) -> Vec<Message> {
    let l = &c.limits;
    let mut v = Vec::new();
    if l.reassembly_dropped_bytes > 0 {
        v.push(msg!("note-reassembly", n = l.reassembly_dropped_bytes, cap = l.reassembly_cap_bytes));
    }
    if l.evicted_streams > 0 {
        v.push(msg!("note-evicted", n = l.evicted_streams, max = l.max_streams));
    }
    if l.released_closed_streams > 0 {
        v.push(msg!("note-released", n = l.released_closed_streams, max = l.max_streams / 8));
    }
    for d in &l.detectors {
        v.push(msg!(
            "note-detector-cap",
            detector = d.detector,
            table = d.table,
            cap = d.cap,
            n = d.dropped_keys,
            weight = d.dropped_weight
        ));
    }
    v
}

/// The capture-quality counts as sentences, for every text format.
pub fn quality_notes(q: &crate::engine::Quality, packets: u64) -> Vec<Message> {
    let mut v = Vec::new();
    if q.duplicate_frames > 0 {
        v.push(msg!("quality-duplicates", n = q.duplicate_frames));
    }
    if q.missing_synack > 0 {
        v.push(msg!("quality-missing-synack", n = q.missing_synack));
    }
    if q.timestamps_backwards > 0 {
        v.push(msg!("quality-backwards", n = q.timestamps_backwards));
    }
    use crate::visibility::OneWay;
    match q.one_way {
        Some(OneWay::Arriving { host }) => {
            v.push(msg!("quality-one-way-arriving", host = host.to_string(), n = packets))
        }
        Some(OneWay::Leaving { host }) => v.push(msg!("quality-one-way-leaving", host = host.to_string(), n = packets)),
        Some(OneWay::Between { from, to }) => {
            v.push(msg!("quality-one-way-between", from = from.to_string(), to = to.to_string(), n = packets));
        }
        // A one-way capture says so once; the streams in it need no second note.
        None if q.unseen_answer_streams > 0 => {
            let pairs = q.unseen_pair_sample.iter().map(|(s, c)| format!("{s} → {c}"));
            v.push(msg!("quality-unseen-answers", n = q.unseen_answer_streams, pairs = Arg::list(pairs)));
        }
        None => {}
    }
    if q.capture_missed_bytes > 0 {
        v.push(msg!("quality-missed-bytes", bytes = q.capture_missed_bytes));
    }
    v
}

fn anomaly_key(a: crate::decode::Anomaly) -> &'static str {
    use crate::decode::Anomaly;
    match a {
        Anomaly::UnsupportedLink => "anomaly-unsupported-link",
        Anomaly::NotIp => "anomaly-not-ip",
        Anomaly::BadIpHeader => "anomaly-bad-ip-header",
        Anomaly::IpFragment => "anomaly-ip-fragment",
        Anomaly::TruncatedTransport => "anomaly-truncated-transport",
        Anomaly::BadTcpHeaderLength => "anomaly-bad-tcp-header-length",
        Anomaly::UnsupportedTunnel => "anomaly-unsupported-tunnel",
    }
}

/// The footer line of Markdown and HTML reports.
pub fn generated(lang: Lang) -> String {
    msg!("ui-generated", version = env!("CARGO_PKG_VERSION")).text(lang)
}
