//! Running the tools xtask drives, each printed before it runs.

use std::process::Command;

use anyhow::{Context, Result, bail};

/// The command line of `cmd`, for the log: program and arguments.
pub fn show(cmd: &Command) -> String {
    std::iter::once(cmd.get_program())
        .chain(cmd.get_args())
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd`, printing it first; fails when it fails.
pub fn run(cmd: &mut Command) -> Result<()> {
    let shown = show(cmd);
    run_shown(cmd, &shown)
}

/// Runs `cmd`, printing `shown` for it first (`xtask: $ ...`); fails when it fails.
pub fn run_shown(cmd: &mut Command, shown: &str) -> Result<()> {
    eprintln!("xtask: $ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot run `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}
