//! The one decoder of a Docker history `created_by` line: the text each
//! builder records for a step, with its decorations taken off. A leaf
//! module: it imports nothing from the crate.
//!
//! The shapes builders write:
//!
//! - the legacy builder: `/bin/sh -c #(nop) COPY file:<hash> in /dst `,
//!   `/bin/sh -c #(nop)  ENV A=1` (the shell in force, then `#(nop)`), and
//!   for `RUN` the command itself: `|1 V=1 /bin/sh -c make` (`|N` and the
//!   build args first when there are any), the exec form's words joined;
//! - BuildKit: `RUN /bin/sh -c make # buildkit`, `COPY --chown=1 a b /dst #
//!   buildkit`; the instructions that make no layer are written plain
//!   (`ENV A=1`, `CMD ["node" "x"]`).
//!
//! [`tidy_command`] gives the line people read; [`decode`] splits it into the
//! instruction and its arguments for matching against a Dockerfile.

/// BuildKit's mark at the end of a line.
const BUILDKIT_MARK: &str = "# buildkit";
/// The legacy builder's mark before an instruction that ran no command.
const NOP_MARK: &str = "#(nop)";
/// The default shell's prefix before a command.
const SHELL_PREFIX: &str = "/bin/sh -c ";

/// Dockerfile keywords, as a history line may start with them.
const KEYWORDS: &[&str] = &[
    "FROM",
    "RUN",
    "CMD",
    "LABEL",
    "MAINTAINER",
    "EXPOSE",
    "ENV",
    "ADD",
    "COPY",
    "ENTRYPOINT",
    "VOLUME",
    "USER",
    "WORKDIR",
    "ARG",
    "ONBUILD",
    "STOPSIGNAL",
    "HEALTHCHECK",
    "SHELL",
];

/// The line trimmed, BuildKit's ` # buildkit` taken off: (the rest, whether
/// the mark was there).
fn without_buildkit_mark(created_by: &str) -> (&str, bool) {
    let s = created_by.trim();
    match s.strip_suffix(BUILDKIT_MARK) {
        Some(r) => (r.trim_end(), true),
        None => (s, false),
    }
}

/// `/bin/sh -c #(nop)  COPY file:… in /` → `COPY file:… in /`;
/// `/bin/sh -c apt-get …` → `RUN apt-get …`; BuildKit's ` # buildkit` dropped.
pub fn tidy_command(created_by: &str) -> String {
    let (s, _) = without_buildkit_mark(created_by);
    if let Some(rest) = s
        .strip_prefix(SHELL_PREFIX)
        .and_then(|r| r.strip_prefix(NOP_MARK))
    {
        return rest.trim().to_string();
    }
    if let Some(rest) = s.strip_prefix(SHELL_PREFIX) {
        return format!("RUN {}", rest.trim());
    }
    s.to_string()
}

/// `|2 A=1 B=2 /bin/sh -c x` → `/bin/sh -c x`: the build args a `RUN` saw,
/// which both builders write before its command.
pub(crate) fn strip_build_args(s: &str) -> &str {
    let Some(n) = s
        .strip_prefix('|')
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return s;
    };
    let mut rest = s[1..].trim_start();
    rest = rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..].trim_start();
    for _ in 0..n {
        rest = rest[rest.find(char::is_whitespace).unwrap_or(rest.len())..].trim_start();
    }
    rest
}

/// A command without the default shell's `/bin/sh -c ` in front.
pub(crate) fn strip_shell(command: &str) -> &str {
    command.strip_prefix(SHELL_PREFIX).unwrap_or(command)
}

/// A history line split: the instruction keyword (upper case) and the rest,
/// with the builder's decorations (`#(nop)`, ` # buildkit`, `|N k=v`, the
/// shell) taken off where they can be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) keyword: String,
    pub(crate) rest: String,
}

/// Split a history line into its instruction and arguments.
pub(crate) fn decode(created_by: &str) -> Decoded {
    let (s, buildkit) = without_buildkit_mark(created_by);
    if let Some(i) = s.find(NOP_MARK) {
        let rest = s[i + NOP_MARK.len()..].trim();
        let (k, r) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        return Decoded {
            keyword: k.to_ascii_uppercase(),
            rest: r.trim().to_string(),
        };
    }
    let first = s.split_whitespace().next().unwrap_or("");
    let keyword = KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(first));
    if keyword && (buildkit || first.chars().all(|c| c.is_ascii_uppercase())) {
        let rest = s[first.len()..].trim();
        return Decoded {
            keyword: first.to_ascii_uppercase(),
            rest: strip_build_args(rest).to_string(),
        };
    }
    // The legacy builder writes a RUN as the command it ran.
    Decoded {
        keyword: "RUN".into(),
        rest: strip_build_args(s).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_tidied() {
        assert_eq!(
            tidy_command("/bin/sh -c #(nop)  COPY file:abc in /bin "),
            "COPY file:abc in /bin"
        );
        assert_eq!(
            tidy_command("/bin/sh -c apt-get update"),
            "RUN apt-get update"
        );
        assert_eq!(
            tidy_command("RUN /bin/sh -c make # buildkit"),
            "RUN /bin/sh -c make"
        );
        assert_eq!(tidy_command("COPY . . # buildkit"), "COPY . .");
    }

    #[test]
    fn lines_decode_into_keyword_and_arguments() {
        let d = |s: &str| {
            let d = decode(s);
            (d.keyword, d.rest)
        };
        assert_eq!(
            d("/bin/sh -c #(nop)  ENV A=1"),
            ("ENV".into(), "A=1".into())
        );
        assert_eq!(
            d("RUN |1 V=1 /bin/sh -c make # buildkit"),
            ("RUN".into(), "/bin/sh -c make".into())
        );
        assert_eq!(
            d("|2 A=1 B=2 /bin/sh -c make"),
            ("RUN".into(), "/bin/sh -c make".into())
        );
        assert_eq!(d("copy a /b"), ("RUN".into(), "copy a /b".into()));
        assert_eq!(strip_shell("/bin/sh -c make"), "make");
    }
}
