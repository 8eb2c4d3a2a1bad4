//! `crypto-mining`: the host mines cryptocurrency for someone: it speaks the stratum protocol
//! to a mining pool. Seeds 001 and 004 end with the instance blocked ("the server is
//! infected": CPU pegged by a miner, connections to strange hosts); the miner's pool
//! connection is what a capture on the server shows.
//!
//! Mechanism: stratum is JSON-RPC, one object per line, over plain TCP on any port (pools
//! favour 3333, 4444, 5555, 7777, 14444, 45700). A TCP payload that starts with `{` and
//! carries a stratum method is one: `mining.subscribe`, `mining.authorize`, `mining.submit`
//! and the pool's `mining.notify` / `mining.set_difficulty` (Bitcoin-style pools), or XMRig's
//! `login` (with a `login` wallet parameter), `submit` (with a `job_id` and a `nonce`) and
//! the pool's `job` (with a `blob`). The generic names count only with those parameters.
//! Findings are per (miner, pool endpoint), with the wallet or worker name and the miner's
//! agent when the login shows them. Over TLS only the ClientHello's server name is visible:
//! a name of a known pool service is a warning at low confidence.
//!
//! Bounded: JSON is parsed for at most [`PARSED_PER_STREAM`] segments a stream, on at most
//! [`MAX_STREAMS`] streams; [`MAX_POOLS`] (miner, pool) pairs are kept.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use super::{Config, Detector, Finding, Severity, ep};
use crate::HashMap;
use crate::app::AppEvent;
use crate::app::tls::TlsEvent;
use crate::capture::Timestamp;
use crate::decode::{Frame, Tcp};
use crate::engine::{Analysis, AppCtx, Hooks, Observer, TcpInfo};
use crate::flow::{Conversation, FlowRef};
use crate::msg;

/// The messages of this detector's findings: `locales/<lang>/crypto-mining.ftl`.
pub const MESSAGES: &[&str] = &[
    "mining-summary",
    "mining-summary-tls",
    "mining-explanation",
    "mining-explanation-tls",
    "mining-who",
    "mining-rec-isolate",
    "mining-rec-snapshot",
    "mining-rec-find",
    "mining-rec-sg",
    "mining-rec-keys",
    "mining-role-login",
    "mining-role-job",
    "mining-role-hello",
    "confirm-crypto-mining",
];
pub const ABOUT: &str =
    "the host speaks stratum to a mining pool (or TLS to a pool's name): an infected, mining server";

/// Segments a stream whose JSON is read; later ones are counted by a cheap look.
pub const PARSED_PER_STREAM: u32 = 32;
pub const MAX_STREAMS: usize = 100_000;
pub const MAX_POOLS: usize = 1_000;
/// Bytes of a segment read as JSON lines.
const MAX_JSON: usize = 4_096;

/// Names of mining-pool services, as they appear in server names (`xmr.2miners.com`,
/// `pool.supportxmr.com`); a TLS connection to one of them is a warning at low confidence.
pub const POOL_NAMES: &[&str] = &[
    "2miners",
    "antpool",
    "c3pool",
    "ethermine",
    "f2pool",
    "flexpool",
    "hashvault",
    "herominers",
    "minexmr",
    "miningpoolhub",
    "moneroocean",
    "nanopool",
    "nicehash",
    "poolin",
    "supportxmr",
    "unmineable",
    "viabtc",
    "xmrpool",
    "zpool",
];

/// What one stratum object says.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Said {
    /// The miner logs in or subscribes: the method, its wallet or worker, its agent.
    Login { method: &'static str, worker: Option<String>, agent: Option<String> },
    /// The miner submits a share.
    Submit,
    /// The pool hands out work.
    Job,
}

const CLIENT_METHODS: &[&str] = &["mining.subscribe", "mining.authorize", "mining.extranonce.subscribe", "login"];

/// Reads the stratum objects in a segment (one JSON object a line).
fn stratum(payload: &[u8]) -> Vec<Said> {
    let text = payload.get(..MAX_JSON).unwrap_or(payload);
    let mut out = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if !line.starts_with(b"{") {
            continue;
        }
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(line) else { continue };
        let Some(method) = v.get("method").and_then(|m| m.as_str()) else { continue };
        let params = v.get("params");
        let said = match method {
            "mining.subscribe" | "mining.authorize" | "mining.extranonce.subscribe" => {
                let first = params.and_then(|p| p.get(0)).and_then(|w| w.as_str()).map(String::from);
                let (worker, agent) = if method == "mining.authorize" { (first, None) } else { (None, first) };
                let method = CLIENT_METHODS.iter().find(|m| **m == method).copied().unwrap_or("mining.subscribe");
                Some(Said::Login { method, worker, agent })
            }
            "login" => params.and_then(|p| p.get("login")).and_then(|l| l.as_str()).map(|login| Said::Login {
                method: "login",
                worker: Some(login.to_string()),
                agent: params.and_then(|p| p.get("agent")).and_then(|a| a.as_str()).map(String::from),
            }),
            "mining.submit" => Some(Said::Submit),
            "submit" => params.filter(|p| p.get("job_id").is_some() && p.get("nonce").is_some()).map(|_| Said::Submit),
            "mining.notify" | "mining.set_difficulty" => Some(Said::Job),
            "job" => params.filter(|p| p.get("blob").is_some()).map(|_| Said::Job),
            _ => None,
        };
        out.extend(said);
    }
    out
}

#[derive(Debug, Default)]
struct Pool {
    /// (frame, time, stream) of the first login, or of the first stratum object.
    first: Option<(u64, Timestamp, u32, bool)>,
    flow: Option<FlowRef>,
    methods: BTreeSet<&'static str>,
    worker: Option<String>,
    agent: Option<String>,
    submits: u64,
    jobs: u64,
    streams: BTreeSet<u32>,
    /// A server name a TLS ClientHello gave (the TLS-only case).
    sni: Option<String>,
}

#[derive(Default)]
pub struct CryptoMining {
    /// Segments parsed per stream.
    parsed: HashMap<u32, u32>,
    /// (miner, pool endpoint).
    pools: BTreeMap<(IpAddr, SocketAddr), Pool>,
}

pub fn make(_: &Config) -> Box<dyn Detector> {
    Box::new(CryptoMining::default())
}

impl CryptoMining {
    fn pool(&mut self, miner: IpAddr, pool: SocketAddr) -> Option<&mut Pool> {
        if !self.pools.contains_key(&(miner, pool)) && self.pools.len() >= MAX_POOLS {
            return None;
        }
        Some(self.pools.entry((miner, pool)).or_default())
    }
}

impl Observer for CryptoMining {
    fn hooks(&self) -> Hooks {
        Hooks::TCP | Hooks::APP
    }

    fn on_tcp(&mut self, f: &Frame<'_>, t: &Tcp<'_>, i: &TcpInfo, c: &Conversation) {
        if i.duplicate || t.payload.first() != Some(&b'{') {
            return;
        }
        let stream = i.placement.stream;
        if !self.parsed.contains_key(&stream) && self.parsed.len() >= MAX_STREAMS {
            return;
        }
        let n = self.parsed.entry(stream).or_default();
        if *n >= PARSED_PER_STREAM {
            return;
        }
        *n += 1;
        let said = stratum(t.payload);
        let Some(ip) = f.ip else { return };
        let (src, dst) = (SocketAddr::new(ip.src, t.src_port), SocketAddr::new(ip.dst, t.dst_port));
        for s in said {
            // The miner sends logins and shares; the pool sends jobs.
            let (miner, pool) = if matches!(s, Said::Job) { (dst.ip(), src) } else { (src.ip(), dst) };
            let flow = c.flow_ref();
            let Some(p) = self.pool(miner, pool) else { return };
            p.streams.insert(stream);
            let login = matches!(s, Said::Login { .. });
            if p.first.is_none_or(|x| !x.3 && login) {
                p.first = Some((f.frame, f.ts, stream, login));
                p.flow = Some(flow);
            }
            match s {
                Said::Login { method, worker, agent } => {
                    p.methods.insert(method);
                    if p.worker.is_none() {
                        p.worker = worker;
                    }
                    if p.agent.is_none() {
                        p.agent = agent;
                    }
                }
                Said::Submit => p.submits += 1,
                Said::Job => p.jobs += 1,
            }
        }
    }

    fn on_app(&mut self, f: &Frame<'_>, ctx: &AppCtx, e: &AppEvent, c: Option<&Conversation>) {
        let AppEvent::Tls(TlsEvent::ClientHello { sni: Some(name), .. }) = e else { return };
        let lower = name.to_ascii_lowercase();
        if !POOL_NAMES.iter().any(|p| lower.split(['.', '-']).any(|label| label == *p)) {
            return;
        }
        let flow = c.map(Conversation::flow_ref);
        let Some(p) = self.pool(ctx.src.ip(), ctx.dst) else { return };
        if let Some(s) = ctx.stream {
            p.streams.insert(s);
        }
        if p.first.is_none() {
            p.first = Some((f.frame, f.ts, ctx.stream.unwrap_or(0), false));
            p.flow = flow;
        }
        p.sni.get_or_insert(name.clone());
    }
}

impl Detector for CryptoMining {
    fn finish(&mut self, _: &Analysis, _: &Config) -> Vec<Finding> {
        // One problem, one finding: a miner's pools together (a miner keeps a spare pool).
        let mut miners: BTreeMap<IpAddr, Vec<(SocketAddr, &Pool)>> = BTreeMap::new();
        for (&(miner, pool), p) in &self.pools {
            let stratum = !p.methods.is_empty() || p.submits > 0 || p.jobs > 0;
            if p.first.is_some() && (stratum || p.sni.is_some()) {
                miners.entry(miner).or_default().push((pool, p));
            }
        }
        let mut out = Vec::new();
        for (miner, mut pools) in miners {
            // Plain stratum with a login first: what proves the miner.
            pools.sort_by_key(|(_, p)| (p.methods.is_empty() && p.submits == 0, p.jobs == 0, p.first.map(|x| x.0)));
            let Some(&(pool, p)) = pools.first() else { continue };
            let Some((frame, ts, stream, _)) = p.first else { continue };
            let plain = !p.methods.is_empty() || p.submits > 0 || p.jobs > 0;
            let (severity, key_summary, key_explanation) = if plain {
                (Severity::Error, "mining-summary", "mining-explanation")
            } else {
                (Severity::Warning, "mining-summary-tls", "mining-explanation-tls")
            };
            let role = match (plain, p.methods.is_empty()) {
                (false, _) => "mining-role-hello",
                (true, true) => "mining-role-job",
                (true, false) => "mining-role-login",
            };
            let mut f = Finding::new("crypto-mining", severity, Some(stream));
            f.flow = p.flow;
            if !plain {
                f.confidence = super::Confidence::Low;
            }
            f = f.evidence(frame, ts, msg!(role, stream = stream));
            for &(_, other) in pools.iter().skip(1).take(4) {
                if let Some((fr, t, st, _)) = other.first {
                    f = f.evidence(fr, t, msg!(role, stream = st));
                }
            }
            let names = crate::i18n::Arg::list(pools.iter().map(|(e, _)| ep(*e)));
            let submits: u64 = pools.iter().map(|(_, p)| p.submits).sum();
            let jobs: u64 = pools.iter().map(|(_, p)| p.jobs).sum();
            let streams: BTreeSet<u32> = pools.iter().flat_map(|(_, p)| p.streams.iter().copied()).collect();
            let methods: BTreeSet<&str> = pools.iter().flat_map(|(_, p)| p.methods.iter().copied()).collect();
            let worker = pools.iter().find_map(|(_, p)| p.worker.clone());
            let agent = pools.iter().find_map(|(_, p)| p.agent.clone());
            let sni = pools.iter().find_map(|(_, p)| p.sni.clone());
            let who = msg!(
                "mining-who",
                worker = worker.clone().unwrap_or_else(|| "-".into()),
                agent = agent.clone().unwrap_or_else(|| "-".into())
            );
            f.summary = msg!(
                key_summary,
                miner = miner,
                pool = names.clone(),
                npools = pools.len(),
                sni = sni.clone().unwrap_or_default(),
                submits = submits,
                who = who
            );
            f.explanation = msg!(
                key_explanation,
                miner = miner,
                pool = names,
                jobs = jobs,
                submits = submits,
                connections = streams.len(),
                methods = crate::i18n::Arg::list(methods.iter().map(|m| (*m).to_string()))
            );
            f.recommendations = vec![
                msg!("mining-rec-isolate", miner = miner),
                msg!("mining-rec-snapshot"),
                msg!("mining-rec-find", port = pool.port(), pool = ep(pool)),
                msg!("mining-rec-sg", pool = crate::i18n::Arg::list(pools.iter().map(|(e, _)| e.ip().to_string()))),
                msg!("mining-rec-keys"),
            ];
            let ends: Vec<String> =
                pools.iter().map(|(e, _)| format!("(ip.addr == {} && tcp.port == {})", e.ip(), e.port())).collect();
            f.display_filter = format!("ip.addr == {miner} && ({})", ends.join(" || "));
            f.covers = streams.iter().copied().collect();
            let f = f
                .fact("miner", miner.to_string())
                .fact("pools", pools.iter().map(|(e, _)| ep(*e)).collect::<Vec<_>>())
                .fact("protocol", if plain { "stratum" } else { "tls" })
                .fact("methods", methods.iter().map(|m| (*m).to_string()).collect::<Vec<_>>())
                .fact("worker", worker)
                .fact("agent", agent)
                .fact("server_name", sni)
                .fact("shares_submitted", submits)
                .fact("jobs_received", jobs)
                .fact("connections", streams.len());
            out.push(f.seal());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratum_objects_are_read_and_look_alikes_are_not() {
        let sub = br#"{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}
{"id":2,"method":"mining.authorize","params":["bc1qwallet.worker1","x"]}
"#;
        assert_eq!(
            stratum(sub),
            vec![
                Said::Login { method: "mining.subscribe", worker: None, agent: Some("cpuminer/2.5.1".into()) },
                Said::Login { method: "mining.authorize", worker: Some("bc1qwallet.worker1".into()), agent: None },
            ]
        );
        let xmrig = br#"{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"44AFFq5kSiGBoZ","pass":"x","agent":"XMRig/6.21.0"}}"#;
        assert_eq!(
            stratum(xmrig),
            vec![Said::Login {
                method: "login",
                worker: Some("44AFFq5kSiGBoZ".into()),
                agent: Some("XMRig/6.21.0".into())
            }]
        );
        assert_eq!(
            stratum(br#"{"jsonrpc":"2.0","method":"job","params":{"blob":"0707","job_id":"1"}}"#),
            vec![Said::Job]
        );
        // An ordinary JSON-RPC API with the same generic method names is no stratum.
        assert!(stratum(br#"{"jsonrpc":"2.0","method":"login","params":{"user":"alice","password":"x"}}"#).is_empty());
        assert!(stratum(br#"{"jsonrpc":"2.0","method":"submit","params":{"form":"contact"}}"#).is_empty());
        assert!(stratum(br#"{"method":"job","params":{"id":7}}"#).is_empty());
        assert!(stratum(b"{not json at all").is_empty());
    }
}
