//! espeak-ng, the front end of Spanish, French, Italian, Brazilian Portuguese and Hindi (run as a
//! separate program by kokoro-tokenize): `cargo xtask ci` installs it from Debian's packages on a
//! fresh machine, since its language tests require it under `KOKORO_REQUIRE_MODEL=1`.

use std::process::{Command, Stdio};

use anyhow::{Result, bail};

/// True when `espeak-ng --version` runs.
fn installed() -> bool {
    Command::new("espeak-ng")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn apt_get(args: &[&str]) -> bool {
    eprintln!("xtask: apt-get {}", args.join(" "));
    Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes sure espeak-ng runs: installs the Debian package when it is missing and this is root
/// (`apt-get install -y espeak-ng`, after `apt-get update` if the first try fails); otherwise an
/// error that says how to install it.
pub fn ensure() -> Result<()> {
    if installed() {
        return Ok(());
    }
    if is_root() {
        let quiet = [
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "espeak-ng",
        ];
        if (apt_get(&quiet) || (apt_get(&["update", "-q"]) && apt_get(&quiet))) && installed() {
            return Ok(());
        }
    }
    bail!(
        "espeak-ng is not installed and could not be installed here: the Spanish, French, Italian, \
         Portuguese and Hindi tests need it; install it (`apt-get install espeak-ng` as root) and \
         run again"
    )
}
