//! The one-line prompt at the bottom: typing into it, and what Enter does
//! for each prompt (filter the tree, search it, extract a file).

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::app::{App, Input, Pane, Prompt, Request};
use super::tree::MAX_REVEAL;

impl App {
    pub(super) fn key_input(&mut self, k: KeyEvent) {
        let Some(input) = self.input.as_mut() else {
            return;
        };
        match k.code {
            KeyCode::Esc => self.input = None,
            KeyCode::Enter => {
                if let Some(input) = self.input.take() {
                    self.submit(input);
                }
            }
            KeyCode::Backspace => {
                input.text.pop();
            }
            KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => input.text.push(c),
            _ => {}
        }
    }

    fn submit(&mut self, input: Input) {
        let text = input.text.trim().to_string();
        match input.prompt {
            Prompt::Filter => self.submit_filter(text),
            Prompt::Search => self.submit_search(text),
            Prompt::Extract => self.submit_extract(text),
        }
    }

    fn submit_filter(&mut self, text: String) {
        self.set_params(|p| p.filter = Some(text.clone()).filter(|t| !t.is_empty()));
        self.focus = Pane::Tree;
        self.status = Some(if text.is_empty() {
            "filter cleared".into()
        } else {
            format!("filter: {text} ({} rows)", self.view.rows.len())
        });
    }

    fn submit_search(&mut self, text: String) {
        let Some(d) = &self.data else { return };
        let model = d.model.clone();
        let found = self.view.search(&model, &text);
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
        self.extract_dir = dir.clone();
        self.status = Some(format!("extracting to {dir}…"));
        self.requests.push(Request::Extract {
            layer,
            path,
            dir: PathBuf::from(dir),
            mode,
        });
    }
}
