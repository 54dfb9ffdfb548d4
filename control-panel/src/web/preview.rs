//! A composed broadcast checked and previewed per messenger, with the bots' own text model
//! ([`messenger_core::RichText`]) and each platform's published limits
//! ([`messenger_core::Limits`]).
//!
//! - [`check_draft`]: the markup parses (a mistake is explained, never a panic), every link and
//!   the button's address are `http(s)`/`https` with a host, the picture is a JPEG, PNG, GIF or
//!   WebP (by its first bytes) of at most [`super::SUPPORT_PHOTO_MAX`].
//! - [`previews`]: what Telegram, Viber and MAX show. Telegram and MAX keep bold, italic and
//!   links; Viber gets plain text with links written out as `label (url)`. Each counts the
//!   length its own way against its limit (a caption's limit when there is a picture), and
//!   shows the button its own way (inline under the message; on Viber a keyboard button under
//!   the input field).

use maud::{Markup, html};
use messenger_core::{Limits, RichText};
use serde::Serialize;

use super::upload::{PictureError, check_picture};
use crate::backend::{BroadcastDraft, UrlButton};
use crate::i18n::Lang;

/// The longest button label (the apps cut longer ones).
pub const BUTTON_LABEL_MAX: usize = 64;
/// The longest broadcast text in characters of markup (Viber's 7000, the largest limit; each
/// platform's own limit is checked in the preview).
pub const BROADCAST_TEXT_MAX: usize = 7000;

/// What the operator typed and attached, before checking.
#[derive(Debug, Default, Clone)]
pub struct RawDraft {
    /// The text in markup.
    pub text: String,
    /// The uploaded file, if any.
    pub image: Option<Vec<u8>>,
    /// The button's label (empty: no button).
    pub button_label: String,
    /// The button's address.
    pub button_url: String,
}

/// Why a draft cannot be sent, for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DraftError {
    /// The picture is larger than the limit.
    TooLarge(String),
    /// The file is not a picture.
    NotAnImage(String),
    /// Anything else (markup, link, button, empty).
    Invalid(String),
}

impl DraftError {
    /// The message.
    pub fn message(&self) -> &str {
        match self {
            Self::TooLarge(m) | Self::NotAnImage(m) | Self::Invalid(m) => m,
        }
    }
}

/// Whether `url` is an absolute `http(s)` address with a host (`https` only when `https_only`).
pub fn web_address(url: &str, https_only: bool) -> bool {
    match url::Url::parse(url) {
        Ok(u) => {
            let scheme_ok = u.scheme() == "https" || (!https_only && u.scheme() == "http");
            scheme_ok && u.host_str().is_some_and(|h| !h.is_empty())
        }
        Err(_) => false,
    }
}

/// Parses the markup, refusing links that do not lead to a web page.
///
/// # Errors
/// A message in `l` naming the mistake.
pub fn parse_text(text: &str, l: Lang) -> Result<RichText, String> {
    let rich = RichText::markup(text).map_err(|e| {
        format!(
            "{} {e}. {}",
            l.t("Помилка розмітки:", "Ошибка разметки:", "Markup error:"),
            l.t(
                "Пишіть *жирний*, _курсив_, [текст](https://…); \\* — сама зірочка.",
                "Пишите *жирный*, _курсив_, [текст](https://…); \\* — сама звёздочка.",
                "Write *bold*, _italic_, [label](https://…); \\* is a plain asterisk."
            )
        )
    })?;
    for span in rich.spans() {
        if let Some(url) = &span.style.link
            && !web_address(url, false)
        {
            return Err(format!(
                "{} {url:?}",
                l.t(
                    "Посилання має бути адресою http(s)://:",
                    "Ссылка должна быть адресом http(s)://:",
                    "A link must be an http(s):// address:"
                )
            ));
        }
    }
    Ok(rich)
}

/// Checks a draft and turns it into what the backend sends.
///
/// # Errors
/// [`DraftError`] with a message in `l`.
pub fn check_draft(raw: &RawDraft, l: Lang) -> Result<BroadcastDraft, DraftError> {
    let text = raw.text.trim().replace("\r\n", "\n");
    let bad = |m: &str| DraftError::Invalid(m.to_owned());
    if text.chars().count() > BROADCAST_TEXT_MAX {
        return Err(DraftError::Invalid(format!(
            "{} {BROADCAST_TEXT_MAX}",
            l.t(
                "Текст довший за",
                "Текст длиннее чем",
                "The text is longer than"
            )
        )));
    }
    parse_text(&text, l).map_err(DraftError::Invalid)?;
    let image = raw
        .image
        .clone()
        .map(check_picture)
        .transpose()
        .map_err(|e| match e {
            PictureError::TooLarge => DraftError::TooLarge(e.message(l).to_owned()),
            PictureError::NotAnImage => DraftError::NotAnImage(e.message(l).to_owned()),
        })?;
    let (label, url) = (raw.button_label.trim(), raw.button_url.trim());
    let button = match (label.is_empty(), url.is_empty()) {
        (true, true) => None,
        (true, false) => {
            return Err(bad(l.t(
                "Кнопці потрібен напис.",
                "Кнопке нужна надпись.",
                "The button needs a label.",
            )));
        }
        (false, true) => {
            return Err(bad(l.t(
                "Кнопці потрібна адреса https://.",
                "Кнопке нужен адрес https://.",
                "The button needs an https:// address.",
            )));
        }
        (false, false) => {
            if label.chars().count() > BUTTON_LABEL_MAX {
                return Err(DraftError::Invalid(format!(
                    "{} {BUTTON_LABEL_MAX}",
                    l.t(
                        "Напис кнопки довший за",
                        "Надпись кнопки длиннее чем",
                        "The button label is longer than"
                    )
                )));
            }
            if !web_address(url, true) {
                return Err(DraftError::Invalid(format!(
                    "{} {url:?}",
                    l.t(
                        "Адреса кнопки має починатися з https://:",
                        "Адрес кнопки должен начинаться с https://:",
                        "The button's address must start with https://:"
                    )
                )));
            }
            Some(UrlButton {
                label: label.to_owned(),
                url: url.to_owned(),
            })
        }
    };
    if text.is_empty() && image.is_none() {
        return Err(bad(l.t(
            "Напишіть текст або додайте зображення.",
            "Напишите текст или добавьте изображение.",
            "Write a text or attach a picture.",
        )));
    }
    Ok(BroadcastDraft {
        text,
        image,
        button,
    })
}

/// One messenger's view of a draft.
#[derive(Debug, Clone, Serialize)]
pub struct MessengerPreview {
    /// `telegram`, `viber` or `max`.
    pub messenger: &'static str,
    /// The text as the platform receives it (HTML for Telegram and MAX, plain for Viber).
    pub rendered: String,
    /// Its length as the platform counts it.
    pub length: usize,
    /// The platform's limit for it (the caption's with a picture).
    pub limit: usize,
    /// What the operator should know (too long, how the button or picture is shown).
    pub notes: Vec<String>,
    /// Whether the platform will refuse it.
    pub refused: bool,
}

/// The previews of a checked draft, Telegram, Viber and MAX in that order.
pub fn previews(draft: &BroadcastDraft, l: Lang) -> Vec<MessengerPreview> {
    let text = RichText::markup(&draft.text).unwrap_or_else(|_| RichText::plain(&draft.text));
    let with_image = draft.image.is_some();
    [
        ("telegram", Limits::telegram()),
        ("viber", Limits::viber()),
        ("max", Limits::max()),
    ]
    .into_iter()
    .map(|(messenger, limits)| {
        let length = text.rendered_len(limits.text_rendering, limits.text_unit);
        let limit = if with_image {
            limits.caption_max
        } else {
            limits.text_max
        };
        let mut notes = Vec::new();
        let refused = length > limit;
        if refused {
            notes.push(format!(
                "{} {length} / {limit} ({})",
                l.t(
                    "Задовгий текст, платформа його не прийме:",
                    "Слишком длинный текст, платформа его не примет:",
                    "Too long; the platform will refuse it:"
                ),
                limits.text_unit.name()
            ));
        }
        let rendered = if messenger == "viber" {
            if text.spans().iter().any(|s| s.style.bold || s.style.italic) {
                notes.push(
                    l.t(
                        "Viber не показує жирний і курсив: текст іде без стилів.",
                        "Viber не показывает жирный и курсив: текст идёт без стилей.",
                        "Viber shows no bold or italic: the text goes unstyled.",
                    )
                    .to_owned(),
                );
            }
            if text.spans().iter().any(|s| s.style.link.is_some()) {
                notes.push(
                    l.t(
                        "Посилання Viber показує як «текст (адреса)».",
                        "Ссылки Viber показывает как «текст (адрес)».",
                        "Viber shows links as \"label (address)\".",
                    )
                    .to_owned(),
                );
            }
            if with_image {
                notes.push(
                    l.t(
                        "Зображення Viber бере за адресою: бот публікує його через свій медіахост.",
                        "Изображение Viber берёт по адресу: бот публикует его через свой медиахост.",
                        "Viber takes pictures by address: the bot publishes it through its media host.",
                    )
                    .to_owned(),
                );
            }
            if draft.button.is_some() {
                notes.push(
                    l.t(
                        "Кнопка Viber — під полем введення, а не під повідомленням.",
                        "Кнопка Viber — под полем ввода, а не под сообщением.",
                        "Viber shows the button under the input field, not under the message.",
                    )
                    .to_owned(),
                );
            }
            text.to_plain()
        } else {
            text.to_html()
        };
        MessengerPreview {
            messenger,
            rendered,
            length,
            limit,
            notes,
            refused,
        }
    })
    .collect()
}

/// A styled run as the page shows it: escaped text, links only to web addresses.
fn rich_html(text: &RichText) -> Markup {
    html! {
        @for s in text.spans() {
            @let inner = html! {
                @if s.style.bold && s.style.italic { b { i { (s.text) } } }
                @else if s.style.bold { b { (s.text) } }
                @else if s.style.italic { i { (s.text) } }
                @else { (s.text) }
            };
            @match &s.style.link {
                Some(url) if web_address(url, false) => {
                    a href=(url) target="_blank" rel="noopener noreferrer" { (inner) }
                }
                _ => { (inner) }
            }
        }
    }
}

/// The previews as the compose page shows them (`image_src`: where the page can show the
/// picture, if it has one to show).
pub fn previews_html(draft: &BroadcastDraft, l: Lang, image_src: Option<&str>) -> Markup {
    let text = RichText::markup(&draft.text).unwrap_or_else(|_| RichText::plain(&draft.text));
    let names = [("telegram", "Telegram"), ("viber", "Viber"), ("max", "MAX")];
    html! {
        div.previews #bc-previews {
            @for p in previews(draft, l) {
                @let name = names.iter().find(|n| n.0 == p.messenger).map_or(p.messenger, |n| n.1);
                section.preview data-messenger=(p.messenger) {
                    h3 { (name) " " small.hint { (p.length) " / " (p.limit) } }
                    div class={ "bubble " (p.messenger) } {
                        @if draft.image.is_some() {
                            @if let Some(src) = image_src { img.photo src=(src) alt="image"; }
                            @else { div.photo-slot { "🖼" } }
                        }
                        @if p.messenger == "viber" {
                            div.text.plain { (p.rendered) }
                        } @else {
                            div.text { (rich_html(&text)) }
                        }
                        @if let Some(b) = &draft.button {
                            @if p.messenger != "viber" {
                                div.inline-button { "🔗 " (b.label) }
                            }
                        }
                    }
                    @if let Some(b) = &draft.button {
                        @if p.messenger == "viber" { div.keyboard-button { (b.label) } }
                    }
                    @for n in &p.notes {
                        p class={ @if p.refused { "error" } @else { "hint" } } { (n) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> RawDraft {
        RawDraft {
            text: text.into(),
            ..RawDraft::default()
        }
    }

    #[test]
    fn markup_mistakes_and_bad_links_are_explained_not_panicked() {
        let e = check_draft(&raw("*unclosed"), Lang::En).unwrap_err();
        assert!(e.message().contains("Markup error"), "{e:?}");
        let e = check_draft(&raw("[site](javascript:alert(1))"), Lang::En).unwrap_err();
        assert!(e.message().contains("http(s)"), "{e:?}");
        let e = check_draft(&raw("   "), Lang::En).unwrap_err();
        assert!(e.message().contains("Write a text"), "{e:?}");
    }

    #[test]
    fn the_button_needs_a_label_and_an_https_address() {
        let mut r = raw("Hi");
        r.button_label = "Open".into();
        r.button_url = "http://shop.example/".into();
        assert!(
            check_draft(&r, Lang::En)
                .unwrap_err()
                .message()
                .contains("https://")
        );
        r.button_url = "https://".into();
        assert!(check_draft(&r, Lang::En).is_err());
        r.button_url = "https://shop.example/sale".into();
        let d = check_draft(&r, Lang::En).unwrap();
        assert_eq!(d.button.unwrap().url, "https://shop.example/sale");
        r.button_label = String::new();
        assert!(check_draft(&r, Lang::En).is_err());
    }

    #[test]
    fn pictures_are_checked_by_their_bytes_and_size() {
        let mut r = raw("Hi");
        r.image = Some(b"<svg/>".to_vec());
        assert!(matches!(
            check_draft(&r, Lang::En),
            Err(DraftError::NotAnImage(_))
        ));
        let mut big = b"\x89PNG\r\n\x1a\n".to_vec();
        big.resize(super::super::SUPPORT_PHOTO_MAX + 1, 0);
        r.image = Some(big);
        assert!(matches!(
            check_draft(&r, Lang::En),
            Err(DraftError::TooLarge(_))
        ));
        r.image = Some(b"\x89PNG\r\n\x1a\nrest".to_vec());
        assert_eq!(
            check_draft(&r, Lang::En).unwrap().image.unwrap().mime,
            "image/png"
        );
    }

    #[test]
    fn each_messenger_renders_and_counts_its_own_way() {
        let mut r = raw("🎁 *Подвійні* бонуси: [умови](https://shop.example/a?b=1&c=2)");
        r.button_label = "Каталог".into();
        r.button_url = "https://shop.example/".into();
        let d = check_draft(&r, Lang::En).unwrap();
        let p = previews(&d, Lang::En);
        assert_eq!(p[0].messenger, "telegram");
        assert_eq!(
            p[0].rendered,
            "🎁 <b>Подвійні</b> бонуси: <a href=\"https://shop.example/a?b=1&amp;c=2\">умови</a>"
        );
        // Telegram counts the visible text in UTF-16 (the emoji is two units).
        assert_eq!(
            p[0].length,
            "🎁 Подвійні бонуси: умови".encode_utf16().count()
        );
        assert_eq!(p[0].limit, 4096);
        assert_eq!(
            p[1].rendered,
            "🎁 Подвійні бонуси: умови (https://shop.example/a?b=1&c=2)"
        );
        assert_eq!(p[1].length, p[1].rendered.chars().count());
        assert!(p[1].notes.iter().any(|n| n.contains("unstyled")));
        assert!(p[1].notes.iter().any(|n| n.contains("input field")));
        // MAX counts its HTML.
        assert_eq!(p[2].length, p[0].rendered.chars().count());
        assert!(p.iter().all(|x| !x.refused));
        // A picture makes the text a caption: Telegram's 1024 applies.
        let mut r = raw(&"a".repeat(1500));
        r.image = Some(b"\x89PNG\r\n\x1a\nrest".to_vec());
        let p = previews(&check_draft(&r, Lang::En).unwrap(), Lang::En);
        assert!(p[0].refused && p[0].limit == 1024);
        assert!(!p[2].refused);
        let html = previews_html(
            &check_draft(&raw("<b>&"), Lang::En).unwrap(),
            Lang::En,
            None,
        )
        .into_string();
        assert!(
            html.contains("&lt;b&gt;&amp;") && !html.contains("<b>&"),
            "{html}"
        );
    }
}
