//! Rich text in one small markup, rendered safely per platform.
//!
//! ## The markup
//! | write | get |
//! |---|---|
//! | `*bold*` | **bold** |
//! | `_italic_` | *italic* |
//! | `[label](https://example.com)` | a link |
//! | a line break (`\n`) | a line break; an empty line separates paragraphs |
//! | `\*`, `\_`, `\[`, `\\`, `\{` | the character itself |
//! | `{name}` (in [`RichText::template`] only) | the value of `name`, **always literal** |
//!
//! Emoji are plain Unicode. Interpolated values never go through the markup parser and are escaped
//! by every renderer, so a user named `<b>&"` arrives literally:
//!
//! ```
//! use messenger_core::RichText;
//!
//! let name = "<b>&\"";
//! let text = RichText::template("Hello, *{name}*!", &[("name", name)])?;
//! assert_eq!(text.to_html(), "Hello, <b>&lt;b&gt;&amp;&quot;</b>!");
//! assert_eq!(text.to_plain(), "Hello, <b>&\"!");
//! # Ok::<(), messenger_core::MarkupError>(())
//! ```
//!
//! ## Long texts
//! [`RichText::split`] cuts a text into parts that each fit a limit, preferring paragraph
//! boundaries (an empty line), then line breaks, then spaces, and cutting a word only when a single
//! word is longer than the limit. Styles carry over the cut.

use serde::{Deserialize, Serialize};

mod parse;

use parse::Parser;

/// Which form of a [`RichText`] a platform's length limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TextRendering {
    /// The visible text only: the markup travels as entities that do not count (Telegram: "1-4096
    /// characters after entities parsing"). Measured on [`RichText::plain_text`].
    #[default]
    Visible,
    /// The plain rendering, links as `label (url)` ([`RichText::to_plain`]; Viber).
    Plain,
    /// The HTML rendering the API receives in its `text` field, tags and entities included
    /// ([`RichText::to_html`]; MAX).
    Html,
}

/// How a platform counts the length of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum LengthUnit {
    /// Unicode scalar values (Viber, MAX).
    Chars,
    /// UTF-16 code units (Telegram: entity offsets are UTF-16, so count that way to be safe).
    Utf16,
    /// UTF-8 bytes.
    Bytes,
}

impl LengthUnit {
    /// The length of `s` in this unit.
    pub fn len(&self, s: &str) -> usize {
        match self {
            Self::Chars => s.chars().count(),
            Self::Utf16 => s.encode_utf16().count(),
            Self::Bytes => s.len(),
        }
    }

    fn char_len(&self, c: char) -> usize {
        match self {
            Self::Chars => 1,
            Self::Utf16 => c.len_utf16(),
            Self::Bytes => c.len_utf8(),
        }
    }

    /// A short name for messages (`"characters"`, `"UTF-16 units"`, `"bytes"`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Chars => "characters",
            Self::Utf16 => "UTF-16 units",
            Self::Bytes => "bytes",
        }
    }
}

/// The style of a run of text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Style {
    /// Bold.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
    /// The link target, when the run is a link label.
    pub link: Option<String>,
}

impl Style {
    /// Bold text.
    pub fn bold() -> Self {
        Self {
            bold: true,
            ..Self::default()
        }
    }

    /// Italic text.
    pub fn italic() -> Self {
        Self {
            italic: true,
            ..Self::default()
        }
    }

    /// A link label pointing at `url`.
    pub fn link(url: impl Into<String>) -> Self {
        Self {
            link: Some(url.into()),
            ..Self::default()
        }
    }
}

/// A run of text with one style. Line breaks are `'\n'` inside `text`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Span {
    /// The literal text (never markup).
    pub text: String,
    /// Its style.
    pub style: Style,
}

/// Text with bold, italic and links, kept as styled runs of literal text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct RichText {
    spans: Vec<Span>,
}

/// A mistake in markup written by the bot author.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MarkupError {
    /// A `*` or `_` was opened and never closed.
    #[error("unclosed {marker:?} in markup")]
    Unclosed {
        /// The marker.
        marker: char,
    },
    /// A `[label](url)` link is incomplete.
    #[error("malformed link at byte {at}")]
    BadLink {
        /// Byte offset of the `[`.
        at: usize,
    },
    /// A `{name}` placeholder has no value.
    #[error("no value for placeholder {name:?}")]
    MissingValue {
        /// The placeholder name.
        name: String,
    },
    /// A `{` without a matching `}`.
    #[error("unclosed placeholder at byte {at}")]
    UnclosedPlaceholder {
        /// Byte offset of the `{`.
        at: usize,
    },
}

impl RichText {
    /// Empty text.
    pub fn new() -> Self {
        Self::default()
    }

    /// Literal text with no styling (nothing in it is markup).
    pub fn plain(text: impl Into<String>) -> Self {
        let mut t = Self::new();
        t.push(text.into(), Style::default());
        t
    }

    /// Parses markup (see the module docs). Use [`RichText::template`] to put values in.
    ///
    /// # Errors
    /// [`MarkupError`] for unclosed markers or malformed links.
    pub fn markup(src: &str) -> Result<Self, MarkupError> {
        Parser::new(src, None).parse()
    }

    /// Parses markup with `{name}` placeholders replaced by literal values (`{{` and `}}` are
    /// literal braces). Values are never parsed as markup; they take the style around them.
    ///
    /// # Errors
    /// [`MarkupError`] for malformed markup or a placeholder without a value.
    pub fn template(src: &str, values: &[(&str, &str)]) -> Result<Self, MarkupError> {
        Parser::new(src, Some(values)).parse()
    }

    /// Appends literal text.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.push(text.into(), Style::default());
        self
    }

    /// Appends bold literal text.
    pub fn bold(mut self, text: impl Into<String>) -> Self {
        self.push(
            text.into(),
            Style {
                bold: true,
                ..Style::default()
            },
        );
        self
    }

    /// Appends italic literal text.
    pub fn italic(mut self, text: impl Into<String>) -> Self {
        self.push(
            text.into(),
            Style {
                italic: true,
                ..Style::default()
            },
        );
        self
    }

    /// Appends a link with a literal label.
    pub fn link(mut self, label: impl Into<String>, url: impl Into<String>) -> Self {
        self.push(
            label.into(),
            Style {
                link: Some(url.into()),
                ..Style::default()
            },
        );
        self
    }

    /// Appends a line break.
    pub fn line(mut self) -> Self {
        self.push("\n".to_owned(), Style::default());
        self
    }

    /// Appends an empty line (a paragraph boundary).
    pub fn paragraph(mut self) -> Self {
        self.push("\n\n".to_owned(), Style::default());
        self
    }

    /// Appends another rich text.
    pub fn append(mut self, other: RichText) -> Self {
        for s in other.spans {
            self.push(s.text, s.style);
        }
        self
    }

    /// Appends a run, merging it with the last one when the style is the same.
    pub fn push(&mut self, text: String, style: Style) {
        if text.is_empty() {
            return;
        }
        // (No let-chains: the workspace's MSRV is 1.85.)
        if let Some(last) = self.spans.last_mut().filter(|l| l.style == style) {
            last.text.push_str(&text);
            return;
        }
        self.spans.push(Span { text, style });
    }

    /// The styled runs.
    pub fn spans(&self) -> &[Span] {
        &self.spans
    }

    /// Whether there is no text at all.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The text without styling and without link targets: what the user reads, and what platforms
    /// count against their limits.
    pub fn plain_text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// The length of [`RichText::plain_text`] in `unit`.
    pub fn len_in(&self, unit: LengthUnit) -> usize {
        self.spans.iter().map(|s| unit.len(&s.text)).sum()
    }

    /// Renders Telegram/MAX HTML: `<b>`, `<i>`, `<a href="…">`, with `&`, `<`, `>` and `"`
    /// escaped in every piece of text and every URL. Line breaks stay `\n`.
    pub fn to_html(&self) -> String {
        let mut out = String::new();
        for s in &self.spans {
            if let Some(url) = &s.style.link {
                out.push_str("<a href=\"");
                escape_html_into(url, &mut out);
                out.push_str("\">");
            }
            if s.style.bold {
                out.push_str("<b>");
            }
            if s.style.italic {
                out.push_str("<i>");
            }
            escape_html_into(&s.text, &mut out);
            if s.style.italic {
                out.push_str("</i>");
            }
            if s.style.bold {
                out.push_str("</b>");
            }
            if s.style.link.is_some() {
                out.push_str("</a>");
            }
        }
        out
    }

    /// Renders plain text for platforms without formatting (Viber, the console): styles dropped,
    /// links as `label (url)` (or just the URL when the label is the URL). Nothing is escaped: the
    /// text is shown literally.
    pub fn to_plain(&self) -> String {
        let mut out = String::new();
        for s in &self.spans {
            out.push_str(&s.text);
            if let Some(url) = s.style.link.as_ref().filter(|u| u.as_str() != s.text) {
                out.push_str(" (");
                out.push_str(url);
                out.push(')');
            }
        }
        out
    }

    /// The length of the form `rendering` names, in `unit`: what a platform with that
    /// [`TextRendering`] checks against its limit.
    pub fn rendered_len(&self, rendering: TextRendering, unit: LengthUnit) -> usize {
        match rendering {
            TextRendering::Visible => self.len_in(unit),
            TextRendering::Plain => unit.len(&self.to_plain()),
            TextRendering::Html => unit.len(&self.to_html()),
        }
    }

    /// [`RichText::split`] measured on the form the platform receives: every part's
    /// [`RichText::rendered_len`] is at most `max`. A part whose markup makes it too long is
    /// split again with a smaller budget; a single character that cannot fit with its style (a
    /// link whose URL alone is longer than `max`) loses the style. Only a `max` below the
    /// longest escape of one character (`&quot;`, 6 units) can leave a part over the limit.
    pub fn split_rendered(
        &self,
        max: usize,
        unit: LengthUnit,
        rendering: TextRendering,
    ) -> Vec<RichText> {
        let mut out = Vec::new();
        for part in self.split(max, unit) {
            fit_rendered(part, max.max(1), unit, rendering, &mut out);
        }
        out
    }

    /// The same text with every style dropped.
    pub fn unstyled(&self) -> RichText {
        let mut t = RichText::new();
        for s in &self.spans {
            t.push(s.text.clone(), Style::default());
        }
        t
    }

    /// Splits the text into parts of at most `max` units each (see the module docs for where it
    /// cuts). Whitespace at the cuts is dropped. A text that fits comes back as one part; an empty
    /// text as no parts.
    pub fn split(&self, max: usize, unit: LengthUnit) -> Vec<RichText> {
        let max = max.max(1);
        // Flatten to (char, span index) so a cut can fall anywhere and styles carry over.
        let chars: Vec<(char, usize)> = self
            .spans
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.text.chars().map(move |c| (c, i)))
            .collect();
        let mut parts = Vec::new();
        let mut start = 0;
        while start < chars.len() {
            // Skip leading whitespace of a continuation part.
            if !parts.is_empty() {
                while start < chars.len() && chars[start].0.is_whitespace() {
                    start += 1;
                }
                if start >= chars.len() {
                    break;
                }
            }
            let mut end = start;
            let mut used = 0;
            while end < chars.len() {
                let l = unit.char_len(chars[end].0);
                if used + l > max {
                    break;
                }
                used += l;
                end += 1;
            }
            if end == start {
                // One character wider than the limit (only possible with max < 4 bytes): take it.
                end = start + 1;
            }
            let cut = if end >= chars.len() {
                end
            } else {
                find_cut(&chars[start..end], chars[end].0).map_or(end, |c| start + c)
            };
            let mut stop = cut;
            while stop > start && chars[stop - 1].0.is_whitespace() {
                stop -= 1;
            }
            if stop > start {
                parts.push(self.rebuild(&chars[start..stop]));
            }
            start = cut.max(start + 1);
        }
        parts
    }

    fn rebuild(&self, chars: &[(char, usize)]) -> RichText {
        let mut t = RichText::new();
        let mut i = 0;
        while i < chars.len() {
            let span = chars[i].1;
            let mut s = String::new();
            while i < chars.len() && chars[i].1 == span {
                s.push(chars[i].0);
                i += 1;
            }
            t.push(s, self.spans[span].style.clone());
        }
        t
    }
}

/// Pushes `part` to `out` when its rendering fits `max`, else splits it with a budget strictly
/// smaller than its visible length and fits each piece.
fn fit_rendered(
    part: RichText,
    max: usize,
    unit: LengthUnit,
    rendering: TextRendering,
    out: &mut Vec<RichText>,
) {
    let len = part.rendered_len(rendering, unit);
    if len <= max {
        out.push(part);
        return;
    }
    let visible = part.len_in(unit);
    let chars = part
        .spans
        .iter()
        .map(|s| s.text.chars().count())
        .sum::<usize>();
    if chars <= 1 {
        // One character and its markup do not fit: keep the character, drop the markup.
        out.push(part.unstyled());
        return;
    }
    // Scale the budget by how much the markup adds, and always shrink it.
    let scaled = visible.saturating_mul(max) / len.max(1);
    let budget = scaled.clamp(1, visible.saturating_sub(1).max(1));
    // `budget` is below the part's visible length, so every piece has fewer characters than
    // `part`: the recursion ends (at one character at the latest).
    for p in part.split(budget, unit) {
        fit_rendered(p, max, unit, rendering, out);
    }
}

/// Where to cut a window of text, as an index into it: after the last paragraph break, else the
/// last line break, else the last space; `None` to cut hard at the window's end. `next` is the
/// first character after the window (a cut right before whitespace needs no search).
fn find_cut(window: &[(char, usize)], next: char) -> Option<usize> {
    if next == '\n' {
        return Some(window.len());
    }
    let para = window
        .windows(2)
        .rposition(|w| w[0].0 == '\n' && w[1].0 == '\n')
        .filter(|&p| p > 0);
    if let Some(p) = para {
        return Some(p);
    }
    if let Some(p) = window.iter().rposition(|c| c.0 == '\n').filter(|&p| p > 0) {
        return Some(p);
    }
    if next.is_whitespace() {
        return Some(window.len());
    }
    window
        .iter()
        .rposition(|c| c.0.is_whitespace())
        .filter(|&p| p > 0)
}

impl From<&str> for RichText {
    fn from(s: &str) -> Self {
        Self::plain(s)
    }
}

impl From<String> for RichText {
    fn from(s: String) -> Self {
        Self::plain(s)
    }
}

/// Escapes `&`, `<`, `>` and `"` for HTML text and attribute values (the entities Telegram and MAX
/// accept).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_html_into(s, &mut out);
    out
}

fn escape_html_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests;
