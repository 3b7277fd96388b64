//! One escaping layer per output medium. Whatever comes from an image or a
//! Dockerfile (file names, commands, package names, references, advice that
//! quotes them) goes through the escaper of the medium it is written to, in
//! every writer of that medium:
//!
//! - [`terminal`]: text on a terminal or in a CI log (the summary, `--ci`, the
//!   diff and Dockerfile text, `ballast: error:` lines). Control characters and
//!   bidi controls become visible escapes (`\x1b`, `\n`, `\u{202e}`), so a name
//!   can neither drive the terminal nor start a line of its own (a GitHub
//!   workflow command such as `::error::` needs a line start).
//! - `github`: workflow commands (`--format github`): the runner's
//!   %-encoding, and the terminal escapes for the rest.
//! - `xml`: JUnit: entities for markup; characters XML 1.0 cannot hold, and
//!   bidi controls, as visible escapes.
//! - `markdown`: code spans sized to their backticks, cells, escaped prose,
//!   no HTML, no mentions or issue links.
//!
//! - `sarif`: message text with `[`/`]` escaped (SARIF's embedded links).
//! - `html`: the HTML report's data, JSON inside a script element, with
//!   nothing that could end the element; the page shows strings as text.
//!
//! JSON keeps the raw text: serde_json escapes what JSON needs, and the
//! consumer decides how to show it.

pub(crate) mod github;
pub(crate) mod html;
pub(crate) mod markdown;
pub(crate) mod sarif;
pub mod terminal;
pub(crate) mod xml;
