//! Registry authentication: the `WWW-Authenticate` challenge, basic auth and
//! the bearer-token flow (ask the challenge's realm for a token for its
//! service and scope, with the user's credentials when there are some), and
//! reuse of a token for every request in the same scope.

use std::collections::HashMap;
use std::sync::Mutex;

use super::credentials::Credential;

/// A parsed `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// `basic` or `bearer` (lowercased).
    pub(crate) scheme: String,
    pub(crate) params: HashMap<String, String>,
}

impl Challenge {
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Parse `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"`
/// (quoted values may hold commas and escaped quotes; unquoted values are tokens).
pub(crate) fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = match header.split_once(char::is_whitespace) {
        Some((s, r)) => (s, r),
        None => (header, ""),
    };
    if scheme.is_empty() {
        return None;
    }
    let mut params = HashMap::new();
    let mut chars = rest.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let key: String = chars
            .by_ref()
            .take_while(|c| *c != '=')
            .collect::<String>()
            .trim()
            .to_ascii_lowercase();
        if key.is_empty() {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| *c != ',') {
                value.push(c);
            }
            value = value.trim().to_string();
        }
        params.insert(key, value);
    }
    Some(Challenge {
        scheme: scheme.to_ascii_lowercase(),
        params,
    })
}

/// The token endpoint's answer (`token`, or OAuth's `access_token`).
#[derive(serde::Deserialize)]
pub(crate) struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

impl TokenAnswer {
    pub(crate) fn into_token(self) -> Option<String> {
        self.token.or(self.access_token).filter(|t| !t.is_empty())
    }
}

/// `Basic <base64(user:password)>`.
pub(crate) fn basic_header(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// The URL that asks `challenge`'s realm for a token; `None` without a realm.
pub(crate) fn token_url(challenge: &Challenge, scope: &str) -> Option<String> {
    let realm = challenge.param("realm").filter(|r| !r.is_empty())?;
    let mut url = realm.to_string();
    let mut sep = if realm.contains('?') { '&' } else { '?' };
    for (key, value) in [
        ("service", challenge.param("service")),
        ("scope", challenge.param("scope").or(Some(scope))),
    ] {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            url.push(sep);
            url.push_str(key);
            url.push('=');
            url.push_str(&encode(v));
            sep = '&';
        }
    }
    Some(url)
}

/// Percent-encode a query value.
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What to send: per scope, the `Authorization` value that worked last.
#[derive(Default)]
pub(crate) struct Tokens {
    by_scope: Mutex<HashMap<String, String>>,
}

impl Tokens {
    pub(crate) fn get(&self, scope: &str) -> Option<String> {
        self.by_scope
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(scope)
            .cloned()
    }

    pub(crate) fn put(&self, scope: &str, header: String) {
        self.by_scope
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(scope.to_string(), header);
    }
}

/// The `Authorization` value for basic auth with `credential`, if it has a password.
pub(crate) fn basic_for(credential: Option<&Credential>) -> Option<String> {
    credential.map(|c| basic_header(&c.username, &c.secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse_with_quotes_commas_and_escapes() {
        let c = parse_challenge(
            r#"Bearer realm="http://127.0.0.1:9/token?a=b",service="reg, one",scope="repository:x/y:pull,push",error="a\"b""#,
        )
        .unwrap();
        assert_eq!(c.scheme, "bearer");
        assert_eq!(c.param("realm"), Some("http://127.0.0.1:9/token?a=b"));
        assert_eq!(c.param("service"), Some("reg, one"));
        assert_eq!(c.param("scope"), Some("repository:x/y:pull,push"));
        assert_eq!(c.param("error"), Some("a\"b"));
        let b = parse_challenge("Basic realm=Registry").unwrap();
        assert_eq!(b.scheme, "basic");
        assert_eq!(b.param("realm"), Some("Registry"));
        assert_eq!(parse_challenge("Basic").unwrap().params.len(), 0);
        assert!(parse_challenge("  ").is_none());
    }

    #[test]
    fn token_urls_carry_service_and_scope() {
        let c =
            parse_challenge(r#"Bearer realm="https://auth.example/token",service="reg""#).unwrap();
        assert_eq!(
            token_url(&c, "repository:team/app:pull").unwrap(),
            "https://auth.example/token?service=reg&scope=repository%3Ateam%2Fapp%3Apull"
        );
        assert!(token_url(&parse_challenge("Bearer service=x").unwrap(), "s").is_none());
    }

    #[test]
    fn basic_headers_are_base64() {
        assert_eq!(basic_header("user", "pass"), "Basic dXNlcjpwYXNz");
    }
}
