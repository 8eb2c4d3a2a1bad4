//! The committed synthetic captures cover each container and link variant with the same
//! packets, so all of them must read to the same frames, streams and flags.

use std::fs;

use pcapdoc::capture::CaptureReader;
use pcapdoc::engine::{self, NoObserver};

use crate::support::{self, synth};

#[test]
fn committed_synthetic_captures_are_what_the_generator_writes() {
    let dir = support::root().join("captures/synthetic");
    if std::env::var_os("PCAPDOC_REGENERATE").is_some() {
        fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in synth::all() {
            fs::write(dir.join(name), bytes).unwrap();
        }
    }
    for (name, bytes) in synth::all() {
        let committed =
            fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e} (PCAPDOC_REGENERATE=1 writes it)"));
        assert!(committed == bytes, "{name} differs from the generator's output; regenerate with PCAPDOC_REGENERATE=1");
    }
}

#[test]
fn committed_edge_case_captures_are_what_the_helper_writes() {
    let dir = support::root().join("captures/edge");
    if std::env::var_os("PCAPDOC_REGENERATE").is_some() {
        fs::create_dir_all(&dir).unwrap();
        for (name, bytes) in support::craft::edge_cases() {
            fs::write(dir.join(name), bytes).unwrap();
        }
    }
    for (name, bytes) in support::craft::edge_cases() {
        let committed =
            fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e} (PCAPDOC_REGENERATE=1 writes it)"));
        assert!(committed == bytes, "{name} differs from the helper's output; regenerate with PCAPDOC_REGENERATE=1");
    }
}

#[test]
fn edge_cases_read_as_they_should() {
    let dir = support::root().join("captures/edge");
    let run = |name: &str| engine::run(CaptureReader::open(&dir.join(name)).unwrap(), &mut NoObserver);
    let wrap = run("seq-wraparound.pcap");
    let s = &wrap.conversations[0].summary;
    assert_eq!(s.conn_state(), "SF");
    assert_eq!(
        s.counters.retransmissions + s.counters.lost_segments + s.counters.out_of_order,
        0,
        "wraparound is seamless"
    );
    let ka = run("keepalive-probes.pcap");
    assert_eq!(ka.conversations[0].summary.counters.keep_alives, 3);
    let reuse = run("port-reuse-new-isn.pcap");
    assert_eq!(reuse.conversations.len(), 2, "a new ISN on the same 4-tuple is a new stream");
    let cut = run("cut-mid-record.pcap");
    assert_eq!(cut.capture.packets, 3);
    assert!(matches!(cut.capture.issues.as_slice(), [pcapdoc::capture::ReadIssue::TruncatedRecord { .. }]));
}

#[test]
fn every_variant_reads_to_the_same_streams_and_counters() {
    let dir = support::root().join("captures/synthetic");
    let mut reference: Option<(u64, Vec<String>)> = None;
    for (name, _) in synth::all() {
        let reader = CaptureReader::open(&dir.join(name)).unwrap();
        let a = engine::run(reader, &mut NoObserver);
        assert!(a.capture.issues.is_empty(), "{name}: {:?}", a.capture.issues);
        assert_eq!(a.conversations.len(), 1, "{name}");
        let c = &a.conversations[0].summary;
        let view = vec![
            format!("{:?}", c.counters),
            c.conn_state().to_string(),
            c.history(),
            c.client().port().to_string(),
            format!("{:?}", c.rtt_ns),
        ];
        match &reference {
            None => reference = Some((a.capture.packets, view)),
            Some((n, v)) => {
                assert_eq!(*n, a.capture.packets, "{name}: packet count");
                assert_eq!(v, &view, "{name} reads differently from pcap-usec-le.pcap");
            }
        }
    }
    let (_, view) = reference.unwrap();
    assert_eq!(view[1], "SF");
    assert!(
        view[0].contains("retransmissions: 1") && view[0].contains("dup_acks: 2") && view[0].contains("keep_alives: 1"),
        "{}",
        view[0]
    );
}

#[test]
fn pcapng_interfaces_keep_their_own_link_type_and_resolution() {
    let path = support::root().join("captures/synthetic/pcapng-two-interfaces.pcapng");
    let mut r = CaptureReader::open(&path).unwrap();
    let mut seen = Vec::new();
    while let Some(rec) = r.next_record() {
        seen.push((rec.interface, rec.link.name(), rec.ts.0 % 1_000_000_000));
    }
    // The SYN/ACK is on the raw-IP, nanosecond interface, 20 ms after the SYN.
    assert_eq!(seen[0].0, 0);
    assert_eq!(seen[0].1, "ether");
    assert_eq!(seen[1], (1, "raw".to_string(), 20_000_000));
    let info = r.into_info();
    assert_eq!(info.interfaces, 2);
}

/// Issue 16: a capture that opens with eight ICMP errors quoting connections it never saw.
/// tshark 4.0 gives each quoted connection a tcp.stream (when the quote holds the first 16
/// bytes of its TCP header), so the HTTP exchange after them is stream 8 and a later SYN on a
/// quoted 4-tuple joins that tuple's stream; a shorter quote gets none. The goldens are
/// tshark's (`scripts/tshark-golden`); every frame must agree.
#[test]
fn icmp_errors_quoting_unknown_connections_number_streams_as_tshark_does() {
    for (name, want_http) in [("icmp-backscatter-first.pcap", 8), ("icmp-backscatter-short-quote.pcap", 0)] {
        let path = support::root().join("captures/synthetic").join(name);
        let golden =
            fs::read_to_string(support::golden_dir().join(format!("captures__synthetic__{name}.tsv"))).unwrap();
        let want: Vec<String> = golden
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join("\t"))
            .collect();
        let out = assert_cmd::Command::cargo_bin("pcapdoc").unwrap().arg("frames").arg(&path).output().unwrap();
        let got: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').take(2).collect::<Vec<_>>().join("\t"))
            .collect();
        assert_eq!(got, want, "{name}");
        assert!(want.iter().any(|l| l == &format!("9\t{want_http}")), "{name}: the HTTP SYN is stream {want_http}");
    }
}

/// Issue 16: the lab's SLB idle reset wrapped in each encapsulation a mirror or an edge link
/// delivers (scripts/gen-tunnels.py). tshark's goldens cover their frames and streams
/// (tshark_agreement); here every one is diagnosed as the bare capture is, and the report
/// names the tunnel and its outer endpoints.
#[test]
fn the_idle_reset_is_diagnosed_through_every_tunnel() {
    let kinds = [
        ("vxlan", "VXLAN"),
        ("geneve", "GENEVE"),
        ("gre-ip", "GRE"),
        ("gre-teb-key", "GRE"),
        ("erspan1", "ERSPAN"),
        ("erspan2", "ERSPAN"),
        ("erspan3", "ERSPAN"),
        ("ipip", "IP-in-IP"),
        ("pppoe", ""),
        ("mpls", ""),
    ];
    for (name, tunnel) in kinds {
        let path = support::root().join(format!("captures/synthetic/tunnel-{name}.pcap"));
        let (a, findings) =
            pcapdoc::detect::run(CaptureReader::open(&path).unwrap(), &pcapdoc::detect::Config::default(), &[]);
        let idle: Vec<_> = findings.iter().filter(|f| f.detector == "idle-timeout").collect();
        assert_eq!(idle.len(), 1, "{name}: {findings:?}");
        assert_eq!((idle[0].stream, idle[0].frames.clone()), (Some(0), vec![10, 11, 12]), "{name}");
        assert!(a.anomalies.is_empty(), "{name}: {:?}", a.anomalies);
        let report = pcapdoc::report::analyze::AnalyzeReport::new(&a, findings);
        let table = pcapdoc::report::Render::table(&report, &pcapdoc::report::view::Cx::new(Default::default()));
        if tunnel.is_empty() {
            assert!(!table.contains("tunnel:"), "{name}: PPPoE and MPLS are links, not tunnels");
        } else {
            assert!(
                table.contains(&format!("tunnel: {tunnel} 192.0.2.200 → 192.0.2.201, 12 frames")),
                "{name}: {table}"
            );
        }
    }
}
