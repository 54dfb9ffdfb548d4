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

struct Parser<'a> {
    src: &'a str,
    values: Option<&'a [(&'a str, &'a str)]>,
    out: RichText,
    bold: bool,
    italic: bool,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, values: Option<&'a [(&'a str, &'a str)]>) -> Self {
        Self {
            src,
            values,
            out: RichText::new(),
            bold: false,
            italic: false,
        }
    }

    fn style(&self, link: Option<String>) -> Style {
        Style {
            bold: self.bold,
            italic: self.italic,
            link,
        }
    }

    fn parse(mut self) -> Result<RichText, MarkupError> {
        let src = self.src;
        let mut buf = String::new();
        let mut iter = src.char_indices().peekable();
        while let Some((at, c)) = iter.next() {
            match c {
                '\\' => match iter.next() {
                    Some((_, n)) => buf.push(n),
                    None => buf.push('\\'),
                },
                '*' | '_' => {
                    let st = self.style(None);
                    self.out.push(std::mem::take(&mut buf), st);
                    if c == '*' {
                        self.bold = !self.bold;
                    } else {
                        self.italic = !self.italic;
                    }
                }
                '{' if self.values.is_some() => {
                    if iter.peek().map(|p| p.1) == Some('{') {
                        iter.next();
                        buf.push('{');
                        continue;
                    }
                    let rest = &src[at + 1..];
                    let close = rest
                        .find('}')
                        .ok_or(MarkupError::UnclosedPlaceholder { at })?;
                    let name = rest[..close].trim();
                    let value = self
                        .values
                        .unwrap_or_default()
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| *v)
                        .ok_or_else(|| MarkupError::MissingValue {
                            name: name.to_owned(),
                        })?;
                    buf.push_str(value);
                    // Skip the placeholder body.
                    while let Some((i, _)) = iter.peek() {
                        if *i > at + close + 1 {
                            break;
                        }
                        iter.next();
                    }
                }
                '}' if self.values.is_some() && iter.peek().map(|p| p.1) == Some('}') => {
                    iter.next();
                    buf.push('}');
                }
                '[' => {
                    let (label, url, consumed) = self.link_at(at)?;
                    let st = self.style(None);
                    self.out.push(std::mem::take(&mut buf), st);
                    let st = self.style(Some(url));
                    self.out.push(label, st);
                    while let Some((i, _)) = iter.peek() {
                        if *i >= at + consumed {
                            break;
                        }
                        iter.next();
                    }
                }
                c => buf.push(c),
            }
        }
        let st = self.style(None);
        self.out.push(buf, st);
        if self.bold {
            return Err(MarkupError::Unclosed { marker: '*' });
        }
        if self.italic {
            return Err(MarkupError::Unclosed { marker: '_' });
        }
        Ok(self.out)
    }

    /// Reads `[label](url)` at byte `at`: the literal label (placeholders filled, `\` escapes
    /// honoured), the URL and the number of bytes consumed.
    fn link_at(&self, at: usize) -> Result<(String, String, usize), MarkupError> {
        let rest = &self.src[at + 1..];
        let mut label = String::new();
        let mut chars = rest.char_indices();
        let mut close = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, n)) = chars.next() {
                        label.push(n);
                    }
                }
                ']' => {
                    close = Some(i);
                    break;
                }
                '{' if self.values.is_some() => {
                    let body = &rest[i + 1..];
                    let end = body
                        .find('}')
                        .ok_or(MarkupError::UnclosedPlaceholder { at: at + 1 + i })?;
                    let name = body[..end].trim();
                    let value = self
                        .values
                        .unwrap_or_default()
                        .iter()
                        .find(|(k, _)| *k == name)
                        .map(|(_, v)| *v)
                        .ok_or_else(|| MarkupError::MissingValue {
                            name: name.to_owned(),
                        })?;
                    label.push_str(value);
                    for _ in 0..body[..=end].chars().count() {
                        chars.next();
                    }
                }
                c => label.push(c),
            }
        }
        let close = close.ok_or(MarkupError::BadLink { at })?;
        let after = &rest[close + 1..];
        let url_body = after.strip_prefix('(').ok_or(MarkupError::BadLink { at })?;
        let url_end = url_body.find(')').ok_or(MarkupError::BadLink { at })?;
        let url = url_body[..url_end].trim();
        let url = match self.values {
            Some(values) => fill(url, values, at)?,
            None => url.to_owned(),
        };
        if url.is_empty() || label.is_empty() {
            return Err(MarkupError::BadLink { at });
        }
        // `[` + label + `]` + `(` + url + `)`
        let consumed = 1 + close + 1 + 1 + url_end + 1;
        Ok((label, url, consumed))
    }
}

/// Replaces `{name}` placeholders in `s` (a link target) with their values; `{{`/`}}` are braces.
fn fill(s: &str, values: &[(&str, &str)], at: usize) -> Result<String, MarkupError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let Some(body) = tail.strip_prefix('{') {
            let end = body
                .find('}')
                .ok_or(MarkupError::UnclosedPlaceholder { at })?;
            let name = body[..end].trim();
            let value = values
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| MarkupError::MissingValue {
                    name: name.to_owned(),
                })?;
            out.push_str(value);
            rest = &body[end + 1..];
        } else {
            out.push('}');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_renders_bold_italic_links_and_escapes() {
        let t =
            RichText::markup("*Balance:* _120_ points\n[Site](https://e.com/?a=1&b=2) & <more>")
                .unwrap();
        assert_eq!(
            t.to_html(),
            "<b>Balance:</b> <i>120</i> points\n<a href=\"https://e.com/?a=1&amp;b=2\">Site</a> &amp; &lt;more&gt;"
        );
        assert_eq!(
            t.to_plain(),
            "Balance: 120 points\nSite (https://e.com/?a=1&b=2) & <more>"
        );
    }

    #[test]
    fn template_values_are_literal_even_when_they_look_like_markup() {
        let t = RichText::template(
            "Hi *{name}*, see [{label}](https://x.y) {{ok}}",
            &[("name", "*_[a](b)_*"), ("label", "<i>")],
        )
        .unwrap();
        assert_eq!(
            t.to_html(),
            "Hi <b>*_[a](b)_*</b>, see <a href=\"https://x.y\">&lt;i&gt;</a> {ok}"
        );
    }

    #[test]
    fn placeholders_with_underscores_and_in_link_targets() {
        let t = RichText::template(
            "Call {call_to}, see [your card](https://e.com/c?id={card_id}&x={{1}})",
            &[("call_to", "+380_44"), ("card_id", "7\"<8")],
        )
        .unwrap();
        assert_eq!(
            t.to_html(),
            "Call +380_44, see <a href=\"https://e.com/c?id=7&quot;&lt;8&amp;x={1}\">your card</a>"
        );
    }

    #[test]
    fn markup_errors_are_typed() {
        assert_eq!(
            RichText::markup("*open").unwrap_err(),
            MarkupError::Unclosed { marker: '*' }
        );
        assert_eq!(
            RichText::markup("[x](").unwrap_err(),
            MarkupError::BadLink { at: 0 }
        );
        assert_eq!(
            RichText::template("{who}", &[]).unwrap_err(),
            MarkupError::MissingValue { name: "who".into() }
        );
        assert_eq!(
            RichText::markup("a \\* b \\_ c").unwrap().plain_text(),
            "a * b _ c"
        );
    }

    #[test]
    fn parsing_and_splitting_never_panic_on_any_short_input() {
        let alphabet = [
            "*", "_", "[", "]", "(", ")", "{", "}", "\\", "я", "😀", "\n", " ", "x",
        ];
        let values = [("x", "<&>"), ("я", "v")];
        let mut inputs = vec![String::new()];
        for _ in 0..4 {
            let mut next = Vec::new();
            for s in &inputs {
                for a in alphabet {
                    next.push(format!("{s}{a}"));
                }
            }
            inputs.extend(next.iter().cloned());
            inputs.dedup();
            inputs = next.into_iter().chain(inputs).collect();
            inputs.sort();
            inputs.dedup();
        }
        assert!(inputs.len() > 30_000);
        for src in &inputs {
            for t in [RichText::markup(src), RichText::template(src, &values)]
                .into_iter()
                .flatten()
            {
                let _ = t.to_html();
                for unit in [LengthUnit::Chars, LengthUnit::Utf16, LengthUnit::Bytes] {
                    for max in 1..4 {
                        let parts = t.split(max, unit);
                        let joined: String = parts.iter().map(RichText::plain_text).collect();
                        let kept: String = t
                            .plain_text()
                            .chars()
                            .filter(|c| !c.is_whitespace())
                            .collect();
                        let got: String = joined.chars().filter(|c| !c.is_whitespace()).collect();
                        assert_eq!(got, kept, "split lost text of {src:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn utf16_length_counts_emoji_as_two() {
        let t = RichText::plain("a😀");
        assert_eq!(t.len_in(LengthUnit::Chars), 2);
        assert_eq!(t.len_in(LengthUnit::Utf16), 3);
        assert_eq!(t.len_in(LengthUnit::Bytes), 5);
    }

    #[test]
    fn split_prefers_paragraphs_then_lines_then_spaces() {
        let t = RichText::plain("aaaa bbbb\n\ncccc\ndddd eeee");
        let parts: Vec<String> = t
            .split(12, LengthUnit::Chars)
            .iter()
            .map(RichText::plain_text)
            .collect();
        assert_eq!(parts, vec!["aaaa bbbb", "cccc", "dddd eeee"]);
        let hard: Vec<String> = RichText::plain("abcdefghij")
            .split(4, LengthUnit::Chars)
            .iter()
            .map(RichText::plain_text)
            .collect();
        assert_eq!(hard, vec!["abcd", "efgh", "ij"]);
    }

    #[test]
    fn split_keeps_styles_across_the_cut() {
        let t = RichText::new().bold("one two three");
        let parts = t.split(8, LengthUnit::Chars);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].to_html(), "<b>one two</b>");
        assert_eq!(parts[1].to_html(), "<b>three</b>");
    }

    #[test]
    fn split_respects_utf16_units() {
        let t = RichText::plain("😀😀😀");
        let parts = t.split(4, LengthUnit::Utf16);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].plain_text(), "😀😀");
    }
}
