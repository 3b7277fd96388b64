//! HTTP to one repository of one registry: TLS with the system's roots plus
//! `--registry-ca`, plain HTTP only for `--insecure-registry` hosts, the auth
//! dance (see `auth.rs`), retries with backoff on 5xx, 429 (Retry-After
//! honoured) and broken connections, and typed errors for 401/403/404.
//! Redirects (registries hand blobs to their storage) are followed, without
//! the registry's `Authorization`.

use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use super::auth::{self, Tokens};
use super::credentials::{Credential, IDENTITY_TOKEN_USER};
use super::reference::Reference;
use crate::error::{Error, Result};

type Response = ureq::http::Response<ureq::Body>;

/// Attempts per request (the first plus retries).
const ATTEMPTS: u32 = 6;
/// The first backoff; each retry doubles it.
const BACKOFF: Duration = Duration::from_millis(200);
/// The longest wait, for backoff and for a server's Retry-After.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// How to reach registries: from `--registry-ca` and `--insecure-registry`.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// PEM files of extra certificate authorities, trusted beside the system's.
    pub ca_files: Vec<std::path::PathBuf>,
    /// Hosts (`host` or `host:port`) reached over plain HTTP.
    pub insecure: Vec<String>,
    /// The time a response body may take, plus one second per MiB of it: a
    /// download that overruns (a stalled connection) is resumed or retried.
    pub stall: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            ca_files: Vec::new(),
            insecure: Vec::new(),
            stall: Duration::from_secs(60),
        }
    }
}

impl RegistryOptions {
    /// Whether `host` (`host[:port]`) is to be reached over plain HTTP.
    pub(crate) fn is_insecure(&self, host: &str) -> bool {
        let bare = host.rsplit_once(':').map_or(host, |(h, _)| h);
        self.insecure.iter().any(|i| i == host || i == bare)
    }
}

/// Talks to one repository.
pub(crate) struct Client {
    agent: ureq::Agent,
    base: String,
    pub(crate) registry: String,
    pub(crate) repository: String,
    credential: Option<Credential>,
    tokens: Tokens,
    scope: String,
    opts: RegistryOptions,
}

impl Client {
    pub(crate) fn new(
        reference: &Reference,
        credential: Option<Credential>,
        opts: &RegistryOptions,
    ) -> Result<Client> {
        let host = reference.api_host();
        let scheme = if opts.is_insecure(&reference.registry) || opts.is_insecure(host) {
            "http"
        } else {
            "https"
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects from a TLS registry stay on TLS.
            .https_only(scheme == "https")
            .max_redirects(10)
            .timeout_connect(Some(Duration::from_secs(30)))
            .timeout_recv_response(Some(Duration::from_secs(120)))
            .user_agent(concat!("ballast/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls(opts)?)
            .build();
        Ok(Client {
            agent: config.new_agent(),
            base: format!("{scheme}://{host}"),
            registry: reference.registry.clone(),
            repository: reference.repository.clone(),
            credential,
            tokens: Tokens::default(),
            scope: format!("repository:{}:pull", reference.repository),
            opts: opts.clone(),
        })
    }

    fn registry_error(&self, reason: impl Into<String>) -> Error {
        Error::Registry {
            registry: self.registry.clone(),
            reason: reason.into(),
        }
    }

    /// `GET /v2/<repository>/<path>`, authenticated, retried; a 2xx answer
    /// or a typed error. `what` names the thing for a 404; `range_from`
    /// asks for the rest of a blob from that offset.
    pub(crate) fn get(
        &self,
        path: &str,
        accept: Option<&str>,
        range_from: u64,
        what: &str,
    ) -> Result<Response> {
        self.get_sized(path, accept, range_from, 0, what)
    }

    /// [`Client::get`] for a body of about `expected` bytes, which is given
    /// [`RegistryOptions::stall`] plus a second per MiB to arrive.
    pub(crate) fn get_sized(
        &self,
        path: &str,
        accept: Option<&str>,
        range_from: u64,
        expected: u64,
        what: &str,
    ) -> Result<Response> {
        let url = format!("{}/v2/{}/{path}", self.base, self.repository);
        self.get_url(&url, accept, range_from, expected, what)
    }

    /// `GET` of a path on the registry outside the repository (`/v2/_catalog`)
    /// or a `Link` the registry gave (absolute on this registry, or relative
    /// to its root). A `Link` to another host or scheme is refused: it would
    /// be sent this registry's credentials.
    pub(crate) fn get_root(&self, path: &str, what: &str) -> Result<Response> {
        let url = root_url(&self.base, path).ok_or_else(|| {
            self.registry_error(format!(
                "{what}: the registry links to '{path}', which is not on it; not followed"
            ))
        })?;
        self.get_url(&url, Some("application/json"), 0, 0, what)
    }

    /// This client for another token scope (`registry:catalog:*`).
    pub(crate) fn with_scope(mut self, scope: &str) -> Client {
        self.scope = scope.to_string();
        self
    }

    fn get_url(
        &self,
        url: &str,
        accept: Option<&str>,
        range_from: u64,
        expected: u64,
        what: &str,
    ) -> Result<Response> {
        let body_time = self.opts.stall + Duration::from_secs(expected >> 20);
        let url = url.to_string();
        let mut challenged = false;
        loop {
            let sent = self.tokens.get(&self.scope);
            let resp = self.retrying(&url, || {
                let mut req = self.agent.get(&url);
                if let Some(a) = accept {
                    req = req.header("Accept", a);
                }
                if let Some(h) = &sent {
                    req = req.header("Authorization", h);
                }
                if range_from > 0 {
                    req = req.header("Range", format!("bytes={range_from}-"));
                }
                req.config()
                    .timeout_recv_body(Some(body_time))
                    .build()
                    .call()
            })?;
            let status = resp.status().as_u16();
            match status {
                200..=299 => return Ok(resp),
                401 if !challenged => {
                    challenged = true;
                    self.authenticate(&resp)?;
                }
                401 | 403 => return Err(self.denied(status)),
                404 => {
                    return Err(Error::RegistryNotFound {
                        registry: self.registry.clone(),
                        what: what.to_string(),
                    });
                }
                _ => {
                    return Err(self.registry_error(format!(
                        "GET {url} answered HTTP {status}: {}",
                        snippet(resp)
                    )));
                }
            }
        }
    }

    /// Send with `send` until it answers something other than 5xx or 429, or
    /// the attempts run out; connection failures are retried too.
    fn retrying(
        &self,
        url: &str,
        send: impl Fn() -> std::result::Result<Response, ureq::Error>,
    ) -> Result<Response> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let backoff = (BACKOFF * 2u32.pow(attempt - 1)).min(MAX_WAIT);
            let last = attempt >= ATTEMPTS;
            match send() {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if !(status == 429 || (500..=599).contains(&status)) {
                        return Ok(resp);
                    }
                    let wait = retry_after(&resp).unwrap_or(backoff);
                    if last {
                        return Err(self.registry_error(format!(
                            "GET {url} answered HTTP {status} {ATTEMPTS} times; \
                             giving up (last answer: {})",
                            snippet(resp)
                        )));
                    }
                    std::thread::sleep(wait);
                }
                Err(e) if last || !retryable(&e) => {
                    let tried = if retryable(&e) {
                        format!(" (tried {ATTEMPTS} times)")
                    } else {
                        String::new()
                    };
                    let hint = tls_hint(&e, &self.registry);
                    return Err(
                        self.registry_error(format!("cannot reach {url}: {e}{tried}{hint}"))
                    );
                }
                Err(_) => std::thread::sleep(backoff),
            }
        }
    }

    /// Answer a 401's challenge: basic credentials, or a bearer token from
    /// the challenge's realm; remembered for this repository's scope.
    fn authenticate(&self, resp: &Response) -> Result<()> {
        let header = resp
            .headers()
            .get("www-authenticate")
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let Some(challenge) = auth::parse_challenge(header) else {
            return Err(self.denied(401));
        };
        match challenge.scheme.as_str() {
            "basic" => {
                let header =
                    auth::basic_for(self.credential.as_ref()).ok_or_else(|| self.denied(401))?;
                self.tokens.put(&self.scope, header);
                Ok(())
            }
            "bearer" => {
                let token = self.fetch_token(&challenge)?;
                self.tokens.put(&self.scope, format!("Bearer {token}"));
                Ok(())
            }
            other => Err(self.registry_error(format!(
                "it asks for '{other}' authentication, which ballast does not speak \
                 (it speaks Basic and Bearer)"
            ))),
        }
    }

    fn fetch_token(&self, challenge: &auth::Challenge) -> Result<String> {
        let url = auth::token_url(challenge, &self.scope).ok_or_else(|| {
            self.registry_error("its Bearer challenge names no realm to ask for a token")
        })?;
        if let Some(rest) = url.strip_prefix("http://") {
            let host = rest.split(['/', '?']).next().unwrap_or(rest);
            if !self.opts.is_insecure(host) {
                return Err(self.registry_error(format!(
                    "its token service {url} is plain HTTP; pass --insecure-registry {host} \
                     to allow that"
                )));
            }
        }
        let resp = match &self.credential {
            // An identity token is traded for an access token (OAuth2's
            // refresh-token grant), posted to the realm.
            Some(c) if c.username == IDENTITY_TOKEN_USER => {
                let realm = challenge.param("realm").unwrap_or_default();
                let service = challenge.param("service").unwrap_or_default();
                let scope = challenge.param("scope").unwrap_or(&self.scope);
                self.retrying(realm, || {
                    self.agent.post(realm).send_form([
                        ("grant_type", "refresh_token"),
                        ("refresh_token", c.secret.as_str()),
                        ("service", service),
                        ("scope", scope),
                        ("client_id", "ballast"),
                    ])
                })?
            }
            credential => {
                let basic = auth::basic_for(credential.as_ref());
                self.retrying(&url, || {
                    let mut req = self.agent.get(&url);
                    if let Some(b) = &basic {
                        req = req.header("Authorization", b);
                    }
                    req.call()
                })?
            }
        };
        let status = resp.status().as_u16();
        if status == 401 || status == 403 {
            return Err(self.denied(status));
        }
        if !(200..=299).contains(&status) {
            return Err(self.registry_error(format!(
                "its token service {url} answered HTTP {status}: {}",
                snippet(resp)
            )));
        }
        let body = resp
            .into_body()
            .with_config()
            .limit(1024 * 1024)
            .read_to_vec()
            .map_err(|e| self.registry_error(format!("reading a token from {url}: {e}")))?;
        serde_json::from_slice::<auth::TokenAnswer>(&body)
            .ok()
            .and_then(auth::TokenAnswer::into_token)
            .ok_or_else(|| {
                self.registry_error(format!("the token service {url} answered without a token"))
            })
    }

    fn denied(&self, status: u16) -> Error {
        let (credential, hint) = match &self.credential {
            Some(c) => (
                c.from.clone(),
                "check the user and password (docker login), and that the user may pull it",
            ),
            None => (
                "no credentials (anonymous)".to_string(),
                "log in with `docker login` (ballast reads the Docker config: \
                 $DOCKER_CONFIG/config.json or ~/.docker/config.json)",
            ),
        };
        Error::RegistryDenied {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            status,
            credential,
            hint: hint.to_string(),
        }
    }
}

/// Whether a transport error is worth another try (a TLS failure is not).
fn retryable(e: &ureq::Error) -> bool {
    matches!(
        e,
        ureq::Error::Io(_) | ureq::Error::Timeout(_) | ureq::Error::ConnectionFailed
    ) && tls_hint(e, "").is_empty()
}

/// What to do about a TLS failure: a plain-HTTP registry, or an untrusted CA.
fn tls_hint(e: &ureq::Error, registry: &str) -> String {
    let text = e.to_string();
    if text.contains("InvalidContentType") || text.contains("corrupt message") {
        format!(
            "; it does not speak TLS: if it is a plain-HTTP registry you trust, pass \
             --insecure-registry {registry}"
        )
    } else if text.contains("certificate") || text.contains("UnknownIssuer") {
        "; its certificate is not trusted: pass --registry-ca FILE with the PEM of the \
         authority that signed it"
            .to_string()
    } else {
        String::new()
    }
}

/// A Retry-After in seconds (dates are left to the backoff), capped.
fn retry_after(resp: &Response) -> Option<Duration> {
    let secs: u64 = resp
        .headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(secs).min(MAX_WAIT))
}

/// The start of an error answer's body, for a message.
fn snippet(resp: Response) -> String {
    let mut body = Vec::new();
    let _ = resp
        .into_body()
        .into_reader()
        .take(300)
        .read_to_end(&mut body);
    let text = String::from_utf8_lossy(&body);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        "(empty body)".to_string()
    } else {
        text
    }
}

/// The URL of `path` on the registry at `base` (`scheme://host[:port]`):
/// relative to its root, or absolute on that same scheme, host and port.
fn root_url(base: &str, path: &str) -> Option<String> {
    if !path.contains("://") {
        return Some(format!("{base}/{}", path.trim_start_matches('/')));
    }
    let rest = path.strip_prefix(base)?;
    (rest.is_empty() || rest.starts_with(['/', '?'])).then(|| path.to_string())
}

/// The roots: the system's (or Mozilla's when the system has none) and each
/// `--registry-ca` file.
fn tls(opts: &RegistryOptions) -> Result<ureq::tls::TlsConfig> {
    use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
    // The system's roots are read once per process: a fleet scan opens two
    // clients per image.
    static SYSTEM: std::sync::OnceLock<Vec<Certificate<'static>>> = std::sync::OnceLock::new();
    let mut certs: Vec<Certificate<'static>> = SYSTEM
        .get_or_init(|| {
            rustls_native_certs::load_native_certs()
                .certs
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                .collect()
        })
        .clone();
    for path in &opts.ca_files {
        let pem = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let before = certs.len();
        for item in ureq::tls::parse_pem(&pem) {
            if let Ok(PemItem::Certificate(c)) = item {
                certs.push(c);
            }
        }
        if certs.len() == before {
            return Err(Error::Usage(format!(
                "--registry-ca '{}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                path.display()
            )));
        }
    }
    let roots = if certs.is_empty() {
        RootCerts::WebPki
    } else {
        RootCerts::Specific(Arc::new(certs))
    };
    Ok(TlsConfig::builder().root_certs(roots).build())
}

#[cfg(test)]
mod tests {
    use super::root_url;

    #[test]
    fn a_link_to_another_host_or_scheme_is_not_followed() {
        let base = "https://r.example:5000";
        assert_eq!(
            root_url(base, "/v2/_catalog?last=b").as_deref(),
            Some("https://r.example:5000/v2/_catalog?last=b")
        );
        assert_eq!(
            root_url(base, "https://r.example:5000/v2/a/tags/list?last=1").as_deref(),
            Some("https://r.example:5000/v2/a/tags/list?last=1")
        );
        for elsewhere in [
            "https://evil.example/v2/_catalog",
            "http://r.example:5000/v2/_catalog",
            "https://r.example:50001/v2/_catalog",
            "https://r.example:5000@evil.example/v2/_catalog",
            "https://r.example:5000.evil.example/v2/_catalog",
        ] {
            assert_eq!(root_url(base, elsewhere), None, "{elsewhere}");
        }
    }
}
