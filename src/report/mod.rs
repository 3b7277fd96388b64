//! Outputs. Each renders an [`Analysis`](crate::analysis::Analysis) and computes
//! nothing of its own.

pub mod ci;
pub mod codequality;
pub mod diff;
pub mod dockerfile;
pub mod escape;
pub mod html;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod summary;

pub use crate::units::bytes;

use crate::analysis::findings::FindingPath;

/// What a finding path names, for people: the path as in the image, or a
/// config key with its value redacted (`ENV NAME=<redacted>`). Unescaped:
/// each writer escapes it for its medium.
pub fn path_subject(p: &FindingPath) -> String {
    match (&p.path, &p.config_key) {
        (Some(path), _) => path.clone(),
        (None, Some(key)) => format!("{key}=<redacted>"),
        (None, None) => String::new(),
    }
}

/// The facts kept beside a finding path, for people: "mode 4755", "deleted in
/// layer 3, still in the image", "image config". Unescaped, like
/// [`path_subject`].
pub fn path_notes(p: &FindingPath) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(mode) = &p.mode {
        notes.push(format!("mode {mode}"));
    }
    if let Some(l) = p.deleted_in {
        notes.push(format!("deleted in layer {l}, still in the image"));
    }
    if let Some(l) = p.replaced_in {
        notes.push(format!("replaced in layer {l}, still in the image"));
    }
    match p.config_source {
        Some("image-config") => notes.push("image config".into()),
        Some("build-history") => notes.push("build history".into()),
        Some(other) => notes.push(other.into()),
        None => {}
    }
    notes
}
