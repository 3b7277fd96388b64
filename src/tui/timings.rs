//! The `BALLAST_TUI_TIMINGS` hook: when it names a file, the run loop
//! appends one line per measurement (first frame, first interactive frame,
//! each key's latency to the frame that shows it).

use std::io::Write;
use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();

/// Note the process start, for the timing hook; call first thing in `main`.
pub fn mark_start() {
    START.get_or_init(Instant::now);
}

/// The measurements of one run, and where they go.
pub(super) struct Timings {
    file: Option<std::fs::File>,
    first: bool,
    interactive: bool,
    /// When each key drawn next arrived.
    keys: Vec<Instant>,
}

impl Timings {
    pub(super) fn open() -> Timings {
        let file = std::env::var_os("BALLAST_TUI_TIMINGS")
            .filter(|p| !p.is_empty())
            .and_then(|p| {
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .ok()
            });
        Timings {
            file,
            first: true,
            interactive: false,
            keys: Vec::new(),
        }
    }

    fn line(&mut self, text: std::fmt::Arguments) {
        if let Some(f) = &mut self.file {
            let _ = writeln!(f, "{text}");
            let _ = f.flush();
        }
    }

    /// A key arrived at `at`; its latency is taken at the next frame.
    pub(super) fn key(&mut self, at: Instant) {
        self.keys.push(at);
    }

    /// A frame was drawn; `loaded` says whether it shows the analysis.
    pub(super) fn frame(&mut self, loaded: bool) {
        let drawn = Instant::now();
        let start = START.get().copied().unwrap_or(drawn);
        if self.first {
            self.first = false;
            let ms = drawn.duration_since(start).as_millis();
            self.line(format_args!("first_frame_ms {ms}"));
        }
        if !self.interactive && loaded {
            self.interactive = true;
            let ms = drawn.duration_since(start).as_millis();
            self.line(format_args!("interactive_ms {ms}"));
        }
        let keys = std::mem::take(&mut self.keys);
        for k in keys {
            let us = drawn.duration_since(k).as_micros();
            self.line(format_args!("key_frame_us {us}"));
        }
    }
}
