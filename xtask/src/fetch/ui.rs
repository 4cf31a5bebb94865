//! Progress output of `fetch-model` and `verify-model`.

/// Progress output: steps always, details (commands, byte counts) only on a terminal.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Whether stderr is a terminal.
    pub tty: bool,
}

impl Ui {
    /// One line per step, always.
    pub fn step(&self, msg: impl AsRef<str>) {
        eprintln!("xtask: {}", msg.as_ref());
    }

    /// Details, on a terminal only.
    pub fn detail(&self, msg: impl AsRef<str>) {
        if self.tty {
            eprintln!("       {}", msg.as_ref());
        }
    }
}
