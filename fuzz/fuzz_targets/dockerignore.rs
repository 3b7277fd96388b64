//! The `.dockerignore` matcher: the first line of the input is a path to
//! test, the rest is the ignore file; the same text is also tried as a
//! `COPY` source list.
#![no_main]

use libfuzzer_sys::fuzz_target;

use ballast::dockerfile::ignore::Ignore;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (path, body) = text.split_once('\n').unwrap_or(("", &text));
    if let Ok(ignore) = Ignore::parse(body) {
        let _ = ignore.is_excluded(path);
        let _ = ignore.is_excluded(&format!("{path}/x"));
        let _ = ignore.patterns().count();
    }
    let sources: Vec<&str> = body.lines().take(64).collect();
    if let Ok(sources) = Ignore::sources(&sources) {
        let _ = sources.selects(path);
    }
});
