//! The whole `analyze` pipeline on a byte string: reader, decode, flows, TCP, application
//! parsers, every detector, and the JSON, Markdown and HTML reports.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pcapdoc::detect::{Config, run};
use pcapdoc::report::analyze::AnalyzeReport;

fuzz_target!(|data: &[u8]| {
    let Ok(r) = pcapdoc::capture::CaptureReader::from_reader(
        Box::new(std::io::Cursor::new(data.to_vec())),
        std::path::Path::new("fuzz"),
    ) else {
        return;
    };
    let cfg = Config::default();
    let (a, findings) = run(r, &cfg, &[]);
    let report = AnalyzeReport::new(&a, findings, &cfg.texts);
    std::hint::black_box(report.to_json());
    std::hint::black_box(pcapdoc::report::markdown::analyze(&report, &cfg.texts));
    std::hint::black_box(pcapdoc::report::html::analyze(&report, &cfg.texts));
});
