//! Typed errors for the library.
//!
//! Every error a user can cause (bad path, unknown image, corrupt archive, engine
//! down) is one of these kinds. Messages name the offending thing in quotes and,
//! where there is one, say what to do. The binary maps every error to exit code 2.

use std::path::PathBuf;

/// The library's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A path the user gave does not exist or cannot be read.
    #[error("cannot read '{}': {cause}", path.display())]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },

    /// The container engine could not be reached.
    #[error(
        "cannot reach the {engine} engine at '{endpoint}': {reason}\n  \
         is the daemon running? Set {} (or --source) to point at it, \
         or pass a `docker save` archive or OCI layout path instead",
        if *engine == "podman" { "CONTAINER_HOST" } else { "DOCKER_HOST" }
    )]
    EngineUnavailable {
        engine: &'static str,
        endpoint: String,
        reason: String,
    },

    /// The engine answered but does not have the image.
    #[error(
        "image '{reference}' is not in the {engine} engine's local store \
         (ballast never pulls unless you pass --pull)"
    )]
    ImageNotFound {
        engine: &'static str,
        reference: String,
    },

    /// The engine failed during an API call or while streaming.
    #[error("{engine} engine error for image '{reference}': {reason}")]
    Engine {
        engine: &'static str,
        reference: String,
        reason: String,
    },

    /// Reading the image stopped part way (truncated archive, interrupted export).
    #[error("cannot read image '{source_name}': {reason}")]
    ReadFailed { source_name: String, reason: String },

    /// The archive or layout is not one ballast understands.
    #[error("'{source_name}' is not a container image: {reason}")]
    UnknownFormat { source_name: String, reason: String },

    /// A manifest, index or config is missing, malformed or inconsistent.
    #[error("image '{source_name}': bad {what}: {reason}")]
    BadMetadata {
        source_name: String,
        what: String,
        reason: String,
    },

    /// A blob named by the manifest is not in the archive.
    #[error("image '{source_name}': the manifest names blob '{blob}', which is not in the archive")]
    MissingBlob { source_name: String, blob: String },

    /// A layer could not be decompressed or parsed as tar.
    #[error("image '{source_name}', layer {layer} ({digest}): {reason}")]
    CorruptLayer {
        source_name: String,
        layer: usize,
        digest: String,
        reason: String,
    },

    /// The uncompressed layer does not hash to the config's diff_id.
    #[error(
        "image '{source_name}', layer {layer}: content digest {actual} does not match \
         the config's rootfs.diff_ids entry {expected}; the archive is corrupt or was \
         tampered with (--no-verify skips this check)"
    )]
    DigestMismatch {
        source_name: String,
        layer: usize,
        expected: String,
        actual: String,
    },

    /// No manifest in an index matches the requested platform.
    #[error(
        "image '{source_name}' has no manifest for platform '{wanted}' (available: {available})"
    )]
    NoPlatform {
        source_name: String,
        wanted: String,
        available: String,
    },

    /// A registry could not be reached, kept failing after retries, or sent
    /// something ballast will not take (an oversized manifest, a bad digest).
    #[error("registry '{registry}': {reason}")]
    Registry { registry: String, reason: String },

    /// The registry answered 401 or 403: the credential tried, or its absence.
    #[error(
        "registry '{registry}' refused to let {credential} pull '{repository}' \
         (HTTP {status}); {hint}"
    )]
    RegistryDenied {
        registry: String,
        repository: String,
        status: u16,
        credential: String,
        hint: String,
    },

    /// The registry has no such repository, tag or digest (HTTP 404).
    #[error("registry '{registry}' has no {what} (HTTP 404); check the name and tag")]
    RegistryNotFound { registry: String, what: String },

    /// A file asked for by path (the TUI's pager and extract) cannot be read.
    #[error("image '{source_name}', layer {layer}: cannot read '{path}': {reason}")]
    EntryUnavailable {
        source_name: String,
        layer: usize,
        path: String,
        reason: String,
    },

    /// A command-line value is invalid.
    #[error("{0}")]
    Usage(String),

    /// An input path is neither a regular file nor a directory (a FIFO, a
    /// device, a socket): opening it could block forever.
    #[error(
        "'{}' is a {kind}, not a regular file or directory; ballast reads images only from \
         files and directories (to read a `docker save` stream from a pipe, pass `-` as the \
         image and pipe it to stdin)",
        path.display()
    )]
    NotAFile { path: PathBuf, kind: &'static str },

    /// A symlink inside a layout directory leads outside it.
    #[error(
        "image '{source_name}': '{path}' is a symlink that leads outside the layout directory; \
         ballast reads only files inside it"
    )]
    LinkEscapes { source_name: String, path: String },

    /// A blob's content does not hash to the digest it is stored under.
    #[error(
        "image '{source_name}': blob '{blob}' hashes to {actual}, not to the digest it is \
         stored under; the archive is corrupt or was tampered with (--no-verify skips this check)"
    )]
    BlobDigestMismatch {
        source_name: String,
        blob: String,
        actual: String,
    },

    /// A digest names an algorithm ballast cannot verify.
    #[error(
        "image '{source_name}': blob '{blob}' uses the digest algorithm '{algorithm}'; ballast \
         verifies only sha256 and sha512 (--no-verify reads it without checking)"
    )]
    UnsupportedDigest {
        source_name: String,
        blob: String,
        algorithm: String,
    },

    /// A worker thread failed unexpectedly (a bug in ballast, not in the image).
    #[error(
        "image '{source_name}': internal error while reading {what}: {message} \
         (this is a bug in ballast; please report it)"
    )]
    WorkerPanicked {
        source_name: String,
        what: String,
        message: String,
    },
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, cause: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            cause,
        }
    }
}
