//! ERGO: news with articles (`GetNews`, paged, a button per article; `GetArticle` in full) and
//! the seller's notices on the first page. An article's HTML becomes rich text: bold, italic,
//! links and paragraphs kept, every other tag dropped, entities decoded.

use loyalty_core::Session;
use messenger_core::{Button, Keyboard, RichText, Style};

use super::ctx::{Ctx, Flow};
use super::{Action, PAGE_SIZE, Reply};
use crate::texts::TextKey;

impl Ctx<'_> {
    /// A page of the news: the notices first (first page only), then the articles, each with
    /// a button that opens it.
    pub(super) async fn ergo_news(&mut self, s: &Session, offset: u32) -> Flow {
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say(TextKey::NotSupported, &[]);
            return Ok(());
        };
        let news = client.get_news(s).await?.news;
        let notices = if offset == 0 {
            client.get_notices(s).await?.notices
        } else {
            Vec::new()
        };
        if news.is_empty() && notices.is_empty() {
            let back = self.engine.back_to_menu(self.lang);
            self.say_with(TextKey::NewsEmpty, &[], back);
            return Ok(());
        }
        let mut text = RichText::new();
        if !notices.is_empty() {
            text = text.append(self.engine.text(self.lang, TextKey::NoticesHeader, &[]));
            for n in &notices {
                text = text.line().line();
                if let Some(t) = &n.notice_name {
                    text = text.bold(t.clone()).line();
                }
                text = text.text(n.notice_text.clone().unwrap_or_default());
            }
        }
        let total = news.len();
        let start = (offset as usize).min(total);
        let end = (start + PAGE_SIZE as usize).min(total);
        let mut rows: Vec<Vec<Button>> = Vec::new();
        if start < end {
            if !text.is_empty() {
                text = text.line().line();
            }
            text = text.append(self.engine.text(
                self.lang,
                TextKey::NewsPage,
                &[
                    ("from", &(start + 1).to_string()),
                    ("to", &end.to_string()),
                    ("total", &total.to_string()),
                ],
            ));
            for a in &news[start..end] {
                let title = a
                    .article_name
                    .clone()
                    .unwrap_or_else(|| a.article_id.to_string());
                text = text.line().line().bold(title.clone());
                if let Some(d) = a.article_date {
                    text = text.text(format!(" ({})", d.format("%d.%m.%Y")));
                }
                if let Some(n) = &a.article_notice {
                    text = text.line().text(n.clone());
                }
                rows.push(vec![Button::callback(
                    format!("📖 {title}"),
                    Action::Article { id: a.article_id }.encode(),
                )]);
            }
        }
        let mut paging = Vec::new();
        if start > 0 {
            let prev = start.saturating_sub(PAGE_SIZE as usize) as u32;
            paging.push(self.button(TextKey::ButtonPrevious, &Action::NewsPage { offset: prev }));
        }
        if end < total {
            paging.push(self.button(
                TextKey::ButtonMore,
                &Action::NewsPage { offset: end as u32 },
            ));
        }
        if !paging.is_empty() {
            rows.push(paging);
        }
        rows.push(vec![self.button(TextKey::ButtonBack, &Action::Menu)]);
        self.replies
            .push(Reply::new(text).with(Keyboard::inline(rows)));
        Ok(())
    }

    /// One article in full: its title, date and text.
    pub(super) async fn article(&mut self, s: &Session, id: u64) -> Flow {
        let Some((client, _)) = self.ergo().map(|(c, a)| (c.clone(), a)) else {
            self.say(TextKey::NotSupported, &[]);
            return Ok(());
        };
        let news = client.get_news(s).await?.news;
        let body = client.get_article(s, id).await?.article_text;
        let kb = Keyboard::inline(vec![
            vec![self.button(TextKey::ButtonAllNews, &Action::News)],
            vec![self.button(TextKey::ButtonBack, &Action::Menu)],
        ]);
        let body = html_to_rich(&body);
        if body.plain_text().trim().is_empty() {
            self.say_with(TextKey::ArticleEmpty, &[], kb);
            return Ok(());
        }
        let mut text = RichText::new();
        if let Some(a) = news.iter().find(|a| a.article_id == id) {
            if let Some(t) = &a.article_name {
                text = text.bold(t.clone());
            }
            if let Some(d) = a.article_date {
                text = text.text(format!(" ({})", d.format("%d.%m.%Y")));
            }
            if let Some(photo) = a
                .article_photo
                .as_deref()
                .filter(|p| p.starts_with("https://"))
            {
                text = text.line().link("🖼", photo);
            }
            text = text.line().line();
        }
        self.replies.push(Reply::new(text.append(body)).with(kb));
        Ok(())
    }
}

/// Decodes the HTML entities an article uses.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest.find(';').filter(|e| *e <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `href` of an `<a …>` tag.
fn href(tag: &str) -> Option<String> {
    let i = tag.find("href=")?;
    let v = &tag[i + 5..];
    let quote = v.chars().next()?;
    let v = if quote == '"' || quote == '\'' {
        let v = &v[1..];
        &v[..v.find(quote)?]
    } else {
        v.split([' ', '>']).next()?
    };
    Some(decode_entities(v))
}

/// An article's HTML as rich text (see the module docs).
pub(super) fn html_to_rich(html: &str) -> RichText {
    let mut out = RichText::new();
    let (mut bold, mut italic) = (0u32, 0u32);
    let mut link: Option<String> = None;
    let mut rest = html;
    let push = |out: &mut RichText, text: &str, bold: u32, italic: u32, link: &Option<String>| {
        let text = decode_entities(text);
        if text.is_empty() {
            return;
        }
        let mut style = Style::default();
        style.bold = bold > 0;
        style.italic = italic > 0;
        style.link = link.clone();
        out.push(text, style);
    };
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            push(&mut out, rest, bold, italic, &link);
            break;
        };
        push(&mut out, &rest[..lt], bold, italic, &link);
        let Some(gt) = rest[lt..].find('>') else {
            push(&mut out, &rest[lt..], bold, italic, &link);
            break;
        };
        let tag = rest[lt + 1..lt + gt].trim();
        rest = &rest[lt + gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        match (name.as_str(), closing) {
            ("b" | "strong", false) => bold += 1,
            ("b" | "strong", true) => bold = bold.saturating_sub(1),
            ("i" | "em", false) => italic += 1,
            ("i" | "em", true) => italic = italic.saturating_sub(1),
            ("a", false) => link = href(tag).filter(|u| u.starts_with("http")),
            ("a", true) => link = None,
            ("br", _) => push(&mut out, "\n", 0, 0, &None),
            ("p" | "div" | "li" | "h1" | "h2" | "h3" | "h4", true) => {
                push(&mut out, "\n", 0, 0, &None);
            }
            _ => {}
        }
    }
    // Trailing line breaks of the last paragraph add nothing.
    let plain = out.plain_text();
    if plain.ends_with('\n') {
        let mut trimmed = RichText::new();
        let keep = plain.trim_end_matches('\n').chars().count();
        let mut seen = 0;
        for span in out.spans() {
            let n = span.text.chars().count();
            if seen >= keep {
                break;
            }
            let take: String = span.text.chars().take(keep - seen).collect();
            seen += n;
            trimmed.push(take, span.style.clone());
        }
        return trimmed;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_keeps_bold_links_and_paragraphs_and_drops_the_rest() {
        let r = html_to_rich(
            "<p>Нові акції на <b>телевізори</b> &amp; лампи.</p><p>Деталі на <a href=\"https://club.ergo-global.com/\">сайті</a>.<img src=x></p>",
        );
        assert_eq!(
            r.to_html(),
            "Нові акції на <b>телевізори</b> &amp; лампи.\nДеталі на <a href=\"https://club.ergo-global.com/\">сайті</a>."
        );
        assert_eq!(
            html_to_rich("<script>x</script>a &#1103; &lt;").plain_text(),
            "xa я <"
        );
    }
}
