//! The markup parser: `*bold*`, `_italic_`, `[label](url)` and `{placeholders}` into a
//! [`RichText`], with the place of each mistake.

use super::*;

pub(super) struct Parser<'a> {
    src: &'a str,
    values: Option<&'a [(&'a str, &'a str)]>,
    out: RichText,
    bold: bool,
    italic: bool,
}

impl<'a> Parser<'a> {
    pub(super) fn new(src: &'a str, values: Option<&'a [(&'a str, &'a str)]>) -> Self {
        Self {
            src,
            values,
            out: RichText::new(),
            bold: false,
            italic: false,
        }
    }

    pub(super) fn style(&self, link: Option<String>) -> Style {
        Style {
            bold: self.bold,
            italic: self.italic,
            link,
        }
    }

    pub(super) fn parse(mut self) -> Result<RichText, MarkupError> {
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
    pub(super) fn link_at(&self, at: usize) -> Result<(String, String, usize), MarkupError> {
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
pub(super) fn fill(s: &str, values: &[(&str, &str)], at: usize) -> Result<String, MarkupError> {
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
