//! The budget files: the input, minus its first byte, is written as
//! `.ballast.toml` (first byte even) or `.dive-ci` (odd) and loaded the way
//! `--ci` loads it; the text is also given to the size and ratio parsers.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let dir = DIR
        .get_or_init(|| tempfile::tempdir().expect("a temp dir"))
        .path();
    let toml = dir.join(".ballast.toml");
    let dive = dir.join(".dive-ci");
    let _ = std::fs::remove_file(&toml);
    let _ = std::fs::remove_file(&dive);
    let path = if which & 1 == 0 { toml } else { dive };
    std::fs::write(&path, body).expect("write the budget file");
    let _ = ballast::report::ci::load(None, dir, &ballast::limits::Limits::default());
    // The size and ratio parsers both files share, on the raw text too.
    let text = String::from_utf8_lossy(body);
    let _ = ballast::report::ci::parse_size(&text);
    let _ = ballast::report::ci::parse_ratio(&text);
});
