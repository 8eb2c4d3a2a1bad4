//! `http-flood`: a CC attack in clear-text HTTP. Seed 002's signs: a burst of requests far
//! above the site's own baseline, concentrated on one URL, on a few source addresses or on
//! one User-Agent. The recommendation is the WAF custom rule seed 002 configures: URI,
//! detection window, count per source address, action.
//!
//! Mechanism: every HTTP request head is recorded as (second, source, URI, User-Agent),
//! interned. Bounded: the first [`MAX_REQUESTS`] requests and [`MAX_DISTINCT`] distinct
//! values of each field are kept; later ones are counted.

use crate::HashMap;
use std::net::IpAddr;

use super::{Config, Detector, Finding, Severity};
use crate::app::AppEvent;
use crate::app::http::HttpEvent;
use crate::capture::Timestamp;
use crate::decode::Frame;
use crate::engine::{Analysis, AppCtx, Hooks, Observer};
use crate::flow::Conversation;
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/http-flood.ftl`.
pub const MESSAGES: &[&str] = &[
    "httpflood-summary",
    "httpflood-base",
    "httpflood-nobase",
    "httpflood-explanation",
    "httpflood-rec-waf",
    "httpflood-rec-ua",
    "httpflood-rec-origin",
    "httpflood-role-request",
];
pub const ABOUT: &str = "an HTTP request burst concentrated on one URL or User-Agent (a CC attack), with a WAF rule";

/// Requests in the capture before a flood is considered.
pub const MIN_REQUESTS: usize = 200;
/// The window seed 002's WAF rule uses, in seconds.
pub const WINDOW_S: i64 = 10;
/// Requests per second in the busiest window that make a flood...
pub const MIN_RATE: f64 = 20.0;
/// ... at this multiple of the rate outside that window (when there is time outside it).
pub const MIN_RATIO: f64 = 5.0;
/// ... with this share on one URI, or [`MIN_UA_SHARE`] on one tool's User-Agent ([`is_tool`]).
pub const MIN_URI_SHARE: f64 = 0.5;
pub const MIN_UA_SHARE: f64 = 0.8;
pub const MAX_REQUESTS: usize = 500_000;
pub const MAX_DISTINCT: usize = 10_000;
const MAX_FIELD: usize = 200;

#[derive(Debug, Clone, Copy)]
struct Req {
    sec: i64,
    ts: Timestamp,
    frame: u64,
    ip: u32,
    uri: u32,
    ua: u32,
}

#[derive(Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    /// The id of `s`, or of "(other)" when the table is full.
    fn id(&mut self, s: &str) -> u32 {
        let s = s.get(..s.len().min(MAX_FIELD)).unwrap_or("(long)");
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let key = if self.names.len() >= MAX_DISTINCT { "(other)" } else { s };
        if let Some(&i) = self.ids.get(key) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(key.to_string());
        self.ids.insert(key.to_string(), i);
        i
    }
    fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map_or("", String::as_str)
    }
}

#[derive(Default)]
pub struct HttpFlood {
    reqs: Vec<Req>,
    dropped: u64,
    ips: Vec<IpAddr>,
    ip_ids: HashMap<IpAddr, u32>,
    uris: Interner,
    uas: Interner,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(HttpFlood::default())
}

impl Observer for HttpFlood {
    fn hooks(&self) -> Hooks {
        Hooks::APP
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, _: Option<&Conversation>) {
        let AppEvent::Http(HttpEvent::Request { uri, user_agent, .. }) = e else { return };
        if self.reqs.len() >= MAX_REQUESTS {
            self.dropped += 1;
            return;
        }
        let src = ctx.src.ip();
        let ip = match self.ip_ids.get(&src) {
            Some(&i) => i,
            None => {
                let i = self.ips.len() as u32;
                self.ips.push(src);
                self.ip_ids.insert(src, i);
                i
            }
        };
        let uri = self.uris.id(uri.split('?').next().unwrap_or(uri));
        let ua = self.uas.id(user_agent.as_deref().unwrap_or("(none)"));
        self.reqs.push(Req { sec: f.ts.0.div_euclid(1_000_000_000), ts: f.ts, frame: f.frame, ip, uri, ua });
    }
}

/// The most frequent value of a field among `reqs`, and its count.
fn top<F: Fn(&Req) -> u32>(reqs: &[Req], key: F) -> Vec<(u32, usize)> {
    let mut m: HashMap<u32, usize> = HashMap::default();
    for r in reqs {
        *m.entry(key(r)).or_default() += 1;
    }
    let mut v: Vec<(u32, usize)> = m.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

fn pct(n: usize, of: usize) -> f64 {
    100.0 * n as f64 / of.max(1) as f64
}

/// User-Agents of load tools and scripts rather than browsers.
pub fn is_tool(ua: &str) -> bool {
    let l = ua.to_ascii_lowercase();
    [
        "apachebench",
        "wrk",
        "python-requests",
        "python-urllib",
        "go-http-client",
        "curl/",
        "java/",
        "okhttp",
        "jmeter",
        "siege",
        "locust",
        "(none)",
    ]
    .iter()
    .any(|t| l.contains(t))
}

impl Detector for HttpFlood {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        if self.reqs.len() < MIN_REQUESTS {
            return Vec::new();
        }
        self.reqs.sort_by_key(|r| (r.sec, r.frame));
        // The busiest window of WINDOW_S seconds (sliding by second).
        let (mut best, mut best_start, mut lo) = (0usize, 0usize, 0usize);
        for hi in 0..self.reqs.len() {
            let hi_sec = self.reqs.get(hi).map_or(0, |r| r.sec);
            while self.reqs.get(lo).is_some_and(|r| r.sec <= hi_sec - WINDOW_S) {
                lo += 1;
            }
            if hi + 1 - lo > best {
                best = hi + 1 - lo;
                best_start = lo;
            }
        }
        let window = self.reqs.get(best_start..best_start + best).unwrap_or_default();
        let (Some(w0), Some(w1)) = (window.first(), window.last()) else { return Vec::new() };
        // The window's own span, from its first to its last request (at least a second).
        let wspan = (w1.ts.since(w0.ts) as f64 / 1e9).max(1.0);
        let wsecs = (w1.sec - w0.sec + 1).max(1);
        let rate = best as f64 / wspan;
        let (Some(first), Some(last)) = (self.reqs.first(), self.reqs.last()) else { return Vec::new() };
        let outside_secs = (last.sec - first.sec + 1 - wsecs).max(0);
        let outside = self.reqs.len() - best;
        let baseline = if outside_secs > 0 { Some(outside as f64 / outside_secs as f64) } else { None };
        let uris = top(window, |r| r.uri);
        let uas = top(window, |r| r.ua);
        let ips = top(window, |r| r.ip);
        let (Some(&(top_uri, uri_n)), Some(&(top_ua, ua_n))) = (uris.first(), uas.first()) else { return Vec::new() };
        let uri_share = uri_n as f64 / best as f64;
        let ua_share = ua_n as f64 / best as f64;
        let above_baseline = baseline.is_none_or(|b| rate >= MIN_RATIO * b.max(0.1));
        // One browser loading pages hits many URIs with one User-Agent: a User-Agent alone
        // counts only when it is a tool's.
        let ua_concentrated = ua_share >= MIN_UA_SHARE && is_tool(self.uas.name(top_ua));
        if rate < MIN_RATE || !above_baseline || (uri_share < MIN_URI_SHARE && !ua_concentrated) {
            return Vec::new();
        }
        let uri = self.uris.name(top_uri).to_string();
        let ua = self.uas.name(top_ua).to_string();
        let ip_text = crate::i18n::Arg::list(ips.iter().take(3).map(|&(i, n)| {
            format!("{} ({:.0}%)", self.ips.get(i as usize).map_or(String::new(), |a| a.to_string()), pct(n, best))
        }));
        // The WAF rule's count: twice the most any one source sent to that URI in a window
        // outside the burst, and never below seed 002's 5.
        let mut per_ip_window: HashMap<(u32, i64), usize> = HashMap::default();
        for r in self.reqs.iter().filter(|r| r.uri == top_uri && (r.sec < w0.sec || r.sec > w1.sec)) {
            *per_ip_window.entry((r.ip, r.sec.div_euclid(WINDOW_S))).or_default() += 1;
        }
        let normal = per_ip_window.values().copied().max().unwrap_or(0);
        let count = (2 * normal).max(5);
        let severity = if rate >= 100.0 { Severity::Error } else { Severity::Warning };
        let mut f = Finding::new("http-flood", severity, None);
        for r in window.iter().filter(|r| r.uri == top_uri).take(3) {
            f = f.evidence(r.frame, r.ts, msg!("httpflood-role-request"));
        }
        f.summary = msg!(
            "httpflood-summary",
            n = best,
            secs = format!("{wspan:.1}"),
            rate = format!("{rate:.0}"),
            uri = uri.clone(),
            uri_share = format!("{:.0}", 100.0 * uri_share),
            ua = ua.clone(),
            ua_share = format!("{:.0}", 100.0 * ua_share)
        );
        let total = self.reqs.len();
        let base = match baseline {
            Some(b) => msg!("httpflood-base", baseline = format!("{b:.1}"), total = total),
            None => msg!("httpflood-nobase", total = total),
        };
        f.explanation = msg!("httpflood-explanation", base = base, ips = ip_text);
        f.recommendations = vec![msg!("httpflood-rec-waf", uri = uri.clone(), window = WINDOW_S, count = count)];
        if ua_share >= MIN_UA_SHARE && is_tool(&ua) {
            f.recommendations.push(msg!("httpflood-rec-ua", ua = ua.clone()));
        }
        f.recommendations.push(msg!("httpflood-rec-origin"));
        f.display_filter = format!("http.request.uri contains {}", super::filter_string(&uri));
        let f = f
            .fact("requests", self.reqs.len() as u64 + self.dropped)
            .fact("window_requests", best)
            .fact("window_seconds", (wspan * 10.0).round() / 10.0)
            .fact("per_second", (rate * 10.0).round() / 10.0)
            .fact("baseline_per_second", baseline.map(|b| (b * 10.0).round() / 10.0))
            .fact("top_uri", uri)
            .fact("top_uri_share", (uri_share * 1000.0).round() / 1000.0)
            .fact("top_user_agent", ua)
            .fact("top_user_agent_share", (ua_share * 1000.0).round() / 1000.0)
            .fact(
                "top_sources",
                ips.iter()
                    .take(5)
                    .map(|&(i, n)| {
                        serde_json::json!({"source": self.ips.get(i as usize).map(|a| a.to_string()), "requests": n})
                    })
                    .collect::<Vec<_>>(),
            )
            .fact("waf_rule", serde_json::json!({"window_s": WINDOW_S, "count": count, "action": "block 30 min"}));
        vec![f.seal()]
    }
}
