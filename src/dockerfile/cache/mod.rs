//! Build-cache simulation: replay the context's git history through a
//! Dockerfile's cache keys and count what each commit would rebuild.
//!
//! Both builders decide a step's cache hit the same way for the cases this
//! models (moby's legacy builder: parent image + command, and for `COPY`/`ADD`
//! a hash of the copied files' headers and content; BuildKit: the op's
//! definition chained to its inputs' keys, and for context files a content
//! checksum of what the sources select):
//!
//! - a step's key chains its parent's key with its own text, so everything
//!   below a miss misses;
//! - `COPY`/`ADD` (and `RUN --mount=type=bind` from the context) add the
//!   path, mode and content of every file the sources select once
//!   `.dockerignore` has been applied; modification times and ownership on the
//!   host are not part of the key, so a fresh checkout alone never misses;
//! - `COPY --from=stage` and `FROM stage` add that stage's final key: a stage
//!   that rebuilt is assumed to produce different bytes (builds are rarely
//!   reproducible byte for byte);
//! - `COPY --link` keys the copy without its parent (BuildKit), though the
//!   steps after it still see the new parent;
//! - `FROM image` is assumed unchanged across the window (no pull);
//! - a `.git` directory in the context (the context is the repository's top
//!   level) differs at every commit, so a `COPY` that takes it in misses
//!   every time, as it does on a real checkout.
//!
//! The cache holds the previous commit's build (`CacheModel::Previous`: a CI
//! runner with `--cache-from` the last image), or every earlier build of the
//! window (`CacheModel::All`: a long-lived local builder). The oldest commit
//! of the window only warms the cache; the later ones are the builds counted.
//! The Dockerfile given is replayed over every commit's context: the report
//! rates this Dockerfile against the team's real pattern of changes.

mod outcome;
mod plan;
mod simulation;
#[cfg(test)]
mod tests;

pub(crate) use outcome::short_commit;
pub use outcome::{
    BuildReport, CacheOptions, CacheReport, Outcome, ProposalReport, RunChange, StepReport,
    cache_report,
};
pub use plan::{Plan, Step};
pub use simulation::{BuildResult, CacheModel, Simulation, StepResult, simulate};
