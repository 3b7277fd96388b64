//! What every command shares: how to read an image (the source options from
//! the flags, a progress bar while it is read). Writing outputs is `output`.

use std::io::IsTerminal;
use std::path::Path;

use ballast::analysis::{self, Analysis};
use ballast::layer::cache::{self, LayerCache};
use ballast::limits::{Limit, Limits};
use ballast::progress::Progress;
use ballast::report::escape::terminal::escape;
use ballast::source::{EngineStorage, Options, Platform, RegistryOptions, SourceKind};

/// The source flags of a command; a command without one of them leaves it at
/// the default: source detected, the host's platform, no pull, layers
/// verified, engine storage read in place when possible.
pub(super) struct SourceFlags<'a> {
    pub(super) source: SourceKind,
    pub(super) platform: Option<&'a str>,
    pub(super) pull: bool,
    pub(super) no_verify: bool,
    pub(super) engine_storage: EngineStorage,
    pub(super) registry: RegistryOptions,
    /// `--no-cache`: read every layer, keep none.
    pub(super) no_cache: bool,
    /// `--cache-dir`: instead of `$XDG_CACHE_HOME/ballast` or `~/.cache/ballast`.
    pub(super) cache_dir: Option<&'a Path>,
    /// `--cache-size`: the bound on the layer cache, in bytes.
    pub(super) cache_size: Option<u64>,
    /// `--limit` (over `[limits]` of `.ballast.toml` under `--ci`).
    pub(super) limits: Limits,
}

impl Default for SourceFlags<'_> {
    fn default() -> Self {
        SourceFlags {
            source: SourceKind::Auto,
            platform: None,
            pull: false,
            no_verify: false,
            engine_storage: EngineStorage::Auto,
            registry: RegistryOptions::default(),
            no_cache: false,
            cache_dir: None,
            cache_size: None,
            limits: Limits::default(),
        }
    }
}

impl SourceFlags<'_> {
    /// The source options; fails on a platform that does not parse.
    pub(super) fn options(&self) -> anyhow::Result<Options> {
        Ok(Options {
            source: self.source,
            platform: self.platform.map(Platform::parse).transpose()?,
            pull: self.pull,
            verify: !self.no_verify,
            engine_storage: self.engine_storage,
            registry: self.registry.clone(),
            cache: self.cache(),
            limits: self.limits,
        })
    }

    /// The layer cache, unless `--no-cache` or no cache directory is known.
    fn cache(&self) -> Option<LayerCache> {
        if self.no_cache {
            return None;
        }
        let root = match self.cache_dir {
            Some(dir) => dir.to_path_buf(),
            None => LayerCache::default_root()?,
        };
        Some(LayerCache::new(
            &root,
            self.cache_size.unwrap_or(cache::DEFAULT_MAX_BYTES),
        ))
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

/// The options for another image (a baseline, a candidate base): the same,
/// but where to read it from is detected by itself.
pub(super) fn other_image(opts: &Options) -> Options {
    Options {
        source: SourceKind::Auto,
        ..opts.clone()
    }
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

impl Bar {
    pub(super) fn new(quiet: bool) -> Bar {
        if quiet || !std::io::stderr().is_terminal() {
            return Bar(indicatif::ProgressBar::hidden());
        }
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
            )
            .expect("static template"),
        );
        Bar(bar)
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
