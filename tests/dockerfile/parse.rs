//! The parser over `tests/dockerfiles/`: every construct BuildKit accepts
//! today, each pinned where it appears in a realistic file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ballast::dockerfile::{Arguments, Dockerfile, Kind};

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/dockerfiles")
        .join(name)
}

fn parse(name: &str) -> Dockerfile {
    match Dockerfile::read(&corpus(name)) {
        Ok(d) => d,
        Err(e) => panic!("{e}"),
    }
}

fn no_args() -> HashMap<String, String> {
    HashMap::new()
}

/// Kinds and first lines of a stage's instructions, FROM included.
fn outline(d: &Dockerfile, stage: usize) -> Vec<(Kind, usize)> {
    let s = &d.stages[stage];
    std::iter::once(&s.from)
        .chain(&s.instructions)
        .map(|i| (i.kind, i.line))
        .collect()
}

#[test]
fn every_corpus_file_parses() {
    let dir = corpus("");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("corpus dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "Dockerfile") {
            if let Err(e) = Dockerfile::read(&path) {
                panic!("{e}");
            }
            n += 1;
        }
    }
    assert!(n >= 10, "the corpus has {n} files");
}

#[test]
fn node_multistage_global_args_cache_mount_copy_from_chown() {
    let d = parse("node-multistage.Dockerfile");
    assert_eq!(
        d.directives.syntax.as_deref(),
        Some("docker/dockerfile:1.7")
    );
    assert_eq!(d.global_args.len(), 2);
    assert_eq!(d.stages.len(), 3);
    let g = d.global_scope(&no_args());
    assert_eq!(
        g.expand(&d.stages[0].base),
        Ok("node:20.11.1-alpine3.19".into())
    );
    let override_: HashMap<String, String> = [("NODE_VERSION".into(), "22.1.0".into())].into();
    assert_eq!(
        d.global_scope(&override_).expand(&d.stages[2].base),
        Ok("node:22.1.0-alpine3.19".into())
    );
    assert_eq!(d.stages[0].name.as_deref(), Some("deps"));
    assert_eq!(d.stages[2].name, None);
    let run = &d.stages[0].instructions[2];
    assert_eq!((run.line, run.end_line), (8, 9));
    assert_eq!(run.mounts()[0].target.as_deref(), Some("/root/.npm"));
    assert_eq!(run.args, Arguments::Shell("npm ci --omit=dev".into()));
    let fin = &d.stages[2].instructions;
    assert_eq!(fin[3].flag("from"), Some("build"));
    assert_eq!(fin[3].flag("chown"), Some("node:node"));
    assert_eq!(d.stage_named("build", 2).map(|s| s.index), Some(1));
    let hc = &fin[7];
    assert_eq!((hc.kind, hc.line, hc.end_line), (Kind::Healthcheck, 25, 26));
    assert_eq!(hc.flag("timeout"), Some("3s"));
    assert_eq!(
        fin[8].args,
        Arguments::Json(vec!["/sbin/tini".into(), "--".into()])
    );
}

#[test]
fn python_digest_pin_env_continuation_and_comment_inside_run() {
    let d = parse("python-slim.Dockerfile");
    assert!(d.stages[0].base.contains("@sha256:"));
    let env = &d.stages[0].instructions[0];
    assert_eq!((env.line, env.end_line), (3, 5));
    let keys: Vec<_> = env.pairs.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        keys,
        [
            "PYTHONDONTWRITEBYTECODE",
            "PYTHONUNBUFFERED",
            "PIP_NO_CACHE_DIR"
        ]
    );
    let run = &d.stages[0].instructions[1];
    assert_eq!((run.line, run.end_line), (7, 12));
    let Arguments::Shell(text) = &run.args else {
        panic!("shell form")
    };
    assert!(
        !text.contains("psycopg"),
        "the comment line is dropped: {text}"
    );
    assert!(text.contains("libpq-dev  && rm -rf"), "{text}");
    assert_eq!(d.stages[0].instructions[5].flag("chmod"), Some("644"));
}

#[test]
fn go_platform_flag_multiple_mounts_and_link() {
    let d = parse("go-cache-mounts.Dockerfile");
    assert_eq!(d.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    let arg = &d.stages[0].instructions[0];
    assert_eq!(
        arg.pairs,
        [
            ("TARGETOS".to_string(), None),
            ("TARGETARCH".to_string(), None)
        ]
    );
    let build = &d.stages[0].instructions[5];
    let mounts = build.mounts();
    assert_eq!(mounts.len(), 2);
    assert_eq!(mounts[1].target.as_deref(), Some("/root/.cache/go-build"));
    assert_eq!((build.line, build.end_line), (9, 11));
    let copy = &d.stages[1].instructions[0];
    assert!(copy.flag_on("link"));
    assert_eq!(
        copy.copy_paths(),
        Some((vec!["/out/app".into()], "/app".into()))
    );
}

#[test]
fn heredocs_in_run_and_copy_and_several_on_one_line() {
    let d = parse("heredocs.Dockerfile");
    let i = &d.stages[0].instructions;
    assert_eq!(
        outline(&d, 0)[1..].iter().map(|o| o.1).collect::<Vec<_>>(),
        [3, 9, 15, 20, 23]
    );
    assert!(
        i[0].heredocs[0]
            .body
            .starts_with("set -eux\napt-get update\n")
    );
    assert_eq!(i[0].end_line, 8);
    let conf = &i[1].heredocs[0];
    assert_eq!(conf.name, "NGINX");
    assert!(!conf.expand && conf.strip_tabs);
    assert!(
        conf.body.starts_with("server {\n    listen 80;"),
        "{}",
        conf.body
    );
    assert_eq!(
        i[1].copy_paths().map(|p| p.1),
        Some("/etc/nginx/conf.d/default.conf".into())
    );
    assert_eq!(i[2].heredocs.len(), 2);
    assert_eq!(i[2].heredocs[1].body, "beta\n");
    assert_eq!(i[3].heredocs[0].body, "print(\"hello\")\n");
}

#[test]
fn windows_backtick_escape() {
    let d = parse("windows-escape.Dockerfile");
    assert_eq!(d.directives.escape, '`');
    let i = &d.stages[0].instructions;
    assert_eq!(
        i[1].copy_paths(),
        Some((vec!["testfile.txt".into()], "c:\\".into()))
    );
    assert_eq!((i[2].line, i[2].end_line), (6, 8));
    assert_eq!(
        i[2].args,
        Arguments::Shell("New-Item -ItemType Directory C:\\Example     ; Write-Host done".into())
    );
    let s = d.scope_at(0, 5, &no_args());
    assert_eq!(s.get("TOOL_HOME"), Some("c:\\tools"));
    assert_eq!(s.get("PATH"), Some("c:\\tools\\bin"));
}

#[test]
fn legacy_env_maintainer_add_volume_expose() {
    let d = parse("legacy.Dockerfile");
    let i = &d.stages[0].instructions;
    assert_eq!(i[0].kind, Kind::Maintainer);
    assert_eq!(
        i[2].pairs,
        [("APP_HOME".into(), Some("/opt/my app".into()))]
    );
    assert_eq!(i[3].kind, Kind::Add);
    assert_eq!(
        i[11].args,
        Arguments::Json(vec!["/data".into(), "/logs".into()])
    );
    assert_eq!(i[12].args, Arguments::Shell("/cache".into()));
    assert_eq!(i[14].args, Arguments::Shell("python3 /opt/app.py".into()));
}

#[test]
fn rust_stages_built_on_stages_and_numeric_copy_from() {
    let d = parse("rust-chef.Dockerfile");
    let names: Vec<_> = d
        .stages
        .iter()
        .map(|s| s.name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["chef", "planner", "builder", "runtime"]);
    assert_eq!(
        d.stage_named(&d.stages[2].base, 2).map(|s| s.index),
        Some(0)
    );
    assert_eq!(
        d.stage_named(&d.stages[3].base, 3),
        None,
        "debian is an image"
    );
    let last = &d.stages[3].instructions[2];
    assert_eq!(last.flag("from"), Some("0"));
    assert_eq!(
        d.stage_named("0", 3).map(|s| s.name.as_deref()),
        Some(Some("chef"))
    );
}

#[test]
fn substitution_in_from_env_workdir_copy_label_user() {
    let d = parse("args-and-substitution.Dockerfile");
    let none = no_args();
    let g = d.global_scope(&none);
    assert_eq!(
        g.expand(&d.stages[0].base),
        Ok("docker.io/library/alpine:3.19".into())
    );
    let tag: HashMap<String, String> = [("TAG".into(), "3.20".into())].into();
    assert_eq!(
        d.global_scope(&tag).expand(&d.stages[0].base),
        Ok("docker.io/library/alpine:3.20".into())
    );
    let s = d.scope_at(0, 4, &none);
    assert_eq!(s.get("HOME"), Some("/home/app"));
    // ENV k=v pairs on one instruction see the scope before it (BuildKit).
    assert_eq!(s.get("APP_DIR"), Some("/src"));
    assert_eq!(s.get("GREETING"), Some("hello world"));
    assert_eq!(s.get("LITERAL"), Some("$NOT_EXPANDED"));
    assert_eq!(s.get("ESCAPED"), Some("$HOME"));
    assert_eq!(s.get("OPTIONAL"), Some(""));
    assert_eq!(s.get("FALLBACK"), Some("fallback"));
    let i = &d.stages[0].instructions;
    let copy = &i[5];
    assert_eq!(
        s.expand(copy.flag("chown").unwrap_or_default()),
        Ok("1000:1000".into())
    );
    assert_eq!(
        copy.copy_paths(),
        Some((vec!["file with spaces.txt".into()], "./".into()))
    );
    assert_eq!(i[6].pairs[1].0, "com.example.multi word");
    assert_eq!(
        d.scope_at(0, 7, &tag).expand(&i[7].words()[0]),
        Ok("1000".into())
    );
    assert_eq!(d.scope_at(0, 7, &tag).get("TAG"), Some("3.20"));
    let triggers: Vec<_> = i[8..]
        .iter()
        .filter_map(|t| t.trigger.as_ref().map(|t| t.kind))
        .collect();
    assert_eq!(triggers, [Kind::Copy, Kind::Run]);
}

#[test]
fn lowercase_keywords_json_forms_and_add_checksum() {
    let d = parse("mixed-case-and-json.Dockerfile");
    assert_eq!(d.stages[0].name.as_deref(), Some("Base"));
    let i = &d.stages[0].instructions;
    assert_eq!(
        i[0].args,
        Arguments::Json(vec!["/bin/sh".into(), "-c".into(), "echo json form".into()])
    );
    assert_eq!(i[1].keyword, "Run");
    assert_eq!(
        i[2].copy_paths(),
        Some((vec!["a".into(), "b".into()], "/dst/".into()))
    );
    assert!(
        i[3].flag("checksum")
            .is_some_and(|c| c.starts_with("sha256:"))
    );
    assert_eq!(i[6].args, Arguments::Json(vec![]));
}

#[test]
fn crlf_line_endings() {
    let d = parse("crlf.Dockerfile");
    let i = &d.stages[0].instructions;
    assert_eq!(i[0].args, Arguments::Shell("echo one     two".into()));
    assert_eq!((i[1].kind, i[1].line), (Kind::Cmd, 5));
}

#[test]
fn bad_files_fail_with_file_line_and_column() {
    let cases = [
        ("unknown-instruction", 3, 3, "unknown instruction: COPPY"),
        ("unknown-flag", 2, 6, "--chwon"),
        ("no-from", 3, 1, "before the first FROM"),
        ("unterminated-heredoc", 2, 1, "unterminated heredoc 'EOF'"),
        ("bad-escape", 1, 1, "invalid escape token"),
        ("shell-not-json", 2, 1, "JSON form"),
    ];
    for (name, line, column, fragment) in cases {
        let path = corpus(&format!("bad/{name}.Dockerfile"));
        let e = Dockerfile::read(&path).expect_err(name);
        assert_eq!((e.line, e.column), (line, column), "{name}: {e}");
        assert!(e.message.contains(fragment), "{name}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("{}:{line}:{column}: ", path.display())),
            "{e}"
        );
    }
}
