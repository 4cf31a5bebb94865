//! The crates as they are published. `cargo package` makes a `.crate` of every publishable member;
//! [`prepare_downstream`] unpacks them and writes the cargo config under which
//! `examples/downstream` (a project outside the workspace, depending on `tts-pipeline = "0.1"` as a
//! user's would) resolves the engine's crates to those packages, and everything else to crates.io
//! at the workspace's locked versions.
//!
//! The mechanism is `[patch.crates-io]` with each engine crate's unpacked package (its normalized
//! manifest, only the files its `include` lets in), not a directory source replacing crates.io: a
//! directory source would also move the third-party crates to another path, and cargo rebuilds a
//! crate whose source path changed, so the downstream build could reuse none of what the tests
//! compiled (measured: every crate rebuilt, over 5 minutes on a loaded machine, and the tests' own
//! artifacts overwritten, as they have the same metadata hash).

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// `cargo metadata --no-deps`: the packages of a workspace (or one package), as their manifests
/// say.
#[derive(Debug, Deserialize)]
pub struct Metadata {
    pub packages: Vec<Package>,
}

/// One package's manifest.
#[derive(Debug, Deserialize)]
// The crates.io metadata is read by the tests only.
#[cfg_attr(not(test), allow(dead_code))]
pub struct Package {
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    /// `Some([])` for `publish = false`.
    pub publish: Option<Vec<String>>,
    pub dependencies: Vec<Dependency>,
    pub description: Option<String>,
    pub readme: Option<PathBuf>,
    pub keywords: Vec<String>,
    pub categories: Vec<String>,
    pub rust_version: Option<String>,
    pub documentation: Option<String>,
    pub license: Option<String>,
    pub repository: Option<String>,
}

impl Package {
    /// Whether `cargo publish` may upload it (no `publish = false`).
    pub fn publishable(&self) -> bool {
        self.publish.as_deref() != Some(&[][..])
    }

    /// The directory of its manifest.
    #[cfg(test)]
    pub fn dir(&self) -> &Path {
        self.manifest_path.parent().unwrap_or(Path::new("."))
    }

    /// `name-version`, the name of its `.crate` (without the extension) and of its top directory.
    fn package_name(&self) -> String {
        format!("{}-{}", self.name, self.version)
    }
}

/// One dependency of a package, as its manifest says.
#[derive(Debug, Deserialize)]
#[cfg_attr(not(test), allow(dead_code))]
pub struct Dependency {
    /// The package depended on (`package = ...` when renamed).
    pub name: String,
    pub rename: Option<String>,
    /// `*` when the manifest gives no version.
    pub req: String,
    pub path: Option<PathBuf>,
    /// `None` for a normal dependency, `Some("dev")` or `Some("build")`.
    pub kind: Option<String>,
    pub optional: bool,
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Runs `cmd`, returning its standard output; fails with its standard error.
fn output(mut cmd: Command) -> Result<Vec<u8>> {
    let shown = crate::process::show(&cmd);
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    if !out.status.success() {
        bail!("{shown} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(out.stdout)
}

/// `cargo metadata --no-deps` of the workspace (or package) whose manifest is `manifest`.
pub fn metadata(manifest: &Path) -> Result<Metadata> {
    let mut cmd = cargo();
    cmd.args([
        "metadata",
        "--format-version",
        "1",
        "--no-deps",
        "--offline",
    ])
    .arg("--manifest-path")
    .arg(manifest);
    serde_json::from_slice(&output(cmd)?).context("cannot parse cargo metadata")
}

/// The files `cargo package` puts into `name`'s package, relative to its directory.
#[cfg(test)]
pub fn package_files(name: &str) -> Result<BTreeSet<PathBuf>> {
    let mut cmd = cargo();
    cmd.args([
        "package",
        "--list",
        "--offline",
        "--allow-dirty",
        "--package",
        name,
    ])
    .current_dir(crate::root());
    let out = output(cmd)?;
    Ok(String::from_utf8_lossy(&out)
        .lines()
        .map(PathBuf::from)
        .collect())
}

/// The `cargo package` command line for the publishable members of `workspace`: every member but
/// those with `publish = false`, without the verification builds (the downstream build compiles
/// the packaged sources instead), offline (the lock files it writes into the packages resolve
/// against the index cargo already holds; online, it asks the registry once per crate: 15 s
/// instead of 3).
pub fn package_args(workspace: &Metadata) -> Vec<String> {
    let mut args: Vec<String> = [
        "package",
        "--workspace",
        "--no-verify",
        "--offline",
        "--allow-dirty",
    ]
    .map(String::from)
    .to_vec();
    for p in workspace.packages.iter().filter(|p| !p.publishable()) {
        args.extend(["--exclude".to_string(), p.name.clone()]);
    }
    args
}

/// The cargo config that resolves each of `packages` (name, unpacked directory) to its package
/// and builds it as the workspace builds its own crates (unoptimized; the third-party crates stay
/// as the tests compiled them).
pub fn downstream_config(packages: &[(&str, PathBuf)]) -> Result<String> {
    let mut config = String::from(
        "# Written by `cargo xtask downstream` (and `ci`): examples/downstream takes the engine's \
         crates\n# from what `cargo package` made of this checkout, and every other crate from \
         crates.io.\n[patch.crates-io]\n",
    );
    for (name, dir) in packages {
        let dir = dir.to_str().context("a non-UTF-8 path")?;
        if dir.contains(['\'', '\n']) {
            bail!("cannot write the path {dir:?} into a cargo config");
        }
        let _ = writeln!(config, "{name} = {{ path = '{dir}' }}");
    }
    for (name, _) in packages {
        let _ = write!(config, "\n[profile.dev.package.{name}]\nopt-level = 0\n");
    }
    Ok(config)
}

/// Unpacks `name-version.crate` from `from` into `into` (as `into/name-version/`), replacing what
/// an earlier run left there.
fn unpack(crate_file: &Path, into: &Path, package_name: &str) -> Result<PathBuf> {
    let dir = into.join(package_name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    let file = std::fs::File::open(crate_file)
        .with_context(|| format!("cannot open {}", crate_file.display()))?;
    tar::Archive::new(flate2::read::GzDecoder::new(file))
        .unpack(into)
        .with_context(|| format!("cannot unpack {}", crate_file.display()))?;
    if !dir.join("Cargo.toml").is_file() {
        bail!(
            "{} holds no {package_name}/Cargo.toml",
            crate_file.display()
        );
    }
    Ok(dir)
}

/// The packages of `metadata` (a resolved `cargo metadata`) whose manifest is under `dir`.
fn packages_under<'a>(metadata: &'a Metadata, dir: &Path) -> BTreeSet<&'a str> {
    metadata
        .packages
        .iter()
        .filter(|p| p.manifest_path.starts_with(dir))
        .map(|p| p.name.as_str())
        .collect()
}

/// Packages the publishable crates (`cargo package`, run by `run`), unpacks them under
/// `<target>/packaged/`, writes the config that points `examples/downstream` at those it uses
/// (`<target>/packaged/config.toml`, returned) and gives it the workspace's lock file, so that its
/// third-party crates are the versions the tests compiled.
pub fn prepare_downstream(
    root: &Path,
    target: &Path,
    run: &dyn Fn(&[&str]) -> Result<()>,
) -> Result<PathBuf> {
    let workspace = metadata(&root.join("Cargo.toml"))?;
    let args = package_args(&workspace);
    run(&args.iter().map(String::as_str).collect::<Vec<_>>())?;

    let packaged = target.join("packaged");
    std::fs::create_dir_all(&packaged)
        .with_context(|| format!("cannot create {}", packaged.display()))?;
    let mut all = Vec::new();
    for p in workspace.packages.iter().filter(|p| p.publishable()) {
        let name = p.package_name();
        let crate_file = target.join("package").join(format!("{name}.crate"));
        all.push((p.name.as_str(), unpack(&crate_file, &packaged, &name)?));
    }
    let downstream = root.join("examples/downstream");
    std::fs::copy(root.join("Cargo.lock"), downstream.join("Cargo.lock"))
        .context("cannot give examples/downstream the workspace's Cargo.lock")?;
    // Which of them it uses (its features decide): cargo resolves it with all of them patched in;
    // only those go into the config, so that cargo warns of no unused patch.
    let config = packaged.join("config.toml");
    std::fs::write(&config, downstream_config(&all)?)
        .with_context(|| format!("cannot write {}", config.display()))?;
    let mut cmd = cargo();
    let host = String::from_utf8(output({
        let mut rustc = Command::new("rustc");
        rustc.args(["--print", "host-tuple"]);
        rustc
    })?)?;
    // This platform's packages only: the others need not be downloaded.
    cmd.args(["metadata", "--format-version", "1", "--filter-platform"])
        .arg(host.trim())
        .arg("--config")
        .arg(&config)
        .arg("--manifest-path")
        .arg(downstream.join("Cargo.toml"))
        .current_dir(root);
    let resolved: Metadata =
        serde_json::from_slice(&output(cmd)?).context("cannot parse cargo metadata")?;
    let used = packages_under(&resolved, &packaged);
    all.retain(|(name, _)| used.contains(name));
    std::fs::write(&config, downstream_config(&all)?)
        .with_context(|| format!("cannot write {}", config.display()))?;
    Ok(config)
}
