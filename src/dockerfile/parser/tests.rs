use std::collections::HashMap;

use super::*;

fn parse(text: &str) -> Dockerfile {
    match Dockerfile::parse(text, "Dockerfile") {
        Ok(d) => d,
        Err(e) => panic!("parse failed: {e}"),
    }
}

fn err(text: &str) -> ParseError {
    match Dockerfile::parse(text, "Dockerfile") {
        Ok(d) => panic!("expected an error, parsed {d:?}"),
        Err(e) => e,
    }
}

fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |n| map.get(n).cloned()
}

#[test]
fn continuation_joins_pieces_as_written_and_skips_comments_and_blanks() {
    let d = parse("FROM a\nRUN apt-get update \\\n# comment\n\n    && apt-get install x\n");
    let run = &d.stages[0].instructions[0];
    assert_eq!(
        run.args,
        Arguments::Shell("apt-get update     && apt-get install x".into())
    );
    assert_eq!((run.line, run.end_line, run.column), (2, 5, 1));
}

#[test]
fn escape_directive_changes_the_continuation_character() {
    let d = parse("# escape=`\nFROM a\nRUN dir c:\\ `\n  /b\n");
    assert_eq!(d.directives.escape, '`');
    assert_eq!(
        d.stages[0].instructions[0].args,
        Arguments::Shell("dir c:\\   /b".into())
    );
}

#[test]
fn directives_stop_at_the_first_other_line() {
    let d = parse("# syntax=docker/dockerfile:1\n# comment\n# escape=`\nFROM a\n");
    assert_eq!(d.directives.syntax.as_deref(), Some("docker/dockerfile:1"));
    assert_eq!(d.directives.escape, '\\');
    let e = err("# escape=x\nFROM a\n");
    assert_eq!((e.line, e.column), (1, 1));
    let e = err("# syntax=a\n# SYNTAX=b\nFROM a\n");
    assert_eq!(e.line, 2);
}

#[test]
fn json_and_shell_forms() {
    let d = parse("FROM a\nCMD [\"node\", \"app.js\"]\nRUN [not json\nENTRYPOINT []\n");
    let i = &d.stages[0].instructions;
    assert_eq!(
        i[0].args,
        Arguments::Json(vec!["node".into(), "app.js".into()])
    );
    assert_eq!(i[1].args, Arguments::Shell("[not json".into()));
    assert_eq!(i[2].args, Arguments::Json(vec![]));
}

#[test]
fn flags_are_typed_and_unknown_flags_fail_with_their_column() {
    let d = parse(
        "FROM --platform=$BUILDPLATFORM a AS b\nCOPY --from=b --chown=1:1 --chmod=755 --link x /y\n\
             RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=npm --network=none true\n",
    );
    assert_eq!(d.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    let copy = &d.stages[0].instructions[0];
    assert_eq!(copy.flag("from"), Some("b"));
    assert_eq!(copy.flag("chown"), Some("1:1"));
    assert!(copy.flag_on("link"));
    assert_eq!(copy.copy_paths(), Some((vec!["x".into()], "/y".into())));
    let run = &d.stages[0].instructions[1];
    let m = run.mounts();
    assert_eq!(m[0].kind, "cache");
    assert_eq!(m[0].target.as_deref(), Some("/root/.cache"));
    assert_eq!(m[1].id.as_deref(), Some("npm"));
    assert_eq!(run.flag("network"), Some("none"));
    assert_eq!(run.args, Arguments::Shell("true".into()));
    let e = err("FROM a\nCOPY --form=b x y\n");
    assert_eq!((e.line, e.column), (2, 6));
    assert!(e.message.contains("--form"), "{}", e.message);
}

#[test]
fn heredocs_take_their_bodies_and_extend_the_instruction() {
    let d = parse(
        "FROM a\nRUN <<EOF\napt-get update\necho $HOME\nEOF\nCOPY <<-\"CONF\" /etc/x.conf\n\tkey=$v\n\tCONF\nUSER x\n",
    );
    let run = &d.stages[0].instructions[0];
    assert_eq!((run.line, run.end_line), (2, 5));
    assert_eq!(run.heredocs[0].body, "apt-get update\necho $HOME\n");
    assert!(run.heredocs[0].expand);
    let copy = &d.stages[0].instructions[1];
    assert_eq!((copy.line, copy.end_line), (6, 8));
    assert_eq!(copy.heredocs[0].body, "key=$v\n");
    assert!(!copy.heredocs[0].expand && copy.heredocs[0].strip_tabs);
    assert_eq!(d.stages[0].instructions[2].line, 9);
    let e = err("FROM a\nRUN <<EOF\necho\n");
    assert!(e.message.contains("unterminated"), "{}", e.message);
}

#[test]
fn two_heredocs_on_one_line_are_read_in_order() {
    let d = parse("FROM a\nRUN <<A cat > /a && <<B cat > /b\none\nA\ntwo\nB\n");
    let run = &d.stages[0].instructions[0];
    let names: Vec<_> = run.heredocs.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(run.heredocs[1].body, "two\n");
    assert_eq!(run.end_line, 6);
}

#[test]
fn substitution_forms() {
    let look = vars(&[("A", "x"), ("E", "")]);
    let e = |w: &str| expand(w, '\\', &look);
    assert_eq!(e("$A/${A}/$B-"), Ok("x/x/-".into()));
    assert_eq!(e("${B:-d} ${E:-d} ${E-d} ${B-d}"), Ok("d d  d".into()));
    assert_eq!(e("${A:+y} ${E:+y} ${E+y} ${B+y}"), Ok("y  y ".into()));
    assert_eq!(e("\\$A '$A' \"$A\" \"\\$A\""), Ok("$A $A x $A".into()));
    assert_eq!(e("${B:-${A}}"), Ok("x".into()));
    assert_eq!(e("${B:?must be set}"), Err("B: must be set".into()));
    assert!(e("${A").is_err());
    assert!(e("'open").is_err());
    assert_eq!(expand("`$A", '`', &look), Ok("$A".into()));
}

#[test]
fn scope_follows_arg_env_and_build_args() {
    let d = parse(
        "ARG VERSION=1\nARG BASE=alpine:${VERSION}\nFROM ${BASE} AS build\nARG VERSION\n\
             ENV APP=/app/$VERSION\nARG MODE=dev\nENV MODE=prod\nRUN true\nFROM build\nRUN x\n",
    );
    let none = HashMap::new();
    let g = d.global_scope(&none);
    assert_eq!(g.expand(&d.stages[0].base), Ok("alpine:1".into()));
    let s = d.scope_at(0, 4, &none);
    assert_eq!(s.get("VERSION"), Some("1"));
    assert_eq!(s.get("APP"), Some("/app/1"));
    assert_eq!(s.get("MODE"), Some("prod"), "ENV wins over ARG");
    let given: HashMap<String, String> = [("VERSION".to_string(), "2".to_string())].into();
    assert_eq!(d.scope_at(0, 4, &given).get("APP"), Some("/app/2"));
    // The child stage inherits ENV, not ARG.
    let child = d.scope_at(1, 1, &none);
    assert_eq!(child.get("APP"), Some("/app/1"));
    assert_eq!(child.get("VERSION"), None);
    assert_eq!(d.stage_named("BUILD", 1).map(|s| s.index), Some(0));
}

#[test]
fn env_and_label_pairs() {
    let d = parse(
        "FROM a\nENV A=1 B=\"two words\" C=x\\ y\nENV LEGACY the value here\nLABEL \"com.x\"=\"v\"\nARG X Y=2\n",
    );
    let i = &d.stages[0].instructions;
    assert_eq!(i[0].pairs[1], ("B".into(), Some("\"two words\"".into())));
    assert_eq!(
        i[1].pairs,
        [("LEGACY".into(), Some("the value here".into()))]
    );
    assert_eq!(i[2].pairs[0].0, "com.x");
    assert_eq!(
        i[3].pairs,
        [("X".into(), None), ("Y".into(), Some("2".into()))]
    );
    let s = d.scope_at(0, 1, &HashMap::new());
    assert_eq!(s.get("B"), Some("two words"));
    assert_eq!(s.get("C"), Some("x y"));
}

#[test]
fn errors_name_line_and_column() {
    let e = err("FROM a\n  BOGUS x\n");
    assert_eq!((e.line, e.column), (2, 3));
    assert_eq!(e.to_string(), "Dockerfile:2:3: unknown instruction: BOGUS");
    assert_eq!(err("RUN x\nFROM a\n").line, 1);
    assert!(err("ARG A\n").message.contains("no FROM"));
    assert!(err("FROM a b\n").message.contains("FROM requires"));
    assert!(err("FROM a\nCOPY x\n").message.contains("two arguments"));
    assert!(err("FROM a\nSHELL /bin/sh\n").message.contains("JSON"));
    assert!(err("FROM a\nENV\n").message.contains("at least one"));
    assert!(err("FROM a\nONBUILD FROM b\n").message.contains("ONBUILD"));
    assert!(err("FROM a AS 1x\n").message.contains("stage name"));
}

#[test]
fn onbuild_parses_its_trigger_and_healthcheck_its_forms() {
    let d = parse(
        "FROM a\nONBUILD COPY --chown=1 . /app\nHEALTHCHECK --interval=5s CMD true\nHEALTHCHECK NONE\n",
    );
    let t = d.stages[0].instructions[0].trigger.as_deref();
    assert_eq!(t.map(|t| t.kind), Some(Kind::Copy));
    assert_eq!(t.and_then(|t| t.flag("chown")), Some("1"));
    assert_eq!(
        t.map(|t| t.text.as_str()),
        Some("ONBUILD COPY --chown=1 . /app")
    );
    assert_eq!(d.stages[0].instructions[1].flag("interval"), Some("5s"));
}

#[test]
fn crlf_bom_and_lowercase_keywords() {
    let d = parse("\u{feff}from a as B\r\nrun echo \\\r\n  hi\r\n");
    assert_eq!(d.stages[0].name.as_deref(), Some("B"));
    let run = &d.stages[0].instructions[0];
    assert_eq!(run.kind, Kind::Run);
    assert_eq!(run.keyword, "run");
    assert_eq!(run.args, Arguments::Shell("echo   hi".into()));
    assert_eq!(run.text, "run echo \\\n  hi");
}

/// Once a stack overflow: the word processor recursed once per `${`.
#[test]
fn substitutions_nested_past_the_limit_are_an_error_not_a_stack_overflow() {
    use crate::limits::{Limit, Limits};
    let look = vars(&[("A", "x")]);
    let nested = |n: usize| format!("{}y{}", "${B:-".repeat(n), "}".repeat(n));
    let max = Limits::default().len(Limit::SubstitutionDepth);
    assert_eq!(expand(&nested(max), '\\', &look), Ok("y".into()));
    let e = expand(&nested(100_000), '\\', &look).expect_err("too deep");
    assert!(
        e.contains(
            "the substitution-depth limit is 64; raise it with --limit substitution-depth=128"
        ),
        "{e}"
    );
    // In a FROM line or an ARG name the parser keeps the word as written.
    let text = format!("FROM {}\n", nested(100_000));
    assert!(Dockerfile::parse(&text, "Dockerfile").is_ok());
}
