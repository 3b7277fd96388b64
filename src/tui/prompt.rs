//! The one-line prompt at the bottom: typing into it (Backspace, Ctrl-U
//! clears, Ctrl-W drops a word), the filter and the search applied as they
//! are typed, Esc putting back what was there, and what Enter does for each
//! prompt (keep the filter or search, extract a file).

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Input, Pane, Prompt, Request};
use super::tree::{MAX_REVEAL, Pattern};

impl App {
    pub(super) fn key_input(&mut self, k: KeyEvent) {
        let Some(input) = self.input.as_mut() else {
            return;
        };
        let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
        match k.code {
            KeyCode::Esc => {
                if let Some(input) = self.input.take() {
                    self.cancel(input);
                }
                return;
            }
            KeyCode::Enter => {
                if let Some(input) = self.input.take() {
                    self.submit(input);
                }
                return;
            }
            KeyCode::Backspace => {
                input.text.pop();
            }
            KeyCode::Char('u') if ctrl => input.text.clear(),
            KeyCode::Char('w') if ctrl => {
                let kept = input.text.trim_end().rfind(' ').map_or(0, |i| i + 1);
                input.text.truncate(kept);
            }
            KeyCode::Char(c) if !ctrl => input.text.push(c),
            _ => return,
        }
        self.live();
    }

    /// The filter and the search follow the text as it is typed.
    fn live(&mut self) {
        let Some(input) = &self.input else { return };
        let (prompt, text) = (input.prompt, input.text.clone());
        let error = match prompt {
            Prompt::Extract => None,
            _ => Pattern::parse(&text).err(),
        };
        if let Some(input) = self.input.as_mut() {
            input.error = error.clone();
        }
        if error.is_some() {
            return;
        }
        match prompt {
            Prompt::Filter => self.set_params(|p| p.filter = Some(text).filter(|t| !t.is_empty())),
            Prompt::Search => {
                self.search(&text);
            }
            Prompt::Extract => {}
        }
    }

    fn search(&mut self, text: &str) -> usize {
        let Some(d) = &self.data else { return 0 };
        let model = d.model.clone();
        self.view.search(&model, text).unwrap_or(0)
    }

    /// Esc: the filter or search the prompt opened on comes back.
    fn cancel(&mut self, input: Input) {
        let before = input.before.unwrap_or_default();
        match input.prompt {
            Prompt::Filter => {
                self.set_params(|p| p.filter = Some(before).filter(|t| !t.is_empty()))
            }
            Prompt::Search => {
                self.search(&before);
            }
            Prompt::Extract => {}
        }
    }

    fn submit(&mut self, input: Input) {
        let text = input.text.trim().to_string();
        if let Some(e) = input.error.clone() {
            self.status = Some(e);
            return self.cancel(input);
        }
        match input.prompt {
            Prompt::Filter => self.submit_filter(text),
            Prompt::Search => self.submit_search(text),
            Prompt::Extract => self.submit_extract(text),
        }
    }

    fn submit_filter(&mut self, text: String) {
        self.set_params(|p| p.filter = Some(text.clone()).filter(|t| !t.is_empty()));
        self.focus = Pane::Tree;
        self.status = Some(match self.view.counter() {
            _ if text.is_empty() => "filter cleared".into(),
            Some((_, 0)) | None => format!("nothing matches '{text}'"),
            Some((_, n)) => format!("filter '{text}': {n} matches shown; n/N next/previous"),
        });
    }

    fn submit_search(&mut self, text: String) {
        let found = self.search(&text);
        self.focus = Pane::Tree;
        self.status = Some(match found {
            _ if text.is_empty() => "search cleared".into(),
            0 => format!("no match for '{text}'"),
            n if n > MAX_REVEAL => {
                format!("{n} matches for '{text}' (first {MAX_REVEAL} revealed); n/N next/previous")
            }
            1 => format!("1 match for '{text}'"),
            n => format!("{n} matches for '{text}'; n/N next/previous"),
        });
    }

    fn submit_extract(&mut self, text: String) {
        let Some((layer, path, mode)) = self.extract_target() else {
            return;
        };
        let dir = if text.is_empty() {
            ".".to_string()
        } else {
            text
        };
        self.extracting = Some(dir.clone());
        self.status = Some(format!("extracting to {dir}…"));
        self.requests.push(Request::Extract {
            layer,
            path,
            dir: expand_home(&dir, std::env::var_os("HOME").map(PathBuf::from)),
            mode,
        });
    }

    /// An extraction finished: the directory becomes the prompt's default
    /// only if it worked.
    pub(super) fn extracted(&mut self, result: Result<PathBuf, String>) {
        let dir = self.extracting.take();
        self.status = Some(match result {
            Ok(p) => {
                if let Some(dir) = dir {
                    self.extract_dir = dir;
                }
                format!("extracted to {}", p.display())
            }
            Err(e) => format!("extract failed: {e}"),
        })
    }
}

/// `~` and `~/x` as the shell reads them (when `HOME` is known).
pub(super) fn expand_home(dir: &str, home: Option<PathBuf>) -> PathBuf {
    match (dir.strip_prefix('~'), home) {
        (Some(""), Some(h)) => h,
        (Some(rest), Some(h)) if rest.starts_with('/') => h.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(dir),
    }
}
