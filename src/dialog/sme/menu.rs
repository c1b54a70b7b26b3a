//! The SME's FAQ menu: the sections (자금, 수출, 기술, …, derived from the
//! knowledge base's entries), then a section's entries by topic, a page at
//! a time with 이전/다음.

use anyhow::Result;

use crate::dialog::{Engine, Replies};
use crate::kb::menu::Section;
use crate::protocol::{rows, Button, MenuPage, Press};

/// The sections, two to a row, and the way back to the main menu.
pub(super) async fn sections(engine: &Engine, replies: &mut Replies<'_>) -> Result<()> {
    let texts = replies.texts;
    let sections: Vec<Button> = engine
        .kb
        .sections()
        .into_iter()
        .map(|s| {
            let press = Press::Section {
                section: s.name.clone(),
                page: 0,
            };
            Button::new(s.name, &press)
        })
        .collect();
    let mut buttons = rows(sections, 2);
    buttons.push(vec![Button::new(
        texts.get("button_menu"),
        &Press::Menu(MenuPage::Start),
    )]);
    replies.say_text("sme_faq_menu", &[], buttons).await
}

/// Page `page` of section `name`: its entries' titles as buttons, 이전 and
/// 다음 where there is a page before or after, and the way back to the
/// sections. A section no entry has any more (a reload, or data the bot
/// never issued) is said so, with the sections; a page past the end shows
/// the last one.
pub(super) async fn section(
    engine: &Engine,
    replies: &mut Replies<'_>,
    name: &str,
    page: u8,
) -> Result<()> {
    let texts = replies.texts;
    let Some(section) = engine.kb.section(name) else {
        replies
            .say_text("sme_faq_section_missing", &[], Vec::new())
            .await?;
        return sections(engine, replies).await;
    };
    let page = usize::from(page).min(section.pages() - 1);
    let mut buttons: Vec<Vec<Button>> = section
        .page(page)
        .iter()
        .map(|&i| {
            let entry = engine.kb.entry(i);
            vec![Button::new(
                entry.title(),
                &Press::Entry(entry.id().to_string()),
            )]
        })
        .collect();
    buttons.extend(page_row(texts, &section, page));
    buttons.push(vec![
        Button::new(texts.get("button_sections"), &Press::Menu(MenuPage::Faq)),
        Button::new(texts.get("button_menu"), &Press::Menu(MenuPage::Start)),
    ]);
    let (shown, pages) = (page + 1, section.pages());
    let key = if pages > 1 {
        "sme_faq_section_page"
    } else {
        "sme_faq_section"
    };
    let values: [(&str, crate::texts::Value); 3] = [
        ("section", &section.name),
        ("page", &shown),
        ("pages", &pages),
    ];
    replies.say_text(key, &values, buttons).await
}

/// 이전 / 다음, where there is such a page.
fn page_row(texts: &crate::texts::Texts, section: &Section, page: usize) -> Option<Vec<Button>> {
    let to = |page: usize| Press::Section {
        section: section.name.clone(),
        page: u8::try_from(page).unwrap_or(u8::MAX),
    };
    let mut row = Vec::new();
    if page > 0 {
        row.push(Button::new(texts.get("button_previous"), &to(page - 1)));
    }
    if page + 1 < section.pages() {
        row.push(Button::new(texts.get("button_next"), &to(page + 1)));
    }
    (!row.is_empty()).then_some(row)
}
