//! Never panic on input: every corpus file, mutated thousands of ways with the
//! characters the syntax cares about, goes through the parser, the lint and
//! the history mapping. A parse error must carry a line inside the file.

use std::path::Path;

use ballast::analysis::join::{HistoryLine, map_history};
use ballast::dockerfile::Dockerfile;
use ballast::dockerfile::lint::{self, Context};

/// xorshift64: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const TRICKY: &[&str] = &[
    "\\",
    "`",
    "\"",
    "'",
    "$",
    "${",
    "}",
    ":-",
    "<<",
    "<<-",
    "EOF",
    "\n",
    "\r\n",
    "[",
    "]",
    "#",
    "# escape=`\n",
    "=",
    " ",
    "\t",
    "--",
    "--mount=",
    "--from=",
    "AS ",
    "FROM ",
    "RUN ",
    "COPY ",
    "ONBUILD ",
    "ARG ",
    "ENV ",
    "é",
    "\u{feff}",
    ",",
    ":",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(3) {
            0 if !chars.is_empty() => {
                let end = (at + rng.below(8)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            1 => chars.truncate(at),
            _ => {
                let piece = TRICKY[rng.below(TRICKY.len())];
                for (i, c) in piece.chars().enumerate() {
                    chars.insert((at + i).min(chars.len()), c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_corpus_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dockerfiles");
    let mut files = Vec::new();
    for sub in [dir.clone(), dir.join("lint"), dir.join("bad")] {
        for e in std::fs::read_dir(sub).expect("dir") {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "Dockerfile") {
                files.push(std::fs::read_to_string(&p).expect("read"));
            }
        }
    }
    let history: Vec<HistoryLine> = [
        ("/bin/sh -c #(nop) ADD file:a in / ", false),
        ("|1 A=b /bin/sh -c x", false),
        ("RUN |2 A=1 /bin/sh -c y # buildkit", false),
        ("COPY a /b # buildkit", false),
        ("ENV A=1", true),
        ("", true),
    ]
    .iter()
    .map(|(c, e)| HistoryLine {
        created_by: Some(c.to_string()),
        empty_layer: *e,
    })
    .collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut parsed, mut rejected) = (0, 0);
    for text in &files {
        for _ in 0..150 {
            let m = mutate(text, &mut rng);
            match Dockerfile::parse(&m, "Dockerfile") {
                Ok(df) => {
                    parsed += 1;
                    let _ = lint::lint(&df, &Context::default());
                    let _ = map_history(&df, &history);
                    for s in 0..df.stages.len() {
                        let _ = df.scope_at(s, usize::MAX, &Default::default());
                    }
                }
                Err(e) => {
                    rejected += 1;
                    let lines = m.split('\n').count();
                    assert!(
                        e.line >= 1 && e.line <= lines,
                        "line {} of {lines}: {e}\n{m}",
                        e.line
                    );
                    assert!(e.column >= 1, "{e}");
                }
            }
        }
    }
    assert!(
        parsed > 1000 && rejected > 500,
        "parsed {parsed}, rejected {rejected}"
    );
}
