//! The program finder's answer: the programs that fit an SME's region,
//! stage and need, ranked by fit, each with why it fits; said honestly
//! when none is made for them, with a person offered, and always with the
//! way to search again or back to the menu.

use std::collections::BTreeMap;

use anyhow::Result;

use super::handoff_button;
use crate::dialog::{ChatState, Engine, Replies};
use crate::kb::{Entry, Program};
use crate::protocol::{Button, MenuPage, Press};
use crate::texts::{Texts, Value};
use crate::vocabulary::{NATIONWIDE, STAGES};

/// The program finder's end: the programs of the need's category open to
/// the region and stage, best fit first, each with why it fits ("경기 소재
/// · 초기창업"). When none is made for the region or the stage, that is
/// said plainly (the nationwide ones listed after it) with a person
/// offered; when none fits at all, the same without a list. Either way the
/// SME can search again or go to the menu.
pub(super) async fn find_programs(
    engine: &Engine,
    replies: &mut Replies<'_>,
    state: &mut ChatState,
    slots: &BTreeMap<String, String>,
) -> Result<()> {
    let slot = |k: &str| slots.get(k).cloned().unwrap_or_default();
    let (region, stage, need) = (slot("region"), slot("stage"), slot("need"));
    let fits = programs_that_fit(&engine.kb.programs, &region, &stage, &need);
    let texts = replies.texts;
    let asked: [(&str, Value); 3] = [("region", &region), ("stage", &stage), ("need", &need)];
    let tailored = fits.iter().any(Fit::tailored);
    let key = match (fits.is_empty(), tailored) {
        (true, _) => "sme_finder_none",
        (false, true) => "sme_finder_found",
        (false, false) => "sme_finder_general",
    };
    let mut body = texts.fill(key, &asked);
    let mut buttons = Vec::new();
    for (i, fit) in fits.iter().take(MAX_FOUND).enumerate() {
        let title = Entry::Program(fit.program).title();
        body.push('\n');
        body.push_str(&texts.fill(
            "sme_finder_item",
            &[
                ("number", &(i + 1)),
                ("program", &title),
                ("agency", &short_agency(&fit.program.agency)),
                ("reason", &fit.reason(texts, &region, &stage)),
            ],
        ));
        buttons.push(vec![Button::new(
            title,
            &Press::Entry(fit.program.id.clone()),
        )]);
    }
    state.offered = fits
        .iter()
        .take(MAX_FOUND)
        .map(|f| f.program.id.clone())
        .collect();
    buttons.push(vec![
        Button::new(
            texts.get("button_finder_again"),
            &Press::Flow(FINDER_FLOW.into()),
        ),
        Button::new(texts.get("button_menu"), &Press::Menu(MenuPage::Start)),
    ]);
    if !tailored {
        buttons.push(vec![handoff_button(texts)]);
    }
    replies.say(body, buttons).await
}

/// An agency's name without what follows it in brackets ("지역별
/// 창조경제혁신센터 (2016년 당시 …)" → "지역별 창조경제혁신센터").
fn short_agency(agency: &str) -> &str {
    agency.split(" (").next().unwrap_or(agency).trim()
}

/// The program finder's flow, which 다시 찾기 starts again.
const FINDER_FLOW: &str = "finder";

/// The most programs the finder lists.
const MAX_FOUND: usize = 5;

/// A program that fits the finder's answers, and how.
struct Fit<'k> {
    program: &'k Program,
    /// Made for the region asked (not only open nationwide).
    local: bool,
    /// Made for some stages, the one asked among them (not for all).
    staged: bool,
}

impl Fit<'_> {
    /// Made for the region or the stage, not only open to everyone.
    fn tailored(&self) -> bool {
        self.local || self.staged
    }

    /// Why it fits, in the SME's words: "경기 소재 · 초기창업", "전국 · 모든 단계".
    fn reason(&self, texts: &Texts, region: &str, stage: &str) -> String {
        let region = if self.local {
            texts.fill("sme_finder_reason_local", &[("region", &region)])
        } else {
            texts.get("sme_finder_reason_nationwide").to_string()
        };
        let stage = if self.staged {
            texts.fill("sme_finder_reason_stage", &[("stage", &stage)])
        } else {
            texts.get("sme_finder_reason_any_stage").to_string()
        };
        format!("{region} · {stage}")
    }
}

/// Programs of the `need`'s category open to `region` and `stage`: made
/// for the region first, then made for the stage, then by title.
fn programs_that_fit<'k>(
    programs: &'k [Program],
    region: &str,
    stage: &str,
    need: &str,
) -> Vec<Fit<'k>> {
    let mut fits: Vec<Fit<'k>> = programs
        .iter()
        .filter(|p| p.category == need)
        .filter(|p| {
            p.regions.is_empty() || p.regions.iter().any(|r| r == region || r == NATIONWIDE)
        })
        .filter(|p| p.stages.is_empty() || p.stages.iter().any(|s| s == stage))
        .map(|program| Fit {
            program,
            local: program.regions.iter().any(|r| r == region),
            staged: !program.stages.is_empty() && program.stages.len() < STAGES.len(),
        })
        .collect();
    fits.sort_by(|a, b| {
        (b.local, b.staged).cmp(&(a.local, a.staged)).then_with(|| {
            Entry::Program(a.program)
                .title()
                .cmp(Entry::Program(b.program).title())
        })
    });
    fits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kb::KnowledgeBase;

    #[test]
    fn programs_made_for_the_region_and_stage_come_first() {
        let kb = KnowledgeBase::embedded().unwrap();
        let fits = programs_that_fit(&kb.programs, "경기", "초기창업", "창업");
        assert!(!fits.is_empty());
        assert!(fits[0].local && fits[0].staged, "{}", fits[0].program.id);
        let ranks: Vec<(bool, bool)> = fits.iter().map(|f| (f.local, f.staged)).collect();
        let mut sorted = ranks.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(ranks, sorted, "best fit first");
        assert!(fits.iter().all(|f| f.program.category == "창업"));
    }

    #[test]
    fn nothing_is_made_for_a_jeju_pre_startup_needing_people() {
        let kb = KnowledgeBase::embedded().unwrap();
        let fits = programs_that_fit(&kb.programs, "제주", "예비창업", "인력");
        assert!(fits.iter().all(|f| !f.tailored()));
        let texts = Texts::default();
        for fit in &fits {
            assert_eq!(fit.reason(&texts, "제주", "예비창업"), "전국 · 모든 단계");
        }
    }
}
