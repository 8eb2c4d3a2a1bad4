//! The `pcapdoc` binary: parse flags, run, map errors to exit statuses. Nothing else.

use std::process::ExitCode;

use clap::Parser;

/// Exit status for an internal error (a bug): sysexits' EX_SOFTWARE.
const EXIT_INTERNAL: u8 = 70;

fn main() -> ExitCode {
    let cli = pcapdoc::cli::Cli::parse();
    // A panic would be a bug in pcapdoc, never the capture's fault. The user gets a plain
    // sentence, not a Rust panic message or backtrace.
    std::panic::set_hook(Box::new(|_| {}));
    match std::panic::catch_unwind(|| pcapdoc::cli::run(cli)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            pcapdoc::diag!("pcapdoc: error: {e}");
            ExitCode::from(e.exit_code())
        }
        Err(_) => {
            pcapdoc::diag!(
                "pcapdoc: internal error: pcapdoc stopped on something it should have handled. This is a bug in \
                 pcapdoc, not in your capture; please report it with the command line and, if you can, the capture."
            );
            ExitCode::from(EXIT_INTERNAL)
        }
    }
}
