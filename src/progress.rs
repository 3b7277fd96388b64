//! Progress reporting from the core to whoever shows it.
//!
//! The library never touches the terminal: it calls these hooks, and the CLI
//! turns them into a progress bar on stderr (the TUI into its status line).

/// Receives progress from a running analysis. Every method has a no-op default.
pub trait Progress: Sync {
    /// A new phase begins; `total_bytes` is what `advance` will add up to, if known.
    fn phase(&self, _message: &str, _total_bytes: Option<u64>) {}
    /// `bytes` more have been read.
    fn advance(&self, _bytes: u64) {}
    /// Reading is done.
    fn finish(&self) {}
    /// Something the user should know that is not an error (e.g. a fallback).
    fn note(&self, _message: &str) {}
    /// Something nice to know that changes nothing about the result (how many
    /// layers came from the cache): shown beside a progress bar, not in logs.
    fn info(&self, _message: &str) {}
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {}
