//! Content sniffing done in the read pass, for the findings that need to look
//! inside files (secrets) and for the estimates (how native code is linked:
//! glibc, musl, static, Go). Only the first bytes of each file are looked at,
//! so it costs nothing beyond the read that hashing already does.
//!
//! dockle's most reported fault is flagging CA bundles and settings files: here a
//! certificate is never a secret (only `PRIVATE KEY` headers are), and a
//! credentials file counts only when it holds a value for a secret field.

/// The file holds a PEM or OpenSSH private key.
pub const PRIVATE_KEY: u8 = 1;
/// A credentials file (`.env`, `.npmrc`, `.pypirc`, cloud credentials, ...) with a
/// value for a secret field.
pub const CREDENTIALS: u8 = 2;

/// Both secret flags: what the `secret` rule looks at.
pub const SECRET: u8 = PRIVATE_KEY | CREDENTIALS;
/// An ELF object linked against glibc (interpreter `ld-linux*`, or a shared
/// object whose dynamic strings name `libc.so.6` or `GLIBC_` symbol versions).
pub const ELF_GLIBC: u8 = 4;
/// An ELF object linked against musl (`ld-musl-*`, `libc.musl-*`).
pub const ELF_MUSL: u8 = 8;
/// An ELF executable with neither interpreter nor dynamic section: runs on
/// any base, `scratch` included.
pub const ELF_STATIC: u8 = 16;
/// A Go binary (its build ID note sits in the first pages).
pub const GO_BINARY: u8 = 32;
/// Any of the ELF flags.
pub const ELF: u8 = ELF_GLIBC | ELF_MUSL | ELF_STATIC | GO_BINARY;

/// How many leading bytes are looked at.
pub const HEAD: usize = 16 * 1024;

/// Files whose whole content the package inventories and dev-dependency rule
/// read: dpkg's status and file lists, apk's database, Python RECORDs, npm
/// manifests and lockfiles, and the OS release files (base detection).
pub fn wanted(path: &[u8]) -> bool {
    let (parent, name) = super::path::split_last(path);
    let parent_name = super::path::split_last(parent).1;
    match name {
        b"status" => parent == b"var/lib/dpkg",
        b"os-release" => parent == b"etc" || parent == b"usr/lib",
        b"alpine-release" | b"debian_version" => parent == b"etc",
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

/// [`classify`], plus the ELF flags for the files [`elf_candidate`] names:
/// what both read paths (the tar stream and the engine's storage) record.
pub fn classify_entry(path: &[u8], mode: u32, head: &[u8]) -> u8 {
    let mut flags = classify(path, head);
    if elf_candidate(path, mode) {
        flags |= elf(head);
    }
    flags
}

/// Files whose ELF flags the estimates use: native addons and extension
/// modules, the runtimes a base switch may copy, and executables outside the
/// distribution's own directories (an app's binary, a Go server). Reading in
/// place sniffs only these (system binaries would cost a read each); the
/// estimates look at no others, so both read paths agree.
pub fn elf_candidate(path: &[u8], mode: u32) -> bool {
    let name = super::path::split_last(path).1;
    let has = |needle: &[u8]| path.windows(needle.len()).any(|w| w == needle);
    let native = name.ends_with(b".node")
        || ((has(b"site-packages/") || has(b"dist-packages/") || has(b"node_modules/"))
            && has(b".so"));
    let runtime = path == b"usr/bin/node" || path.starts_with(b"usr/bin/python3");
    let system = [
        &b"usr/"[..],
        b"bin/",
        b"sbin/",
        b"lib/",
        b"lib64/",
        b"lib32/",
        b"etc/",
        b"opt/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
        && !path.starts_with(b"usr/local/bin/");
    native || runtime || (mode & 0o111 != 0 && !system)
}

/// What an ELF header and the program headers within `head` say about how
/// the object is linked (0 for anything that is not ELF). Only what the base
/// switch estimate needs: which libc it wants, or none.
pub fn elf(head: &[u8]) -> u8 {
    if head.len() < 52 || &head[..4] != b"\x7fELF" {
        return 0;
    }
    let wide = head[4] == 2;
    let little = head[5] != 2;
    let int = |at: usize, len: usize| -> Option<u64> {
        let b = head.get(at..at.checked_add(len)?)?;
        let mut v = 0u64;
        for i in 0..len {
            let byte = if little { b[len - 1 - i] } else { b[i] };
            v = v << 8 | u64::from(byte);
        }
        Some(v)
    };
    let e_type = int(16, 2).unwrap_or(0);
    let (phoff, phentsize, phnum) = if wide {
        (int(32, 8), int(54, 2), int(56, 2))
    } else {
        (int(28, 4), int(42, 2), int(44, 2))
    };
    let (Some(phoff), Some(phentsize), Some(phnum)) = (phoff, phentsize, phnum) else {
        return 0;
    };
    let (mut interp, mut dynamic, mut seen) = (None, false, false);
    for i in 0..phnum.min(64) {
        let Some(at) = phoff
            .checked_add(i * phentsize)
            .and_then(|a| usize::try_from(a).ok())
        else {
            break;
        };
        // Past the head, nothing more to read (and no offset below overflows).
        if at >= head.len() {
            break;
        }
        let Some(p_type) = int(at, 4) else { break };
        seen = true;
        match p_type {
            2 => dynamic = true,
            3 => {
                let (off, size) = if wide {
                    (int(at + 8, 8), int(at + 32, 8))
                } else {
                    (int(at + 4, 4), int(at + 16, 4))
                };
                interp = off.zip(size).and_then(|(o, s)| {
                    let o = usize::try_from(o).ok()?;
                    head.get(o..o.checked_add(usize::try_from(s).ok()?)?)
                });
            }
            _ => {}
        }
    }
    let mut flags = 0;
    if find(head, b"Go build ID: \"").is_some() {
        flags |= GO_BINARY;
    }
    match interp {
        Some(i) if find(i, b"ld-musl").is_some() => flags |= ELF_MUSL,
        Some(i) if find(i, b"ld-linux").is_some() || find(i, b"ld64.so").is_some() => {
            flags |= ELF_GLIBC
        }
        Some(_) => {}
        None if dynamic => {
            // A shared object: its dynamic strings usually sit in the first
            // pages, before the code.
            if find(head, b"libc.musl-").is_some() {
                flags |= ELF_MUSL;
            } else if find(head, b"libc.so.6\0").is_some() || find(head, b"GLIBC_2.").is_some() {
                flags |= ELF_GLIBC;
            }
        }
        None if seen && matches!(e_type, 2 | 3) => flags |= ELF_STATIC,
        None => {}
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

/// Where `needle` first occurs in `hay`. Every file's head is searched, so
/// this is memchr's vectorised search, not a compare at each position (which
/// was a seventh of a cold analysis's CPU time).
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elf_objects_say_which_libc_they_want() {
        use testimage::elf as object;
        let glibc = object(Some("/lib64/ld-linux-x86-64.so.2"), None, b"");
        assert_eq!(elf(&glibc), ELF_GLIBC);
        let musl = object(Some("/lib/ld-musl-x86_64.so.1"), None, b"");
        assert_eq!(elf(&musl), ELF_MUSL);
        let addon = object(None, Some("libc.so.6"), b"");
        assert_eq!(elf(&addon), ELF_GLIBC);
        let musl_addon = object(None, Some("libc.musl-x86_64.so.1"), b"");
        assert_eq!(elf(&musl_addon), ELF_MUSL);
        assert_eq!(elf(&object(None, None, b"")), ELF_STATIC);
        let go = object(None, None, b"\xff Go build ID: \"abc/def\"\n");
        assert_eq!(elf(&go), ELF_STATIC | GO_BINARY);
        // Not ELF, truncated, or headers pointing past the end: nothing.
        assert_eq!(elf(b"#!/bin/sh\necho hi\n"), 0);
        assert_eq!(elf(&glibc[..30]), 0);
        let mut bad = glibc.clone();
        bad[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(elf(&bad), 0);
        // classify keeps the secret flags apart from the ELF ones.
        assert_eq!(classify_entry(b"app/x.node", 0o644, &addon), ELF_GLIBC);
        // System binaries are not looked at (the in-place reader skips them).
        assert_eq!(classify_entry(b"usr/lib/x.so", 0o755, &addon), 0);
    }

    #[test]
    fn host_binaries_are_read_right_where_present() {
        // Real objects from the build host, when it has them.
        for (path, want) in [
            ("/usr/bin/ls", ELF_GLIBC),
            ("/usr/lib/x86_64-linux-gnu/libz.so.1", ELF_GLIBC),
            ("/bin/busybox", ELF_STATIC),
        ] {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            let head = &bytes[..bytes.len().min(HEAD)];
            assert_eq!(elf(head) & want, want, "{path}");
        }
    }

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
