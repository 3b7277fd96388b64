//! Keeping a report inside GitHub's comment limit (65,536 characters, for a
//! pull-request comment and a job summary alike): lists are capped where they
//! are written, and when the sections still add up to more, the longest one
//! is swapped for its compact form (or a line saying it was left out), again
//! and again until the report fits.

/// GitHub's limit on a comment or job summary, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// What a report may use: the limit less room for a heading or a line a
/// workflow adds around it.
const BUDGET: usize = COMMENT_LIMIT - 2_048;

/// One section of a report: its full text and, where it has one, a compact
/// form that says what it cut.
pub(super) struct Section {
    name: &'static str,
    full: String,
    compact: Option<String>,
    /// 0 full, 1 compact, 2 left out.
    level: u8,
}

impl Section {
    pub(super) fn new(name: &'static str, full: String) -> Self {
        Section {
            name,
            full,
            compact: None,
            level: 0,
        }
    }

    pub(super) fn compact(mut self, compact: String) -> Self {
        self.compact = Some(compact);
        self
    }

    fn text(&self) -> String {
        match self.level {
            0 => self.full.clone(),
            1 => self.compact.clone().unwrap_or_default(),
            _ => left_out(self.name, length(&self.full)),
        }
    }

    /// One step shorter: full to compact (when it has one), then left out.
    fn shorten(&mut self) -> bool {
        match self.level {
            0 if self.compact.is_some() => self.level = 1,
            0 | 1 => self.level = 2,
            _ => return false,
        }
        true
    }
}

/// Length as GitHub counts it (UTF-16 code units: an emoji counts two).
pub(super) fn length(s: &str) -> usize {
    s.encode_utf16().count()
}

fn left_out(name: &str, chars: usize) -> String {
    if chars == 0 {
        return String::new();
    }
    format!(
        "*The {name} section is left out: with {chars} characters it would take the report past \
         GitHub's {COMMENT_LIMIT}-character limit. `--json` has all of it.*\n\n"
    )
}

/// `head` then the sections, shortened (longest first) until the report is
/// within the budget; a head that alone is too long is cut at a line.
pub(super) fn fit(head: String, mut sections: Vec<Section>) -> String {
    let head = cut_head(head);
    loop {
        let texts: Vec<String> = sections.iter().map(Section::text).collect();
        let total = length(&head) + texts.iter().map(|t| length(t)).sum::<usize>();
        if total <= BUDGET {
            return std::iter::once(head).chain(texts).collect();
        }
        let longest = texts
            .iter()
            .enumerate()
            .filter(|(i, _)| sections[*i].level < 2)
            .max_by_key(|(i, t)| (length(t), std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        match longest {
            Some(i) if sections[i].shorten() => {}
            // Everything is left out and the notes still do not fit (they
            // cannot: a handful of lines); give the head alone.
            _ => return head,
        }
    }
}

/// The summary and budgets are short by construction (lists capped, text
/// clipped); this is the backstop: cut at a line break under half the budget.
fn cut_head(head: String) -> String {
    if length(&head) <= BUDGET / 2 {
        return head;
    }
    let mut kept = String::new();
    let mut kept_len = 0;
    for line in head.split_inclusive('\n') {
        kept_len += length(line);
        if kept_len > BUDGET / 2 - 200 {
            break;
        }
        kept.push_str(line);
    }
    kept.push_str(
        "\n*The rest of the summary is left out (GitHub's comment limit); `--json` has it.*\n\n",
    );
    kept
}

/// The text ending in exactly one blank line.
pub(crate) fn end_with_blank_line(mut md: String) -> String {
    let end = md.trim_end_matches('\n').len();
    md.truncate(end);
    md.push_str("\n\n");
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_section_goes_compact_then_out() {
        let big = "x\n".repeat(BUDGET / 4);
        let sections = vec![
            Section::new("small", "small\n\n".into()),
            Section::new("big", big.clone()).compact("compact big\n\n".into()),
            Section::new("bigger", big.clone() + &big),
        ];
        let md = fit("# head\n\n".into(), sections);
        assert!(length(&md) <= BUDGET);
        assert!(md.contains("small\n\n"));
        // `bigger` alone passes the budget: left out; then `big` fits whole.
        assert!(
            md.contains("The bigger section is left out"),
            "{}",
            &md[..200]
        );
        assert!(md.contains(&big));
        assert!(!md.contains("compact big"));
    }

    #[test]
    fn a_huge_head_is_cut_at_a_line() {
        let head = "| a | b |\n".repeat(BUDGET);
        let md = fit(head, vec![Section::new("s", "s\n\n".into())]);
        assert!(length(&md) <= BUDGET, "{}", length(&md));
        assert!(md.contains("The rest of the summary is left out"));
    }

    #[test]
    fn reports_end_in_one_blank_line() {
        assert_eq!(end_with_blank_line("a\n".into()), "a\n\n");
        assert_eq!(end_with_blank_line("a\n\n\n".into()), "a\n\n");
        assert_eq!(end_with_blank_line("a".into()), "a\n\n");
    }
}
