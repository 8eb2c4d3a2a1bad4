//! Detectors: judgement, kept apart from parsing (as Zeek keeps policy apart from its event
//! engine). Each detector is one file: an engine [`Observer`] that watches frames, stream
//! state and application events read-only, and at the end returns typed [`Finding`]s with
//! evidence frames, a Wireshark display filter and recommendations.
//!
//! Adding a detector: write `src/detect/<name>.rs` with a type implementing [`Detector`],
//! and add one line to [`REGISTRY`].

pub mod bandwidth;
pub mod beaconing;
pub mod bounded;
pub mod connect_failure;
pub mod conntrack_exhaustion;
pub mod crypto_mining;
pub mod dga;
pub mod dns_failure;
pub mod dns_hijack;
pub mod http_errors;
pub mod http_flood;
pub mod idle_timeout;
pub mod mid_transfer_reset;
pub mod no_client_hello;
pub mod outbound_scan;
pub mod peer_silent;
pub mod protocol_mismatch;
pub mod storm;
pub mod syn_flood;
pub mod timeouts;
pub mod tls_alert_fin;
pub mod zero_window;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use crate::capture::{CaptureReader, Timestamp};
use crate::decode::{Frame, Tcp};
use crate::engine::{self, Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::{Conversation, FlowRef};
use crate::i18n::{Lang, Message};
use crate::msg;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// How sure a finding is. A broken capture (copies, missing handshake packets, time going
/// backwards) lowers it; it never raises a severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// One step less sure.
    pub fn lower(self) -> Self {
        match self {
            Confidence::High => Confidence::Medium,
            _ => Confidence::Low,
        }
    }
}

/// One frame that proves a finding, and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub frame: u64,
    /// Seconds since the epoch.
    pub time: f64,
    pub role: Message,
    /// When several files are read as one: the file the frame is in, and its number there.
    pub file: Option<(String, u64)>,
}

/// What a detector found. Its words are [`Message`]s: the report renders them in the user's
/// language, and JSON carries them as keys and arguments beside the English text.
#[derive(Debug, Clone)]
pub struct Finding {
    pub detector: &'static str,
    pub severity: Severity,
    /// How sure the detector is, and what would make it sure (another capture point, a log).
    pub confidence: Confidence,
    pub confirm: Option<Message>,
    pub summary: Message,
    pub explanation: Message,
    pub stream: Option<u32>,
    /// Every evidence frame number, sorted.
    pub frames: Vec<u64>,
    pub evidence: Vec<Evidence>,
    pub display_filter: String,
    pub recommendations: Vec<Message>,
    /// Measured facts, for machines: idle seconds, catalogue key, counts.
    pub facts: serde_json::Map<String, serde_json::Value>,
    /// When it happened (the first evidence frame), seconds since the epoch.
    pub time: f64,
    /// Every stream this finding explains. A finding of a more specific detector (see
    /// [`SUPERSEDES`]) that covers all of a general finding's streams replaces it.
    pub covers: Vec<u32>,
    /// Where `stream`'s packets are, recorded when the stream ended, for detectors whose
    /// stream may be evicted before the report reads its timeline.
    pub flow: Option<FlowRef>,
    /// The finding claims that `.0` never answered `.1` (a SYN, a ClientHello, a query):
    /// a claim the capture can make only where it holds that direction
    /// ([`crate::visibility`]). Set with [`Finding::silence`].
    pub silence: Option<(IpAddr, IpAddr)>,
}

/// JSON: the English text of each message, and under `"messages"` the same messages as keys
/// and arguments (docs/JSON.md).
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let en = Lang::EN;
        let mut st = s.serialize_struct("Finding", 14)?;
        st.serialize_field("detector", self.detector)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("confidence", &self.confidence)?;
        st.serialize_field("confirm", &self.confirm.as_ref().map_or_else(String::new, |m| m.text(en)))?;
        st.serialize_field("summary", &self.summary.text(en))?;
        st.serialize_field("explanation", &self.explanation.text(en))?;
        st.serialize_field("stream", &self.stream)?;
        st.serialize_field("frames", &self.frames)?;
        st.serialize_field("evidence", &self.evidence)?;
        st.serialize_field("display_filter", &self.display_filter)?;
        st.serialize_field("recommendations", &self.recommendations.iter().map(|m| m.text(en)).collect::<Vec<_>>())?;
        st.serialize_field("facts", &self.facts)?;
        st.serialize_field("time", &self.time)?;
        st.serialize_field(
            "messages",
            &serde_json::json!({
                "summary": self.summary,
                "explanation": self.explanation,
                "confirm": self.confirm,
                "recommendations": self.recommendations,
            }),
        )?;
        st.end()
    }
}

impl Serialize for Evidence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Evidence", 4)?;
        st.serialize_field("frame", &self.frame)?;
        st.serialize_field("time", &self.time)?;
        st.serialize_field("role", &self.role.text(Lang::EN))?;
        st.serialize_field("role_message", &self.role)?;
        if let Some((file, frame)) = &self.file {
            st.serialize_field("file", file)?;
            st.serialize_field("file_frame", frame)?;
        }
        st.end()
    }
}

impl Finding {
    pub fn new(detector: &'static str, severity: Severity, stream: Option<u32>) -> Self {
        Finding {
            detector,
            severity,
            confidence: Confidence::High,
            confirm: None,
            summary: Message::new("finding-unset"),
            explanation: Message::new("finding-unset"),
            stream,
            frames: Vec::new(),
            evidence: Vec::new(),
            display_filter: String::new(),
            recommendations: Vec::new(),
            facts: serde_json::Map::new(),
            time: 0.0,
            covers: Vec::new(),
            flow: None,
            silence: None,
        }
    }

    /// Marks the finding as a claim that `from` never answered `to`.
    pub fn silence(mut self, from: IpAddr, to: IpAddr) -> Self {
        self.silence = Some((from, to));
        self
    }

    pub fn evidence(mut self, frame: u64, ts: Timestamp, role: Message) -> Self {
        self.evidence.push(Evidence { frame, time: ts.as_secs_f64(), role, file: None });
        self
    }

    pub fn fact(mut self, key: &str, v: impl Into<serde_json::Value>) -> Self {
        self.facts.insert(key.into(), v.into());
        self
    }

    /// Widens the display filter so that it shows every cited frame too (a filter that
    /// selects a pattern, such as retransmitted SYNs, may not hold the frames the finding
    /// points at: the first SYN, a SYN/ACK, a stream that still worked). Call after `seal`.
    pub fn show_cited(mut self) -> Self {
        if !self.frames.is_empty() {
            let list: Vec<String> = self.frames.iter().map(u64::to_string).collect();
            self.display_filter = format!("({}) || frame.number in {{{}}}", self.display_filter, list.join(", "));
        }
        self
    }

    /// Sorts evidence by frame and fills `frames` and `time`.
    pub fn seal(mut self) -> Self {
        self.evidence.sort_by_key(|e| e.frame);
        self.evidence.dedup_by_key(|e| e.frame);
        self.frames = self.evidence.iter().map(|e| e.frame).collect::<BTreeSet<_>>().into_iter().collect();
        self.time = self.evidence.first().map_or(0.0, |e| e.time);
        self
    }
}

/// A frame a detector remembers, and when it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub frame: u64,
    pub ts: Timestamp,
}

/// Settings the detectors read.
#[derive(Debug, Clone)]
pub struct Config {
    pub timeouts: timeouts::Catalogue,
    /// Ports where TLS is expected, beyond the built-in list.
    pub tls_ports: Vec<u16>,
    /// (name or suffix pattern, expected CNAME suffix)
    pub expect_cname: Vec<(String, String)>,
    /// Bounds of the engine's buffers.
    pub engine: engine::Options,
    /// The link's capacity in Mbit/s, when the user knows it (`bandwidth`).
    pub link_mbps: Option<f64>,
    /// Hosts whose periodic connections are expected (`--allow`: addresses or DNS names),
    /// never beacons.
    pub allow: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            timeouts: timeouts::Catalogue::builtin(),
            tls_ports: Vec::new(),
            expect_cname: Vec::new(),
            engine: engine::Options::default(),
            link_mbps: None,
            allow: Vec::new(),
        }
    }
}

/// A detector: watches the capture go by, then says what it found.
pub trait Detector: Observer {
    fn finish(&mut self, analysis: &Analysis, config: &Config) -> Vec<Finding>;
    /// The detector's bounded tables that reached their bound (docs/LIMITS.md), for the
    /// report's `limits`.
    fn caps(&self) -> Vec<bounded::DetectorCap> {
        Vec::new()
    }
}

pub struct Entry {
    pub id: &'static str,
    pub about: &'static str,
    pub make: fn(&Config) -> Box<dyn Detector>,
    /// The message keys the detector's findings use, all in `locales/<lang>/<id>.ftl`.
    pub messages: &'static [&'static str],
}

/// Every detector, in report order. One line each.
pub const REGISTRY: &[Entry] = &[
    Entry {
        id: "idle-timeout",
        about: idle_timeout::ABOUT,
        make: idle_timeout::make,
        messages: idle_timeout::MESSAGES,
    },
    Entry {
        id: "tls-alert-fin",
        about: tls_alert_fin::ABOUT,
        make: tls_alert_fin::make,
        messages: tls_alert_fin::MESSAGES,
    },
    Entry {
        id: "no-client-hello",
        about: no_client_hello::ABOUT,
        make: no_client_hello::make,
        messages: no_client_hello::MESSAGES,
    },
    Entry { id: "dns-failure", about: dns_failure::ABOUT, make: dns_failure::make, messages: dns_failure::MESSAGES },
    Entry { id: "dns-cname-hijack", about: dns_hijack::ABOUT, make: dns_hijack::make, messages: dns_hijack::MESSAGES },
    Entry { id: "retransmission-storm", about: storm::ABOUT, make: storm::make, messages: storm::MESSAGES },
    Entry { id: "peer-silent", about: peer_silent::ABOUT, make: peer_silent::make, messages: peer_silent::MESSAGES },
    Entry {
        id: "connect-failure",
        about: connect_failure::ABOUT,
        make: connect_failure::make,
        messages: connect_failure::MESSAGES,
    },
    Entry {
        id: "crypto-mining",
        about: crypto_mining::ABOUT,
        make: crypto_mining::make,
        messages: crypto_mining::MESSAGES,
    },
    Entry { id: "beaconing", about: beaconing::ABOUT, make: beaconing::make, messages: beaconing::MESSAGES },
    Entry {
        id: "outbound-scan",
        about: outbound_scan::ABOUT,
        make: outbound_scan::make,
        messages: outbound_scan::MESSAGES,
    },
    Entry { id: "syn-flood", about: syn_flood::ABOUT, make: syn_flood::make, messages: syn_flood::MESSAGES },
    Entry { id: "http-flood", about: http_flood::ABOUT, make: http_flood::make, messages: http_flood::MESSAGES },
    Entry { id: "bandwidth", about: bandwidth::ABOUT, make: bandwidth::make, messages: bandwidth::MESSAGES },
    Entry {
        id: "conntrack-exhaustion",
        about: conntrack_exhaustion::ABOUT,
        make: conntrack_exhaustion::make,
        messages: conntrack_exhaustion::MESSAGES,
    },
    Entry { id: "zero-window", about: zero_window::ABOUT, make: zero_window::make, messages: zero_window::MESSAGES },
    Entry { id: "http-errors", about: http_errors::ABOUT, make: http_errors::make, messages: http_errors::MESSAGES },
    Entry {
        id: "mid-transfer-reset",
        about: mid_transfer_reset::ABOUT,
        make: mid_transfer_reset::make,
        messages: mid_transfer_reset::MESSAGES,
    },
    Entry {
        id: "protocol-mismatch",
        about: protocol_mismatch::ABOUT,
        make: protocol_mismatch::make,
        messages: protocol_mismatch::MESSAGES,
    },
];

/// Ids a detector may emit besides its own (the TLS handshake family shares one observer).
pub const EXTRA_IDS: &[(&str, &str)] = &[
    ("tls-no-server-hello", "no-client-hello"),
    ("tls-handshake-alert", "no-client-hello"),
    ("port-scan", "connect-failure"),
    ("brute-force", "outbound-scan"),
    ("dga-domains", "dns-failure"),
];

/// (specific, general): where a specific detector explains streams, the general detector's
/// findings about only those streams are dropped. A scan's refused SYNs are not separate
/// connect failures; a SYN flood's half-open connections are not a routing problem; SYNs
/// retried at a full conntrack table are not a lossy path; connections to a hijacked
/// name's address fail because of the hijack.
pub const SUPERSEDES: &[(&str, &str)] = &[
    ("outbound-scan", "connect-failure"),
    ("brute-force", "connect-failure"),
    ("syn-flood", "connect-failure"),
    ("conntrack-exhaustion", "connect-failure"),
    ("conntrack-exhaustion", "retransmission-storm"),
    ("dns-cname-hijack", "connect-failure"),
    ("dga-domains", "connect-failure"),
    ("protocol-mismatch", "no-client-hello"),
    ("protocol-mismatch", "tls-no-server-hello"),
    ("idle-timeout", "mid-transfer-reset"),
    ("zero-window", "mid-transfer-reset"),
    ("tls-alert-fin", "mid-transfer-reset"),
    // A sender that resets after its resends went unanswered gave up on a silent peer.
    ("peer-silent", "mid-transfer-reset"),
    // A request after idle that the middlebox dropped is the idle timeout's.
    ("idle-timeout", "peer-silent"),
];

/// Drops general findings whose streams a more specific finding already explains.
fn drop_superseded(findings: &mut Vec<Finding>) {
    let mut covered: crate::HashMap<&str, crate::HashSet<u32>> = Default::default();
    for (specific, general) in SUPERSEDES {
        let set = covered.entry(general).or_default();
        for f in findings.iter().filter(|f| f.detector == *specific) {
            set.extend(f.covers.iter().copied());
        }
    }
    findings.retain(|f| {
        covered.get(f.detector).is_none_or(|set| f.covers.is_empty() || !f.covers.iter().all(|s| set.contains(s)))
    });
}

/// A peer that stalled and then answered, to or from a host whose path a retransmission
/// storm already names as lossy, is that loss seen once more: one problem, one finding
/// (corpus `alexa-app`: a phone on lossy Wi-Fi). A peer that never answered stays (a lossy
/// path can also die).
fn drop_stalls_a_storm_explains(findings: &mut Vec<Finding>) {
    let ip_of = |f: &Finding, key: &str| -> Option<IpAddr> {
        let v = f.facts.get(key)?.as_str()?;
        v.parse::<IpAddr>().ok().or_else(|| v.parse::<SocketAddr>().ok().map(|a| a.ip()))
    };
    let lossy: BTreeSet<IpAddr> = findings
        .iter()
        .filter(|f| f.detector == "retransmission-storm")
        .flat_map(|f| [ip_of(f, "sender"), ip_of(f, "receiver")])
        .flatten()
        .collect();
    findings.retain(|f| {
        f.detector != "peer-silent"
            || f.severity > Severity::Info
            || !["sender", "silent_peer"].iter().any(|k| ip_of(f, k).is_some_and(|ip| lossy.contains(&ip)))
    });
}

/// Findings that name an infected host, and the fact that names it.
const INFECTED_HOST: &[(&str, &str)] =
    &[("crypto-mining", "miner"), ("brute-force", "source"), ("outbound-scan", "source"), ("dga-domains", "host")];

/// A beacon alone may be a scheduled job; from a host that another finding shows infected,
/// it is the backdoor's check-in: a warning, with the other finding named.
fn corroborate(findings: &mut [Finding]) {
    let mut infected: BTreeMap<String, BTreeSet<&'static str>> = BTreeMap::new();
    for f in findings.iter().filter(|f| f.severity >= Severity::Warning) {
        for (detector, fact) in INFECTED_HOST {
            if f.detector == *detector {
                if let Some(host) = f.facts.get(*fact).and_then(|v| v.as_str()) {
                    infected.entry(host.to_string()).or_default().insert(f.detector);
                }
            }
        }
    }
    for f in findings.iter_mut().filter(|f| f.detector == "beaconing" && f.severity == Severity::Info) {
        let Some(others) = f.facts.get("host").and_then(|v| v.as_str()).and_then(|h| infected.get(h)) else { continue };
        f.severity = Severity::Warning;
        let what = crate::i18n::Arg::list(others.iter().map(|d| (*d).to_string()));
        let explanation = std::mem::replace(&mut f.explanation, Message::new("finding-unset"));
        f.explanation = Message::sentences(vec![explanation, Message::new("beacon-sign-other").arg("what", what)]);
        if let Some(serde_json::Value::Array(signs)) = f.facts.get_mut("signs") {
            signs.extend(others.iter().map(|d| serde_json::Value::from(*d)));
        }
    }
}

/// A damaged capture makes the findings that rest on what it damaged less sure: copies
/// (counts of resends, who sent a RST), time going backwards (gaps and rates), handshake
/// packets missing (failed-connection verdicts). Severity is never raised or lowered here.
fn lower_confidence(findings: &mut [Finding], q: &engine::Quality) {
    let affected = |detector: &str| {
        let dup = q.duplicate_frames > 0 && matches!(detector, "retransmission-storm" | "idle-timeout");
        let time = q.timestamps_backwards > 0
            && matches!(
                detector,
                "idle-timeout" | "tls-alert-fin" | "retransmission-storm" | "http-flood" | "bandwidth"
            );
        let handshake = q.missing_synack > 0
            && matches!(detector, "connect-failure" | "syn-flood" | "conntrack-exhaustion" | "no-client-hello");
        dup || time || handshake
    };
    for f in findings.iter_mut().filter(|f| affected(f.detector)) {
        f.confidence = f.confidence.lower();
    }
}

/// A claim of silence where the capture does not hold the answer's direction is at most
/// low confidence, and says to capture both directions (issue 30): a `tcpdump -Q in`, a
/// one-direction mirror, asymmetric routing all look like a peer that never answers.
fn judge_silence(findings: &mut [Finding], v: &crate::visibility::Visibility) {
    for f in findings.iter_mut() {
        let Some((from, to)) = f.silence else { continue };
        if v.answer_captured(from, to) {
            continue;
        }
        f.confidence = Confidence::Low;
        f.confirm = Some(msg!("confirm-one-way", from = from.to_string(), to = to.to_string()));
        f.facts.insert("answer_direction_captured".into(), false.into());
    }
}

/// The detectors and one more observer, as one observer. Each callback goes only to those
/// whose [`Hooks`] name it.
struct Fanout<'x> {
    detectors: Vec<Box<dyn Detector>>,
    extra: &'x mut dyn Observer,
    extra_hooks: Hooks,
    /// Indices into `detectors`, per callback.
    tcp: Vec<usize>,
    quoted_tcp: Vec<usize>,
    app: Vec<usize>,
    frame: Vec<usize>,
    stream_end: Vec<usize>,
}

impl<'x> Fanout<'x> {
    fn new(detectors: Vec<Box<dyn Detector>>, extra: &'x mut dyn Observer) -> Self {
        let subscribed =
            |h: Hooks| detectors.iter().enumerate().filter(|(_, d)| d.hooks().has(h)).map(|(i, _)| i).collect();
        Fanout {
            tcp: subscribed(Hooks::TCP),
            quoted_tcp: subscribed(Hooks::QUOTED_TCP),
            app: subscribed(Hooks::APP),
            frame: subscribed(Hooks::FRAME),
            stream_end: subscribed(Hooks::STREAM_END),
            detectors,
            extra_hooks: extra.hooks(),
            extra,
        }
    }
}

/// Calls `$call` on each detector subscribed in `$list`, then on the extra observer if it
/// has `$hook`.
macro_rules! fan {
    ($self:ident, $list:ident, $hook:expr, $d:ident => $call:expr) => {{
        for &i in &$self.$list {
            if let Some($d) = $self.detectors.get_mut(i) {
                $call;
            }
        }
        if $self.extra_hooks.has($hook) {
            let $d = &mut *$self.extra;
            $call;
        }
    }};
}

impl Observer for Fanout<'_> {
    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        fan!(self, tcp, Hooks::TCP, d => d.on_tcp(f, t, i, c));
    }
    fn on_quoted_tcp(&mut self, f: &Frame<'_>, s: Option<u32>) {
        fan!(self, quoted_tcp, Hooks::QUOTED_TCP, d => d.on_quoted_tcp(f, s));
    }
    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &crate::app::AppEvent, c: Option<&Conversation>) {
        fan!(self, app, Hooks::APP, d => d.on_app(f, ctx, e, c));
    }
    fn on_frame(&mut self, f: &Frame<'_>) {
        fan!(self, frame, Hooks::FRAME, d => d.on_frame(f));
    }
    fn on_stream_end(&mut self, c: &Conversation, evicted: bool) {
        fan!(self, stream_end, Hooks::STREAM_END, d => d.on_stream_end(c, evicted));
    }
}

/// Runs the engine with the selected detectors (all when `only` is empty) and returns the
/// analysis and the findings in [`report_order`].
pub fn run(reader: CaptureReader, config: &Config, only: &[String]) -> (Analysis, Vec<Finding>) {
    run_with(reader, config, only, &mut engine::NoObserver)
}

/// [`run`], with one more observer watching the same pass (compare's packet collector).
pub fn run_with(
    reader: CaptureReader,
    config: &Config,
    only: &[String],
    extra: &mut dyn Observer,
) -> (Analysis, Vec<Finding>) {
    let wanted = |id: &str| {
        only.is_empty()
            || only.iter().any(|o| o == id)
            || EXTRA_IDS.iter().any(|(extra, owner)| *owner == id && only.iter().any(|o| o == extra))
    };
    let detectors: Vec<Box<dyn Detector>> =
        REGISTRY.iter().filter(|e| wanted(e.id)).map(|e| (e.make)(config)).collect();
    let mut health = crate::health::Watch::default();
    let mut both = engine::Pair::new(extra, &mut health);
    let mut fan = Fanout::new(detectors, &mut both);
    let mut analysis = engine::run_with_options(reader, &mut fan, &config.engine);
    let Fanout { mut detectors, .. } = fan;
    analysis.health = Some(health.finish());
    let mut findings: Vec<Finding> = detectors.iter_mut().flat_map(|d| d.finish(&analysis, config)).collect();
    analysis.detector_caps = detectors.iter().flat_map(|d| d.caps()).collect();
    for e in findings.iter_mut().flat_map(|f| f.evidence.iter_mut()) {
        e.file = analysis.frame_map.source_of(e.frame).map(|(file, n)| (file.to_string(), n));
    }
    drop_superseded(&mut findings);
    drop_stalls_a_storm_explains(&mut findings);
    corroborate(&mut findings);
    lower_confidence(&mut findings, &analysis.quality);
    judge_silence(&mut findings, &analysis.visibility);
    for f in findings.iter_mut().filter(|f| f.confirm.is_none() && f.severity >= Severity::Warning) {
        let general = Message::owned(format!("confirm-{}", f.detector));
        f.confirm = general.exists().then_some(general);
    }
    findings.retain(|f| only.is_empty() || only.iter().any(|o| o == f.detector));
    report_order(&mut findings);
    (analysis, findings)
}

/// The order every report lists findings in: errors first, then warnings, then info (the
/// verdict names the worst, and it must be the first a reader meets); within a severity by
/// time, then detector and stream, so that output is stable.
pub fn report_order(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.time.total_cmp(&b.time))
            .then(a.detector.cmp(b.detector))
            .then(a.stream.cmp(&b.stream))
    });
}

/// All detector ids, including the ones that share an observer.
pub fn all_ids() -> Vec<&'static str> {
    let mut v: Vec<&str> = REGISTRY.iter().map(|e| e.id).collect();
    v.extend(EXTRA_IDS.iter().map(|(id, _)| *id));
    v
}

// ---- helpers shared by detectors

/// `a.b.c.d:port` or `[v6]:port`, as `SocketAddr`'s `Display` writes it. IPv4 is written
/// digit by digit: the report's stream list writes two per stream, and the formatter's
/// padding machinery made it 4 % of a run on short connections.
pub fn ep(a: SocketAddr) -> String {
    let SocketAddr::V4(v4) = a else { return a.to_string() };
    let mut s = String::with_capacity(21);
    for (i, o) in v4.ip().octets().into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        push_decimal(&mut s, u32::from(o));
    }
    s.push(':');
    push_decimal(&mut s, u32::from(v4.port()));
    s
}

/// Appends `n` in decimal.
fn push_decimal(s: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut len = 0;
    loop {
        if let Some(d) = digits.get_mut(len) {
            *d = b'0' + (n % 10) as u8;
        }
        len += 1;
        n /= 10;
        if n == 0 || len == digits.len() {
            break;
        }
    }
    s.extend(digits.iter().take(len).rev().map(|&d| char::from(d)));
}

/// Seconds with two decimals, as a string for sentences.
pub fn secs(ns: i64) -> String {
    format!("{:.2}", ns as f64 / 1e9)
}

/// A string literal for a Wireshark display filter, quoted by its rules: `"` and `\` are
/// escaped with a backslash, and control bytes are written `\xNN`, so no packet-derived text
/// (a DNS name, a URI) can end the string and change the filter.
pub fn filter_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_ascii_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A display filter that shows these streams: `tcp.stream eq N` for one, `tcp.stream in {..}`
/// for several.
pub fn streams_filter(streams: &[u32]) -> String {
    match streams {
        [one] => format!("tcp.stream eq {one}"),
        _ => format!("tcp.stream in {{{}}}", streams.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")),
    }
}

/// A display filter that shows one stream from a frame on.
pub fn stream_filter(stream: u32, from_frame: Option<u64>) -> String {
    match from_frame {
        Some(f) => format!("tcp.stream eq {stream} && frame.number >= {f}"),
        None => format!("tcp.stream eq {stream}"),
    }
}

#[cfg(test)]
mod ep_tests {
    use super::ep;
    use std::net::SocketAddr;

    #[test]
    fn endpoints_are_written_as_display_writes_them() {
        for a in ["0.0.0.0:0", "198.51.100.2:41234", "255.255.255.255:65535", "10.0.0.1:80", "[2001:db8::1]:443"] {
            let a: SocketAddr = a.parse().unwrap();
            assert_eq!(ep(a), a.to_string());
        }
        for o in 0..=255u8 {
            for port in [0u16, 9, 10, 99, 100, 1000, 65535] {
                let a = SocketAddr::from(([o, 255 - o, o / 2, 7], port));
                assert_eq!(ep(a), a.to_string());
            }
        }
    }
}
