//! Variable substitution checked against the builder: the scope ballast
//! computes at the end of the final stage gives the ENV, LABEL and WORKDIR
//! values the legacy builder (Docker 20.10, the same word processing as
//! BuildKit) records in the image config, for
//! `tests/dockerfiles/substitution.Dockerfile` built with a `--build-arg`.
//!
//! The file leaves out `${VAR-word}` (no colon): BuildKit reads it, the
//! 20.10 builder rejects it ("missing ':' in substitution").

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use ballast::dockerfile::{Dockerfile, Kind};

use super::engine_support::{BUSYBOX, Image, docker_ready, run, unique};

#[test]
fn env_label_and_workdir_values_match_the_builder() {
    if !docker_ready("env_label_and_workdir_values_match_the_builder") {
        return;
    }
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dockerfiles/substitution.Dockerfile");
    let ctx = tempfile::tempdir().expect("temp dir");
    std::fs::copy(BUSYBOX, ctx.path().join("busybox")).expect("busybox");
    let img = Image::adopt(unique("df-subst"));
    run(Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "-q",
            "--no-cache",
            "--force-rm",
            "--network",
            "none",
        ])
        .args(["--build-arg", "B=bgiven", "-f"])
        .arg(&path)
        .args(["-t", &img.tag])
        .arg(ctx.path()));
    let out = run(Command::new("docker").args(["image", "inspect", &img.tag]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("inspect JSON");
    let config = &v[0]["Config"];
    let engine_env: Vec<String> = config["Env"]
        .as_array()
        .expect("Env")
        .iter()
        .filter_map(|e| e.as_str())
        .filter(|e| !e.starts_with("PATH="))
        .map(str::to_string)
        .collect();

    let df = Dockerfile::read(&path).expect("parse");
    let args: HashMap<String, String> = [("B".to_string(), "bgiven".to_string())].into();
    let last = df.stages.len() - 1;
    let end = df.scope_at(last, df.stages[last].instructions.len(), &args);
    let ours: Vec<String> = end.env().iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(ours, engine_env);

    // LABEL and WORKDIR are expanded with the scope before them (stage 0).
    let stage = &df.stages[0];
    let mut labels = serde_json::Map::new();
    let mut workdir = String::new();
    for (i, ins) in stage.instructions.iter().enumerate() {
        let scope = df.scope_at(0, i, &args);
        match ins.kind {
            Kind::Label => {
                for (k, val) in &ins.pairs {
                    let val = scope.expand(val.as_deref().unwrap_or("")).expect("expand");
                    labels.insert(k.clone(), serde_json::Value::String(val));
                }
            }
            Kind::Workdir => workdir = scope.expand(&ins.words()[0]).expect("expand"),
            _ => {}
        }
    }
    assert_eq!(config["Labels"], serde_json::Value::Object(labels));
    assert_eq!(config["WorkingDir"], workdir.as_str());
}
