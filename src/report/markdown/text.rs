//! Small pieces every markdown writer shares (the image report, the diff and
//! the Dockerfile reports): sizes that do not wrap from their unit, names
//! without the runner's directories, commands without 64-digit hashes,
//! clipped text and capped lists.

use crate::report::bytes;

pub(crate) use super::charts::megabytes;
pub(crate) use super::fit::end_with_blank_line;

/// Items a list shows before "… and N more".
pub(crate) const LIST_CAP: usize = 10;

/// Characters of a command in a table or a finding's head.
pub(crate) const COMMAND_WIDTH: usize = 60;

/// Characters of one path or name in a list.
pub(crate) const PATH_WIDTH: usize = 160;

/// `2.78 MB` with a no-break space, so a narrow column never shows `2.78`
/// on one line and `MB` on the next.
pub(crate) fn size(n: u64) -> String {
    no_break(&bytes(n))
}

/// Every space of a short value (`+1.2 MB`, `≤ 1 B`) as a no-break space.
pub(crate) fn no_break(s: &str) -> String {
    s.replace(' ', "\u{a0}")
}

/// `28.8 %`, one decimal, with a no-break space.
pub(crate) fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "0.0\u{a0}%".into();
    }
    format!("{:.1}\u{a0}%", part as f64 * 100.0 / whole as f64)
}

/// How a report names an image or a file: an absolute path (the runner's
/// checkout, `/home/runner/work/app/app/image.tar`) by its file name; a
/// relative path or a reference as given.
pub(crate) fn display_name(reference: &str) -> String {
    if reference.starts_with('/') {
        let name = reference
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        if !name.is_empty() {
            return name.to_string();
        }
    }
    reference.to_string()
}

/// A history command for a table: `COPY dir:ecbb95468fcdcbc1…` for the
/// 64-digit content hashes Docker writes for `COPY`/`ADD`, and `#(nop) `
/// dropped.
pub(crate) fn short_command(command: &str) -> String {
    let command = command.replace("/bin/sh -c #(nop) ", "");
    let mut out = String::with_capacity(command.len());
    let mut rest = command.as_str();
    while let Some(at) = rest.find(':') {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let hex = &tail[1..];
        let digits = hex.bytes().take_while(u8::is_ascii_hexdigit).count();
        let kind_ok = head.ends_with("file") || head.ends_with("dir") || head.ends_with("sha256");
        if kind_ok && digits == 64 {
            out.push(':');
            out.push_str(&hex[..12]);
            out.push('…');
            rest = &hex[64..];
        } else {
            out.push(':');
            rest = hex;
        }
    }
    out.push_str(rest);
    out
}

/// Text with a no-break space between a number and the unit after it
/// (`400 kB`, `12 %`, `3 B`), for advice that quotes sizes.
pub(crate) fn keep_units(s: &str) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "%"];
    let mut out = String::with_capacity(s.len());
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        if c == ' ' && prev.is_ascii_digit() {
            let rest = &s[i + 1..];
            let unit = UNITS.iter().any(|u| {
                rest.strip_prefix(u)
                    .is_some_and(|after| !after.starts_with(|a: char| a.is_alphanumeric()))
            });
            out.push(if unit { '\u{a0}' } else { ' ' });
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// At most `width` characters, `…` marking a cut.
pub(crate) fn clip(s: &str, width: usize) -> String {
    if s.chars().count() > width {
        s.chars()
            .take(width.saturating_sub(1))
            .chain(['…'])
            .collect()
    } else {
        s.to_string()
    }
}

/// A command as a table shows it: hashes shortened, then clipped.
pub(crate) fn table_command(command: &str) -> String {
    clip(&short_command(command), COMMAND_WIDTH)
}

/// `- … and 12 more paths (3.4 MB), …` for a list cut at [`LIST_CAP`].
pub(crate) fn more_line(hidden: usize, what: &str, bytes: Option<u64>) -> String {
    let b = bytes.map_or(String::new(), |b| format!(" ({})", size(b)));
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" {what}")
    };
    format!("… and {hidden} more{what}{b}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_keep_their_unit() {
        assert_eq!(size(1_500_000), "1.50\u{a0}MB");
        assert_eq!(percent(1, 8), "12.5\u{a0}%");
        assert_eq!(percent(1, 0), "0.0\u{a0}%");
        assert_eq!(
            keep_units("deletes /x (400 kB) and 3 Bytes, 12 % of 2 MB"),
            "deletes /x (400\u{a0}kB) and 3 Bytes, 12\u{a0}% of 2\u{a0}MB"
        );
    }

    #[test]
    fn names_drop_the_runner_directories() {
        assert_eq!(display_name("/home/runner/work/a/a/img.tar"), "img.tar");
        assert_eq!(display_name("/tmp/layout/"), "layout");
        assert_eq!(display_name("fixtures/demo.tar"), "fixtures/demo.tar");
        assert_eq!(display_name("ghcr.io/o/app:1"), "ghcr.io/o/app:1");
        assert_eq!(display_name("/"), "/");
    }

    #[test]
    fn commands_lose_their_hashes() {
        let hex = "ecbb95468fcdcbc1fe3ac028995f8d5cdd0fb7913481e64bde0f35801bf38b53";
        assert_eq!(
            short_command(&format!("/bin/sh -c #(nop) COPY dir:{hex} in /app ")),
            "COPY dir:ecbb95468fcd… in /app "
        );
        assert_eq!(
            short_command(&format!("COPY file:{hex} in /x")),
            "COPY file:ecbb95468fcd… in /x"
        );
        // Not a hash: kept.
        assert_eq!(short_command("RUN a:b && c:ffff"), "RUN a:b && c:ffff");
        assert_eq!(short_command("ends with dir:"), "ends with dir:");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
