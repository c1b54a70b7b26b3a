//! Tests of the index: typo keys, the coverage pass and the candidate cut,
//! letter pairs.

use super::examples::letter_pairs;
use super::query::QueryTerm;
use super::typos::typo_keys;
use super::*;
use crate::nlu::Analyzer;

#[test]
fn typo_keys_meet_for_one_wrong_or_missing_syllable() {
    let known = typo_keys("지원금");
    assert!(typo_keys("지언금").iter().any(|k| known.contains(k)));
    assert!(typo_keys("지원").iter().any(|k| known.contains(k)));
    assert!(typo_keys("ab").is_empty());
}

/// An index of FAQs with one example question each.
fn index_of_examples(analyzer: &Analyzer, examples: &[String]) -> Index {
    let entries: Vec<EntryText<'_>> = examples
        .iter()
        .map(|text| EntryText {
            titles: vec![],
            examples: vec![text.as_str()],
            named: false,
            agency: None,
            body: vec![],
            related: vec![],
        })
        .collect();
    Index::build(analyzer, &entries, Tuning::default())
}

#[test]
fn common_words_still_count_for_the_entries_rare_words_found() {
    // 400 entries: every one says 지원, every fourth 회의, the first 30
    // 창업 (commas keep the words from being joined). The entries with
    // 창업 and 회의 must lead, then the other 창업 entries, even when the
    // common words are looked up per entry instead of walked (MaxScore).
    let analyzer = Analyzer::plain().unwrap();
    let texts: Vec<String> = (0..400)
        .map(|i| {
            let mut text = String::from("지원");
            if i % 4 == 0 {
                text.push_str(", 회의");
            }
            if i < 30 {
                text.push_str(", 창업");
            }
            text
        })
        .collect();
    let index = index_of_examples(&analyzer, &texts);
    let ranked = index.rank(&analyzer.analyze("창업, 회의, 지원"));
    let leaders: Vec<usize> = ranked.iter().take(8).map(|s| s.entry).collect();
    assert_eq!(leaders, vec![0, 4, 8, 12, 16, 20, 24, 28], "{ranked:?}");
    assert!(ranked.iter().all(|s| s.entry < 30), "{ranked:?}");
    assert_eq!(ranked.len(), CANDIDATES, "{ranked:?}");
    // The coverage itself: all three words for entry 0, two for entry 1.
    let (query, total) = query_of(&index, &analyzer, "창업, 회의, 지원");
    let covered = index.cover(&query, total);
    let share = |entry: u32| covered.iter().find(|c| c.0 == entry).unwrap().1;
    assert!(share(0) > 0.99, "{covered:?}");
    assert!(share(1) < share(0) - 0.1, "{covered:?}");
}

/// The question's known terms as the coverage pass reads them, each at
/// its rarity (`index`'s idf), with their total weight.
fn query_of<'i>(
    index: &'i Index,
    analyzer: &Analyzer,
    question: &str,
) -> (Vec<QueryTerm<'i>>, f32) {
    let analysis = analyzer.analyze(question);
    let query: Vec<QueryTerm> = analysis
        .terms
        .iter()
        .filter_map(|t| index.vocabulary.get(&t.text))
        .map(|&id| QueryTerm {
            id: Some(id),
            weight: index.idf[id as usize],
            counts: true,
            related: &[],
        })
        .collect();
    let total = query.iter().map(|q| q.weight).sum();
    (query, total)
}

#[test]
fn the_best_covered_entries_are_candidates_even_when_found_late() {
    // 1,000 entries say 지원. The rarest word, 창업, finds entries 0..280
    // first; the best covered ones are found after them, by words walked
    // later: ten (even entries of 300..320) say 회의, 상담 and 안내, the
    // rest of 300..600 회의 and 상담, and 지원 is left to look up. Whatever
    // the coverage pass skips or stops early on, the candidates it returns
    // must be the best covered entries (the ten, then all tied after them),
    // with the shares every word looked up for every entry gives.
    let analyzer = Analyzer::plain().unwrap();
    let texts: Vec<String> = (0..1000)
        .map(|i| {
            let mut text = String::from("지원");
            if i < 280 {
                text.push_str(", 창업");
            }
            if (300..600).contains(&i) {
                text.push_str(", 회의");
            }
            if (300..610).contains(&i) || (700..720).contains(&i) {
                text.push_str(", 상담");
            }
            if i >= 700 || ((300..320).contains(&i) && i % 2 == 0) {
                text.push_str(", 안내");
            }
            text
        })
        .collect();
    let index = index_of_examples(&analyzer, &texts);
    let (query, total) = query_of(&index, &analyzer, "창업, 회의, 상담, 안내, 지원");
    let candidates = index.cover(&query, total);
    let all: Vec<u32> = (0..1000).collect();
    let mut exhaustive = index.coverage_of(&query, total, &all);
    exhaustive.sort_by(|a, b| b.1.total_cmp(&a.1));
    let last = exhaustive[CANDIDATES - 1].1;
    for &(entry, share) in exhaustive.iter().take_while(|c| c.1 >= last - 1e-6) {
        let found = candidates.iter().find(|c| c.0 == entry);
        assert!(
            found.is_some_and(|c| (c.1 - share).abs() < 1e-5),
            "entry {entry} ({share}) not a candidate as it should be: {found:?}"
        );
    }
    assert!(
        (300..320).contains(&exhaustive[0].0) && exhaustive[0].1 > last + 0.01,
        "{:?}",
        &exhaustive[..3]
    );
}

#[test]
fn when_coverage_ties_everywhere_the_letters_decide_among_all_tied() {
    // 40 entries cover "상담" alike; the 36th is written like the
    // question. It must not be cut for coming late in entry order.
    let analyzer = Analyzer::plain().unwrap();
    let own = [
        "가방", "구두", "모자", "양말", "장갑", "시계", "우산", "안경",
    ];
    let texts: Vec<String> = (0..40)
        .map(|i| match i {
            35 => "상담해줘요 빨리빨리".to_string(),
            _ => format!("상담, {}", own[i % own.len()]),
        })
        .collect();
    let index = index_of_examples(&analyzer, &texts);
    let ranked = index.rank(&analyzer.analyze("상담해줘요 빨리빨리요"));
    assert_eq!(ranked[0].entry, 35, "{:?}", &ranked[..3]);
}

#[test]
fn letter_pairs_are_distinct_neighbours() {
    let pairs = letter_pairs("창업창업");
    // 창업, 업창 (창업 twice counts once).
    assert_eq!(pairs.len(), 2);
    assert!(letter_pairs("창").is_empty());
}

#[test]
fn a_prohibition_prefers_the_example_that_forbids() {
    // The first example shares more words with the questions; the
    // second forbids, as they do.
    let analyzer = Analyzer::plain().unwrap();
    let texts: Vec<String> = [
        "오래된 회사 메일은 다 지워줘",
        "회사 메일 지우지 마",
        "회사 메일이랑 개인 메일 중에 어느 게 많아",
        "회사 메일이랑 개인 메일 중에 뭐가 더 빨라",
    ]
    .map(String::from)
    .to_vec();
    let index = index_of_examples(&analyzer, &texts);
    for question in [
        "오래된 회사 메일은 지우면 안 돼",
        "오래된 회사 메일은 절대 지우지 마세요",
    ] {
        let ranked = index.rank(&analyzer.analyze(question));
        assert_eq!(ranked[0].entry, 1, "{question}: {:?}", &ranked[..2]);
    }
    let ranked = index.rank(&analyzer.analyze("오래된 회사 메일 지워 줘"));
    assert_eq!(ranked[0].entry, 0, "{:?}", &ranked[..2]);
}

/// A ranked entry with only the confidence and letter pairs set.
fn ranked_at(entry: usize, confidence: f32) -> Scored {
    Scored {
        entry,
        score: confidence,
        confidence,
        lexical: 0.0,
        closeness: 0.0,
        pairs: 0.5,
        chars: 0.0,
        coverage: 0.0,
        recall: 0.0,
        missing: 0.0,
        examples: 1,
    }
}

#[test]
fn a_family_of_near_ties_is_offered_together_and_a_lone_guess_is_not() {
    let config = MatchingConfig::default();
    // Three entries at one chance in three each: none is likely alone, but
    // the one asked about is very likely among them.
    let family: Vec<Scored> = [0.34, 0.33, 0.3, 0.05]
        .iter()
        .enumerate()
        .map(|(i, &c)| ranked_at(i, c))
        .collect();
    assert_eq!(decide(&family, &config), Outcome::Suggest);
    assert_eq!(offered(&family, &config).len(), 3);
    // One weak guess and nothing near it: a consultant, not a suggestion.
    let lone = vec![ranked_at(0, 0.45), ranked_at(1, 0.08), ranked_at(2, 0.05)];
    assert_eq!(decide(&lone, &config), Outcome::Fallback);
    assert_eq!(offered(&lone, &config).len(), 1);
    // A confident first entry is answered.
    let sure = vec![ranked_at(0, 0.97), ranked_at(1, 0.2)];
    assert_eq!(decide(&sure, &config), Outcome::Answer);
    // No more than `max_suggestions` are offered or counted.
    let many: Vec<Scored> = (0..6).map(|i| ranked_at(i, 0.2)).collect();
    assert_eq!(offered(&many, &config).len(), config.max_suggestions);
    assert_eq!(decide(&many, &config), Outcome::Fallback);
}

#[test]
fn an_example_saying_more_than_the_question_has_less_recall_and_a_missing_word() {
    // Both examples share all the question says; only the second says
    // nothing the question does not (학교).
    let analyzer = Analyzer::plain().unwrap();
    let texts = vec![
        "학교 메일 계정은 최대 몇 개까지 만들 수 있나요".to_string(),
        "메일 계정은 최대 몇 개까지 만들 수 있나요".to_string(),
    ];
    let index = index_of_examples(&analyzer, &texts);
    let ranked = index.rank(&analyzer.analyze("메일 계정 최대 몇 개 만들 수 있어"));
    let of = |entry: usize| ranked.iter().find(|s| s.entry == entry).unwrap();
    let (other_thing, same_thing) = (of(0), of(1));
    assert!(
        same_thing.recall > other_thing.recall,
        "{same_thing:?} {other_thing:?}"
    );
    assert!(
        other_thing.missing > same_thing.missing,
        "{same_thing:?} {other_thing:?}"
    );
    assert!(same_thing.confidence > other_thing.confidence, "{ranked:?}");
}
