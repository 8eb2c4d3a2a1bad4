//! Command-line interface: raw flags (clap) are checked once into a plan, then run.
//!
//! Exit statuses: 0 analysis ran; 1 `--fail-on` threshold reached; 2 usage or input error.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::capture::{CaptureReader, OpenError};
use crate::engine::{self, Analysis, Observer, TcpInfo};
use crate::report::flows::{FlowsReport, capture_lines};

#[derive(Debug, Parser)]
#[command(name = "pcapdoc", version, about = "Diagnose cloud network failures from packet captures")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose one or more captures and print the findings.
    Analyze {
        /// Capture files (pcap, pcapng, optionally gzip-compressed); `-` reads standard input.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One row per TCP stream, numbered as Wireshark's tcp.stream.
    Flows {
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Every TCP frame with its tcp.stream and tcp.analysis flags, tab-separated, in the same
    /// layout as scripts/tshark-golden writes (for checking pcapdoc against Wireshark).
    Frames { file: PathBuf },
    /// Application events (TLS records, HTTP heads, DNS messages) by frame, for debugging.
    #[command(hide = true)]
    Events { file: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// A fatal error: the message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot write the output: {0}")]
    Output(io::Error),
}

impl AppError {
    pub fn exit_code(&self) -> u8 {
        2
    }
    /// Writing to a closed pipe (`pcapdoc ... | head`) is not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, AppError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

fn open(path: &Path) -> Result<CaptureReader, AppError> {
    Ok(CaptureReader::open(path)?)
}

fn terminal_width() -> Option<u16> {
    if !io::stdout().is_terminal() {
        return None;
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).or(Some(120))
}

/// Runs a parsed command line; returns the process exit status.
pub fn run(cli: Cli) -> Result<u8, AppError> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Flows { file, format } => {
            let analysis = engine::run(open(&file)?, &mut engine::NoObserver);
            warn_read_issues(&analysis);
            let report = FlowsReport::new(&analysis);
            let text = match format {
                Format::Json => report.to_json() + "\n",
                Format::Table => report.to_table(terminal_width()),
            };
            out.write_all(text.as_bytes()).map_err(AppError::Output)?;
        }
        Command::Analyze { files, format } => {
            for file in files {
                let analysis = engine::run(open(&file)?, &mut engine::NoObserver);
                warn_read_issues(&analysis);
                let report = FlowsReport::new(&analysis);
                let text = match format {
                    Format::Json => {
                        serde_json::to_string_pretty(&serde_json::json!({
                            "capture": report.capture,
                            "findings": [],
                        }))
                        .unwrap_or_default()
                            + "\n"
                    }
                    Format::Table => capture_lines(&report.capture),
                };
                out.write_all(text.as_bytes()).map_err(AppError::Output)?;
            }
        }
        Command::Events { file } => {
            let mut dump = EventDump { out: &mut out, err: None };
            engine::run(open(&file)?, &mut dump);
            if let Some(e) = dump.err {
                return Err(AppError::Output(e));
            }
        }
        Command::Frames { file } => {
            let mut dump = FrameDump { out: &mut out, err: None };
            let analysis = engine::run(open(&file)?, &mut dump);
            if let Some(e) = dump.err {
                return Err(AppError::Output(e));
            }
            warn_read_issues(&analysis);
        }
    }
    out.flush().map_err(AppError::Output)?;
    Ok(0)
}

/// Damage to the file goes to stderr as warnings; the results still go to stdout.
fn warn_read_issues(a: &Analysis) {
    for issue in &a.capture.issues {
        eprintln!("pcapdoc: warning: {:?}: {issue}", a.capture.file);
    }
}

struct FrameDump<'w, W: Write> {
    out: &'w mut W,
    err: Option<io::Error>,
}

impl<W: Write> FrameDump<'_, W> {
    fn line(&mut self, frame: u64, stream: Option<u32>, flags: &str) {
        if self.err.is_some() {
            return;
        }
        let stream = stream.map(|s| s.to_string()).unwrap_or_default();
        if let Err(e) = writeln!(self.out, "{frame}\t{stream}\t{flags}") {
            self.err = Some(e);
        }
    }
}

impl<W: Write> Observer for FrameDump<'_, W> {
    fn on_tcp(
        &mut self,
        f: &crate::decode::Frame<'_>,
        _t: &crate::decode::Tcp<'_>,
        i: &TcpInfo,
        _c: &crate::flow::Conversation,
    ) {
        let names: Vec<&str> = i.analysis.map(|a| a.field_names().collect()).unwrap_or_default();
        self.line(f.frame, Some(i.placement.stream), &names.join(","));
    }
    fn on_quoted_tcp(&mut self, f: &crate::decode::Frame<'_>) {
        self.line(f.frame, None, "");
    }
}

struct EventDump<'w, W: Write> {
    out: &'w mut W,
    err: Option<io::Error>,
}

impl<W: Write> Observer for EventDump<'_, W> {
    fn on_app(
        &mut self,
        f: &crate::decode::Frame<'_>,
        ctx: &engine::AppCtx,
        ev: &crate::app::AppEvent,
        _c: Option<&crate::flow::Conversation>,
    ) {
        if self.err.is_none() {
            let stream = ctx.stream.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
            let line = format!("{}\t{}\t{} -> {}\t{:?}", f.frame, stream, ctx.src, ctx.dst, ev);
            if let Err(e) = writeln!(self.out, "{}", crate::report::escape_control(&line)) {
                self.err = Some(e);
            }
        }
    }
}
