//! The FAQ menu's shape: its sections, derived from the entries' `menu`
//! (or category), and each section's entries by topic: in 가나다 order of
//! their titles, which begin with their topic ("창업지원금 한도", "창업지원금
//! 신청 방법"), so one topic's entries sit together; cut into pages.

use super::model::CATEGORIES;
use super::KnowledgeBase;

/// How many entries one page of a section lists.
pub const PAGE_SIZE: usize = 8;

/// The category listed last: what fits no other.
const OTHER: &str = "기타";

/// One section of the menu: its name and its entries (by index), in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub name: String,
    pub entries: Vec<usize>,
}

impl Section {
    /// How many pages it takes (at least one).
    pub fn pages(&self) -> usize {
        self.entries.len().div_ceil(PAGE_SIZE).max(1)
    }

    /// The entries of page `page` (from 0); empty past the last page.
    pub fn page(&self, page: usize) -> &[usize] {
        let start = (page * PAGE_SIZE).min(self.entries.len());
        let end = (start + PAGE_SIZE).min(self.entries.len());
        &self.entries[start..end]
    }
}

impl KnowledgeBase {
    /// The menu's sections: the categories first (in their usual order),
    /// then the other sections in 가나다 order, `기타` last.
    /// Only sections with entries are listed.
    pub fn sections(&self) -> Vec<Section> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by(|&a, &b| self.entry(a).title().cmp(self.entry(b).title()));
        let mut sections: Vec<Section> = Vec::new();
        for i in order {
            let name = self.entry(i).section();
            match sections.iter_mut().find(|s| s.name == name) {
                Some(section) => section.entries.push(i),
                None => sections.push(Section {
                    name: name.to_string(),
                    entries: vec![i],
                }),
            }
        }
        let rank = |name: &str| match CATEGORIES.iter().position(|c| *c == name) {
            _ if name == OTHER => 2,
            Some(_) => 0,
            None => 1,
        };
        let category_order = |name: &str| CATEGORIES.iter().position(|c| *c == name);
        sections.sort_by(|a, b| {
            (rank(&a.name), category_order(&a.name), &a.name).cmp(&(
                rank(&b.name),
                category_order(&b.name),
                &b.name,
            ))
        });
        sections
    }

    /// The section named `name`, if any entry is listed under it.
    pub fn section(&self, name: &str) -> Option<Section> {
        self.sections().into_iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_in_one_section_and_the_categories_come_first() {
        let kb = KnowledgeBase::embedded().unwrap();
        let sections = kb.sections();
        let mut listed: Vec<usize> = sections.iter().flat_map(|s| s.entries.clone()).collect();
        listed.sort_unstable();
        assert_eq!(listed, (0..kb.len()).collect::<Vec<_>>());
        let names: Vec<&str> = sections.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names[..2], ["기술", "자금"], "{names:?}");
        assert!(names.contains(&"이용 안내"), "{names:?}");
        assert!(sections.iter().all(|s| !s.entries.is_empty()));
    }

    #[test]
    fn a_section_is_cut_into_pages() {
        let section = Section {
            name: "기술".into(),
            entries: (0..19).collect(),
        };
        assert_eq!(section.pages(), 3);
        assert_eq!(section.page(0), &(0..8).collect::<Vec<_>>()[..]);
        assert_eq!(section.page(2), &[16, 17, 18]);
        assert!(section.page(3).is_empty());
        let empty = Section {
            name: "자금".into(),
            entries: Vec::new(),
        };
        assert_eq!(empty.pages(), 1);
    }
}
