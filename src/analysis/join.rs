//! Join a Dockerfile to the image it built: which history entry, and so
//! which layer, each instruction of the final stage made. It lives in the
//! analysis because it reads the image's history and layers; the Dockerfile
//! model itself knows nothing of images.
//!
//! The image's history is the base image's entries followed by one entry per
//! instruction of the stages the final stage is built `FROM` and of the final
//! stage itself, each line in its builder's shape (decoded by
//! `crate::history_line`).
//!
//! Matching walks both lists from the end: each instruction takes the
//! nearest earlier history entry of the same instruction; the entries of the
//! base image, left over at the front, take none.

use serde::Serialize;

use super::Analysis;
use crate::dockerfile::cache::{CacheReport, Plan};
use crate::dockerfile::{Arguments, Dockerfile, Instruction, Kind, Stage, lint};
use crate::history_line::{Decoded, decode};

/// One history entry, as the image config records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    pub created_by: Option<String>,
    pub empty_layer: bool,
}

/// An instruction of the final image and what it made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mapped {
    /// 1-based first and last line in the Dockerfile.
    pub line: usize,
    pub end_line: usize,
    /// The stage the instruction belongs to (the final stage or one it is
    /// built `FROM`).
    pub stage: usize,
    /// `RUN`, `COPY`, …
    pub instruction: Kind,
    /// The instruction's first line, as written.
    pub text: String,
    /// Index into the config's history (empty-layer entries included).
    pub history_index: Option<usize>,
    /// Index into the image's layers, when the entry made one.
    pub layer: Option<usize>,
    /// The layer's size (ballast's `size_bytes` for that layer).
    pub size_bytes: Option<u64>,
    /// Whether the entry's text confirms the match (the same command, or the
    /// same destination), not only the same instruction.
    pub confirmed: bool,
}

/// The `dockerfile` object of the image analysis (`ballast IMAGE
/// --dockerfile PATH`).
#[derive(Debug, Clone, Serialize)]
pub struct ImageDockerfile {
    pub path: String,
    /// The stage the image is: the last one.
    pub final_stage: usize,
    /// Every instruction of the final image, in build order, with its
    /// history entry and layer where found.
    pub instructions: Vec<Mapped>,
    pub lint: Vec<lint::Finding>,
    /// The cache report over the context's git history, sized by this
    /// image's layers (absent when the context is not in a git repository).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheReport>,
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the entry's text is this instruction's (beyond the keyword).
fn confirms(ins: &Instruction, p: &Decoded) -> bool {
    let rest = squash(&p.rest);
    match ins.kind {
        Kind::Run => match &ins.args {
            Arguments::Shell(cmd) if ins.heredocs.is_empty() => {
                let cmd = squash(cmd);
                !cmd.is_empty() && rest.ends_with(&cmd)
            }
            // legacy: the words joined; buildah: the JSON as written.
            Arguments::Json(words) => {
                let raw = squash(ins.text.trim_start()[ins.keyword.len()..].trim());
                rest.ends_with(&squash(&words.join(" "))) || rest.ends_with(&raw)
            }
            Arguments::Shell(_) => false,
        },
        Kind::Copy | Kind::Add => {
            let Some((_, dest)) = ins.copy_paths() else {
                return false;
            };
            // legacy: `file:<hash> in /dst`; BuildKit: `src… /dst`.
            let last = rest.rsplit(' ').next().unwrap_or("");
            last == dest
                || last == dest.trim_end_matches('/')
                || rest.ends_with(&format!(" in {dest}"))
        }
        _ => {
            let first = ins.words().first().cloned().unwrap_or_default();
            !first.is_empty() && rest.contains(first.split('=').next().unwrap_or(&first))
        }
    }
}

/// The stages whose instructions are in the final image, root first.
fn final_chain(df: &Dockerfile) -> Vec<&Stage> {
    let globals = df.global_scope(&Default::default());
    let mut chain: Vec<&Stage> = Vec::new();
    let mut cur = df.final_stage();
    while let Some(s) = cur {
        if chain.iter().any(|c| c.index == s.index) {
            break;
        }
        chain.push(s);
        let base = globals.expand(&s.base).unwrap_or_else(|_| s.base.clone());
        cur = df.stage_named(&base, s.index);
    }
    chain.reverse();
    chain
}

/// Map the final image's instructions to `history`.
pub fn map_history(df: &Dockerfile, history: &[HistoryLine]) -> Vec<Mapped> {
    let chain = final_chain(df);
    let instructions: Vec<(usize, &Instruction)> = chain
        .iter()
        .flat_map(|s| s.instructions.iter().map(move |i| (s.index, i)))
        .collect();
    let parsed: Vec<Option<Decoded>> = history
        .iter()
        .map(|h| h.created_by.as_deref().map(decode))
        .collect();
    // Layer index of each history entry that made one.
    let mut layer_of = Vec::with_capacity(history.len());
    let mut n = 0;
    for h in history {
        layer_of.push((!h.empty_layer).then_some(n));
        n += usize::from(!h.empty_layer);
    }
    let mut out: Vec<Mapped> = Vec::with_capacity(instructions.len());
    let mut end = history.len();
    for &(stage, ins) in instructions.iter().rev() {
        let keyword = ins.kind.as_str();
        let found = (0..end).rev().find_map(|j| {
            let p = parsed[j].as_ref().filter(|p| p.keyword == keyword)?;
            Some((j, confirms(ins, p)))
        });
        if let Some((j, _)) = found {
            end = j;
        }
        out.push(Mapped {
            line: ins.line,
            end_line: ins.end_line,
            stage,
            instruction: ins.kind,
            text: ins.text.lines().next().unwrap_or("").trim().to_string(),
            history_index: found.map(|f| f.0),
            layer: found.and_then(|f| layer_of[f.0]),
            size_bytes: None,
            confirmed: found.is_some_and(|f| f.1),
        });
    }
    out.reverse();
    out
}

/// Join a Dockerfile and its lint findings to an image analysis: map the
/// instructions to the history and layers, and give each image finding
/// whose layer an instruction made that instruction's line.
pub fn attach(analysis: &mut Analysis, df: &Dockerfile, lint: Vec<lint::Finding>) {
    let history: Vec<HistoryLine> = analysis
        .history
        .iter()
        .map(|h| HistoryLine {
            created_by: h.created_by.clone(),
            empty_layer: h.empty_layer,
        })
        .collect();
    let mut instructions = map_history(df, &history);
    for m in &mut instructions {
        m.size_bytes = m
            .layer
            .and_then(|l| analysis.image.layers.get(l))
            .map(|l| l.size_bytes);
    }
    for f in &mut analysis.findings {
        let Some(layer) = f.layer.as_ref().map(|l| l.index) else {
            continue;
        };
        f.dockerfile_line = instructions
            .iter()
            .find(|m| m.layer == Some(layer))
            .map(|m| m.line);
    }
    analysis.dockerfile = Some(ImageDockerfile {
        path: df.path.display().to_string(),
        final_stage: df.stages.len().saturating_sub(1),
        instructions,
        lint,
        cache: None,
    });
}

/// Per step of `plan`, the size of the layer it made in the image, from the
/// instructions [`map_history`] matched to the image's history
/// (final-stage instructions only; the others stay unknown).
pub fn layer_sizes(plan: &Plan, mapped: &[Mapped]) -> Vec<Option<u64>> {
    plan.steps
        .iter()
        .map(|s| {
            mapped
                .iter()
                .find(|m| m.stage == s.stage && m.line == s.line)
                .and_then(|m| m.size_bytes)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(created_by: &str, empty: bool) -> HistoryLine {
        HistoryLine {
            created_by: Some(created_by.into()),
            empty_layer: empty,
        }
    }

    #[test]
    fn created_by_shapes() {
        let p = decode("/bin/sh -c #(nop)  ENV A=1");
        assert_eq!((p.keyword.as_str(), p.rest.as_str()), ("ENV", "A=1"));
        let p = decode("|1 V=1 /bin/sh -c make all");
        assert_eq!(
            (p.keyword.as_str(), p.rest.as_str()),
            ("RUN", "/bin/sh -c make all")
        );
        let p = decode("RUN |2 A=1 B=2 /bin/sh -c make # buildkit");
        assert_eq!(
            (p.keyword.as_str(), p.rest.as_str()),
            ("RUN", "/bin/sh -c make")
        );
        let p = decode("COPY --chown=1 a b /dst/ # buildkit");
        assert_eq!(
            (p.keyword.as_str(), p.rest.as_str()),
            ("COPY", "--chown=1 a b /dst/")
        );
        let p = decode("/bin/busybox sh -c #(nop) COPY dir:ab in ./sub/ ");
        assert_eq!(
            (p.keyword.as_str(), p.rest.as_str()),
            ("COPY", "dir:ab in ./sub/")
        );
        let p = decode("CMD [\"node\" \"x\"]");
        assert_eq!(p.keyword, "CMD");
    }

    #[test]
    fn maps_the_final_chain_from_the_end_past_the_base_history() {
        let df = Dockerfile::parse(
            "FROM alpine:3 AS build\nRUN make\nFROM alpine:3 AS base\nENV A=1\nFROM base\n\
             COPY --from=build /out /app\nRUN echo hi\nCMD [\"/app\"]\n",
            "Dockerfile",
        )
        .expect("parse");
        let history = [
            h("/bin/sh -c #(nop) ADD file:abc in / ", false),
            h("/bin/sh -c #(nop)  CMD [\"/bin/sh\"]", true),
            h("ENV A=1", true),
            h("COPY /out /app # buildkit", false),
            h("RUN /bin/sh -c echo hi # buildkit", false),
            h("CMD [\"/app\"]", true),
        ];
        let m = map_history(&df, &history);
        let got: Vec<_> = m
            .iter()
            .map(|m| (m.line, m.history_index, m.layer, m.confirmed))
            .collect();
        assert_eq!(
            got,
            [
                (4, Some(2), None, true),
                (6, Some(3), Some(1), true),
                (7, Some(4), Some(2), true),
                (8, Some(5), None, true),
            ]
        );
    }

    #[test]
    fn an_instruction_missing_from_the_history_stays_unmapped() {
        let df = Dockerfile::parse("FROM a:1\nRUN one\nRUN two\n", "Dockerfile").expect("parse");
        let m = map_history(&df, &[h("/bin/sh -c two", false)]);
        assert_eq!(m[0].history_index, None);
        assert_eq!((m[1].history_index, m[1].layer), (Some(0), Some(0)));
    }
}
