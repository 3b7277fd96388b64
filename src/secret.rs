//! Which environment and build-arg names hold a secret, and the history
//! lines' `NAME=value` assignments with those values redacted. One list for
//! the whole crate: the image analysis (config `Env`, history lines) and the
//! Dockerfile lint (`ENV`, `ARG`) ask the same question here. A leaf module:
//! it imports nothing from the crate.
//!
//! The rule: a name is a secret when it contains one of [`SECRET_WORDS`]
//! (case-insensitively), unless it ends with one of [`POINTER_SUFFIXES`]:
//! those name where a secret is (`POSTGRES_PASSWORD_FILE=/run/secrets/db`,
//! `OAUTH_TOKEN_URL=https://...`), not the secret itself. A bare `PRIVATE`
//! is not a secret word (`PRIVATE_REGISTRY` is an address); `PRIVATE_KEY`
//! is.

/// Words that, inside a name, say the value is a credential.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "APIKEY",
    "API_KEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "PRIVATEKEY",
    "AUTH_KEY",
];

/// Endings of names that point at a secret rather than hold it.
const POINTER_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_URL",
    "_URI",
    "_ENDPOINT",
    "_HOST",
    "_NAME",
];

/// Whether an environment or build-arg name looks like it holds a secret.
pub fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let pointer = POINTER_SUFFIXES.iter().any(|s| upper.ends_with(s));
    !pointer && SECRET_WORDS.iter().any(|w| upper.contains(w))
}

/// One `NAME=value` assignment in a history line, as byte ranges into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// `ARG` (build args a RUN saw, or an ARG default) or `ENV`.
    pub kind: &'static str,
    pub name: std::ops::Range<usize>,
    pub value: std::ops::Range<usize>,
}

/// The assignments a history line records: build args before a RUN
/// (`|2 A=1 B=2 /bin/sh -c …`, legacy and BuildKit) and `ENV`/`ARG`
/// instructions (`/bin/sh -c #(nop)  ENV K=v`, BuildKit `ENV K=v`).
pub fn assignments(line: &str) -> Vec<Assignment> {
    // Words with their byte offsets.
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in line.char_indices().chain([(line.len(), ' ')]) {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    let word = |r: &std::ops::Range<usize>| &line[r.clone()];
    let mut i = 0;
    if words.first().is_some_and(|w| word(w) == "RUN") {
        i = 1;
    }
    let assignment = |kind, r: &std::ops::Range<usize>| {
        let eq = word(r).find('=')?;
        let name = r.start..r.start + eq;
        let valid = eq > 0
            && line[name.clone()]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        valid.then(|| Assignment {
            kind,
            name,
            value: r.start + eq + 1..r.end,
        })
    };
    let mut out = Vec::new();
    if let Some(n) = words
        .get(i)
        .and_then(|w| word(w).strip_prefix('|'))
        .and_then(|n| n.parse::<usize>().ok())
    {
        out.extend(
            words
                .iter()
                .skip(i + 1)
                .take(n)
                .filter_map(|w| assignment("ARG", w)),
        );
        return out;
    }
    // Skip the legacy builder's `/bin/sh -c #(nop)` prefix.
    if words.len() > i + 2
        && word(&words[i]) == "/bin/sh"
        && word(&words[i + 1]) == "-c"
        && word(&words[i + 2]) == "#(nop)"
    {
        i += 3;
    }
    let kind = match words.get(i).map(word) {
        Some("ENV") => "ENV",
        Some("ARG") => "ARG",
        _ => return out,
    };
    out.extend(words.iter().skip(i + 1).filter_map(|w| assignment(kind, w)));
    out
}

/// A history line with the values of secret-looking assignments replaced,
/// and the passwords of URLs in it (see [`redact_url_credentials`]).
pub fn redact_history(line: &str) -> String {
    let mut out = line.to_string();
    for a in assignments(line).into_iter().rev() {
        if secret_name(&line[a.name.clone()]) && !a.value.is_empty() {
            out.replace_range(a.value, "<redacted>");
        }
    }
    redact_url_credentials(&out)
}

/// `text` with the password of every URL in it replaced:
/// `postgres://user:pw@db/app` becomes `postgres://user:<redacted>@db/app`.
/// A URL's authority runs from `://` to the next `/`, `?`, `#`, quote or
/// white space; its user information up to the authority's last `@`, the
/// password after the user information's first `:`. User information
/// without a `:` is a token given as the user name (`https://ghp_…@github.com`)
/// unless it reads as a plain user name (`plain_user`): it is redacted
/// whole. One pass, linear time.
pub fn redact_url_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (head, tail) = rest.split_at(at + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '`') || c.is_whitespace())
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        let password = authority.rfind('@').and_then(|at| {
            let Some(colon) = authority[..at].find(':') else {
                return (at > 0 && !plain_user(&authority[..at])).then_some((0, at));
            };
            (colon + 1 < at).then_some((colon + 1, at))
        });
        match password {
            Some((from, to)) => {
                out.push_str(&authority[..from]);
                out.push_str("<redacted>");
                out.push_str(&authority[to..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// How well-known tokens begin (GitHub, GitLab, Slack, npm, PyPI, Hugging
/// Face, OpenAI, DigitalOcean): a user name starting so is a token whatever
/// its case.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "gldt-",
    "glcbt-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "npm_",
    "pypi-",
    "hf_",
    "sk-",
    "dop_v1_",
];

/// Whether the user information of a URL, given without a password, reads
/// as a user name rather than a token: a variable reference (`$USER`,
/// `${USER}`), or at most 32 lowercase letters, digits, `.`, `_` and `-`,
/// starting with a letter, with fewer than 6 digits and no token prefix
/// (`git`, `deploy`, `ci-bot`). Tokens have upper case (`ghp_…`, `glpat-…`, `AKIA…`), are
/// longer (hex digests) or are mostly digits.
fn plain_user(user: &str) -> bool {
    if let Some(var) = user.strip_prefix('$') {
        let name = var
            .strip_prefix('{')
            .and_then(|v| v.strip_suffix('}'))
            .unwrap_or(var);
        return !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    }
    let digits = user.chars().filter(char::is_ascii_digit).count();
    !TOKEN_PREFIXES.iter().any(|p| user.starts_with(p))
        && user.len() <= 32
        && user.starts_with(|c: char| c.is_ascii_lowercase())
        && user
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        && digits < 6
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every case either of the two former lists (the analysis's and the
    /// lint's) decided, and the two on which they disagreed.
    #[test]
    fn secret_names() {
        for n in [
            "DB_PASSWORD",
            "MYSQL_ROOT_PASSWORD",
            "PGPASSWORD",
            "GITHUB_TOKEN",
            "NPM_TOKEN",
            "api_key",
            "APIKEY",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "CLIENT_SECRET",
            "SSH_PRIVATE_KEY",
            "TS_AUTH_KEY",
            "GOOGLE_CREDENTIALS",
            "HTPASSWD",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "PASSWORD_FILE",
            "POSTGRES_PASSWORD_FILE",
            "SECRET_PATH",
            "TOKEN_DIR",
            "VAULT_TOKEN_URI",
            "TOKEN_ENDPOINT",
            "SECRET_HOST",
            "SECRET_NAME",
            "KEYBOARD",
            "HOME",
            "SSH_AUTH_SOCK",
        ] {
            assert!(!secret_name(n), "{n}");
        }
    }

    /// The analysis called `TOKEN_URL` a secret and the lint did not; the
    /// lint called `PRIVATE_REGISTRY` safe and the analysis did not. Decided:
    /// both name a place, not a secret.
    #[test]
    fn the_former_disagreements_are_decided() {
        assert!(!secret_name("TOKEN_URL"), "a URL says where a token is");
        assert!(!secret_name("PRIVATE_REGISTRY"), "an address, not a key");
        assert!(secret_name("PRIVATE_KEY"));
    }

    #[test]
    fn passwords_in_urls_are_redacted() {
        let cases = [
            (
                "postgres://user:pw@db/app",
                "postgres://user:<redacted>@db/app",
            ),
            (
                "a=https://u:p%40ss@h:5432?x=1 b=redis://:secret@cache:6379",
                "a=https://u:<redacted>@h:5432?x=1 b=redis://:<redacted>@cache:6379",
            ),
            ("amqp://guest:gu@st@mq", "amqp://guest:<redacted>@mq"),
            // No password, a port, an address in the path: nothing to hide.
            ("https://user@host/x", "https://user@host/x"),
            ("ssh://git@github.com/o/r", "ssh://git@github.com/o/r"),
            (
                "https://${GH_TOKEN}@github.com/o/r",
                "https://${GH_TOKEN}@github.com/o/r",
            ),
            (
                "git clone https://ghp_16C7e42F292c6912E7710c838347Ae178B4a@github.com/org/repo",
                "git clone https://<redacted>@github.com/org/repo",
            ),
            ("https://TOKEN@host", "https://<redacted>@host"),
            (
                "https://glpat-xxxxxxxxxxxxxxxxxxxx@gitlab.com",
                "https://<redacted>@gitlab.com",
            ),
            (
                "https://0123456789abcdef0123456789abcdef01234567@h/x",
                "https://<redacted>@h/x",
            ),
            ("https://12345678@h", "https://<redacted>@h"),
            ("http://host:8080/a@b:c", "http://host:8080/a@b:c"),
            ("mailto:x@y ftp://", "mailto:x@y ftp://"),
            ("://:@", "://:@"),
            ("naïve://ü:ß@é/", "naïve://ü:<redacted>@é/"),
        ];
        for (text, want) in cases {
            assert_eq!(redact_url_credentials(text), want, "{text}");
        }
    }

    #[test]
    fn history_lines_lose_the_passwords_of_their_urls() {
        assert_eq!(
            redact_history("/bin/sh -c #(nop)  ENV DATABASE_URL=postgres://app:hunter2@db/app"),
            "/bin/sh -c #(nop)  ENV DATABASE_URL=postgres://app:<redacted>@db/app"
        );
        assert_eq!(
            redact_history("/bin/sh -c git clone https://bot:ghp_x@github.com/o/r"),
            "/bin/sh -c git clone https://bot:<redacted>@github.com/o/r"
        );
    }

    #[test]
    fn history_secrets_are_redacted_and_file_references_are_not_secrets() {
        assert_eq!(
            redact_history("|2 NPM_TOKEN=npm_abc VERSION=1 /bin/sh -c npm ci"),
            "|2 NPM_TOKEN=<redacted> VERSION=1 /bin/sh -c npm ci"
        );
        assert_eq!(
            redact_history("RUN |1 API_KEY=k /bin/sh -c x # buildkit"),
            "RUN |1 API_KEY=<redacted> /bin/sh -c x # buildkit"
        );
        assert_eq!(
            redact_history("/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter2 MODE=prod"),
            "/bin/sh -c #(nop)  ENV DB_PASSWORD=<redacted> MODE=prod"
        );
        assert_eq!(
            redact_history("ARG GITHUB_TOKEN=ghp_x"),
            "ARG GITHUB_TOKEN=<redacted>"
        );
        // A RUN's own text is not an assignment list.
        assert_eq!(
            redact_history("/bin/sh -c export TOKEN=x"),
            "/bin/sh -c export TOKEN=x"
        );
        assert!(!secret_name("POSTGRES_PASSWORD_FILE"));
        assert!(secret_name("POSTGRES_PASSWORD"));
    }
}
