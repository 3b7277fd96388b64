//! The reference table of base images (`assets/bases.toml`), and a row
//! measured from a local image for bases the table does not list.

use serde::{Deserialize, Serialize};

/// The reference table of base images (see the file's header for the columns).
pub const BASES_TOML: &str = include_str!("../../../assets/bases.toml");

/// One row of the reference table, or a base measured from a local image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct BaseImage {
    pub image: String,
    pub tag: String,
    /// Megabytes (10^6 bytes).
    pub size_mb: f64,
    /// `uncompressed`, `compressed`, `approximate` or `measured`.
    pub size_kind: String,
    /// `glibc`, `musl` or `none`.
    pub libc: String,
    pub shell: bool,
    /// `apt`, `apk` or `none`.
    pub package_manager: String,
    /// `none`, `node`, `python`, `java` or `go`.
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_certificates: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tzdata: Option<bool>,
    /// Where the figure comes from.
    pub source: String,
    /// When the figure was taken.
    pub date: String,
}

impl BaseImage {
    /// `image:tag`, or the image alone for `latest`.
    pub fn name(&self) -> String {
        if self.tag == "latest" || self.tag.is_empty() {
            self.image.clone()
        } else {
            format!("{}:{}", self.image, self.tag)
        }
    }

    pub fn bytes(&self) -> u64 {
        (self.size_mb * 1e6).round().max(0.0) as u64
    }

    /// A candidate measured from an analysed local image (its shipped bytes
    /// and what its filesystem holds), for bases the table does not list.
    pub fn measured(name: &str, a: &crate::analysis::Analysis) -> BaseImage {
        let b = &a.base;
        let (image, tag) = match name.rsplit_once(':').filter(|(_, t)| !t.contains('/')) {
            Some((i, t)) => (i.to_string(), t.to_string()),
            None => (name.to_string(), "latest".to_string()),
        };
        BaseImage {
            image,
            tag,
            size_mb: a.metrics.shipped_bytes as f64 / 1e6,
            size_kind: "measured".into(),
            libc: b.libc.into(),
            shell: b.shell,
            package_manager: b.package_manager.into(),
            runtime: b.runtime.as_ref().map_or("none", |r| r.kind).into(),
            ca_certificates: Some(b.ca_certificates),
            tzdata: Some(b.tzdata),
            source: format!("measured by ballast from {}", a.image.reference),
            date: a.image.created.clone().unwrap_or_default(),
        }
    }
}

#[derive(Deserialize)]
struct Table {
    base: Vec<BaseImage>,
}

/// The reference table, parsed. The table is compiled in and a test parses
/// it, so a failure here is a build defect, not an input error.
pub fn reference_table() -> Vec<BaseImage> {
    toml::from_str::<Table>(BASES_TOML)
        .map(|t| t.base)
        .expect("assets/bases.toml parses (checked by a unit test)")
}
