//! Base images: untagged, `latest`, or pinned by tag only (no digest).

use super::Linter;

/// A base image reference, split.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ImageRef {
    pub(super) name: String,
    pub(super) tag: Option<String>,
    pub(super) digest: Option<String>,
}

impl ImageRef {
    pub(super) fn parse(s: &str) -> ImageRef {
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (s, None),
        };
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(rest[slash + i + 1..].to_string())),
            None => (rest, None),
        };
        ImageRef {
            name: name.to_string(),
            tag,
            digest,
        }
    }

    /// The repository's last component (`docker.io/library/node` → `node`).
    pub(super) fn short(&self) -> &str {
        self.name.rsplit('/').next().unwrap_or(&self.name)
    }
}

impl Linter<'_> {
    /// DL3006, DL3007 and the digest pin.
    pub(super) fn bases(&mut self) {
        for stage in &self.df.stages {
            let base = self.base_of(stage);
            if base.is_empty()
                || base.eq_ignore_ascii_case("scratch")
                || self.parent(stage).is_some()
            {
                continue;
            }
            let r = ImageRef::parse(&base);
            let from = &stage.from;
            match (&r.tag, &r.digest) {
                (_, Some(_)) => {}
                (None, None) => self.push(
                    "base-untagged",
                    from,
                    format!("base image '{base}' has no tag: it means `latest`, whatever that is on the day of the build"),
                    format!("pin a version, and better a digest: FROM {base}:<version>@sha256:<digest>"),
                ),
                (Some(t), None) if t == "latest" => self.push(
                    "base-latest",
                    from,
                    format!("base image '{base}' uses the `latest` tag: builds change under you"),
                    format!("pin a version and a digest: FROM {}:<version>@sha256:<digest>", r.name),
                ),
                (Some(_), None) => self.push(
                    "base-not-pinned",
                    from,
                    format!("base image '{base}' is pinned by tag only: the tag can move to other bytes"),
                    format!("add the digest: FROM {base}@sha256:<digest> (`docker buildx imagetools inspect {base}` shows it)"),
                ),
            }
        }
    }
}
