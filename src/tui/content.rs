//! A file's content: opening the pager on the selected file, the extract
//! prompt, the pager's keys, and the background read's reply.

use crossterm::event::{KeyCode, KeyEvent};

use super::app::{App, Input, Pager, PagerBody, Prompt, Request};
use super::pager::PAGER_LIMIT;
use ballast::layer::EntryKind;

impl App {
    /// The selected tree row, if it is a file whose content can be read.
    pub(super) fn selected_file(&mut self) -> Option<(usize, Vec<u8>, u32)> {
        self.selected_file_sized().map(|(l, p, m, _)| (l, p, m))
    }

    /// As [`App::selected_file`], with the file's size.
    fn selected_file_sized(&mut self) -> Option<(usize, Vec<u8>, u32, u64)> {
        let m = self.model()?;
        let id = self.view.selected_node()?;
        let layer = self.source_layer(id)?;
        let meta = m.node(id).state_at(layer)?;
        if !matches!(meta.kind, EntryKind::File | EntryKind::HardLink) {
            self.status = Some("only regular files have content to show or extract".into());
            return None;
        }
        let (mode, size) = (meta.mode, meta.size);
        Some((layer, m.tree().path(id), mode, size))
    }

    /// What `x` extracts: the pager's file, else the selected one.
    pub(super) fn extract_target(&mut self) -> Option<(usize, Vec<u8>, u32)> {
        match &self.pager {
            Some(p) => Some((p.layer, p.path.clone(), p.mode)),
            None => self.selected_file(),
        }
    }

    pub(super) fn open_pager(&mut self) {
        let Some((layer, path, mode, size)) = self.selected_file_sized() else {
            return;
        };
        self.next_id += 1;
        let id = self.next_id;
        self.pager = Some(Pager {
            id,
            title: format!("{} (layer {layer})", ballast::layer::path::display(&path)),
            layer,
            path: path.clone(),
            mode,
            body: PagerBody::Loading,
            scroll: 0,
            size,
        });
        self.requests.push(Request::Read {
            id,
            layer,
            path,
            limit: PAGER_LIMIT,
        });
    }

    pub(super) fn start_extract(&mut self) {
        if self.extract_target().is_some() {
            self.input = Some(Input {
                prompt: Prompt::Extract,
                text: self.extract_dir.clone(),
                before: None,
                error: None,
            });
        }
    }

    pub(super) fn key_pager(&mut self, k: KeyEvent) {
        let height = self.pager_height();
        let Some(p) = self.pager.as_mut() else { return };
        if p.scroll_key(k.code, height) {
            return;
        }
        match k.code {
            KeyCode::Char('q') | KeyCode::Esc => self.pager = None,
            KeyCode::Char('x') => self.start_extract(),
            KeyCode::Char('?') => self.help = true,
            _ => {}
        }
    }

    /// A read finished: fill the pager, if it still shows that file.
    pub(super) fn content(&mut self, id: u64, result: Result<Vec<u8>, String>) {
        if let Some(p) = self.pager.as_mut().filter(|p| p.id == id) {
            p.set_content(result);
        }
    }
}
