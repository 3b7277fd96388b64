//! Credentials from the Docker client's config, read the way `docker pull`
//! reads them: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`;
//! for a registry, its `credHelpers` entry first, then a base64 `auth` (or
//! `username`/`password`) under `auths`, then the `credsStore`. A helper is
//! run as `docker-credential-NAME get` with the server on its stdin.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use super::reference::HUB;
use crate::error::{Error, Result};

/// The user name under which a secret is an identity (OAuth refresh) token,
/// as credential helpers return it.
pub(crate) const IDENTITY_TOKEN_USER: &str = "<token>";

/// A user name and secret, and where they came from (for error messages;
/// never the secret itself). A user of [`IDENTITY_TOKEN_USER`] means the
/// secret is an identity token.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Credential {
    pub(crate) username: String,
    pub(crate) secret: String,
    /// e.g. `user 'ci' from auths["reg.example.com"] in /root/.docker/config.json`.
    pub(crate) from: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential({})", self.from)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Config {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    /// An OAuth refresh token `docker login` stored instead of a password.
    #[serde(default)]
    identitytoken: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    #[serde(default)]
    username: String,
    #[serde(default)]
    secret: String,
}

/// The Docker config file: `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub(crate) fn config_path() -> Option<PathBuf> {
    match std::env::var_os("DOCKER_CONFIG").filter(|v| !v.is_empty()) {
        Some(dir) => Some(Path::new(&dir).join("config.json")),
        None => std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(|h| Path::new(&h).join(".docker").join("config.json")),
    }
}

/// The credential for `registry` (`host[:port]`, `docker.io` for Docker Hub),
/// if the config has one. A missing config is no credential; a config that
/// does not parse, or a helper that fails, is an error naming it.
pub(crate) fn lookup(registry: &str) -> Result<Option<Credential>> {
    let Some(path) = config_path() else {
        return Ok(None);
    };
    let text = match std::fs::read(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let config: Config = serde_json::from_slice(&text).map_err(|e| {
        Error::Usage(format!(
            "cannot read the Docker config '{}': {e}; fix or move it (DOCKER_CONFIG \
             names another directory)",
            path.display()
        ))
    })?;
    from_config(&config, &path, registry)
}

fn from_config(config: &Config, path: &Path, registry: &str) -> Result<Option<Credential>> {
    let server = server_name(registry);
    if let Some(helper) =
        key_for(config.cred_helpers.keys(), registry).and_then(|k| config.cred_helpers.get(k))
    {
        return run_helper(helper, &server);
    }
    if let Some((key, entry)) =
        key_for(config.auths.keys(), registry).and_then(|k| Some((k, config.auths.get(k)?)))
        && let Some(c) = decode_entry(entry, key, path)?
    {
        return Ok(Some(c));
    }
    match config.creds_store.as_deref().filter(|s| !s.is_empty()) {
        Some(store) => run_helper(store, &server),
        None => Ok(None),
    }
}

/// What the Docker client calls the server: Docker Hub's legacy URL, else the host.
fn server_name(registry: &str) -> String {
    if registry == HUB {
        "https://index.docker.io/v1/".to_string()
    } else {
        registry.to_string()
    }
}

/// The config key that means `registry`: `host`, `https://host`, `http://host/v1/`, ...
fn key_for<'a>(keys: impl Iterator<Item = &'a String>, registry: &str) -> Option<&'a String> {
    let bare = |k: &str| -> String {
        let k = k
            .strip_prefix("https://")
            .or_else(|| k.strip_prefix("http://"))
            .unwrap_or(k);
        let host = k.split('/').next().unwrap_or(k);
        match host {
            "index.docker.io" | "registry-1.docker.io" | "docker.io" => HUB.to_string(),
            h => h.to_string(),
        }
    };
    let mut keys: Vec<&String> = keys.filter(|k| bare(k) == registry).collect();
    // An exact key wins over a URL form of it.
    keys.sort_by_key(|k| (k.as_str() != registry, k.len()));
    keys.into_iter().next()
}

fn decode_entry(entry: &AuthEntry, key: &str, path: &Path) -> Result<Option<Credential>> {
    let from = |user: &str| format!("user '{user}' from auths[\"{key}\"] in {}", path.display());
    if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credential {
            username: IDENTITY_TOKEN_USER.to_string(),
            secret: token.to_string(),
            from: format!(
                "the identity token from auths[\"{key}\"] in {}",
                path.display()
            ),
        }));
    }
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        use base64::Engine;
        let bad = || {
            Error::Usage(format!(
                "the Docker config '{}' has an auths[\"{key}\"].auth that is not \
                 base64 of user:password; log in again (docker login)",
                path.display()
            ))
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| bad())?;
        let text = String::from_utf8(bytes).map_err(|_| bad())?;
        let (user, pass) = text.split_once(':').ok_or_else(bad)?;
        return Ok(Some(Credential {
            username: user.to_string(),
            secret: pass.to_string(),
            from: from(user),
        }));
    }
    match (&entry.username, &entry.password) {
        (Some(u), Some(p)) if !u.is_empty() => Ok(Some(Credential {
            username: u.clone(),
            secret: p.clone(),
            from: from(u),
        })),
        _ => Ok(None),
    }
}

/// How long a credential helper may take to answer.
const HELPER_DEADLINE: Duration = Duration::from_secs(30);

/// `docker-credential-NAME get`, with `server` on its stdin.
fn run_helper(name: &str, server: &str) -> Result<Option<Credential>> {
    run_program(
        &format!("docker-credential-{name}"),
        server,
        HELPER_DEADLINE,
    )
}

/// Run a helper `program`; one that has not answered by `deadline` is killed.
fn run_program(program: &str, server: &str, deadline: Duration) -> Result<Option<Credential>> {
    let failed = |why: String| {
        Error::Usage(format!(
            "the Docker credential helper '{program}' failed for '{server}': {why}"
        ))
    };
    let mut child = Command::new(program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot run it ({e}); is it on PATH?")))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A helper that exits without reading its input is judged by its answer.
        let _ = stdin.write_all(server.as_bytes());
    }
    let until = Instant::now() + deadline;
    let status = loop {
        match child.try_wait().map_err(|e| failed(e.to_string()))? {
            Some(status) => break status,
            None if Instant::now() >= until => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(failed(format!(
                    "it did not answer within {} s",
                    deadline.as_secs_f32()
                )));
            }
            None => std::thread::sleep(Duration::from_millis(10)),
        }
    };
    let read = |pipe: Option<&mut dyn Read>| {
        let mut text = String::new();
        if let Some(p) = pipe {
            let _ = p.take(1024 * 1024).read_to_string(&mut text);
        }
        text
    };
    let stdout = read(child.stdout.as_mut().map(|p| p as &mut dyn Read));
    let stderr = read(child.stderr.as_mut().map(|p| p as &mut dyn Read));
    if !status.success() {
        // The helpers' protocol: this message means "no credential stored".
        if stdout.contains("credentials not found") {
            return Ok(None);
        }
        return Err(failed(format!(
            "{}: {}",
            status,
            format!("{stdout} {stderr}").trim()
        )));
    }
    let answer: HelperAnswer = serde_json::from_str(&stdout)
        .map_err(|e| failed(format!("its answer is not the helper protocol's JSON: {e}")))?;
    if answer.username.is_empty() && answer.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(Credential {
        from: format!(
            "user '{}' from credential helper {program}",
            answer.username
        ),
        username: answer.username,
        secret: answer.secret,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> Config {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn auths_entries_decode_and_match_url_forms() {
        let c = config(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "aHViOnNlY3JldA=="},
                "http://127.0.0.1:5000/v2/": {"auth": "dXNlcjpwYTpzcw=="},
                "reg.example.com": {"username": "ci", "password": "pw"}
            }}"#,
        );
        let p = Path::new("/cfg/config.json");
        let hub = from_config(&c, p, "docker.io").unwrap().unwrap();
        assert_eq!(
            (hub.username.as_str(), hub.secret.as_str()),
            ("hub", "secret")
        );
        let local = from_config(&c, p, "127.0.0.1:5000").unwrap().unwrap();
        assert_eq!(
            (local.username.as_str(), local.secret.as_str()),
            ("user", "pa:ss")
        );
        assert!(local.from.contains("/cfg/config.json"), "{}", local.from);
        assert!(!local.from.contains("pa:ss"));
        let plain = from_config(&c, p, "reg.example.com").unwrap().unwrap();
        assert_eq!(plain.username, "ci");
        assert!(from_config(&c, p, "other.example.com").unwrap().is_none());
    }

    #[test]
    fn a_broken_auth_entry_is_an_error_naming_the_file() {
        let c = config(r#"{"auths": {"reg.example.com": {"auth": "%%%"}}}"#);
        let e = from_config(&c, Path::new("/cfg/config.json"), "reg.example.com")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/cfg/config.json") && e.contains("docker login"),
            "{e}"
        );
    }

    #[test]
    fn a_credential_helper_that_hangs_is_killed_at_its_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let helper = dir.path().join("docker-credential-hangs");
        std::fs::write(&helper, "#!/bin/sh\nexec sleep 30\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let started = Instant::now();
        let e = run_program(helper.to_str().unwrap(), "reg", Duration::from_millis(300))
            .unwrap_err()
            .to_string();
        assert!(e.contains("did not answer within 0.3 s"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn a_missing_helper_is_an_error_naming_it() {
        let c = config(r#"{"credHelpers": {"reg.example.com": "ballast-test-none"}}"#);
        let e = from_config(&c, Path::new("/c"), "reg.example.com")
            .unwrap_err()
            .to_string();
        assert!(e.contains("docker-credential-ballast-test-none"), "{e}");
    }
}
