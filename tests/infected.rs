//! Issue 22: an infected server seen from its traffic. Crafted edge cases beside the lab's
//! captures/crypto-mining-*.pcap (checked in detectors.rs against its expectations).

use pcapdoc::detect::{Confidence, Finding, Severity};

use crate::detectors::findings;
use crate::support::craft::{C, Craft, S, handshake};

fn run(c: &Craft) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    findings(&c.write(dir.path(), "case.pcap"))
}

fn mining(fs: &[Finding]) -> Vec<&Finding> {
    fs.iter().filter(|f| f.detector == "crypto-mining").collect()
}

/// One connection from C to S:`port` carrying `lines` from the client, each answered with
/// `reply` by the server.
fn jsonrpc(c: &mut Craft, cport: u16, port: u16, lines: &[&str], reply: &str) {
    let (mut cs, mut ss) = handshake(c, cport, port);
    for l in lines {
        let m = format!("{l}\n");
        c.wait(0.05).tcp((C, cport), (S, port), cs, ss, "AP", m.as_bytes(), 64);
        cs += m.len() as u32;
        let r = format!("{reply}\n");
        c.wait(0.01).tcp((S, port), (C, cport), ss, cs, "AP", r.as_bytes(), 64);
        ss += r.len() as u32;
    }
}

#[test]
fn a_stratum_login_and_shares_on_any_port_are_mining_at_error() {
    let mut c = Craft::new();
    jsonrpc(
        &mut c,
        40_000,
        8443,
        &[
            r#"{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"48edfHu7V9Z84YzzMa6fUueoELZ9ZRXq9VetWzYGzKt52XU5xvqgzYnDK9URnRoJMk1j8nLwEVsaSWJ4fhdUyZijBGUicoD","pass":"x","agent":"XMRig/6.20.0"}}"#,
            r#"{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"w","job_id":"5","nonce":"2a000001","result":"00"}}"#,
        ],
        r#"{"id":1,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}"#,
    );
    let fs = run(&c);
    let m = mining(&fs);
    assert_eq!(m.len(), 1, "{fs:#?}");
    assert_eq!(m[0].severity, Severity::Error);
    assert_eq!(m[0].facts["pools"][0], "198.51.100.20:8443");
    assert_eq!(m[0].facts["agent"], "XMRig/6.20.0");
    assert_eq!(m[0].facts["shares_submitted"], 1);
    assert!(m[0].summary.to_string().contains("192.0.2.10 is mining cryptocurrency"), "{}", m[0].summary);
}

#[test]
fn an_ordinary_json_rpc_api_with_login_and_submit_methods_is_not_mining() {
    let mut c = Craft::new();
    jsonrpc(
        &mut c,
        40_001,
        8080,
        &[
            r#"{"jsonrpc":"2.0","id":1,"method":"login","params":{"user":"alice","password":"s3cret"}}"#,
            r#"{"jsonrpc":"2.0","id":2,"method":"submit","params":{"form":"contact","text":"hello"}}"#,
            r#"{"jsonrpc":"2.0","id":3,"method":"job","params":{"id":7,"state":"done"}}"#,
        ],
        r#"{"jsonrpc":"2.0","id":1,"result":true}"#,
    );
    let fs = run(&c);
    assert!(mining(&fs).is_empty(), "{fs:#?}");
}

/// A TLS ClientHello naming `sni`.
fn client_hello(sni: &str) -> Vec<u8> {
    let name = sni.as_bytes();
    let mut sni_ext = Vec::new();
    sni_ext.extend(((name.len() + 3) as u16).to_be_bytes());
    sni_ext.push(0);
    sni_ext.extend((name.len() as u16).to_be_bytes());
    sni_ext.extend(name);
    let mut ext = vec![0, 0];
    ext.extend((sni_ext.len() as u16).to_be_bytes());
    ext.extend(sni_ext);
    let mut body = vec![3, 3];
    body.extend([7u8; 32]);
    body.push(0); // session id
    body.extend([0, 2, 0x13, 0x01]); // one cipher suite
    body.extend([1, 0]); // null compression
    body.extend((ext.len() as u16).to_be_bytes());
    body.extend(ext);
    let mut hs = vec![1];
    hs.extend(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend(body);
    let mut rec = vec![22, 3, 1];
    rec.extend((hs.len() as u16).to_be_bytes());
    rec.extend(hs);
    rec
}

#[test]
fn tls_to_a_mining_pools_name_is_a_warning_at_low_confidence_and_look_alike_names_are_not() {
    let mut c = Craft::new();
    for (i, sni) in
        ["xmr-eu1.nanopool.org", "poolside.example", "pool.ntp.example", "supportxmrx.example"].iter().enumerate()
    {
        let port = 40_100 + i as u16;
        let (cs, ss) = handshake(&mut c, port, 443);
        let hello = client_hello(sni);
        c.wait(0.01).tcp((C, port), (S, 443), cs, ss, "AP", &hello, 64);
        c.wait(0.01).tcp((S, 443), (C, port), ss, cs + hello.len() as u32, "A", &[], 64);
    }
    let fs = run(&c);
    let m = mining(&fs);
    assert_eq!(m.len(), 1, "{fs:#?}");
    assert_eq!(m[0].severity, Severity::Warning);
    assert_eq!(m[0].confidence, Confidence::Low);
    assert_eq!(m[0].facts["server_name"], "xmr-eu1.nanopool.org");
    assert_eq!(m[0].facts["connections"], 1, "only the pool's name counts");
}
