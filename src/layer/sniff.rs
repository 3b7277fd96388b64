//! Content sniffing done in the read pass, for the findings that need to look
//! inside files (secrets). Only the first bytes of each file are looked at, so
//! it costs nothing beyond the read that hashing already does.
//!
//! dockle's most reported fault is flagging CA bundles and settings files: here a
//! certificate is never a secret (only `PRIVATE KEY` headers are), and a
//! credentials file counts only when it holds a value for a secret field.

/// The file holds a PEM or OpenSSH private key.
pub const PRIVATE_KEY: u8 = 1;
/// A credentials file (`.env`, `.npmrc`, `.pypirc`, cloud credentials, ...) with a
/// value for a secret field.
pub const CREDENTIALS: u8 = 2;

/// How many leading bytes are looked at.
pub const HEAD: usize = 16 * 1024;

/// The largest file kept whole for the package inventories.
pub const CAPTURE_LIMIT: u64 = 32 * 1024 * 1024;

/// Files whose whole content the package inventories and dev-dependency rule
/// read: dpkg's status and file lists, apk's database, Python RECORDs, npm
/// manifests and lockfiles.
pub fn wanted(path: &[u8]) -> bool {
    let (parent, name) = super::path::split_last(path);
    let parent_name = super::path::split_last(parent).1;
    match name {
        b"status" => parent == b"var/lib/dpkg",
        b"installed" => parent == b"lib/apk/db",
        b"RECORD" => parent_name.ends_with(b".dist-info"),
        b"package-lock.json" | b"yarn.lock" | b"pnpm-lock.yaml" | b"npm-shrinkwrap.json" => true,
        b"package.json" => true,
        n if n.ends_with(b".list") => parent == b"var/lib/dpkg/info",
        _ => parent == b"var/lib/dpkg/status.d",
    }
}

/// Flags for a regular file from its path and first bytes.
pub fn classify(path: &[u8], head: &[u8]) -> u8 {
    let mut flags = 0;
    if has_private_key(head) {
        flags |= PRIVATE_KEY;
    }
    if credential_file(path).is_some_and(|kind| has_secret_value(kind, head)) {
        flags |= CREDENTIALS;
    }
    flags
}

fn has_private_key(head: &[u8]) -> bool {
    let mut rest = head;
    while let Some(i) = find(rest, b"-----BEGIN ") {
        let line = &rest[i + 11..];
        let end = line
            .iter()
            .position(|&b| b == b'\n')
            .unwrap_or(line.len())
            .min(64);
        let label = &line[..end];
        if find(label, b"PRIVATE KEY-----").is_some() {
            return true;
        }
        rest = &line[end..];
    }
    false
}

/// Kinds of files that hold credentials by convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialFile {
    DotEnv,
    Npmrc,
    Pypirc,
    AwsCredentials,
    DockerConfig,
    GitCredentials,
    Netrc,
}

/// Which kind of credentials file `path` is, by name.
pub fn credential_file(path: &[u8]) -> Option<CredentialFile> {
    let (parent, name) = super::path::split_last(path);
    let parent_name = super::path::split_last(parent).1;
    match name {
        b".env" => Some(CredentialFile::DotEnv),
        n if n.starts_with(b".env.")
            && !n.ends_with(b".example")
            && !n.ends_with(b".sample")
            && !n.ends_with(b".template") =>
        {
            Some(CredentialFile::DotEnv)
        }
        b".npmrc" => Some(CredentialFile::Npmrc),
        b".pypirc" => Some(CredentialFile::Pypirc),
        b"credentials" if parent_name == b".aws" => Some(CredentialFile::AwsCredentials),
        b"config.json" if parent_name == b".docker" => Some(CredentialFile::DockerConfig),
        b".git-credentials" => Some(CredentialFile::GitCredentials),
        b".netrc" => Some(CredentialFile::Netrc),
        _ => None,
    }
}

fn has_secret_value(kind: CredentialFile, head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    match kind {
        // Any assignment with a non-empty value: a .env file is configuration
        // that is meant to stay out of images.
        CredentialFile::DotEnv => text.lines().any(|l| {
            let l = l.trim();
            !l.starts_with('#')
                && l.split_once('=').is_some_and(|(k, v)| {
                    !k.trim().is_empty() && !v.trim().trim_matches(['"', '\'']).is_empty()
                })
        }),
        CredentialFile::Npmrc => text.lines().any(|l| {
            let l = l.trim();
            (l.contains("_authToken") || l.contains("_auth") || l.contains("_password"))
                && l.split_once('=')
                    .is_some_and(|(_, v)| !v.trim().is_empty() && !v.trim().starts_with("${"))
        }),
        CredentialFile::Pypirc => text.lines().any(|l| {
            l.trim_start().starts_with("password")
                && l.split_once(['=', ':'])
                    .is_some_and(|(_, v)| !v.trim().is_empty())
        }),
        CredentialFile::AwsCredentials => text.contains("aws_secret_access_key"),
        CredentialFile::DockerConfig => {
            text.contains("\"auth\"") || text.contains("\"identitytoken\"")
        }
        CredentialFile::GitCredentials => {
            text.lines().any(|l| l.contains("://") && l.contains('@'))
        }
        CredentialFile::Netrc => text.contains("password"),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_keys_are_found_and_certificates_are_not() {
        assert_eq!(
            classify(b"k", b"-----BEGIN RSA PRIVATE KEY-----\nMII..."),
            PRIVATE_KEY
        );
        assert_eq!(
            classify(b"k", b"junk\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl"),
            PRIVATE_KEY
        );
        assert_eq!(
            classify(b"k", b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n"),
            PRIVATE_KEY
        );
        let bundle = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".repeat(50);
        assert_eq!(classify(b"etc/ssl/certs/ca-certificates.crt", &bundle), 0);
        assert_eq!(classify(b"k", b"-----BEGIN PUBLIC KEY-----\n"), 0);
    }

    #[test]
    fn credential_files_count_only_with_values() {
        assert_eq!(classify(b"app/.env", b"DB_PASSWORD=hunter2\n"), CREDENTIALS);
        assert_eq!(classify(b"app/.env", b"# DB_PASSWORD=\nDEBUG=\n"), 0);
        assert_eq!(classify(b"app/.env.example", b"DB_PASSWORD=changeme\n"), 0);
        assert_eq!(
            classify(
                b"root/.npmrc",
                b"//registry.npmjs.org/:_authToken=npm_abc\n"
            ),
            CREDENTIALS
        );
        assert_eq!(
            classify(
                b"root/.npmrc",
                b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"
            ),
            0
        );
        assert_eq!(
            classify(b"root/.npmrc", b"registry=https://registry.npmjs.org/\n"),
            0
        );
        assert_eq!(
            classify(
                b"root/.pypirc",
                b"[pypi]\nusername = __token__\npassword = pypi-abc\n"
            ),
            CREDENTIALS
        );
        assert_eq!(
            classify(
                b"root/.aws/credentials",
                b"[default]\naws_secret_access_key = x\n"
            ),
            CREDENTIALS
        );
        assert_eq!(
            classify(
                b"root/.docker/config.json",
                br#"{"auths":{"r":{"auth":"eDp5"}}}"#
            ),
            CREDENTIALS
        );
        assert_eq!(
            classify(
                b"app/settings.py",
                b"SECRET_KEY = os.environ['SECRET_KEY']\n"
            ),
            0
        );
        assert_eq!(classify(b"app/.gitignore", b".env\n"), 0);
    }
}
