//! Property tests: rich-text rendering and splitting never panic on any text, and every part the
//! splitter makes fits the limit in the platform's own measure; markup parsing and command
//! classification never panic.
// Test helpers may unwrap too: a panic is a failed assertion with a line number.
#![allow(clippy::unwrap_used)]

use messenger_core::{
    Image, LengthUnit, Limits, OutgoingMessage, RichText, Style, TextRendering, UpdateKind,
};
use proptest::prelude::*;

/// Text with the characters that matter: HTML specials, whitespace, line breaks, multi-byte and
/// astral characters.
fn piece() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('a'),
            Just(' '),
            Just('\n'),
            Just('&'),
            Just('<'),
            Just('"'),
            Just('я'),
            Just('😀'),
            any::<char>(),
        ],
        0..40,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

fn style() -> impl Strategy<Value = Style> {
    (
        any::<bool>(),
        any::<bool>(),
        proptest::option::weighted(0.2, "[a-z&<\"]{0,30}"),
    )
        .prop_map(|(bold, italic, link)| {
            let mut s = Style::default();
            s.bold = bold;
            s.italic = italic;
            s.link = link.map(|l| format!("https://e.example/{l}"));
            s
        })
}

fn rich() -> impl Strategy<Value = RichText> {
    proptest::collection::vec((piece(), style()), 0..12).prop_map(|spans| {
        let mut t = RichText::new();
        for (text, style) in spans {
            t.push(text, style);
        }
        t
    })
}

fn rendering() -> impl Strategy<Value = TextRendering> {
    prop_oneof![
        Just(TextRendering::Visible),
        Just(TextRendering::Plain),
        Just(TextRendering::Html),
    ]
}

fn unit() -> impl Strategy<Value = LengthUnit> {
    prop_oneof![
        Just(LengthUnit::Chars),
        Just(LengthUnit::Utf16),
        Just(LengthUnit::Bytes),
    ]
}

fn non_space(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn every_part_fits_in_the_platforms_measure(
        text in rich(),
        max in 8usize..300,
        rendering in rendering(),
        unit in unit(),
    ) {
        let parts = text.split_rendered(max, unit, rendering);
        for p in &parts {
            let len = p.rendered_len(rendering, unit);
            prop_assert!(len <= max, "{len} > {max}: {:?}", p.to_html());
            prop_assert!(!p.is_empty());
        }
        // Nothing but whitespace is lost at the cuts.
        let joined: String = parts.iter().map(RichText::plain_text).collect();
        prop_assert_eq!(non_space(&joined), non_space(&text.plain_text()));
    }

    #[test]
    fn messages_split_for_each_platform_validate(
        text in rich(),
        text_max in 8usize..300,
        with_image in any::<bool>(),
        platform in 0usize..4,
    ) {
        let mut limits = [Limits::telegram(), Limits::viber(), Limits::max(), Limits::local()]
            [platform]
            .clone();
        limits.text_max = text_max;
        limits.caption_max = text_max / 2 + 4;
        let mut msg = OutgoingMessage::new(text);
        if with_image {
            msg = msg.image(Image::url("https://e.example/p.png"));
        }
        for part in msg.split(&limits) {
            let ok = part.validate(&limits);
            prop_assert!(
                !matches!(ok, Err(messenger_core::ValidationError::TextTooLong { .. })),
                "{ok:?}"
            );
        }
    }

    #[test]
    fn rendering_never_panics_and_html_is_escaped(text in rich()) {
        let html = text.to_html();
        let _ = text.to_plain();
        // Every '<' in the HTML opens one of our own tags: user text is escaped.
        let stripped = html
            .replace("<b>", "")
            .replace("</b>", "")
            .replace("<i>", "")
            .replace("</i>", "")
            .replace("</a>", "");
        let mut rest = stripped.as_str();
        while let Some(i) = rest.find('<') {
            rest = &rest[i..];
            prop_assert!(rest.starts_with("<a href=\""), "{html}");
            rest = &rest[1..];
        }
    }

    #[test]
    fn markup_and_commands_never_panic(src in "\\PC{0,200}", raw in any::<String>()) {
        let _ = RichText::markup(&src);
        let _ = RichText::template(&src, &[("name", "<x>")]);
        let _ = UpdateKind::from_text(&raw, None);
        let _ = UpdateKind::from_text(&src, None);
    }
}
