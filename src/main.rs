//! The `pcapdoc` binary: parse flags, run, map errors to exit statuses. Nothing else.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = pcapdoc::cli::Cli::parse();
    match pcapdoc::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pcapdoc: error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
