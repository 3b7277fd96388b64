//! Image references as Docker reads them: `[host[:port]/]repo[:tag][@digest]`.
//!
//! The first path component is a registry host when it has a `.` or a `:`, or
//! is `localhost`; otherwise the image is on Docker Hub, where a one-component
//! name lives under `library/`. Without a tag or digest the tag is `latest`.

use crate::error::{Error, Result};

/// Docker Hub, as users write it and as its API is reached.
pub(crate) const HUB: &str = "docker.io";
const HUB_API: &str = "registry-1.docker.io";

/// A parsed reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reference {
    /// `host[:port]` as written (`docker.io` for Docker Hub).
    pub(crate) registry: String,
    /// `team/app` (`library/debian` on Docker Hub).
    pub(crate) repository: String,
    pub(crate) tag: Option<String>,
    /// `sha256:<hex>` when the reference pins one.
    pub(crate) digest: Option<String>,
}

impl Reference {
    /// What to ask the manifests endpoint for: the digest when pinned, else the tag.
    pub(crate) fn target(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The host the API is reached at.
    pub(crate) fn api_host(&self) -> &str {
        if self.registry == HUB {
            HUB_API
        } else {
            &self.registry
        }
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

fn invalid(reference: &str, why: &str) -> Error {
    Error::Usage(format!(
        "invalid registry reference '{reference}': {why}; expected \
         [host[:port]/]repository[:tag][@sha256:digest], e.g. registry.example.com/team/app:1.4"
    ))
}

/// Parse `reference` (an optional `docker://` prefix is allowed).
pub(crate) fn parse(reference: &str) -> Result<Reference> {
    let s = reference.strip_prefix("docker://").unwrap_or(reference);
    let (rest, digest) = match s.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let ok = d.split_once(':').is_some_and(|(alg, hex)| {
            alg == "sha256" && hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())
        });
        if !ok {
            return Err(invalid(reference, &format!("'{d}' is not a sha256 digest")));
        }
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(t) = tag
        && !is_tag(t)
    {
        return Err(invalid(reference, &format!("'{t}' is not a valid tag")));
    }
    let (registry, repository) = match name.split_once('/') {
        Some((host, repo)) if host.contains(['.', ':']) || host == "localhost" => {
            (host.to_string(), repo.to_string())
        }
        _ => (HUB.to_string(), name.to_string()),
    };
    let registry = match registry.as_str() {
        "index.docker.io" | "registry-1.docker.io" => HUB.to_string(),
        _ => registry,
    };
    let repository = if registry == HUB && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository
    };
    check_repository(reference, &repository)?;
    check_host(reference, &registry)?;
    Ok(Reference {
        registry,
        repository,
        tag: tag
            .map(str::to_string)
            .or_else(|| digest.is_none().then(|| "latest".to_string())),
        digest: digest.map(str::to_string),
    })
}

/// Whether `t` is a valid tag: 1 to 128 of letters, digits, `_`, `.` and
/// `-`, not starting with `.` or `-`.
pub(crate) fn is_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
        && !t.starts_with(['.', '-'])
}

fn check_repository(reference: &str, repository: &str) -> Result<()> {
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
            && c.as_bytes()[0].is_ascii_alphanumeric()
            && c.as_bytes()[c.len() - 1].is_ascii_alphanumeric()
    };
    if repository.len() > 255 || !repository.split('/').all(component_ok) {
        return Err(invalid(
            reference,
            &format!(
                "'{repository}' is not a valid repository name (lowercase letters, digits, \
                 '.', '_', '-', components separated by '/')"
            ),
        ));
    }
    Ok(())
}

fn check_host(reference: &str, host: &str) -> Result<()> {
    let (name, port) = match host.rsplit_once(':') {
        Some((n, p)) => (n, Some(p)),
        None => (host, None),
    };
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-".contains(&b));
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    if name_ok && port_ok {
        Ok(())
    } else {
        Err(invalid(
            reference,
            &format!("'{host}' is not a valid host[:port]"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (String, String, Option<String>, Option<String>) {
        let r = parse(s).unwrap();
        (r.registry, r.repository, r.tag, r.digest)
    }

    #[test]
    fn references_get_dockers_defaults() {
        let d = "sha256:".to_string() + &"ab".repeat(32);
        let s = |x: &str| x.to_string();
        assert_eq!(
            p("debian"),
            (s("docker.io"), s("library/debian"), Some(s("latest")), None)
        );
        assert_eq!(
            p("team/app:1.4"),
            (s("docker.io"), s("team/app"), Some(s("1.4")), None)
        );
        assert_eq!(
            p("127.0.0.1:5000/demo:1"),
            (s("127.0.0.1:5000"), s("demo"), Some(s("1")), None)
        );
        assert_eq!(
            p("localhost/a/b"),
            (s("localhost"), s("a/b"), Some(s("latest")), None)
        );
        assert_eq!(
            p(&format!("reg.example.com/app@{d}")),
            (s("reg.example.com"), s("app"), None, Some(d.clone()))
        );
        assert_eq!(
            p(&format!("docker://reg.example.com:443/app:2@{d}")),
            (s("reg.example.com:443"), s("app"), Some(s("2")), Some(d))
        );
        assert_eq!(parse("index.docker.io/x").unwrap().registry, "docker.io");
        assert_eq!(parse("debian").unwrap().api_host(), "registry-1.docker.io");
    }

    #[test]
    fn bad_references_are_usage_errors() {
        for bad in [
            "UPPER/case",
            "reg.example.com/app:",
            "reg.example.com/app@sha256:12",
            "reg.example.com:99999/app",
            "reg.example.com/app:bad/tag",
            "reg.example.com/-app",
            "",
        ] {
            let e = parse(bad).unwrap_err().to_string();
            assert!(e.contains("invalid registry reference"), "{bad}: {e}");
        }
    }
}
