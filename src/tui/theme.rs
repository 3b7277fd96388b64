//! Colors and styles, or their absence with `--no-color`: shared by the
//! panes' drawing and by the details text, which is built ahead of drawing.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::Block;

use super::tree::Kind;

pub(super) struct Theme {
    pub(super) color: bool,
}

impl Theme {
    pub(super) fn kind(&self, k: Kind) -> Style {
        if !self.color {
            return Style::default();
        }
        match k {
            Kind::Added => Style::default().fg(Color::Green),
            Kind::Modified => Style::default().fg(Color::Yellow),
            Kind::Removed => Style::default().fg(Color::Red),
            Kind::Unmodified => Style::default(),
        }
    }

    pub(super) fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub(super) fn block<'a>(&self, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
        let b = Block::bordered().title(title);
        if focused {
            b.border_style(self.fg(Color::Cyan).add_modifier(Modifier::BOLD))
        } else {
            b
        }
    }
}

pub(super) const SELECTED: Style = Style::new().add_modifier(Modifier::REVERSED);

/// The change kind's marker in the no-color mode and the legend.
pub fn symbol(k: Kind) -> char {
    match k {
        Kind::Added => '+',
        Kind::Modified => '~',
        Kind::Removed => '-',
        Kind::Unmodified => ' ',
    }
}
