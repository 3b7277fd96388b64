//! Security and reliability: keys and `.env` files (deleted ones included),
//! setuid and world-writable files, the config's user and healthcheck, secrets
//! in ENV and ARG (named, never shown), and a negative control with the same
//! kinds of files used legitimately.

use super::engine_support::docker_ready;
use super::support::{
    Both, CtxFile, assert_layer_command, assert_rules, build, build_with, layer, layer_of, only,
    only_with, paths, read_both, summary,
};
use super::waste::BASE;

/// A made-up OpenSSH private key (the header is what counts).
const KEY: &[u8] = b"-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACBiYWxsYXN0LXRlc3Qta2V5LW5vdC1hLXJlYWwta2V5AAAAAAAAAAAAAAAA
-----END OPENSSH PRIVATE KEY-----
";

const DOTENV_VALUE: &str = "dotenv-value-5d1c0e";

/// A private key copied in and deleted in the next layer (still in the image),
/// and a `.env` file with values.
#[test]
fn deleted_private_key_and_dotenv() {
    let test = "deleted_private_key_and_dotenv";
    if !docker_ready(test) {
        return;
    }
    let dotenv = format!("DB_HOST=db\nDB_PASSWORD={DOTENV_VALUE}\n");
    let image = build_with(
        "secrets",
        &format!(
            "{BASE}COPY id_ed25519 /root/.ssh/id_ed25519
RUN rm /root/.ssh/id_ed25519
COPY .env /app/.env
"
        ),
        &[
            ("id_ed25519", KEY, 0o600),
            (".env", dotenv.as_bytes(), 0o644),
        ],
        &[],
    );
    let key_len = KEY.len() as u64;
    let both = read_both(&image.tag);
    for (how, a) in both.each() {
        let key_layer = layer_of(a, "in /root/.ssh/id_ed25519");
        let env_layer = layer_of(a, "in /app/.env");
        assert_rules(
            a,
            &[
                "deleted-later",
                "no-healthcheck",
                "root-user",
                "secret",
                "secret",
            ],
        );
        let key = only_with(a, "secret", "a private key");
        assert_eq!(layer(key), key_layer, "{how}");
        assert_layer_command(a, key);
        assert_eq!(
            paths(key),
            [("/root/.ssh/id_ed25519", key_len)],
            "{how}: the deleted path as in the image"
        );
        let deleted_in = key.paths[0].deleted_in;
        assert!(
            deleted_in.is_some_and(|l| l > key_layer),
            "{how}: the layer that deleted it, {deleted_in:?}"
        );
        assert_eq!(
            (key.category.as_str(), key.severity.as_str()),
            ("security", "high")
        );
        assert!(
            key.advice.starts_with(&format!(
                "the COPY in layer {key_layer} puts a private key into the image"
            )) && key
                .advice
                .contains("Deleting it in a later layer does not help: every layer ships.")
                && key.advice.contains("RUN --mount=type=secret"),
            "{how}: {}",
            key.advice
        );

        let env = only_with(a, "secret", "credentials");
        assert_eq!(layer(env), env_layer, "{how}");
        assert_eq!(paths(env), [("/app/.env", dotenv.len() as u64)], "{how}");
        assert!(
            env.advice.starts_with(&format!(
                "the COPY in layer {env_layer} puts credentials into the image"
            )) && !env.advice.contains("Deleting it"),
            "{how}: {}",
            env.advice
        );

        // The key's bytes are also plain waste.
        let gone = only(a, "deleted-later");
        assert_eq!(
            (gone.bytes, layer(gone), paths(gone)),
            (key_len, key_layer, vec![("/root/.ssh/id_ed25519", key_len)]),
            "{how}"
        );
    }
    assert_never_shown(&both, &[DOTENV_VALUE]);
}

/// What a secret finding reclaims and what `reclaimable_bytes` counts agree:
/// README says only bloat and duplicate rules' live files count, and a secret
/// finding's own `bytes` is 0.
#[test]
fn secret_files_do_not_count_as_reclaimable() {
    let test = "secret_files_do_not_count_as_reclaimable";
    if !docker_ready(test) {
        return;
    }
    let dotenv = format!("DB_PASSWORD={DOTENV_VALUE}\n");
    let image = build_with(
        "secret-reclaim",
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY .env /app/.env\n",
        &[(".env", dotenv.as_bytes(), 0o644)],
        &[],
    );
    for (how, a) in read_both(&image.tag).each() {
        let f = only(a, "secret");
        assert_eq!(f.bytes, 0, "{how}");
        let total: u64 = a.findings.iter().map(|f| f.bytes).sum();
        assert_eq!(
            a.metrics.reclaimable_bytes,
            total,
            "{how}: reclaimable {} but the findings reclaim {total}\n{}",
            a.metrics.reclaimable_bytes,
            summary(a)
        );
    }
}

/// The serialized analysis of every reading never contains these values.
fn assert_never_shown(both: &Both, values: &[&str]) {
    for (how, a) in both.each() {
        let json = serde_json::to_string(a).expect("analysis serializes");
        for v in values {
            let at: Vec<&str> = json
                .match_indices(v)
                .map(|(i, _)| &json[i.saturating_sub(160)..(i + v.len() + 40).min(json.len())])
                .collect();
            assert!(
                at.is_empty(),
                "{how}: the secret value '{v}' appears {} time(s) in the JSON:\n  {}",
                at.len(),
                at.join("\n  ")
            );
        }
    }
}

const PERMISSIONS: &str = "RUN mkdir -p /usr/local/bin /data/shared \
 && yes s | head -c 700 > /usr/local/bin/tool && chmod 4755 /usr/local/bin/tool \
 && yes g | head -c 300 > /usr/local/bin/grp && chmod 2755 /usr/local/bin/grp \
 && chmod 0777 /data/shared && yes w | head -c 50 > /data/open.txt && chmod 0666 /data/open.txt \
 && mkdir -m 1777 /data/drop /tmp && yes t | head -c 40 > /tmp/scratch && chmod 0666 /tmp/scratch
";

/// setuid and setgid files; world-writable files and directories, but not a
/// sticky directory and not what is under /tmp.
#[test]
fn setuid_and_world_writable_files() {
    let test = "setuid_and_world_writable_files";
    if !docker_ready(test) {
        return;
    }
    let image = build("permissions", &format!("{BASE}{PERMISSIONS}"));
    for (how, a) in read_both(&image.tag).each() {
        assert_rules(
            a,
            &[
                "junk",
                "no-healthcheck",
                "root-user",
                "setuid",
                "world-writable",
            ],
        );
        let s = only(a, "setuid");
        assert_eq!(
            paths(s),
            [("/usr/local/bin/tool", 700), ("/usr/local/bin/grp", 300)],
            "{how}"
        );
        let modes: Vec<_> = s.paths.iter().map(|p| p.mode.as_deref()).collect();
        assert_eq!(modes, [Some("4755"), Some("2755")], "{how}");
        assert_eq!(
            (s.category.as_str(), s.severity.as_str(), s.bytes),
            ("security", "medium", 0)
        );
        assert!(
            s.advice
                .starts_with("2 file(s) run with their owner's or group's rights"),
            "{how}: {}",
            s.advice
        );
        let w = only(a, "world-writable");
        assert_eq!(
            paths(w),
            [("/data/open.txt", 50), ("/data/shared", 0)],
            "{how}: not /data/drop (sticky), not /tmp/scratch"
        );
        let modes: Vec<_> = w.paths.iter().map(|p| p.mode.as_deref()).collect();
        assert_eq!(modes, [Some("0666"), Some("0777")], "{how}");
        assert!(
            w.advice
                .starts_with("2 path(s) outside the temp directories"),
            "{how}: {}",
            w.advice
        );
        // /tmp/scratch is a temporary file left in the image.
        let junk = only(a, "junk");
        assert_eq!(paths(junk), [("/tmp/scratch", 40)], "{how}");
    }
}

/// A file rule names the layer that introduced what it flags (README "JSON":
/// `layer` is the index that introduced it, null for config rules).
#[test]
fn setuid_and_world_writable_name_their_layer() {
    let test = "setuid_and_world_writable_name_their_layer";
    if !docker_ready(test) {
        return;
    }
    let image = build("permissions-layer", &format!("{BASE}{PERMISSIONS}"));
    for (how, a) in read_both(&image.tag).each() {
        let plant = layer_of(a, "chmod 4755");
        for rule in ["setuid", "world-writable"] {
            let f = only(a, rule);
            assert_eq!(
                f.layer.as_ref().map(|l| l.index),
                Some(plant),
                "{how}: {rule}"
            );
        }
    }
}

/// World-writable paths whose names only begin like a temp directory
/// (`/tmpdata`, `/var/tmpfiles`) are not temp directories.
#[test]
fn world_writable_near_temp_names() {
    let test = "world_writable_near_temp_names";
    if !docker_ready(test) {
        return;
    }
    let image = build(
        "tmp-prefix",
        &format!(
            "{BASE}RUN mkdir -p /tmpdata /var/tmpfiles && chmod 0777 /tmpdata \
 && echo x > /var/tmpfiles/x && chmod 0666 /var/tmpfiles/x
"
        ),
    );
    for (how, a) in read_both(&image.tag).each() {
        let found = a
            .findings
            .iter()
            .find(|f| f.rule == ballast::vocab::Rule::WorldWritable);
        let found = found.map(paths).unwrap_or_default();
        assert_eq!(
            found,
            [("/var/tmpfiles/x", 2), ("/tmpdata", 0)],
            "{how}\n{}",
            summary(a)
        );
    }
}

/// No USER and no HEALTHCHECK; `USER 1000` and `HEALTHCHECK CMD true`;
/// `USER 0:0` and `HEALTHCHECK NONE`.
#[test]
fn root_user_and_healthcheck() {
    let test = "root_user_and_healthcheck";
    if !docker_ready(test) {
        return;
    }
    let base = "FROM scratch\nCOPY busybox /bin/busybox\n";
    let plain = build("config-plain", base);
    let good = build(
        "config-good",
        &format!("{base}USER 1000\nHEALTHCHECK CMD true\n"),
    );
    let root = build(
        "config-root",
        &format!("{base}USER 0:0\nHEALTHCHECK NONE\n"),
    );

    for (how, a) in read_both(&plain.tag).each() {
        assert_rules(a, &["no-healthcheck", "root-user"]);
        let r = only(a, "root-user");
        assert_eq!(
            (
                r.category.as_str(),
                r.severity.as_str(),
                r.bytes,
                r.layer.is_none()
            ),
            ("security", "medium", 0, true),
            "{how}"
        );
        assert!(r.paths.is_empty(), "{how}");
        assert!(
            r.advice
                .starts_with("no USER is set, so the container runs as root")
                && r.advice.contains("USER 10001"),
            "{how}: {}",
            r.advice
        );
        let h = only(a, "no-healthcheck");
        assert_eq!(
            (
                h.category.as_str(),
                h.severity.as_str(),
                h.bytes,
                h.layer.is_none()
            ),
            ("reliability", "low", 0, true),
            "{how}"
        );
        assert!(
            h.advice.starts_with("the image has no HEALTHCHECK"),
            "{how}: {}",
            h.advice
        );
    }
    for (how, a) in read_both(&good.tag).each() {
        assert_eq!(a.image.config.user.as_deref(), Some("1000"), "{how}");
        assert!(a.image.config.healthcheck.is_some(), "{how}");
        assert_rules(a, &[]);
    }
    for (how, a) in read_both(&root.tag).each() {
        assert_rules(a, &["no-healthcheck", "root-user"]);
        let r = only(a, "root-user");
        assert!(
            r.advice
                .starts_with("USER is `0:0`, so the container runs as root"),
            "{how}: {}",
            r.advice
        );
    }
}

const ENV_VALUE: &str = "env-value-e9f1c2";
const ARG_VALUE: &str = "arg-value-77c3a8";

const ENV_ARG: &str = "ENV DB_PASSWORD=env-value-e9f1c2
ARG NPM_TOKEN
RUN echo \"the token has ${#NPM_TOKEN} characters\" > /token-length
";

/// `ENV DB_PASSWORD=…` and `ARG NPM_TOKEN` used in a RUN: one `secret`
/// finding naming both, from the config and the history.
#[test]
fn env_and_arg_secrets_are_named() {
    let test = "env_and_arg_secrets_are_named";
    if !docker_ready(test) {
        return;
    }
    let image = build_with(
        "env-arg",
        &format!("{BASE}{ENV_ARG}"),
        &[],
        &[("NPM_TOKEN", ARG_VALUE)],
    );
    for (how, a) in read_both(&image.tag).each() {
        let run = layer_of(a, "token-length");
        assert_rules(a, &["no-healthcheck", "root-user", "secret"]);
        let f = only(a, "secret");
        assert_eq!(
            paths(f),
            [("ARG NPM_TOKEN", 0), ("ENV DB_PASSWORD", 0)],
            "{how}"
        );
        let sources: Vec<_> = f
            .paths
            .iter()
            .map(|p| (p.path.is_none(), p.config_source))
            .collect();
        assert_eq!(
            sources,
            [(true, Some("build-history")), (true, Some("image-config"))],
            "{how}"
        );
        assert_eq!(layer(f), run, "{how}: the RUN that recorded the ARG");
        assert_eq!(
            (f.category.as_str(), f.severity.as_str(), f.bytes),
            ("security", "high", 0)
        );
        assert!(
            f.advice.contains("docker history --no-trunc")
                && f.advice.contains("never pass secrets with ENV or ARG"),
            "{how}: {}",
            f.advice
        );
        assert!(
            a.image
                .config
                .env
                .contains(&"DB_PASSWORD=<redacted>".to_string()),
            "{how}: {:?}",
            a.image.config.env
        );
    }
}

/// Neither value appears anywhere in the serialized analysis.
#[test]
fn env_and_arg_secret_values_never_shown() {
    let test = "env_and_arg_secret_values_never_shown";
    if !docker_ready(test) {
        return;
    }
    let image = build_with(
        "env-arg-shown",
        &format!("{BASE}{ENV_ARG}"),
        &[],
        &[("NPM_TOKEN", ARG_VALUE)],
    );
    assert_never_shown(&read_both(&image.tag), &[ENV_VALUE, ARG_VALUE]);
}

/// The same kinds of files, used legitimately: a CA bundle, settings that read
/// the secret from the environment, `.gitignore`, `.env.example`, an `.npmrc`
/// that takes its token from the environment, a public key, sticky temp
/// directories; `USER 1000` and a HEALTHCHECK. Nothing to report.
#[test]
fn legitimate_files_raise_nothing() {
    let test = "legitimate_files_raise_nothing";
    if !docker_ready(test) {
        return;
    }
    let cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGUtbm90LWEta2V5\n-----END CERTIFICATE-----\n";
    let bundle: String = (0..3)
        .map(|i| cert.replace("Q2Vy", &format!("Q{i}Vy")))
        .collect();
    let files: &[CtxFile] = &[
        (
            "root/etc/ssl/certs/ca-certificates.crt",
            bundle.as_bytes(),
            0o644,
        ),
        (
            "root/app/settings.py",
            b"import os\n\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\nDEBUG = False\n",
            0o644,
        ),
        ("root/app/.gitignore", b".env\n.git/\n__pycache__/\n", 0o644),
        (
            "root/app/.env.example",
            b"DB_PASSWORD=changeme\nSECRET_KEY=\n",
            0o644,
        ),
        (
            "root/app/.github/workflows/ci.yml",
            b"on: push\njobs: {}\n",
            0o644,
        ),
        (
            "root/root/.npmrc",
            b"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n",
            0o644,
        ),
        (
            "root/root/.ssh/id_ed25519.pub",
            b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJhbGxhc3Q ballast@test\n",
            0o644,
        ),
    ];
    let image = build_with(
        "legit",
        &format!(
            "{BASE}COPY root/ /
RUN mkdir -p /var /run && mkdir -m 1777 /tmp /var/tmp /run/lock
USER 1000
HEALTHCHECK CMD true
"
        ),
        files,
        &[],
    );
    for (how, a) in read_both(&image.tag).each() {
        for rule in [
            "secret",
            "vcs-directory",
            "world-writable",
            "root-user",
            "no-healthcheck",
        ] {
            assert!(
                !a.findings
                    .iter()
                    .any(|f| f.rule == super::support::rule_id(rule)),
                "{how}: '{rule}' on a legitimate image:\n{}",
                summary(a)
            );
        }
        assert_rules(a, &[]);
        assert_eq!(a.metrics.reclaimable_bytes, 0, "{how}");
    }
}

/// The Docker-secrets convention (`POSTGRES_PASSWORD_FILE=/run/secrets/…`,
/// used by the official postgres, mysql and mariadb images) names a file, not
/// a secret.
#[test]
fn password_file_env_is_not_a_secret() {
    let test = "password_file_env_is_not_a_secret";
    if !docker_ready(test) {
        return;
    }
    let image = build(
        "password-file",
        "FROM scratch\nCOPY busybox /bin/busybox\nENV POSTGRES_PASSWORD_FILE=/run/secrets/db\n\
         USER 1000\nHEALTHCHECK CMD true\n",
    );
    for (how, a) in read_both(&image.tag).each() {
        assert_rules(a, &[]);
        assert!(
            a.image
                .config
                .env
                .contains(&"POSTGRES_PASSWORD_FILE=/run/secrets/db".to_string()),
            "{how}: {:?}",
            a.image.config.env
        );
    }
}
