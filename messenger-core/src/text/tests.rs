use super::*;

#[test]
fn markup_renders_bold_italic_links_and_escapes() {
    let t = RichText::markup("*Balance:* _120_ points\n[Site](https://e.com/?a=1&b=2) & <more>")
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
