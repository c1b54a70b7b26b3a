//! Loading the knowledge base from parsed `dialogs/` documents: collecting
//! each file's programs, FAQs, referrals, synonyms and matching settings, the
//! checks across files (duplicate ids and settings, `related` links,
//! synonyms claimed twice, colliding example questions), and building the
//! analyzer and the index once everything is valid.

use std::collections::HashMap;

use super::diagnostic::{closest, Diagnostic, Diagnostics, Location};
use super::index::{EntryText, Index, Tuning};
use super::model::{Entry, Faq, FreshnessConfig, MatchingConfig, Program, Referral};
use super::parse::{self, Located};
use super::KnowledgeBase;
use crate::nlu::{compact, normalize, Analyzer, Synonyms};
use crate::source::Document;

/// Everything the files say, before the checks across files.
#[derive(Default)]
struct Collected {
    programs: Vec<Program>,
    faqs: Vec<Faq>,
    referrals: Vec<Referral>,
    synonym_groups: Vec<Vec<Located<String>>>,
    matching_settings: Vec<(Located<String>, f64)>,
    matching_places: HashMap<String, Location>,
    freshness_settings: Vec<(Located<String>, f64)>,
}

/// Reads the knowledge base's tables of `documents`. Every problem goes to
/// `diags`; the index is built only when there is none, so `None` means
/// `diags` says why.
pub(super) fn read(documents: &[Document<'_>], diags: &mut Diagnostics) -> Option<KnowledgeBase> {
    let mut collected = Collected::default();
    for document in documents {
        collected.add(parse::read_document(document, diags), diags);
    }
    let Collected {
        programs,
        faqs,
        referrals,
        synonym_groups,
        matching_settings,
        matching_places,
        freshness_settings,
    } = collected;
    let matching = parse::matching_config(&matching_settings);
    let freshness = parse::freshness_config(&freshness_settings);
    check_thresholds(&matching, &matching_places, diags);
    if programs.is_empty() && faqs.is_empty() && referrals.is_empty() && diags.is_empty() {
        let place = documents.first().map_or("(no .toml files)", |d| d.path());
        diags.push(
            Location {
                file: place.to_string(),
                line: 1,
                column: 1,
            },
            "the knowledge base has no [[program]], [[faq]] or [[referral]] entries",
        );
    }

    let entries: Vec<Entry<'_>> = programs
        .iter()
        .map(Entry::Program)
        .chain(faqs.iter().map(Entry::Faq))
        .chain(referrals.iter().map(Entry::Referral))
        .collect();
    let ids = check_ids(&entries, diags);
    check_related(&faqs, &ids, diags);
    check_synonyms(&synonym_groups, diags);
    let synonyms: Vec<Vec<String>> = synonym_groups
        .iter()
        .map(|g| g.iter().map(|t| t.value.clone()).collect())
        .collect();
    let analyzer = match analyzer_for(&programs, &faqs, &referrals, &synonyms) {
        Ok(analyzer) => analyzer,
        Err(error) => {
            diags.push(Location::default(), format!("{error:#}"));
            return None;
        }
    };
    let same_words = check_collisions(&entries, &analyzer, diags);
    if !diags.is_empty() {
        return None;
    }

    let texts_of: Vec<EntryText<'_>> = entries
        .iter()
        .map(|e| EntryText::of(*e, |id| program_name(&programs, &ids, id)))
        .collect();
    let index = Index::build(&analyzer, &texts_of, Tuning::default());
    drop(texts_of);
    let mut warnings = stale_entries(&entries, &freshness, today());
    warnings.extend(same_words);
    warnings.sort();
    drop(entries);
    Some(KnowledgeBase {
        programs,
        faqs,
        referrals,
        matching,
        freshness,
        warnings,
        synonyms,
        analyzer,
        index,
        ids,
    })
}

impl Collected {
    /// One file's content; a matching setting set twice is reported at its
    /// second place.
    fn add(&mut self, content: parse::FileContent, diags: &mut Diagnostics) {
        self.programs.extend(content.programs);
        self.faqs.extend(content.faqs);
        self.referrals.extend(content.referrals);
        self.synonym_groups.extend(content.synonyms);
        for (key, value) in content.matching.into_iter().chain(content.freshness) {
            let place = if key.value == "warn_after_years" {
                &mut self.freshness_settings
            } else {
                &mut self.matching_settings
            };
            if let Some(first) = self.matching_places.get(&key.value) {
                diags.push(
                    key.location.clone(),
                    format!("`{}` is already set at {first}", key.value),
                );
            } else {
                self.matching_places
                    .insert(key.value.clone(), key.location.clone());
                place.push((key, value));
            }
        }
    }
}

fn check_thresholds(
    matching: &MatchingConfig,
    places: &HashMap<String, Location>,
    diags: &mut Diagnostics,
) {
    if matching.suggest_threshold > matching.answer_threshold {
        if let Some(at) = places.get("suggest_threshold") {
            diags.push(
                at.clone(),
                "`suggest_threshold` must not be above `answer_threshold`",
            );
        }
    }
}

/// Today in Korea, which the age of an entry's `as_of` is counted to.
pub(super) fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

/// A warning for every entry whose `as_of` is older than `[freshness]`
/// allows: its answers say so, and an admin should look at it.
fn stale_entries(
    entries: &[Entry<'_>],
    freshness: &FreshnessConfig,
    today: chrono::NaiveDate,
) -> Vec<Diagnostic> {
    let years = freshness.warn_after_years;
    let mut warnings: Vec<Diagnostic> = entries
        .iter()
        .filter_map(|entry| {
            let as_of = entry.as_of()?;
            as_of.older_than(years, today).then(|| Diagnostic {
                location: entry.location().clone(),
                message: format!(
                    "`{}` is as of {as_of}, more than {years} years ago ([freshness] warn_after_years): check it against a current notice and update `as_of`",
                    entry.id()
                ),
            })
        })
        .collect();
    warnings.sort();
    warnings
}

/// Ids are unique across programs, FAQs and referrals; returns each id's entry.
fn check_ids(entries: &[Entry<'_>], diags: &mut Diagnostics) -> HashMap<String, usize> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        if let Some(&first) = ids.get(entry.id()) {
            diags.push(
                entry.location().clone(),
                format!(
                    "duplicate id `{}`: already used at {}",
                    entry.id(),
                    entries[first].location()
                ),
            );
        } else {
            ids.insert(entry.id().to_string(), i);
        }
    }
    ids
}

/// Every `related` id of a FAQ names an entry; a near miss is suggested.
fn check_related(faqs: &[Faq], ids: &HashMap<String, usize>, diags: &mut Diagnostics) {
    for faq in faqs {
        for (related, at) in faq.related.iter().zip(&faq.related_locations) {
            if ids.contains_key(related) {
                continue;
            }
            let hint = closest(related, ids.keys().map(String::as_str))
                .map(|id| format!("; did you mean `{id}`?"))
                .unwrap_or_default();
            diags.push(
                at.clone(),
                format!("`related` refers to `{related}`, which no program or FAQ has as id{hint}"),
            );
        }
    }
}

/// A term belongs to one synonym group only.
fn check_synonyms(groups: &[Vec<Located<String>>], diags: &mut Diagnostics) {
    let mut owner: HashMap<String, Location> = HashMap::new();
    for term in groups.iter().flatten() {
        let key = normalize(&term.value);
        if let Some(first) = owner.get(&key) {
            diags.push(
                term.location.clone(),
                format!(
                    "synonym `{}` is already in the group at {first}",
                    term.value
                ),
            );
        } else {
            owner.insert(key, term.location.clone());
        }
    }
}

/// The analyzer, taught the words the knowledge base itself uses (program
/// names, agencies, keywords and synonyms) so that they are not split.
fn analyzer_for(
    programs: &[Program],
    faqs: &[Faq],
    referrals: &[Referral],
    synonyms: &[Vec<String>],
) -> anyhow::Result<Analyzer> {
    fn words_of(text: &str) -> impl Iterator<Item = String> + '_ {
        text.split(|c: char| !c.is_alphanumeric()).map(String::from)
    }
    let mut user_words: Vec<String> = Vec::new();
    for program in programs {
        for text in [&program.name, &program.agency]
            .into_iter()
            .chain(&program.keywords)
        {
            user_words.extend(words_of(text));
        }
    }
    for faq in faqs {
        for keyword in &faq.keywords {
            user_words.extend(words_of(keyword));
        }
    }
    for referral in referrals {
        for text in std::iter::once(&referral.agency).chain(&referral.keywords) {
            user_words.extend(words_of(text));
        }
    }
    let all_synonyms = crate::nlu::synonyms::with_built_in(synonyms);
    user_words.extend(all_synonyms.iter().filter_map(|g| g.first().cloned()));
    Analyzer::new(&user_words, Synonyms::new(&all_synonyms))
}

/// The name of the program with this id, if there is one (`ids` indexes
/// programs first, then FAQs).
pub(super) fn program_name<'a>(
    programs: &'a [Program],
    ids: &HashMap<String, usize>,
    id: &str,
) -> Option<&'a str> {
    programs.get(*ids.get(id)?).map(|p| p.name.as_str())
}

/// Two entries must not share an example question: the same letters with
/// other spacing or punctuation are an error. Example questions the
/// analyzer reads as the same words (in any order, with any endings) are
/// only a warning, returned: they may ask different things (수출 말고 내수
/// / 내수 말고 수출; 거실 조명 키려면 / 거실 조명이 켜져있는지 확인하는
/// 방법), though the bot tells them apart poorly.
fn check_collisions(
    entries: &[Entry<'_>],
    analyzer: &Analyzer,
    diags: &mut Diagnostics,
) -> Vec<Diagnostic> {
    let mut same_words = Vec::new();
    let mut by_letters: HashMap<String, (usize, Location)> = HashMap::new();
    let mut by_words: HashMap<Vec<String>, (usize, Location)> = HashMap::new();
    for (i, entry) in entries.iter().enumerate() {
        for (example, at) in entry.examples().iter().zip(entry.example_locations()) {
            let letters = compact(&analyzer.prepare(example));
            let mut words: Vec<String> = analyzer
                .analyze(example)
                .terms
                .into_iter()
                .filter(|t| t.kind != crate::nlu::TermKind::Joined)
                .map(|t| t.text)
                .collect();
            words.sort();
            if !letters.is_empty() {
                match by_letters.get(&letters) {
                    Some((other, first)) if *other != i => {
                        diags.push(
                            at.clone(),
                            format!(
                                "example question \"{example}\" collides with `{}` ({first}): the same question",
                                entries[*other].id()
                            ),
                        );
                        continue;
                    }
                    Some(_) => {}
                    None => {
                        by_letters.insert(letters, (i, at.clone()));
                    }
                }
            }
            if !words.is_empty() {
                match by_words.get(&words) {
                    Some((other, first)) if *other != i => same_words.push(Diagnostic {
                        location: at.clone(),
                        message: format!(
                            "example question \"{example}\" reads as the same words as one of `{}` ({first}), so the bot can hardly tell them apart: if they ask the same thing, keep the question in one entry; if not, add words that say how they differ",
                            entries[*other].id()
                        ),
                    }),
                    Some(_) => {}
                    None => {
                        by_words.insert(words, (i, at.clone()));
                    }
                }
            }
        }
    }
    same_words
}
