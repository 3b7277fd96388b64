use crate::analysis::{Analysis, analyze};
use crate::progress::Silent;
use crate::source::Options;
use crate::vocab::Rule;
use testimage::{self as fixture, Compress, ImageSpec, LayerSpec, Layout, Node};

fn image(
    layers: Vec<(&str, Vec<Node>)>,
    config: serde_json::Value,
    history: Vec<&str>,
) -> Analysis {
    let spec = ImageSpec {
        layers: layers
            .into_iter()
            .map(|(c, n)| LayerSpec::new(c, n))
            .collect(),
        container_config: config,
        extra_history: history.into_iter().map(str::to_string).collect(),
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("i.tar");
    fixture::write_image(&spec, Layout::DockerLegacy, Compress::None, &path).unwrap();
    let opts = Options {
        verify: true,
        ..Options::default()
    };
    analyze(path.to_str().unwrap(), &opts, &Silent).unwrap()
}

/// A config that silences the config rules, to look at one rule at a time.
fn clean_config() -> serde_json::Value {
    serde_json::json!({"User": "10001", "Healthcheck": {"Test": ["CMD", "true"]}})
}

fn rules(a: &Analysis) -> Vec<&str> {
    a.findings.iter().map(|f| f.rule.as_str()).collect()
}

fn only<'a>(a: &'a Analysis, rule: &str) -> &'a crate::analysis::Finding {
    let rule: Rule = rule.parse().expect("a rule id");
    let found: Vec<_> = a.findings.iter().filter(|f| f.rule == rule).collect();
    assert_eq!(found.len(), 1, "{rule}: {:?}", rules(a));
    found[0]
}

#[test]
fn deleted_later_names_both_steps_and_the_deleted_directory() {
    let a = image(
        vec![
            (
                "/bin/sh -c #(nop) COPY dir:abc in /",
                vec![
                    fixture::dir("app"),
                    fixture::big_file("app/big.bin", 30_000_000, 1),
                ],
            ),
            ("/bin/sh -c rm -rf /app", vec![fixture::whiteout("app")]),
        ],
        clean_config(),
        vec![],
    );
    let f = only(&a, "deleted-later");
    assert_eq!(f.bytes, 30_000_000);
    assert_eq!(f.layer.as_ref().unwrap().index, 0);
    assert_eq!(f.paths[0].path.as_deref(), Some("/app"));
    assert!(
        f.advice.starts_with("the RUN in layer 1 deletes /app"),
        "{}",
        f.advice
    );
    assert!(
        f.advice.contains("added by the COPY in layer 0"),
        "{}",
        f.advice
    );
    assert_eq!(a.metrics.reclaimable_bytes, 30_000_000);
}

#[test]
fn opaque_replacement_is_deleted_later_too() {
    let a = image(
        vec![
            (
                "/bin/sh -c a",
                vec![fixture::dir("d"), fixture::file("d/old", "x".repeat(700))],
            ),
            (
                "/bin/sh -c b",
                vec![
                    fixture::dir("d"),
                    fixture::opaque("d"),
                    fixture::file("d/new", "n"),
                ],
            ),
        ],
        clean_config(),
        vec![],
    );
    let f = only(&a, "deleted-later");
    assert_eq!((f.bytes, f.paths[0].path.as_deref()), (700, Some("/d/old")));
}

#[test]
fn identical_rewrite_is_overwritten_with_the_chmod_advice() {
    let a = image(
        vec![
            (
                "/bin/sh -c make",
                vec![fixture::big_file("bin/tool", 5000, 9)],
            ),
            (
                "/bin/sh -c chmod 755 /bin/tool",
                vec![fixture::big_file("bin/tool", 5000, 9)],
            ),
        ],
        clean_config(),
        vec![],
    );
    let f = only(&a, "overwritten");
    assert_eq!(f.bytes, 5000);
    assert!(f.advice.contains("identical content"), "{}", f.advice);
    assert!(
        !rules(&a).contains(&"duplicate-content"),
        "the old copy is hidden, not live"
    );
}

#[test]
fn duplicates_count_all_but_one_copy_and_not_hard_links() {
    let a = image(
        vec![(
            "/bin/sh -c x",
            vec![
                fixture::big_file("a/one", 1000, 5),
                fixture::big_file("b/two", 1000, 5),
                fixture::big_file("c/three", 1000, 5),
                fixture::hardlink("a/linked", "a/one"),
            ],
        )],
        clean_config(),
        vec![],
    );
    let f = only(&a, "duplicate-content");
    assert_eq!(f.bytes, 2000);
    assert_eq!(f.paths.len(), 2);
}

#[test]
fn vcs_caches_bytecode_docs_and_junk() {
    let a = image(
        vec![
            (
                "/bin/sh -c apt-get install -y python3",
                vec![
                    fixture::big_file(
                        "var/lib/apt/lists/deb.debian.org_dists_bookworm_main",
                        4000,
                        1,
                    ),
                    fixture::file("var/lib/apt/lists/lock", ""),
                    fixture::big_file("var/cache/apt/archives/python3.deb", 3000, 2),
                    fixture::big_file("usr/share/doc/python3/changelog.gz", 300, 3),
                    fixture::big_file("usr/share/doc/python3/copyright", 100, 4),
                    fixture::big_file("usr/share/man/man1/python3.1.gz", 200, 5),
                    fixture::big_file("usr/share/locale/de/LC_MESSAGES/x.mo", 50, 6),
                    fixture::big_file("usr/share/locale/en_GB/LC_MESSAGES/x.mo", 50, 7),
                    fixture::big_file("var/log/apt/term.log", 70, 8),
                ],
            ),
            (
                "/bin/sh -c pip install flask",
                vec![
                    fixture::big_file("root/.cache/pip/http/a", 2500, 9),
                    fixture::big_file("app/__pycache__/main.cpython-311.pyc", 900, 10),
                ],
            ),
            (
                "/bin/sh -c #(nop) COPY dir:x in /app",
                vec![
                    fixture::big_file("app/.git/objects/pack", 5000, 11),
                    fixture::file("app/.gitignore", ".env\n"),
                    fixture::file("app/.DS_Store", "junk"),
                ],
            ),
        ],
        clean_config(),
        vec![],
    );
    let git = only(&a, "vcs-directory");
    assert_eq!((git.bytes, git.layer.as_ref().unwrap().index), (5000, 2));
    assert!(git.advice.contains("add `.git` to .dockerignore"));
    let caches: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == Rule::PackageCache)
        .collect();
    let by_advice = |needle: &str| {
        caches
            .iter()
            .find(|f| f.advice.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"))
    };
    assert_eq!(
        by_advice("rm -rf /var/lib/apt/lists/*").bytes,
        4000,
        "the lock file is not cache"
    );
    assert_eq!(by_advice("apt-get clean").bytes, 3000);
    let pip = by_advice("--no-cache-dir");
    assert_eq!((pip.bytes, pip.layer.as_ref().unwrap().index), (2500, 1));
    assert_eq!(only(&a, "python-bytecode").bytes, 900);
    assert_eq!(
        only(&a, "docs-and-locales").bytes,
        300 + 200 + 50,
        "copyright and English stay"
    );
    let junk: u64 = a
        .findings
        .iter()
        .filter(|f| f.rule == Rule::Junk)
        .map(|f| f.bytes)
        .sum();
    assert_eq!(junk, 70 + 4);
    // Each live byte once: 4000 + 3000 + 2500 + 900 + 550 + 74 + 5000.
    assert_eq!(a.metrics.reclaimable_bytes, 16_024);
}

#[test]
fn secrets_in_deleted_files_are_found_and_certificates_are_not() {
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    let bundle = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUT\n-----END CERTIFICATE-----\n"
        .repeat(20);
    let a = image(
        vec![
            (
                "/bin/sh -c #(nop) COPY file:k in /root/.ssh/id_ed25519",
                vec![
                    fixture::file("root/.ssh/id_ed25519", key),
                    fixture::file("etc/ssl/certs/ca-certificates.crt", &bundle),
                ],
            ),
            (
                "/bin/sh -c git clone x && rm /root/.ssh/id_ed25519",
                vec![fixture::whiteout("root/.ssh/id_ed25519")],
            ),
            (
                "/bin/sh -c #(nop) COPY dir:app in /app",
                vec![
                    fixture::file("app/.env", "DATABASE_URL=postgres://u:p@db/app\n"),
                    fixture::file("app/.env.example", "DATABASE_URL=changeme\n"),
                    fixture::file("app/settings.py", "SECRET_KEY = os.environ['SECRET_KEY']\n"),
                ],
            ),
        ],
        serde_json::json!({"User": "app", "Healthcheck": {"Test": ["CMD", "true"]}, "Env": ["PATH=/bin", "STRIPE_API_KEY=sk_live_123"]}),
        vec!["|1 NPM_TOKEN=npm_abc /bin/sh -c npm ci"],
    );
    let secrets: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.rule == Rule::Secret)
        .collect();
    let key_finding = secrets
        .iter()
        .find(|f| f.layer.as_ref().is_some_and(|l| l.index == 0))
        .unwrap();
    assert_eq!(key_finding.paths.len(), 1, "{:?}", key_finding.paths);
    // The path as in the image; the deleting layer in a field of its own.
    let key = &key_finding.paths[0];
    assert_eq!(key.path.as_deref(), Some("/root/.ssh/id_ed25519"));
    assert_eq!((key.deleted_in, key.replaced_in), (Some(1), None));
    assert!(key_finding.advice.contains("a private key"));
    let env_finding = secrets
        .iter()
        .find(|f| f.layer.as_ref().is_some_and(|l| l.index == 2))
        .unwrap();
    assert_eq!(
        env_finding
            .paths
            .iter()
            .map(|p| p.path.as_deref())
            .collect::<Vec<_>>(),
        vec![Some("/app/.env")]
    );
    let config_finding = secrets
        .iter()
        .find(|f| f.paths.iter().any(|p| p.config_key.is_some()))
        .unwrap();
    // Config keys are no paths: `path` is None, the key and its source are fields.
    let shown: Vec<_> = config_finding
        .paths
        .iter()
        .map(|p| (p.path.as_deref(), p.config_key.as_deref(), p.config_source))
        .collect();
    assert!(
        shown.contains(&(None, Some("ENV STRIPE_API_KEY"), Some("image-config"))),
        "{shown:?}"
    );
    assert!(
        shown.contains(&(None, Some("ARG NPM_TOKEN"), Some("build-history"))),
        "{shown:?}"
    );
    let json = serde_json::to_string(&a.findings).unwrap();
    for value in ["sk_live_123", "npm_abc", "postgres://"] {
        assert!(!json.contains(value), "{value} leaked");
    }
    assert!(!rules(&a).contains(&"root-user"));
}

#[test]
fn config_and_permission_rules() {
    let mut suid = fixture::big_file("usr/bin/sudo", 100, 1);
    if let Node::File { mode, .. } = &mut suid {
        *mode = 0o4755;
    }
    let mut open = fixture::file("srv/data.txt", "x");
    if let Node::File { mode, .. } = &mut open {
        *mode = 0o666;
    }
    let a = image(
        vec![(
            "/bin/sh -c x",
            vec![suid, open, fixture::file("tmp/ok", "y")],
        )],
        serde_json::json!({"User": "0:0", "Healthcheck": {"Test": ["NONE"]}}),
        vec![],
    );
    assert!(only(&a, "root-user").advice.contains("USER is `0:0`"));
    only(&a, "no-healthcheck");
    // The pure path; the mode and the layer beside it.
    let su = &only(&a, "setuid").paths[0];
    assert_eq!(
        (su.path.as_deref(), su.mode.as_deref(), su.layer),
        (Some("/usr/bin/sudo"), Some("4755"), Some(0))
    );
    let ww = only(&a, "world-writable");
    assert_eq!(
        ww.paths
            .iter()
            .map(|p| (p.path.as_deref(), p.mode.as_deref()))
            .collect::<Vec<_>>(),
        vec![(Some("/srv/data.txt"), Some("0666"))]
    );
}

#[test]
fn toolchains_and_node_build_tools() {
    let a = image(
        vec![(
            "/bin/sh -c apt-get install -y build-essential",
            vec![
                fixture::big_file("usr/bin/x86_64-linux-gnu-gcc-12", 1000, 1),
                fixture::big_file("usr/lib/gcc/x86_64-linux-gnu/12/cc1", 20_000, 2),
                fixture::big_file("usr/include/stdio.h", 300, 3),
                fixture::big_file("usr/bin/python3", 5000, 4),
                fixture::big_file("app/node_modules/typescript/lib/tsc.js", 7000, 5),
                fixture::big_file("app/node_modules/express/index.js", 100, 6),
            ],
        )],
        clean_config(),
        vec![],
    );
    assert_eq!(
        only(&a, "build-toolchain").bytes,
        1000 + 20_000 + 300 + 7000
    );
}

#[test]
fn a_clean_image_has_no_findings() {
    let a = image(
        vec![(
            "/bin/sh -c #(nop) COPY dir:app in /app",
            vec![
                fixture::big_file("app/server", 10_000, 1),
                fixture::file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
            ],
        )],
        clean_config(),
        vec![],
    );
    assert_eq!(rules(&a), Vec::<&str>::new());
    assert_eq!(a.metrics.reclaimable_bytes, 0);
}

#[test]
fn history_assignments_are_parsed() {
    use super::security::history_assignments;
    assert_eq!(
        history_assignments("|2 A=1 B= /bin/sh -c x"),
        vec![("ARG", "A".to_string())]
    );
    assert_eq!(
        history_assignments("RUN |1 TOKEN=x /bin/sh -c y # buildkit"),
        vec![("ARG", "TOKEN".to_string())]
    );
    assert_eq!(
        history_assignments("/bin/sh -c #(nop)  ENV DB_PASSWORD=hunter2"),
        vec![("ENV", "DB_PASSWORD".to_string())]
    );
    assert_eq!(
        history_assignments("ENV X=1 Y=2"),
        vec![("ENV", "X".to_string()), ("ENV", "Y".to_string())]
    );
    assert!(history_assignments("/bin/sh -c echo A=1").is_empty());
}

fn dpkg_layer() -> Vec<Node> {
    let status = "Package: gcc-12\nStatus: install ok installed\nArchitecture: amd64\nVersion: 12.2.0-14\nInstalled-Size: 60\n\n\
                  Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9\n\n\
                  Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n";
    vec![
        fixture::file("var/lib/dpkg/status", status),
        fixture::file(
            "var/lib/dpkg/info/gcc-12.list",
            "/.\n/usr\n/usr/bin\n/usr/bin/x86_64-linux-gnu-gcc-12\n/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n",
        ),
        fixture::file(
            "var/lib/dpkg/info/libc6:amd64.list",
            "/.\n/usr/lib/x86_64-linux-gnu/libc.so.6\n",
        ),
        fixture::big_file("usr/bin/x86_64-linux-gnu-gcc-12", 1000, 1),
        fixture::big_file("usr/lib/gcc/x86_64-linux-gnu/12/cc1", 50_000, 2),
        fixture::big_file("usr/lib/x86_64-linux-gnu/libc.so.6", 2000, 3),
    ]
}

#[test]
fn dpkg_inventory_and_build_packages_by_name() {
    let a = image(
        vec![("/bin/sh -c apt-get install gcc-12", dpkg_layer())],
        clean_config(),
        vec![],
    );
    let deb: Vec<_> = a.packages.iter().filter(|p| p.ecosystem == "deb").collect();
    assert_eq!(
        deb.iter()
            .map(|p| (p.name.as_str(), p.bytes))
            .collect::<Vec<_>>(),
        vec![("gcc-12", 51_000), ("libc6", 2000)]
    );
    assert_eq!(deb[0].version, "12.2.0-14");
    assert_eq!(deb[0].layer, Some(0));
    let tc = only(&a, "build-toolchain");
    assert_eq!(
        tc.bytes, 51_000,
        "the package's files and /usr/lib/gcc count once"
    );
    assert_eq!(
        tc.packages
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        vec!["gcc-12"]
    );
    assert!(
        tc.advice.starts_with("the build package gcc-12"),
        "{}",
        tc.advice
    );
}

#[test]
fn apk_and_python_inventories() {
    let apk = "C:Q1abc\nP:musl\nV:1.2.4-r2\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\nP:busybox\nV:1.36\nF:bin\nR:busybox\n";
    let record = "flask/__init__.py,sha256=x,300\nflask/app.py,sha256=y,700\n../../../bin/flask,sha256=z,50\nflask-3.0.0.dist-info/RECORD,,\n";
    let sp = "usr/local/lib/python3.11/site-packages";
    let a = image(
        vec![(
            "/bin/sh -c x",
            vec![
                fixture::file("lib/apk/db/installed", apk),
                fixture::big_file("lib/ld-musl-x86_64.so.1", 600, 1),
                fixture::symlink("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1"),
                fixture::big_file("bin/busybox", 900, 2),
                fixture::file(format!("{sp}/flask-3.0.0.dist-info/RECORD"), record),
                fixture::big_file(format!("{sp}/flask/__init__.py"), 300, 3),
                fixture::big_file(format!("{sp}/flask/app.py"), 700, 4),
                fixture::big_file("usr/local/bin/flask", 50, 5),
            ],
        )],
        clean_config(),
        vec![],
    );
    let get = |eco: &str, name: &str| {
        a.packages
            .iter()
            .find(|p| p.ecosystem == eco && p.name == name)
            .unwrap()
    };
    assert_eq!(
        (get("apk", "musl").bytes, get("apk", "busybox").bytes),
        (600, 900)
    );
    let flask = get("python", "flask");
    assert_eq!(
        (flask.version.as_str(), flask.bytes, flask.files),
        ("3.0.0", 300 + 700 + 50 + record.len() as u64, 4)
    );
}

fn node_project(lockfile: Option<(&str, String)>) -> Vec<Node> {
    let mut nodes = vec![
        fixture::file(
            "app/package.json",
            r#"{"name":"app","dependencies":{"express":"^4"},"devDependencies":{"jest":"^29"}}"#,
        ),
        fixture::file(
            "app/node_modules/express/package.json",
            r#"{"name":"express","version":"4.18.2","dependencies":{"debug":"2"}}"#,
        ),
        fixture::big_file("app/node_modules/express/index.js", 5000, 1),
        fixture::file(
            "app/node_modules/debug/package.json",
            r#"{"name":"debug","version":"2.6.9"}"#,
        ),
        fixture::big_file("app/node_modules/debug/src/index.js", 3000, 2),
        fixture::file(
            "app/node_modules/jest/package.json",
            r#"{"name":"jest","version":"29.7.0","dependencies":{"chalk":"4"}}"#,
        ),
        fixture::big_file("app/node_modules/jest/build/jest.js", 40_000, 3),
        fixture::file(
            "app/node_modules/chalk/package.json",
            r#"{"name":"chalk","version":"4.1.2"}"#,
        ),
        fixture::big_file("app/node_modules/chalk/source/index.js", 7000, 4),
    ];
    if let Some((name, text)) = lockfile {
        nodes.push(fixture::file(format!("app/{name}"), text));
    }
    nodes
}

fn dev_finding(a: &Analysis) -> (u64, Vec<String>) {
    let f = only(a, "dev-dependencies");
    let mut names: Vec<String> = f.packages.iter().map(|p| p.name.clone()).collect();
    names.sort();
    (f.bytes, names)
}

#[test]
fn dev_dependencies_from_package_lock() {
    let lock = serde_json::json!({"lockfileVersion": 3, "packages": {
        "": {"name": "app"},
        "node_modules/express": {"version": "4.18.2"},
        "node_modules/debug": {"version": "2.6.9"},
        "node_modules/jest": {"version": "29.7.0", "dev": true},
        "node_modules/chalk": {"version": "4.1.2", "dev": true}
    }});
    let a = image(
        vec![(
            "/bin/sh -c npm ci",
            node_project(Some(("package-lock.json", lock.to_string()))),
        )],
        clean_config(),
        vec![],
    );
    let (bytes, names) = dev_finding(&a);
    let manifests: u64 = [
        r#"{"name":"jest","version":"29.7.0","dependencies":{"chalk":"4"}}"#,
        r#"{"name":"chalk","version":"4.1.2"}"#,
    ]
    .iter()
    .map(|m| m.len() as u64)
    .sum();
    assert_eq!(
        (bytes, names),
        (
            40_000 + 7000 + manifests,
            vec!["chalk".to_string(), "jest".to_string()]
        )
    );
    assert!(
        only(&a, "dev-dependencies")
            .advice
            .contains("npm ci --omit=dev")
    );
}

#[test]
fn dev_dependencies_from_yarn_lock() {
    let lock = "express@^4:\n  version \"4.18.2\"\n  dependencies:\n    debug \"2\"\n\ndebug@2:\n  version \"2.6.9\"\n\n\
                jest@^29:\n  version \"29.7.0\"\n  dependencies:\n    chalk \"4\"\n\nchalk@4:\n  version \"4.1.2\"\n";
    let a = image(
        vec![(
            "/bin/sh -c yarn",
            node_project(Some(("yarn.lock", lock.to_string()))),
        )],
        clean_config(),
        vec![],
    );
    assert_eq!(
        dev_finding(&a).1,
        vec!["chalk".to_string(), "jest".to_string()]
    );
    assert!(
        only(&a, "dev-dependencies")
            .advice
            .contains("yarn install --production")
    );
}

/// pnpm's layout: packages under `node_modules/.pnpm/<name>@<version>/node_modules/<name>`,
/// reached through symlinks; the lockfile (v9: `snapshots:`) gives the graph.
#[test]
fn dev_dependencies_from_pnpm_lock() {
    let lock = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      express:\n        specifier: ^4\n        version: 4.18.2\n    \
                devDependencies:\n      jest:\n        specifier: ^29\n        version: 29.7.0\n\npackages:\n\n  chalk@4.1.2:\n    resolution: {integrity: sha512-c}\n\n\
                snapshots:\n\n  chalk@4.1.2: {}\n\n  debug@2.6.9: {}\n\n  express@4.18.2:\n    dependencies:\n      debug: 2.6.9\n\n  \
                jest@29.7.0:\n    dependencies:\n      chalk: 4.1.2\n";
    let store = |name: &str, version: &str, len: u64, seed: u64| {
        let dir = format!("app/node_modules/.pnpm/{name}@{version}/node_modules/{name}");
        vec![
            fixture::file(
                format!("{dir}/package.json"),
                format!(r#"{{"name":"{name}","version":"{version}"}}"#),
            ),
            fixture::big_file(format!("{dir}/index.js"), len, seed),
        ]
    };
    let mut nodes = vec![
        fixture::file(
            "app/package.json",
            r#"{"name":"app","dependencies":{"express":"^4"},"devDependencies":{"jest":"^29"}}"#,
        ),
        fixture::file("app/pnpm-lock.yaml", lock),
        fixture::symlink(
            "app/node_modules/express",
            ".pnpm/express@4.18.2/node_modules/express",
        ),
        fixture::symlink(
            "app/node_modules/jest",
            ".pnpm/jest@29.7.0/node_modules/jest",
        ),
    ];
    nodes.extend(store("express", "4.18.2", 5000, 1));
    nodes.extend(store("debug", "2.6.9", 3000, 2));
    nodes.extend(store("jest", "29.7.0", 40_000, 3));
    nodes.extend(store("chalk", "4.1.2", 7000, 4));
    let a = image(
        vec![("/bin/sh -c pnpm install --frozen-lockfile", nodes)],
        clean_config(),
        vec![],
    );
    let (bytes, names) = dev_finding(&a);
    assert_eq!(names, vec!["chalk".to_string(), "jest".to_string()]);
    let manifests: u64 = ["chalk", "jest"]
        .iter()
        .map(|n| a.packages.iter().find(|p| p.name == *n).unwrap().bytes)
        .sum();
    assert!(
        bytes >= 47_000 && bytes == manifests,
        "{bytes} vs {manifests}"
    );
    let f = only(&a, "dev-dependencies");
    assert!(f.advice.contains("pnpm install --prod"), "{}", f.advice);
    assert!(f.advice.contains("from pnpm-lock.yaml"), "{}", f.advice);
}

#[test]
fn dev_dependencies_without_a_lockfile_follow_installed_manifests() {
    let a = image(
        vec![("/bin/sh -c npm install", node_project(None))],
        clean_config(),
        vec![],
    );
    assert_eq!(
        dev_finding(&a).1,
        vec!["chalk".to_string(), "jest".to_string()]
    );
}

#[test]
fn production_only_node_modules_have_no_dev_finding() {
    let mut nodes = node_project(None);
    nodes.retain(|n| !matches!(n, Node::File { path, .. } if path.starts_with(b"app/node_modules/jest") || path.starts_with(b"app/node_modules/chalk")));
    let a = image(
        vec![("/bin/sh -c npm ci --omit=dev", nodes)],
        clean_config(),
        vec![],
    );
    assert!(!rules(&a).contains(&"dev-dependencies"), "{:?}", rules(&a));
    assert_eq!(
        a.packages.iter().filter(|p| p.ecosystem == "npm").count(),
        2
    );
}
