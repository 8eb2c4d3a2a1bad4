//! Command-line interface: raw flags (clap) are checked once into a plan, then run.
//!
//! Exit statuses: 0 analysis ran; 1 `--fail-on` threshold reached; 2 usage or input error.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::capture::{CaptureReader, OpenError, Sources};
use crate::detect::{self, Config, Severity};
use crate::engine::{self, Analysis, Observer, TcpInfo};
use crate::i18n::Lang;
use crate::input::Input;
pub use crate::report::Format;
use crate::report::analyze::AnalyzeReport;
use crate::report::flows::FlowsReport;
use crate::report::view::Cx;

#[derive(Debug, Parser)]
#[command(name = "pcapdoc", version, about = "Diagnose cloud network failures from packet captures")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Diagnose a capture and print the findings.
    ///
    /// Several files, or a directory, are read as one capture: a ring buffer
    /// (`tcpdump -C 100 -W 20 -w ring.pcap`, `-G 3600`, Wireshark's ring), or a capture split
    /// in pieces. They are merged in time order as `mergecap` merges them, so frame and
    /// stream numbers are those of the merged file, and each finding's frames also name their
    /// file and frame there. `--each` analyses the files one by one instead.
    ///
    /// Example: `tcpdump -i eth0 -C 100 -W 20 -w /var/tmp/ring.pcap`, then
    /// `pcapdoc analyze /var/tmp/`.
    Analyze {
        /// Capture files (pcap, pcapng, optionally gzip-compressed) or directories of them;
        /// `-` reads standard input. Standard input, FIFOs and process substitution are copied
        /// to a temporary file first (in $TMPDIR, removed at exit), since timelines and
        /// --evidence read a capture twice.
        #[arg(required_unless_present = "list_detectors")]
        files: Vec<PathBuf>,
        /// Analyse each file as a capture of its own, not the files as one capture.
        #[arg(long)]
        each: bool,
        #[command(flatten)]
        focus: FocusOpts,
        #[command(flatten)]
        output: OutputOpts,
        #[command(flatten)]
        opts: DetectOpts,
        /// List the detectors, one line each, and exit.
        #[arg(long)]
        list_detectors: bool,
        /// Also write the packets behind the findings, with comments naming them, as pcapng.
        #[arg(long, value_name = "FILE.pcapng")]
        evidence: Option<PathBuf>,
        /// Exit with status 1 when a finding is at least this severe (for CI use).
        #[arg(long, value_enum)]
        fail_on: Option<Severity>,
    },
    /// Line up a capture taken at the client with one taken at the server: matched flows
    /// (through NAT), the clock offset, and what was lost or made on the path.
    Compare {
        client: PathBuf,
        server: PathBuf,
        /// List every matched flow, not only those whose two views differ.
        #[arg(long)]
        all: bool,
        /// Also write the packets behind the findings of both captures, as one pcapng with
        /// an interface per capture and comments naming the side, frame and finding.
        #[arg(long, value_name = "FILE.pcapng")]
        evidence: Option<PathBuf>,
        /// Exit with status 1 when a finding (of the comparison or of either capture) is
        /// at least this severe (for CI use).
        #[arg(long, value_enum)]
        fail_on: Option<Severity>,
        #[command(flatten)]
        output: OutputOpts,
        #[command(flatten)]
        opts: DetectOpts,
    },
    /// One row per TCP stream, numbered as Wireshark's tcp.stream.
    Flows {
        /// A capture file, or several files or a directory read as one (as `analyze` reads them).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        output: OutputOpts,
        /// Language of the report's words.
        #[arg(long, value_parser = Lang::parse, default_value = "en")]
        lang: Lang,
    },
    /// Every TCP frame with its tcp.stream and tcp.analysis flags, tab-separated, in the same
    /// layout as scripts/tshark-golden writes (for checking pcapdoc against Wireshark).
    Frames {
        /// A capture file, or several files or a directory read as one.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Application events (TLS records, HTTP heads, DNS messages) by frame, for debugging.
    #[command(hide = true)]
    Events { file: PathBuf },
    /// Print the man page or a shell's completion script, made from this command line's
    /// definition (`pcapdoc generate man > pcapdoc.1`, `pcapdoc generate bash`).
    Generate {
        #[arg(value_enum)]
        what: Generated,
    },
}

/// What `pcapdoc generate` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Generated {
    Man,
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

/// The man page or completion script for `what`.
pub fn generated(what: Generated) -> Result<Vec<u8>, AppError> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    let shell = match what {
        Generated::Man => {
            // The main page, then each subcommand's synopsis and options under its own heading.
            let subs: Vec<clap::Command> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).cloned().collect();
            clap_mangen::Man::new(cmd).render(&mut out).map_err(AppError::Output)?;
            for sub in subs {
                let name = format!("pcapdoc {}", sub.get_name());
                out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
                let man = clap_mangen::Man::new(sub.clone().bin_name(name));
                man.render_description_section(&mut out).map_err(AppError::Output)?;
                man.render_synopsis_section(&mut out).map_err(AppError::Output)?;
                man.render_options_section(&mut out).map_err(AppError::Output)?;
            }
            return Ok(out);
        }
        Generated::Bash => clap_complete::Shell::Bash,
        Generated::Zsh => clap_complete::Shell::Zsh,
        Generated::Fish => clap_complete::Shell::Fish,
        Generated::Powershell => clap_complete::Shell::PowerShell,
        Generated::Elvish => clap_complete::Shell::Elvish,
    };
    clap_complete::generate(shell, &mut cmd, "pcapdoc", &mut out);
    Ok(out)
}

/// The moment and the part of the capture to look at (`analyze`).
#[derive(Debug, Clone, clap::Args)]
pub struct FocusOpts {
    /// The moment an application logged a failure: "2026-07-29 12:44:11" (UTC, the capture's
    /// time) or with its offset ("2026-07-29 20:44:11+08:00"). The report says what the
    /// capture holds then (connections and how they ended, DNS answers), the findings nearest
    /// to it, and plainly when it holds no traffic then.
    #[arg(long, value_name = "TIME", value_parser = crate::focus::parse_time)]
    pub at: Option<crate::capture::Timestamp>,
    /// How far before and after --at to look.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = crate::focus::parse_window)]
    pub window: i64,
    /// Only findings and streams from this time on (same forms as --at).
    #[arg(long, value_name = "TIME", value_parser = crate::focus::parse_time)]
    pub from: Option<crate::capture::Timestamp>,
    /// Only findings and streams up to this time.
    #[arg(long, value_name = "TIME", value_parser = crate::focus::parse_time)]
    pub to: Option<crate::capture::Timestamp>,
    /// Only findings and streams involving this address (repeatable); with --at, the
    /// moment's traffic is this host's.
    #[arg(long, value_name = "ADDRESS")]
    pub host: Vec<std::net::IpAddr>,
    /// Only findings and streams on this port (repeatable).
    #[arg(long, value_name = "PORT")]
    pub port: Vec<u16>,
}

impl FocusOpts {
    fn focus(&self) -> crate::focus::Focus {
        crate::focus::Focus {
            at: self.at,
            window_ns: self.window,
            from: self.from,
            to: self.to,
            hosts: self.host.clone(),
            ports: self.port.clone(),
        }
    }
}

/// Detector settings shared by `analyze` and `compare`.
#[derive(Debug, Clone, clap::Args)]
pub struct DetectOpts {
    /// Run only these detectors (comma-separated ids; see --list-detectors).
    #[arg(long, value_delimiter = ',')]
    pub detectors: Vec<String>,
    /// Add or override an idle timeout: NAME=DURATION, e.g. my-lb=30s (repeatable).
    #[arg(long = "timeout", value_name = "NAME=DURATION")]
    pub timeouts: Vec<String>,
    /// A TOML file of idle timeouts shaped like data/timeouts.toml, merged over the built-in ones.
    #[arg(long = "timeouts", value_name = "FILE")]
    pub timeouts_file: Option<PathBuf>,
    /// Another port where TLS is expected (repeatable).
    #[arg(long = "tls-port", value_name = "PORT")]
    pub tls_ports: Vec<u16>,
    /// NAME=SUFFIX: CNAMEs for NAME (or its subdomains) must end in SUFFIX (repeatable).
    #[arg(long = "expect-cname", value_name = "NAME=SUFFIX")]
    pub expect_cname: Vec<String>,
    /// Language of the report: any folder under locales/ (en, zh).
    #[arg(long, value_parser = Lang::parse, default_value = "en")]
    pub lang: Lang,
    /// Out-of-order bytes held per stream direction for reassembly (docs/LIMITS.md).
    #[arg(long, value_name = "BYTES", default_value_t = crate::tcp::reassembly::DEFAULT_CAP)]
    pub reassembly_cap: usize,
    /// Live TCP streams held before the stalest are evicted to bound memory (docs/LIMITS.md).
    #[arg(long, value_name = "N", default_value_t = crate::flow::DEFAULT_MAX_LIVE)]
    pub max_streams: usize,
    /// The link's bandwidth in Mbit/s, if known: a second at 90% of it is saturated.
    #[arg(long, value_name = "MBPS", value_parser = parse_mbps)]
    pub link_mbps: Option<f64>,
    /// A host whose periodic connections are expected, never a beacon (a monitoring agent's
    /// server): an address, or a DNS name the capture resolves (repeatable).
    #[arg(long, value_name = "HOST")]
    pub allow: Vec<String>,
    /// Threads to analyse on: 1 runs on one; more decode and number on one, analyse streams
    /// on the rest, and merge in capture order (the report is the same). Default: one per
    /// core, at most 4.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

/// One thread per core the system gives this process, up to [`MAX_DEFAULT_THREADS`].
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get).min(MAX_DEFAULT_THREADS)
}

/// The default stops here: the merger runs every detector, so beyond three workers the
/// workers wait for it (docs/PERFORMANCE.md, "Every core"). `--threads` can ask for more.
const MAX_DEFAULT_THREADS: usize = 4;

fn parse_mbps(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{s:?} is not a positive number of Mbit/s")),
    }
}

impl DetectOpts {
    /// Checks the raw flags once and builds the detectors' configuration.
    pub fn config(&self) -> Result<Config, AppError> {
        let mut c = Config {
            tls_ports: self.tls_ports.clone(),
            engine: engine::Options {
                reassembly_cap: self.reassembly_cap,
                max_streams: self.max_streams,
                last_frame: None,
                threads: self.threads.map_or_else(default_threads, usize::from),
            },
            link_mbps: self.link_mbps,
            allow: self.allow.clone(),
            ..Config::default()
        };
        if let Some(path) = &self.timeouts_file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| AppError::Usage(format!("cannot read --timeouts {path:?}: {e}")))?;
            c.timeouts.merge_file(&text).map_err(|e| AppError::Usage(format!("--timeouts {path:?}: {e}")))?;
        }
        for t in &self.timeouts {
            c.timeouts.merge_arg(t).map_err(AppError::Usage)?;
        }
        for e in &self.expect_cname {
            let (name, suffix) = e
                .split_once('=')
                .ok_or_else(|| AppError::Usage(format!("--expect-cname {e:?}: expected NAME=SUFFIX")))?;
            c.expect_cname.push((name.to_string(), suffix.to_string()));
        }
        let known = crate::detect::all_ids();
        for d in &self.detectors {
            if !known.contains(&d.as_str()) {
                return Err(AppError::Usage(format!(
                    "unknown detector {d:?}; known: {} (pcapdoc analyze --list-detectors)",
                    known.join(", ")
                )));
            }
        }
        Ok(c)
    }
}

/// Where a report goes and in which format: `--format` wins, else the `-o` extension, else
/// the terminal table.
#[derive(Debug, Clone, clap::Args)]
pub struct OutputOpts {
    /// Output format [default: from the -o extension, else table]
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
    /// Replace IP addresses with consistent, prefix-preserving pseudonyms in the report, in
    /// the messages on standard error and in the evidence capture: headers, DNS answers, and
    /// addresses written as text in payloads and names (10.20.30.40, ip-10-20-30-40, hex);
    /// text whose pseudonym has another length is masked with x (lengths stay as they were).
    #[arg(long)]
    pub anonymize: bool,
    /// The anonymization key (any text); the same key gives the same pseudonyms. Without it a
    /// random key is used and printed once on standard error.
    #[arg(long, value_name = "KEY", requires = "anonymize")]
    pub anonymize_key: Option<String>,
}

impl OutputOpts {
    fn anonymizer(&self) -> Option<crate::anonymize::Anonymizer> {
        if !self.anonymize {
            return None;
        }
        let (a, printed) = crate::anonymize::Anonymizer::from_key_arg(self.anonymize_key.as_deref());
        a.also_for_diagnostics();
        if let Some(key) = printed {
            crate::diag!(
                "pcapdoc: anonymization key {key} (pass --anonymize-key {key} to get the same pseudonyms again)"
            );
        }
        Some(a)
    }

    fn format(&self) -> Format {
        self.format.or_else(|| self.output.as_deref().and_then(Format::from_path)).unwrap_or(Format::Table)
    }

    /// Writes `text` to the output file or standard output.
    fn write(&self, text: &str) -> Result<(), AppError> {
        match &self.output {
            Some(p) => std::fs::write(p, text).map_err(|e| AppError::Usage(format!("cannot write {p:?}: {e}"))),
            None => {
                let mut out = io::stdout().lock();
                out.write_all(text.as_bytes()).and_then(|_| out.flush()).map_err(AppError::Output)
            }
        }
    }

    /// Writes `v` as pretty JSON and a newline, without making the text first.
    fn write_json<T: serde::Serialize>(&self, v: &T) -> Result<(), AppError> {
        fn emit<W: Write, T: serde::Serialize>(w: W, v: &T) -> io::Result<()> {
            let mut w = io::BufWriter::new(w);
            serde_json::to_writer_pretty(&mut w, v).map_err(io::Error::from)?;
            w.write_all(b"\n")?;
            w.flush()
        }
        match &self.output {
            Some(p) => std::fs::File::create(p)
                .and_then(|f| emit(f, v))
                .map_err(|e| AppError::Usage(format!("cannot write {p:?}: {e}"))),
            None => emit(io::stdout().lock(), v).map_err(AppError::Output),
        }
    }

    fn color(&self) -> bool {
        self.output.is_none() && io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
    }

    /// How to render: the language, and the terminal's width when the report goes to one.
    fn cx(&self, lang: Lang) -> Cx {
        let tty = self.output.is_none() && io::stdout().is_terminal();
        Cx { lang, width: if tty { terminal_width() } else { None }, color: self.color() }
    }
}

/// A fatal error: the message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot write the output: {0}")]
    Output(io::Error),
    #[error("{0}")]
    Usage(String),
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

/// Refuses a report (`-o`) or evidence path that is one of the inputs.
fn refuse_overwrite(output: &OutputOpts, evidence: Option<&Path>, inputs: &[&Input]) -> Result<(), AppError> {
    for (dest, what) in [(output.output.as_deref(), "the report"), (evidence, "the evidence capture")] {
        if let Some(dest) = dest {
            crate::input::refuse_overwrite(dest, what, inputs).map_err(AppError::Usage)?;
        }
    }
    Ok(())
}

/// Opens an input for its first pass, named as the user gave it.
fn open_input(input: &Input, quiet: bool) -> Result<CaptureReader, AppError> {
    open_with_progress(&one_capture(input), quiet)
}

fn one_capture(input: &Input) -> Sources {
    let shown = input.shown.display().to_string();
    Sources::many(vec![(input.path.clone(), shown.clone())], shown)
}

/// The files and directories named as one capture (`flows`, `frames`: read in place).
fn one_capture_of(args: &[PathBuf]) -> Result<Sources, AppError> {
    let files = crate::input::expand(args).map_err(AppError::Usage)?;
    Ok(match files.as_slice() {
        [one] => Sources::one(one),
        many => {
            let named: Vec<(PathBuf, String)> = many.iter().map(|p| (p.clone(), p.display().to_string())).collect();
            let name = format!(
                "{} files, {} … {}",
                named.len(),
                named.first().map_or("", |n| n.1.as_str()),
                named.last().map_or("", |n| n.1.as_str())
            );
            Sources::many(named, name)
        }
    })
}

/// The captures the inputs make: all of them as one, or with `each`, one per file.
fn captures_of(inputs: &[Input], each: bool) -> Vec<Sources> {
    if each || inputs.len() < 2 {
        return inputs.iter().map(one_capture).collect();
    }
    let files: Vec<(PathBuf, String)> =
        inputs.iter().map(|i| (i.path.clone(), i.shown.display().to_string())).collect();
    let name = match files.as_slice() {
        [(_, first), .., (_, last)] => format!("{} files, {first} … {last}", files.len()),
        _ => String::new(),
    };
    vec![Sources::many(files, name)]
}

/// Files above this size get a progress bar (on a terminal, without --quiet).
const PROGRESS_MIN_BYTES: u64 = 50 * 1024 * 1024;

/// Opens a capture with a progress bar on standard error when it is large and stderr is a
/// terminal.
fn open_with_progress(sources: &Sources, quiet: bool) -> Result<CaptureReader, AppError> {
    let mut r = sources.open().map_err(AppError::Open)?;
    let big = r.file_size().is_some_and(|s| s >= PROGRESS_MIN_BYTES);
    if big && !quiet && io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(r.file_size().unwrap_or(0));
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar.set_message(sources.name().to_string());
        r.set_progress(Box::new(move |done, total| {
            bar.set_position(done);
            if done >= total {
                bar.finish_and_clear();
            }
        }));
    }
    Ok(r)
}

/// The terminal's real width (`$COLUMNS` when the terminal does not say, 80 when neither).
fn terminal_width() -> Option<u16> {
    let real = terminal_size::terminal_size().map(|(w, _)| w.0);
    Some(real.or_else(|| std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok())).unwrap_or(80).max(40))
}

/// Runs a parsed command line; returns the process exit status.
pub fn run(cli: Cli) -> Result<u8, AppError> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match cli.command {
        Command::Flows { files, output, lang } => {
            let anonymizer = output.anonymizer();
            let analysis =
                engine::run(open_with_progress(&one_capture_of(&files)?, output.quiet)?, &mut engine::NoObserver);
            warn_read_issues(&analysis);
            let report = FlowsReport::new(&analysis);
            // The rows hold what the report needs: the streams' state goes before the text
            // is made (the two would double the peak at a million flows).
            drop(analysis);
            if output.format() == Format::Json && anonymizer.is_none() {
                // Straight to the output: a million rows make a string of hundreds of MB.
                return output.write_json(&report).map(|()| 0);
            }
            let text = crate::report::render(&report, output.format(), &output.cx(lang));
            let text = match anonymizer {
                Some(a) => a.text(&text),
                None => text,
            };
            output.write(&text)?;
        }
        Command::Analyze { files, each, focus, output, opts, list_detectors, fail_on, evidence } => {
            if list_detectors {
                for e in detect::REGISTRY {
                    writeln!(out, "{:<22} {}", e.id, e.about).map_err(AppError::Output)?;
                }
                for (id, owner) in detect::EXTRA_IDS {
                    writeln!(out, "{id:<22} (reported by {owner})").map_err(AppError::Output)?;
                }
                return Ok(0);
            }
            let config = opts.config()?;
            let format = output.format();
            // First: from here on, diagnostics naming files are anonymized too.
            let anonymizer = output.anonymizer();
            let files = crate::input::expand(&files).map_err(AppError::Usage)?;
            // Pipes and standard input are spooled, so the second pass can read them again.
            let inputs: Vec<Input> =
                files.iter().map(|f| Input::new(f)).collect::<Result<_, _>>().map_err(AppError::Usage)?;
            let refs: Vec<&Input> = inputs.iter().collect();
            refuse_overwrite(&output, evidence.as_deref(), &refs)?;
            let captures = captures_of(&inputs, each);
            if format == Format::Html && captures.len() > 1 {
                return Err(AppError::Usage("an HTML report covers one capture; run analyze once per file".into()));
            }
            if evidence.is_some() && captures.len() > 1 {
                return Err(AppError::Usage("--evidence takes one capture; run analyze once per file".into()));
            }
            let mut reports = Vec::new();
            for file in &captures {
                let scope = focus.focus();
                let mut watch = crate::focus::Watch::new(&scope);
                let reader = open_with_progress(file, output.quiet)?;
                let (analysis, mut findings) = if scope.is_set() {
                    detect::run_with(reader, &config, &opts.detectors, &mut watch)
                } else {
                    detect::run(reader, &config, &opts.detectors)
                };
                warn_read_issues(&analysis);
                findings.retain(|f| scope.keep(f));
                let mut report = AnalyzeReport::new(&analysis, findings);
                if scope.is_set() {
                    report.streams.retain(|s| scope.keep_stream(s.start, s.end, &s.client, &s.server));
                    let mut described = scope.describe();
                    described.moment = watch.finish(&report.findings);
                    report.capture.focus_lines = crate::focus::lines(&described, &report.findings);
                    report.focus = Some(described);
                }
                let places = crate::report::timeline::places(&report.findings, &analysis);
                // The first pass's streams go before the second pass makes its own.
                drop(analysis);
                // The second pass, once: beside the evidence writer when there is one.
                let timelines = match &evidence {
                    Some(dest) => {
                        // The evidence's payload bytes are rewritten for every address the
                        // anonymizer knows: let it see the report's (findings, streams) first.
                        if let Some(a) = &anonymizer {
                            let _ = a.text(&crate::report::Render::json(&report));
                        }
                        let mut collect = crate::report::timeline::Collect::new(&report.findings);
                        let n = crate::report::evidence::write(
                            file,
                            &report.findings,
                            dest,
                            anonymizer.as_ref(),
                            &config.engine,
                            &mut collect,
                        )
                        .map_err(AppError::Usage)?;
                        let k = report.findings.len();
                        crate::diag!(
                            "pcapdoc: wrote {n} behind {k} {} to {dest:?}",
                            if k == 1 { "finding" } else { "findings" }
                        );
                        collect.timelines(&report.findings)
                    }
                    None => crate::report::timeline::collect_from(file, &report.findings, &places, &config.engine),
                };
                report.timelines = timelines.into_values().collect();
                reports.push(report);
            }
            match (format, &anonymizer, reports.as_slice()) {
                // Straight to the output: the stream list of a million flows is hundreds of MB.
                (Format::Json, None, [one]) => output.write_json(one)?,
                (Format::Json, None, many) => output.write_json(&many)?,
                _ => {
                    let text = crate::report::render(&crate::report::Many(&reports), format, &output.cx(opts.lang));
                    let text = match &anonymizer {
                        Some(a) => a.text(&text),
                        None => text,
                    };
                    output.write(&text)?;
                }
            }
            let worst = reports.iter().filter_map(|r| r.worst()).max();
            if let (Some(threshold), Some(w)) = (fail_on, worst) {
                if w >= threshold {
                    return Ok(1);
                }
            }
        }
        Command::Compare { client, server, all, evidence, fail_on, output, opts } => {
            let config = opts.config()?;
            let anonymizer = output.anonymizer();
            let (client, server) =
                (Input::new(&client).map_err(AppError::Usage)?, Input::new(&server).map_err(AppError::Usage)?);
            refuse_overwrite(&output, evidence.as_deref(), &[&client, &server])?;
            let report = crate::compare::compare_with(
                open_input(&client, output.quiet)?,
                open_input(&server, output.quiet)?,
                &config,
                crate::compare::CompareOptions { all },
            );
            if let Some(dest) = &evidence {
                if let Some(a) = &anonymizer {
                    let _ = a.text(&crate::report::Render::json(&report));
                }
                let on = |side: &str| -> Vec<&detect::Finding> {
                    let own = if side == "client" { &report.client.findings } else { &report.server.findings };
                    let path = report
                        .findings
                        .iter()
                        .filter(|f| f.facts.get("capture").and_then(|v| v.as_str()).unwrap_or("client") == side);
                    own.iter().chain(path).collect()
                };
                let n = crate::report::evidence::write_compare(
                    [(client.path.as_path(), on("client")), (server.path.as_path(), on("server"))],
                    dest,
                    anonymizer.as_ref(),
                    &config.engine,
                )
                .map_err(AppError::Usage)?;
                crate::diag!("pcapdoc: wrote {n} of both captures to {dest:?}");
            }
            let text = crate::report::render(&report, output.format(), &output.cx(opts.lang));
            let text = match &anonymizer {
                Some(a) => a.text(&text),
                None => text,
            };
            output.write(&text)?;
            let worst = crate::report::compare::all_findings(&report).first().map(|f| f.severity);
            if let (Some(threshold), Some(w)) = (fail_on, worst) {
                if w >= threshold {
                    return Ok(1);
                }
            }
        }
        Command::Generate { what } => {
            out.write_all(&generated(what)?).map_err(AppError::Output)?;
        }
        Command::Events { file } => {
            let mut dump = EventDump { out: &mut out, err: None };
            engine::run(open(&file)?, &mut dump);
            if let Some(e) = dump.err {
                return Err(AppError::Output(e));
            }
        }
        Command::Frames { files } => {
            let mut dump = FrameDump { out: &mut out, err: None };
            let analysis = engine::run(one_capture_of(&files)?.open()?, &mut dump);
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
        crate::diag!("pcapdoc: warning: {:?}: {issue}", a.capture.file);
    }
    if a.evicted_streams > 0 {
        crate::diag!(
            "pcapdoc: note: {:?}: {} stale TCP streams evicted to keep at most {} in memory (--max-streams)",
            a.capture.file,
            a.evicted_streams,
            a.max_streams
        );
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
    fn on_quoted_tcp(&mut self, f: &crate::decode::Frame<'_>, stream: Option<u32>) {
        self.line(f.frame, stream, "");
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
