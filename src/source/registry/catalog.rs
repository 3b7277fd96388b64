//! What a registry holds, for `ballast fleet`: its repositories
//! (`/v2/_catalog`), each repository's tags (`/v2/<name>/tags/list`), both
//! paged by the `Link: <...>; rel="next"` header, and the manifest digest a
//! tag points at (the manifest's bytes hashed, so the digest is checked rather
//! than taken from a header).

use std::io::Read;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::client::{Client, RegistryOptions};
use super::reference::{self, Reference};
use super::{credentials, manifest};
use crate::error::{Error, Result};

/// A page's body is refused past this.
const PAGE_LIMIT: u64 = 16 * 1024 * 1024;
/// Names listed at most, against a registry whose `Link`s never end.
const MAX_NAMES: usize = 1_000_000;
/// Pages read at most, against one whose `Link`s never end on empty pages.
const MAX_PAGES: usize = 100_000;

#[derive(Deserialize)]
struct CatalogPage {
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TagsPage {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// Every repository of the registry `host` (`host[:port]`), in the
/// registry's order.
pub fn catalog(host: &str, opts: &RegistryOptions) -> Result<Vec<String>> {
    let at = Reference {
        registry: host.to_string(),
        repository: String::new(),
        tag: None,
        digest: None,
    };
    let client =
        Client::new(&at, credentials::lookup(host)?, opts)?.with_scope("registry:catalog:*");
    let what = format!("the catalog of registry '{host}' (/v2/_catalog)");
    // No `n`: a registry refuses one above its own page size (distribution's
    // `catalog.maxentries`); its own size and `Link`s page through anyway.
    paged(&client, "/v2/_catalog", &what, |body| {
        serde_json::from_slice::<CatalogPage>(body).map(|p| p.repositories.unwrap_or_default())
    })
}

/// Every tag of `repository` (`host[:port]/name`).
pub fn tags(repository: &str, opts: &RegistryOptions) -> Result<Vec<String>> {
    let parsed = reference::parse(repository)?;
    let client = Client::new(&parsed, credentials::lookup(&parsed.registry)?, opts)?;
    let what = format!("the tags of repository '{}'", parsed.repository);
    let first = format!("/v2/{}/tags/list", parsed.repository);
    let tags = paged(&client, &first, &what, |body| {
        serde_json::from_slice::<TagsPage>(body).map(|p| p.tags.unwrap_or_default())
    })?;
    // A listed reference is one line naming one image: a tag with a newline
    // or an `@` would name others.
    if let Some(bad) = tags.iter().find(|t| !reference::is_tag(t)) {
        return Err(client_error(
            &client,
            format!("{what} include '{bad}', which is not a valid tag"),
        ));
    }
    Ok(tags)
}

/// The digest of the manifest (or index) `reference` names: its own when it
/// pins one, else the bytes its tag serves, hashed.
pub fn manifest_digest(reference: &str, opts: &RegistryOptions) -> Result<String> {
    let parsed = reference::parse(reference)?;
    if let Some(d) = parsed.digest {
        return Ok(d);
    }
    let client = Client::new(&parsed, credentials::lookup(&parsed.registry)?, opts)?;
    let bytes = manifest::fetch_manifest_bytes(&client, parsed.target())?;
    Ok(format!("sha256:{}", hex::encode(Sha256::digest(&bytes))))
}

/// The names of every page from `first` on, following `rel="next"` links.
fn paged(
    client: &Client,
    first: &str,
    what: &str,
    parse: impl Fn(&[u8]) -> serde_json::Result<Vec<String>>,
) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut next = Some(first.to_string());
    let mut seen = std::collections::HashSet::new();
    while let Some(url) = next.take() {
        if !seen.insert(url.clone()) || names.len() > MAX_NAMES || seen.len() > MAX_PAGES {
            return Err(client_error(
                client,
                format!(
                    "listing {what} does not end (its pages link back, or past {MAX_NAMES} \
                     names or {MAX_PAGES} pages)"
                ),
            ));
        }
        let resp = client.get_root(&url, what)?;
        next = resp
            .headers()
            .get_all("link")
            .iter()
            .filter_map(|h| h.to_str().ok())
            .find_map(next_link);
        let mut body = Vec::new();
        resp.into_body()
            .into_with_config()
            .limit(u64::MAX)
            .reader()
            .take(PAGE_LIMIT + 1)
            .read_to_end(&mut body)
            .map_err(|e| client_error(client, format!("reading {what} failed: {e}")))?;
        if body.len() as u64 > PAGE_LIMIT {
            return Err(client_error(
                client,
                format!("a page of {what} is larger than 16 MiB"),
            ));
        }
        let page = parse(&body)
            .map_err(|e| client_error(client, format!("{what}: the answer does not parse: {e}")))?;
        names.extend(page);
    }
    Ok(names)
}

fn client_error(client: &Client, reason: String) -> Error {
    Error::Registry {
        registry: client.registry.clone(),
        reason,
    }
}

/// The target of a `Link` header's `rel="next"` entry: `</v2/...>; rel="next"`
/// (several entries may share one header, comma-separated).
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|entry| {
        let (target, params) = entry.trim().split_once(';')?;
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        let is_next = params.split(';').any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p == "rel=\"next\"" || p == "rel=next"
        });
        is_next.then(|| target.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn the_next_page_is_found_in_a_link_header() {
        assert_eq!(
            next_link("</v2/_catalog?last=b&n=2>; rel=\"next\"").as_deref(),
            Some("/v2/_catalog?last=b&n=2")
        );
        assert_eq!(
            next_link(
                "<https://r.example/v2/a/tags/list?last=1>; rel=prev, </x?last=2>; rel=\"next\""
            )
            .as_deref(),
            Some("/x?last=2")
        );
        assert_eq!(next_link("</v2/_catalog?last=b>; rel=\"prev\""), None);
        assert_eq!(next_link("garbage"), None);
    }
}
