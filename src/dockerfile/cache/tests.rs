use super::super::ast::Dockerfile;
use super::super::history::History;
use super::super::history::tests::TestRepo;
use super::super::ignore::Ignore;
use super::*;

fn step(stage: usize, idx: usize, keyword: &str, key: &str) -> Step {
    Step {
        stage,
        index_in_stage: idx,
        line: idx + 1,
        keyword: keyword.to_string(),
        instruction: format!("{keyword} {key}"),
        key: key.to_string(),
        context: None,
        reads_stage: None,
        link: false,
        layer: matches!(keyword, "FROM" | "RUN" | "COPY" | "ADD" | "WORKDIR"),
        needed: true,
    }
}

fn copy(stage: usize, idx: usize, sources: &[&str]) -> Step {
    let mut s = step(stage, idx, "COPY", &format!("{} /app/", sources.join(" ")));
    s.context = Some(Ignore::sources(sources).expect("sources"));
    s
}

/// The classic shape: manifests, install, then the source.
fn node_plan() -> Plan {
    Plan {
        steps: vec![
            step(0, 0, "FROM", "node:22"),
            copy(0, 1, &["package.json", "package-lock.json"]),
            step(0, 2, "RUN", "npm ci"),
            copy(0, 3, &["."]),
            step(0, 4, "CMD", "node app.js"),
        ],
    }
}

fn hits(sim: &Simulation) -> Vec<String> {
    sim.builds
        .iter()
        .map(|b| b.hit.iter().map(|h| if *h { 'H' } else { 'M' }).collect())
        .collect()
}

fn repo() -> TestRepo {
    let r = TestRepo::new();
    r.write("package.json", "{}");
    r.write("package-lock.json", "{}");
    r.write("app.js", "1");
    r.write("README.md", "docs");
    r.write(".dockerignore", "*.md\n.git\n");
    r.commit("seed");
    r
}

#[test]
fn source_edit_misses_from_the_source_copy_down() {
    let r = repo();
    r.write("app.js", "2");
    r.commit("source");
    r.write("package.json", r#"{"a":1}"#);
    r.commit("manifest");
    r.write("README.md", "more docs");
    r.commit("ignored doc");
    r.commit("empty");
    let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
    let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
    assert_eq!(hits(&sim), vec!["HHHMM", "HMMMM", "HHHHH", "HHHHH"]);
    assert_eq!(sim.steps[3].rebuilt, 2);
    assert_eq!(sim.steps[3].hit_rate, 0.5);
    // The RUN's size is unknown without an image; COPY bytes are the files'.
    assert_eq!(sim.steps[2].bytes_rebuilt, None);
    // package.json + lock + app.js + .dockerignore (README.md ignored),
    // then the same with package.json grown to 7 bytes.
    assert_eq!(
        sim.steps[3].bytes_rebuilt,
        Some((2 + 2 + 1 + 10) + (7 + 2 + 1 + 10))
    );
    let sized = simulate(
        &node_plan(),
        &h,
        CacheModel::Previous,
        &[None, None, Some(1000)],
    );
    assert_eq!(sized.steps[2].bytes_rebuilt, Some(1000));
    assert!(!sized.bytes_partial(&node_plan()));
}

#[test]
fn mode_change_misses_and_a_dockerignore_change_reselects() {
    let r = repo();
    r.chmod("app.js", 0o755);
    r.commit("exec bit");
    r.write(".dockerignore", "*.md\n.git\napp.js\n");
    r.commit("ignore app.js");
    r.write("app.js", "now ignored");
    r.commit("ignored edit");
    let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
    let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
    // The .dockerignore edit is itself a context file for `COPY .`.
    assert_eq!(hits(&sim), vec!["HHHMM", "HHHMM", "HHHHH"]);
}

#[test]
fn an_unignored_git_directory_misses_every_commit() {
    let r = repo();
    r.write(".dockerignore", "");
    r.commit("no ignore");
    r.commit("empty");
    let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
    assert!(h.git_dir_in_context);
    let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
    assert_eq!(hits(&sim), vec!["HHHMM", "HHHMM"]);
    r.write(".dockerignore", ".git\n");
    r.commit("ignore .git");
    r.commit("empty again");
    let h = History::read(r.dir.path(), "HEAD", 2).expect("history");
    let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
    assert_eq!(hits(&sim), vec!["HHHHH"]);
}

#[test]
fn a_revert_hits_only_when_the_cache_keeps_older_builds() {
    let r = repo();
    r.write("app.js", "2");
    r.commit("change");
    r.write("app.js", "1");
    r.commit("revert");
    let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
    let prev = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
    let all = simulate(&node_plan(), &h, CacheModel::All, &[]);
    assert_eq!(hits(&prev), vec!["HHHMM", "HHHMM"]);
    assert_eq!(hits(&all), vec!["HHHMM", "HHHHH"]);
}

#[test]
fn stages_follow_what_they_copy_from() {
    let mut from_build = step(1, 1, "COPY", "--from=build /out /out");
    from_build.reads_stage = Some(0);
    let plan = Plan {
        steps: vec![
            step(0, 0, "FROM", "scratch AS build"),
            copy(0, 1, &["app.js"]),
            step(0, 2, "RUN", "make"),
            step(1, 0, "FROM", "scratch"),
            copy(1, 1, &["package.json"]),
            from_build,
        ],
    };
    let r = repo();
    r.write("app.js", "2");
    r.commit("source");
    r.write("package.json", "[]");
    r.commit("manifest");
    let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
    let sim = simulate(&plan, &h, CacheModel::Previous, &[]);
    assert_eq!(hits(&sim), vec!["HMMHHM", "HHHHMM"]);
}

#[test]
fn link_copies_are_keyed_without_their_parent() {
    let mut linked = copy(0, 3, &["package.json"]);
    linked.link = true;
    let plan = Plan {
        steps: vec![
            step(0, 0, "FROM", "scratch"),
            copy(0, 1, &["app.js"]),
            step(0, 2, "RUN", "make"),
            linked,
            step(0, 4, "RUN", "after"),
        ],
    };
    let r = repo();
    r.write("app.js", "2");
    r.commit("source");
    let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
    let sim = simulate(&plan, &h, CacheModel::Previous, &[]);
    assert_eq!(hits(&sim), vec!["HMMHM"]);
}

#[test]
fn plans_come_from_the_parsed_dockerfile() {
    let text = "ARG BASE=alpine\n\
            FROM ${BASE} AS build\n\
            ARG SRC=src\n\
            WORKDIR /app\n\
            COPY --chown=1:1 package*.json ./\n\
            COPY ${SRC}/ ./src/\n\
            RUN --mount=type=bind,source=tools,target=/t --mount=type=cache,target=/c make\n\
            ADD https://example.com/x.tgz /x\n\
            COPY <<EOF /etc/motd\nhi\nEOF\n\
            FROM scratch\n\
            COPY --from=build --link /app/out /out\n\
            CMD [\"/out\"]\n";
    let df = Dockerfile::parse(text, "Dockerfile").expect("parses");
    let plan = Plan::from_dockerfile(&df);
    let kw: Vec<&str> = plan.steps.iter().map(|s| s.keyword.as_str()).collect();
    assert_eq!(
        kw,
        [
            "FROM", "ARG", "WORKDIR", "COPY", "COPY", "RUN", "ADD", "COPY", "FROM", "COPY", "CMD"
        ]
    );
    let s = &plan.steps;
    assert_eq!(s[0].key, "alpine ");
    let manifests = s[3].context.as_ref().expect("context copy");
    assert!(manifests.selects("package-lock.json") && !manifests.selects("src/a"));
    let src = s[4].context.as_ref().expect("expanded ${SRC}");
    assert!(src.selects("src/main.c") && !src.selects("package.json"));
    let bind = s[5].context.as_ref().expect("bind mount reads the context");
    assert!(bind.selects("tools/gen.sh") && !bind.selects("src/main.c"));
    assert!(s[6].context.is_none(), "a remote ADD reads no context");
    assert!(s[7].context.is_none(), "a heredoc COPY reads no context");
    assert_eq!((s[9].reads_stage, s[9].link), (Some(0), true));
    assert_eq!((s[8].stage, s[8].index_in_stage), (1, 0));
    assert!(
        s.iter().all(|s| s.needed),
        "the final stage copies from build"
    );
    assert!(!s[10].layer && s[2].layer);
    assert_eq!(s[4].line, 6);
}

#[test]
fn stages_the_final_one_does_not_need_are_left_out_of_totals() {
    let text = "FROM scratch AS base\nCOPY app.js /\n\
            FROM base AS test\nRUN make test\n\
            FROM scratch AS tools\nCOPY package.json /\n\
            FROM scratch\nRUN --mount=type=bind,from=tools,target=/t true\nCOPY --from=base /app.js /\n";
    let df = Dockerfile::parse(text, "Dockerfile").expect("parses");
    let plan = Plan::from_dockerfile(&df);
    let needed: Vec<(usize, bool)> = plan.steps.iter().map(|s| (s.stage, s.needed)).collect();
    assert_eq!(
        needed,
        vec![
            (0, true),
            (0, true),
            (1, false),
            (1, false),
            (2, true),
            (2, true),
            (3, true),
            (3, true),
            (3, true)
        ]
    );
    let r = repo();
    r.write("app.js", "2");
    r.commit("source");
    let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
    let sim = simulate(&plan, &h, CacheModel::Previous, &[]);
    assert_eq!(hits(&sim), vec!["HMMMHHHHM"]);
    // The test stage (its FROM and RUN) misses too, but is not counted.
    assert_eq!(sim.steps_rebuilt(), 2);
    // The unneeded RUN's size is unknown, and so is the COPY --from's
    // until an image gives it; then nothing counted is unknown.
    assert_eq!(sim.steps[3].bytes_rebuilt, None);
    assert!(sim.bytes_partial(&plan));
    let mut sizes = vec![None; 9];
    sizes[8] = Some(10);
    let sized = simulate(&plan, &h, CacheModel::Previous, &sizes);
    assert!(!sized.bytes_partial(&plan));
    assert_eq!(sized.bytes_rebuilt(), 1 + 10);
}

#[test]
fn a_single_commit_has_no_builds_to_count() {
    let r = repo();
    let h = History::read(r.dir.path(), "HEAD", 100).expect("history");
    let sim = simulate(&node_plan(), &h, CacheModel::Previous, &[]);
    assert!(sim.builds.is_empty());
    assert_eq!(sim.hit_rate(&node_plan()), 1.0);
}

#[test]
fn the_proposal_rebuilds_less_on_source_edits() {
    let (r, text) = TestRepo::node_app_with_edits();
    let df = Dockerfile::parse(text, r.dir.path().join("Dockerfile")).expect("parses");
    let rep = cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
    assert_eq!((rep.commits, rep.builds), (6, 5));
    let copy = &rep.result.steps[2];
    assert_eq!((copy.line, copy.rebuilt), (3, 5));
    let p = rep.proposal.as_ref().expect("a proposal");
    assert!(
        p.diff.contains("+COPY package-lock.json package.json ./"),
        "{}",
        p.diff
    );
    // The install now rebuilds only when the lockfile changes.
    let install = p
        .result
        .steps
        .iter()
        .find(|s| s.instruction == "RUN npm ci")
        .expect("the install step");
    assert_eq!(install.rebuilt, 1);
    assert!(p.result.hit_rate > rep.result.hit_rate);
    assert_eq!(
        rep.result.steps[3].rebuilt, 5,
        "the original reinstalls every time"
    );

    let json = serde_json::to_value(&rep).expect("json");
    assert_eq!(json["builds"], 5);
    assert_eq!(json["steps"][2]["rebuilt"], 5);
    assert!(json["proposal"]["hit_rate"].as_f64() > json["hit_rate"].as_f64());
}

/// BuildKit reads `<Dockerfile>.dockerignore` before `.dockerignore`.
#[test]
fn the_dockerfiles_own_ignore_file_wins() {
    let r = TestRepo::new();
    let text = "FROM scratch\nCOPY . /app\n";
    r.write("build/app.Dockerfile", text);
    r.write("build/app.Dockerfile.dockerignore", "notes.txt\n.git\n");
    r.write(".dockerignore", "");
    r.write("notes.txt", "1");
    r.commit("seed");
    r.write("notes.txt", "2");
    r.commit("notes only");
    let path = r.dir.path().join("build/app.Dockerfile");
    let df = Dockerfile::parse(text, &path).expect("parses");
    let rep = cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
    assert_eq!(rep.result.steps[1].rebuilt, 0, "{:?}", rep.notes);
    assert!(
        rep.notes
            .iter()
            .any(|n| n.contains("app.Dockerfile.dockerignore"))
    );
}

#[test]
fn dockerfile_edits_in_the_window_are_noted() {
    let r = TestRepo::new();
    let text = "FROM scratch\nCOPY a /a\n";
    r.write("Dockerfile", "FROM scratch\n");
    r.write("a", "1");
    r.commit("seed");
    r.write("Dockerfile", text);
    r.commit("add a COPY");
    let df = Dockerfile::parse(text, r.dir.path().join("Dockerfile")).expect("parses");
    let rep = cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
    assert!(
        rep.notes
            .iter()
            .any(|n| n.contains("changed in 1 of the builds")),
        "{:?}",
        rep.notes
    );
}

#[test]
fn a_single_commit_says_why_nothing_was_counted() {
    let r = TestRepo::new();
    let text = "FROM scratch\nCOPY . /app\n";
    r.write("Dockerfile", text);
    r.commit("only");
    let df = Dockerfile::parse(text, r.dir.path().join("Dockerfile")).expect("parses");
    let rep = cache_report(&df, text, r.dir.path(), &CacheOptions::default(), &[]).expect("report");
    assert_eq!(rep.builds, 0);
    assert!(rep.notes.iter().any(|n| n.contains("shallow clone")));
}
