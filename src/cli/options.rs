//! What every command shares: how to read an image (the source options from
//! the flags, a progress bar while it is read). Writing outputs is `output`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use ballast::analysis::{self, Analysis};
use ballast::layer::cache::{self, LayerCache};
use ballast::limits::{Limit, Limits};
use ballast::progress::Progress;
use ballast::report::escape::terminal::escape;
use ballast::source::{
    EngineStorage, Options, Platform, RegistryOptions, SharedLayers, SourceKind,
};

/// The flags that say where and how to read an image, the same for every
/// command that reads one (`ballast IMAGE`, `ballast diff`): flattened into
/// each. The default is what no flag means: source detected, the host's
/// platform, no pull, layers verified, engine storage read in place when
/// possible, the user's layer cache.
#[derive(Debug, Default, clap::Args)]
pub struct InputArgs {
    /// Where to read the image from; an existing path is detected by itself.
    /// `auto` never picks `registry`.
    #[arg(long, value_enum, default_value_t = SourceKind::Auto, help_heading = "Input")]
    pub source: SourceKind,

    /// Platform to pick from a multi-platform index (os/arch[/variant]); default: the host's.
    #[arg(long, value_name = "OS/ARCH", help_heading = "Input")]
    pub platform: Option<String>,

    /// Pull the image if the engine does not have it (never done otherwise).
    #[arg(long, help_heading = "Input")]
    pub pull: bool,

    /// Read an engine's layers in place from its storage (overlay2, Podman) when
    /// local and readable (`auto`), or always export them (`never`).
    #[arg(long, value_enum, default_value_t = EngineStorage::Auto, help_heading = "Input")]
    pub engine_storage: EngineStorage,

    /// Skip checking each layer against the config's rootfs.diff_ids.
    #[arg(long, help_heading = "Input")]
    pub no_verify: bool,

    #[command(flatten)]
    pub cache: CacheArgs,

    #[command(flatten)]
    pub registries: RegistryArgs,
}

impl InputArgs {
    /// The source options, reading within `limits`; fails on a platform that
    /// does not parse.
    pub(super) fn options(&self, limits: Limits) -> anyhow::Result<Options> {
        Ok(Options {
            source: self.source,
            platform: self.platform.as_deref().map(Platform::parse).transpose()?,
            pull: self.pull,
            verify: !self.no_verify,
            engine_storage: self.engine_storage,
            registry: self.registries.options(),
            cache: self.cache.cache(),
            shared: None,
            limits,
            ..Options::default()
        })
    }
}

/// The layer cache's flags, in every command that reads images.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct CacheArgs {
    /// Read every layer and keep none in the layer cache.
    #[arg(long, help_heading = "Input")]
    pub no_cache: bool,

    /// Keep the layer cache here instead of $XDG_CACHE_HOME/ballast (or ~/.cache/ballast).
    #[arg(long, value_name = "DIR", help_heading = "Input")]
    pub cache_dir: Option<PathBuf>,

    /// Bound on the layer cache, least recently used layers evicted first
    /// (e.g. 500MB, 4GiB; default 2GB).
    #[arg(long, value_name = "SIZE", value_parser = ballast::report::ci::parse_size, help_heading = "Input")]
    pub cache_size: Option<u64>,
}

impl CacheArgs {
    /// The layer cache, unless `--no-cache` or no cache directory is known.
    fn cache(&self) -> Option<LayerCache> {
        if self.no_cache {
            return None;
        }
        let root = match &self.cache_dir {
            Some(dir) => dir.clone(),
            None => LayerCache::default_root()?,
        };
        Some(LayerCache::new(
            &root,
            self.cache_size.unwrap_or(cache::DEFAULT_MAX_BYTES),
        ))
    }
}

/// How to reach registries, in every command that may read from one.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct RegistryArgs {
    /// Trust this PEM certificate authority for registries, besides the
    /// system's roots (repeatable).
    #[arg(long, value_name = "FILE", help_heading = "Input")]
    pub registry_ca: Vec<PathBuf>,

    /// Reach this registry (`host` or `host:port`) over plain HTTP
    /// (repeatable). No other host is ever sent plain HTTP.
    #[arg(long, value_name = "HOST", help_heading = "Input")]
    pub insecure_registry: Vec<String>,
}

impl RegistryArgs {
    pub(super) fn options(&self) -> RegistryOptions {
        RegistryOptions {
            ca_files: self.registry_ca.clone(),
            insecure: self.insecure_registry.clone(),
            ..RegistryOptions::default()
        }
    }
}

/// The default limits with `layers` of settings applied in order (a later
/// one wins): `[limits]` of a config file, then `--limit` flags.
pub(super) fn limits(layers: &[&[(Limit, u64)]]) -> Limits {
    let mut limits = Limits::default();
    for &(limit, value) in layers.iter().copied().flatten() {
        limits.set(limit, value);
    }
    limits
}

/// Standard input holds one `docker save` stream: of the images named
/// `(what, reference)` (`what` as the user knows it: `OLD`, `--baseline`),
/// at most one may be `-`. Read twice, the second would find nothing left.
pub(super) fn one_stdin_reader(images: &[(&str, &str)]) -> anyhow::Result<()> {
    let mut named = images
        .iter()
        .filter(|(_, reference)| *reference == ballast::source::STDIN);
    if let (Some((first, _)), Some((second, _))) = (named.next(), named.next()) {
        anyhow::bail!(
            "{first} and {second} both name '-', but standard input holds one image and can \
             be read only once; write one of them to a file (docker save IMAGE -o image.tar)"
        );
    }
    Ok(())
}

/// Options that share the layers read under them with every later read
/// under the same (or [`other_image`]'s) options: one download and one
/// analysis per layer across the images of one command.
pub(super) fn sharing(opts: Options) -> Options {
    Options {
        shared: Some(SharedLayers::default()),
        ..opts
    }
}

/// The options for one of a command's images under `--source registry`:
/// a path (existing, or starting with `/`, `.` or `~`, which no registry
/// reference does) is still read as a file, so a registry image can be
/// compared with an archive.
pub(super) fn for_image(opts: &Options, reference: &str) -> Options {
    let path = reference.starts_with(['/', '.', '~']) || Path::new(reference).exists();
    Options {
        source: match opts.source {
            SourceKind::Registry if path => SourceKind::Auto,
            other => other,
        },
        ..opts.clone()
    }
}

/// The options for another image (a baseline, a candidate base): the same,
/// sharing the layers already read, but where to read it from is detected by
/// itself, except that a registry image's others are in registries too.
pub(super) fn other_image(opts: &Options, reference: &str) -> Options {
    let source = match opts.source {
        SourceKind::Registry => SourceKind::Registry,
        _ => SourceKind::Auto,
    };
    for_image(
        &Options {
            source,
            ..opts.clone()
        },
        reference,
    )
}

/// Analyse `reference` with a progress bar (unless `quiet`), cleared after.
pub(super) fn analyze_with_bar(
    reference: &str,
    opts: &Options,
    quiet: bool,
) -> ballast::Result<Analysis> {
    let bar = Bar::new(quiet);
    let analysis = analysis::analyze(reference, opts, &bar);
    bar.clear();
    analysis
}

/// indicatif progress bar on stderr, hidden when stderr is not a terminal.
pub(super) struct Bar(indicatif::ProgressBar);

/// A progress bar on stderr drawn with `template`, hidden under `quiet` or
/// when stderr is not a terminal.
pub(super) fn stderr_bar(quiet: bool, template: &'static str) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(indicatif::ProgressStyle::with_template(template).expect("static template"));
    bar
}

impl Bar {
    pub(super) fn new(quiet: bool) -> Bar {
        Bar(stderr_bar(
            quiet,
            "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        ))
    }

    pub(super) fn clear(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn phase(&self, message: &str, total_bytes: Option<u64>) {
        self.0.set_message(message.to_string());
        self.0.set_position(0);
        match total_bytes {
            Some(t) => self.0.set_length(t),
            None => self.0.unset_length(),
        }
    }

    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }

    fn note(&self, message: &str) {
        if self.0.is_hidden() {
            eprintln!("ballast: {}", escape(message));
        } else {
            self.0.println(format!("ballast: {}", escape(message)));
        }
    }

    /// Shown only with the bar (a terminal, no `-q`): scripts and logs get
    /// the same stderr whether the cache was warm or cold.
    fn info(&self, message: &str) {
        if !self.0.is_hidden() {
            self.0.println(format!("ballast: {}", escape(message)));
        }
    }
}
