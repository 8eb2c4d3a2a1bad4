//! `bandwidth`: throughput per second for the capture and per host pair, the peak, and the
//! top talkers in each direction (seed 003: "my bandwidth is full, I cannot log in"). Also
//! names crawler User-Agents that take a large share of HTTP bytes (seed 000: baiduspider,
//! googlebot running bandwidth up).
//!
//! A second is *saturated* when its throughput is at least 90% of the link rate given with
//! `--link-mbps`, or, without it, when the capture's peak rate is held (within 10%) for at
//! least [`MIN_PLATEAU_S`] seconds *and* TCP resent data in those seconds (at least
//! [`MIN_PLATEAU_RESENDS`], [`MIN_PLATEAU_LOSS`] of the segments) or round trips through it
//! stretched ([`DELAY_RISE`]): a rate limit is a flat top where the queue drops or fills. A flat top with no loss is a steady sender (a load test of
//! short connections, a paced stream), a fact, not a full link. The finding
//! is `info`, unless one host pair carries more than 80% of a saturated second: then one
//! transfer is starving everything else, and it is a `warning`.
//!
//! Bounded: [`MAX_SECONDS`] one-second bins, [`MAX_PAIRS`] host pairs.

use crate::HashMap;
use std::net::IpAddr;

use super::{Config, Detector, Finding, Severity};
use crate::app::AppEvent;
use crate::app::http::HttpEvent;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::Conversation;
use crate::i18n::Message;
use crate::msg;
use crate::tcp::seq::Seq;

/// The messages of this detector's findings: `locales/<lang>/bandwidth.ftl`.
pub const MESSAGES: &[&str] = &[
    "bw-summary",
    "bw-saturated",
    "bw-unsaturated",
    "bw-hog",
    "bw-top",
    "bw-crawler",
    "bw-rec-crawler",
    "bw-rec-hog",
    "bw-rec-process",
    "bw-role-hogged",
    "bw-role-peak",
];
pub const ABOUT: &str = "throughput per second, peak, top talkers; one flow hogging a saturated link; crawlers";

pub const MAX_SECONDS: usize = 7 * 24 * 3600;
pub const MAX_PAIRS: usize = 100_000;
pub const MAX_HTTP_STREAMS: usize = 100_000;
/// Seconds at the peak rate that make a plateau.
pub const MIN_PLATEAU_S: usize = 3;
/// Resends at the plateau that show a full link (a queue dropping at its ceiling), at
/// least this many and this share of its data segments.
pub const MIN_PLATEAU_RESENDS: u64 = 3;
pub const MIN_PLATEAU_LOSS: f64 = 0.005;
/// ... or round trips at the plateau (HTTP request to response, handshakes) whose median
/// is at least [`DELAY_RISE`] times the quickest in the capture and [`MIN_DELAY_RISE_NS`]
/// longer, over at least [`MIN_DELAY_SAMPLES`] of them: the queue at the ceiling filling.
pub const DELAY_RISE: i64 = 4;
pub const MIN_DELAY_RISE_NS: i64 = 2_000_000;
pub const MIN_DELAY_SAMPLES: usize = 2;
const MAX_DELAYS: usize = 100_000;
/// One stream in this many is timed segment to ACK: a median needs a sample, not every
/// stream's state (with 100,000 connections open, timing all of them held 8 MB).
const ACK_SAMPLE_EVERY: u32 = 8;
/// Below this many timed segments every stream is timed (a capture of a few transfers).
const ACK_TIME_ALL: usize = 1_024;
/// The least peak rate worth calling saturated without `--link-mbps` (1 Mbit/s).
pub const MIN_PEAK_BPS: u64 = 1_000_000;
/// Share of a saturated second one host pair must take to be a hog.
pub const HOG_SHARE: f64 = 0.8;
/// Reported at all: this many bytes in the capture, or any saturated second.
pub const MIN_REPORT_BYTES: u64 = 10_000_000;

/// Search-engine and SEO crawlers, by a distinctive part of their User-Agent.
pub const CRAWLERS: &[&str] = &[
    "Baiduspider",
    "Googlebot",
    "bingbot",
    "Sogou",
    "YisouSpider",
    "360Spider",
    "Bytespider",
    "YandexBot",
    "AhrefsBot",
    "SemrushBot",
    "PetalBot",
    "DotBot",
    "MJ12bot",
    "Applebot",
    "GPTBot",
];

#[derive(Debug, Clone, Copy, Default)]
struct Second {
    bytes: u64,
    /// The second's first frame, and its time: evidence for a rate.
    first: Option<(u64, crate::capture::Timestamp)>,
    /// The host pair (unordered) that sent the most in this second, and how much.
    top: Option<(IpAddr, IpAddr)>,
    top_bytes: u64,
    /// TCP data segments in this second, and how many of them were resends (copies left
    /// out): loss at a plateau is what shows a full link.
    segments: u32,
    resends: u32,
}

pub struct Bandwidth {
    link_bps: Option<u64>,
    base_sec: Option<i64>,
    secs: Vec<Second>,
    cur: Option<usize>,
    /// This second's bytes by (source, destination): one table update per frame; the
    /// host-pair top and the capture's talkers are folded from it once a second.
    cur_pairs: HashMap<(IpAddr, IpAddr), u64>,
    /// Bytes by (source, destination).
    talkers: HashMap<(IpAddr, IpAddr), u64>,
    total: u64,
    unbinned: u64,
    /// HTTP streams: the crawler their requests named, if any.
    http: HashMap<u32, Option<usize>>,
    http_bytes: u64,
    crawler_bytes: Vec<u64>,
    /// The last User-Agent judged and its crawler: a client sends the same one each time.
    last_agent: Option<(String, Option<usize>)>,
    /// HTTP requests awaiting their response, by stream: when each was sent.
    asked: HashMap<u32, crate::capture::Timestamp>,
    /// Delays the user feels, by second: (bin, request to response or SYN to handshake
    /// ACK, ns). Queueing at a full link stretches them; a steady sender does not.
    delays: Vec<(usize, i64, Delay)>,
    /// Per (stream, direction): the data segment being timed, (its end, when it was sent),
    /// until the peer acknowledges it (one at a time, resends never timed: Karn's rule).
    timed: HashMap<(u32, usize), (Seq, crate::capture::Timestamp)>,
}

/// What a delay sample measures: each kind is held against its own quickest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delay {
    /// HTTP request to response, SYN to handshake ACK: what a user waits for.
    Exchange,
    /// A data segment to the ACK that covers it, seen at the sender.
    Ack,
}

pub fn make(cfg: &Config) -> Box<dyn Detector> {
    Box::new(Bandwidth {
        link_bps: cfg.link_mbps.map(|m| (m * 1e6) as u64),
        base_sec: None,
        secs: Vec::new(),
        cur: None,
        cur_pairs: HashMap::default(),
        talkers: HashMap::default(),
        total: 0,
        unbinned: 0,
        http: HashMap::default(),
        http_bytes: 0,
        crawler_bytes: vec![0; CRAWLERS.len()],
        last_agent: None,
        asked: HashMap::default(),
        delays: Vec::new(),
        timed: HashMap::default(),
    })
}

/// The crawler a User-Agent names (its index in [`CRAWLERS`]), compared without case.
fn crawler_of(ua: &str) -> Option<usize> {
    let ua = ua.as_bytes();
    CRAWLERS.iter().position(|c| ua.windows(c.len()).any(|w| w.eq_ignore_ascii_case(c.as_bytes())))
}

/// Adds `n` to `key`'s count; a key not yet present is added only below [`MAX_PAIRS`].
fn add_capped(m: &mut HashMap<(IpAddr, IpAddr), u64>, key: (IpAddr, IpAddr), n: u64) {
    let room = m.len() < MAX_PAIRS;
    match m.get_mut(&key) {
        Some(v) => *v += n,
        None if room => {
            m.insert(key, n);
        }
        None => {}
    }
}

fn pair(a: IpAddr, b: IpAddr) -> (IpAddr, IpAddr) {
    if a <= b { (a, b) } else { (b, a) }
}

impl Bandwidth {
    /// The one-second bin of `ts` (made if new), or `None` past [`MAX_SECONDS`].
    fn bin(&mut self, ts: crate::capture::Timestamp) -> Option<usize> {
        let sec = ts.0.div_euclid(1_000_000_000);
        let base = *self.base_sec.get_or_insert(sec);
        let i = usize::try_from(sec - base).ok().filter(|&i| i < MAX_SECONDS)?;
        if self.secs.len() <= i {
            self.secs.resize(i + 1, Second::default());
        }
        Some(i)
    }

    fn delay(&mut self, at: crate::capture::Timestamp, ns: i64, kind: Delay) {
        if self.delays.len() < MAX_DELAYS && ns >= 0 {
            if let Some(b) = self.bin(at) {
                self.delays.push((b, ns, kind));
            }
        }
    }

    /// The delays at the plateau against the quickest anywhere: a queue filling at a full
    /// link stretches every round trip through it (bufferbloat), a steady sender's do not.
    fn delay_rises(&self, plateau: &[usize]) -> bool {
        [Delay::Exchange, Delay::Ack].into_iter().any(|k| self.delay_rises_for(plateau, k))
    }

    fn delay_rises_for(&self, plateau: &[usize], kind: Delay) -> bool {
        let samples = || self.delays.iter().filter(move |d| d.2 == kind);
        let Some(floor) = samples().map(|d| d.1).min() else { return false };
        let mut at_top: Vec<i64> = samples().filter(|d| plateau.contains(&d.0)).map(|d| d.1).collect();
        if at_top.len() < MIN_DELAY_SAMPLES {
            return false;
        }
        at_top.sort_unstable();
        let median = at_top.get(at_top.len() / 2).copied().unwrap_or(0);
        median >= floor.saturating_mul(DELAY_RISE) && median - floor >= MIN_DELAY_RISE_NS
    }

    fn flush(&mut self) {
        let Some(idx) = self.cur.take() else { return };
        let mut pairs: HashMap<(IpAddr, IpAddr), u64> = HashMap::default();
        for ((src, dst), bytes) in self.cur_pairs.drain() {
            add_capped(&mut self.talkers, (src, dst), bytes);
            *pairs.entry(pair(src, dst)).or_default() += bytes;
        }
        let (top, top_bytes) =
            pairs.into_iter().max_by_key(|&(k, v)| (v, std::cmp::Reverse(k))).map_or((None, 0), |(k, v)| (Some(k), v));
        if let Some(s) = self.secs.get_mut(idx) {
            if top_bytes > s.top_bytes {
                s.top = top;
                s.top_bytes = top_bytes;
            }
        }
    }
}

impl Observer for Bandwidth {
    fn hooks(&self) -> Hooks {
        Hooks::APP | Hooks::TCP | Hooks::FRAME | Hooks::STREAM_END
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, _: &Conversation) {
        if i.duplicate {
            return;
        }
        let (stream, dir) = (i.placement.stream, i.placement.dir);
        let resend = i.analysis.is_some_and(|a| a.is_any_retransmission());
        // The peer's ACK over the timed segment: one round trip through the queue.
        if t.flags.ack() {
            if let Some(&(end, sent)) = self.timed.get(&(stream, 1 - dir.min(1))) {
                if Seq(t.ack).ge(end) {
                    self.timed.remove(&(stream, 1 - dir.min(1)));
                    self.delay(sent, f.ts.since(sent), Delay::Ack);
                }
            }
        }
        let seglen = t.seglen.unwrap_or(0);
        if seglen == 0 {
            return;
        }
        if resend {
            // Karn: a resent segment's ACK may answer either copy.
            self.timed.remove(&(stream, dir));
        } else if (self.timed.len() < ACK_TIME_ALL || stream % ACK_SAMPLE_EVERY == 0)
            && self.timed.len() < MAX_HTTP_STREAMS
        {
            self.timed.entry((stream, dir)).or_insert((Seq(t.seq) + seglen, f.ts));
        }
        if let Some(s) = self.bin(f.ts).and_then(|b| self.secs.get_mut(b)) {
            s.segments = s.segments.saturating_add(1);
            s.resends = s.resends.saturating_add(u32::from(resend));
        }
    }

    fn on_frame(&mut self, f: &Frame<'_>) {
        let len = u64::from(f.wire_len);
        self.total += len;
        let Some(i) = self.bin(f.ts) else {
            self.unbinned += len;
            return;
        };
        if let Some(s) = self.secs.get_mut(i) {
            s.bytes += len;
            s.first.get_or_insert((f.frame, f.ts));
        }
        if self.cur != Some(i) {
            self.flush();
            self.cur = Some(i);
        }
        if let Some(ip) = f.ip {
            add_capped(&mut self.cur_pairs, (ip.src, ip.dst), len);
        }
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _: Option<&Conversation>) {
        let Some(stream) = ctx.stream else { return };
        if let AppEvent::Http(HttpEvent::Response { .. }) = e {
            if let Some(sent) = self.asked.remove(&stream) {
                self.delay(sent, f.ts.since(sent), Delay::Exchange);
            }
            return;
        }
        let AppEvent::Http(HttpEvent::Request { user_agent, .. }) = e else { return };
        if self.asked.len() < MAX_HTTP_STREAMS {
            self.asked.entry(stream).or_insert(f.ts);
        }
        let crawler = user_agent.as_deref().and_then(|ua| match &self.last_agent {
            Some((last, c)) if last == ua => *c,
            _ => {
                let c = crawler_of(ua);
                self.last_agent = Some((ua.to_string(), c));
                c
            }
        });
        if self.http.len() < MAX_HTTP_STREAMS || self.http.contains_key(&stream) {
            let slot = self.http.entry(stream).or_insert(None);
            if crawler.is_some() {
                *slot = crawler;
            }
        }
    }

    fn on_stream_end(&mut self, c: &Conversation, _evicted: bool) {
        self.asked.remove(&c.summary.stream);
        if let Some(rtt) = c.summary.rtt_ns {
            self.delay(c.summary.start, rtt, Delay::Exchange);
        }
        for dir in 0..2 {
            self.timed.remove(&(c.summary.stream, dir));
        }
        let Some(crawler) = self.http.remove(&c.summary.stream) else { return };
        // The responses: what the server side sent.
        let s = &c.summary;
        let bytes = s.sides.get(1 - s.client_side()).map_or(0, |d| d.payload_bytes);
        self.http_bytes += bytes;
        if let Some(slot) = crawler.and_then(|i| self.crawler_bytes.get_mut(i)) {
            *slot += bytes;
        }
    }
}

fn mbps(bytes_per_s: u64) -> String {
    format!("{:.1}", bytes_per_s as f64 * 8.0 / 1e6)
}

impl Detector for Bandwidth {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        self.flush();
        let Some((peak_i, peak)) = self.secs.iter().enumerate().max_by_key(|(i, s)| (s.bytes, std::cmp::Reverse(*i)))
        else {
            return Vec::new();
        };
        let peak_bps = peak.bytes * 8;
        let threshold_bps = match self.link_bps {
            Some(link) => link * 9 / 10,
            None => peak_bps * 9 / 10,
        };
        let near_peak: Vec<usize> = self
            .secs
            .iter()
            .enumerate()
            .filter(|(_, s)| s.bytes * 8 >= threshold_bps && s.bytes > 0)
            .map(|(i, _)| i)
            .collect();
        // Without the link's rate, a flat top alone is a steady sender (a load test, a
        // paced stream); a full link also drops: resends at the plateau show it.
        let (segments, resends) = near_peak
            .iter()
            .filter_map(|&i| self.secs.get(i))
            .fold((0u64, 0u64), |(n, r), s| (n + u64::from(s.segments), r + u64::from(s.resends)));
        let loss_at_top = resends >= MIN_PLATEAU_RESENDS && resends as f64 >= MIN_PLATEAU_LOSS * segments as f64;
        let saturated = match self.link_bps {
            Some(_) => !near_peak.is_empty(),
            None => {
                near_peak.len() >= MIN_PLATEAU_S
                    && peak_bps >= MIN_PEAK_BPS
                    && (loss_at_top || self.delay_rises(&near_peak))
            }
        };
        let crawled: u64 = self.crawler_bytes.iter().sum();
        let crawler_share = crawled as f64 / self.http_bytes.max(1) as f64;
        if self.total < MIN_REPORT_BYTES && !saturated && crawler_share < 0.3 {
            return Vec::new();
        }
        // The most dominated saturated second.
        let hog = if saturated {
            near_peak
                .iter()
                .filter_map(|&i| self.secs.get(i).map(|s| (i, s)))
                .filter(|(_, s)| s.top.is_some())
                .max_by(|a, b| {
                    let share = |s: &Second| s.top_bytes as f64 / s.bytes.max(1) as f64;
                    share(a.1).total_cmp(&share(b.1))
                })
                .filter(|(_, s)| s.top_bytes as f64 > HOG_SHARE * s.bytes as f64)
        } else {
            None
        };
        let mut talkers: Vec<((IpAddr, IpAddr), u64)> = self.talkers.iter().map(|(k, v)| (*k, *v)).collect();
        talkers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        talkers.truncate(5);
        let duration = self.secs.len().max(1) as u64;
        let severity = if hog.is_some() { Severity::Warning } else { Severity::Info };
        let mut f = Finding::new("bandwidth", severity, None);
        f.summary = msg!(
            "bw-summary",
            peak = mbps(peak.bytes),
            at = format!("{peak_i}"),
            avg = mbps(self.total / duration),
            secs = duration
        );
        let mut explanation = vec![if saturated {
            msg!("bw-saturated", n = near_peak.len(), limit = mbps(threshold_bps / 8))
        } else {
            msg!("bw-unsaturated")
        }];
        if let Some((i, s)) = hog {
            let (a, b) = s.top.unwrap_or((IpAddr::from([0, 0, 0, 0]), IpAddr::from([0, 0, 0, 0])));
            let share = format!("{:.0}", 100.0 * s.top_bytes as f64 / s.bytes.max(1) as f64);
            explanation.push(msg!("bw-hog", a = a, b = b, share = share, at = i));
        }
        if let Some(((src, dst), bytes)) = talkers.first() {
            let share = format!("{:.0}", 100.0 * *bytes as f64 / self.total.max(1) as f64);
            explanation.push(msg!(
                "bw-top",
                src = src,
                dst = dst,
                mb = format!("{:.1}", *bytes as f64 / 1e6),
                share = share
            ));
        }
        let crawlers: Vec<(&str, u64)> =
            CRAWLERS.iter().zip(&self.crawler_bytes).filter(|(_, b)| **b > 0).map(|(c, b)| (*c, *b)).collect();
        if crawler_share >= 0.3 {
            let names = crate::i18n::Arg::list(crawlers.iter().map(|(c, _)| *c));
            explanation.push(msg!("bw-crawler", names = names, share = format!("{:.0}", 100.0 * crawler_share)));
            f.recommendations.push(msg!("bw-rec-crawler"));
        }
        f.explanation = Message::sentences(explanation);
        if let Some((_, s)) = hog {
            let (a, b) = s.top.unwrap_or((IpAddr::from([0, 0, 0, 0]), IpAddr::from([0, 0, 0, 0])));
            f.display_filter = format!("ip.addr == {a} && ip.addr == {b}");
            f.recommendations.push(msg!("bw-rec-hog", a = a, b = b));
        } else {
            f.display_filter = "frame".into();
        }
        f.recommendations.push(msg!("bw-rec-process"));
        let shown = hog.map_or(peak_i, |h| h.0);
        if let Some((frame, ts)) = self.secs.get(shown).and_then(|s| s.first) {
            f = f.evidence(frame, ts, if hog.is_some() { msg!("bw-role-hogged") } else { msg!("bw-role-peak") });
        }
        let mut f = f
            .fact("peak_bps", peak_bps)
            .fact("peak_second", peak_i)
            .fact("average_bps", self.total * 8 / duration)
            .fact("saturated_seconds", if saturated { near_peak.len() } else { 0 })
            .fact("link_bps", self.link_bps)
            .fact("bytes", self.total)
            .fact("bits_per_second", self.secs.iter().take(3600).map(|s| s.bytes * 8).collect::<Vec<_>>())
            .fact(
                "top_talkers",
                talkers
                    .iter()
                    .map(|((s, d), b)| serde_json::json!({"source": s.to_string(), "destination": d.to_string(), "bytes": b}))
                    .collect::<Vec<_>>(),
            )
            .fact("http_bytes", self.http_bytes)
            .fact(
                "crawler_bytes",
                crawlers.iter().map(|(c, b)| serde_json::json!({"user_agent": c, "bytes": b})).collect::<Vec<_>>(),
            );
        if let Some((i, s)) = hog {
            f = f
                .fact("hog_second", i)
                .fact("hog_share", (s.top_bytes as f64 / s.bytes.max(1) as f64 * 1000.0).round() / 1000.0);
        }
        vec![f.seal()]
    }
}
