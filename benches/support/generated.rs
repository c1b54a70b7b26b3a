//! The generated 10,000-entry knowledge base the matching bench times, shared
//! with `examples/tune/` (`TUNE_KB=generated`) so the same questions can be
//! profiled on it.

use onestop::kb::{KnowledgeBase, SourceFile};

/// A knowledge base of `n` entries made from the default one's words, shaped
/// like real entries (a name, keywords, four example questions).
pub fn generated_kb(n: usize) -> KnowledgeBase {
    let base = KnowledgeBase::embedded().expect("default knowledge base");
    let mut words: Vec<String> = Vec::new();
    for i in 0..base.len() {
        for example in base.entry(i).examples() {
            words.extend(example.split_whitespace().map(String::from));
        }
    }
    words.sort();
    words.dedup();
    let regions = [
        "서울", "부산", "대구", "인천", "광주", "대전", "울산", "경기", "강원", "제주",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move |m: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % m as u64) as usize
    };
    let mut toml = String::new();
    for i in 0..n {
        let mut pick = |k: usize| -> String {
            (0..k)
                .map(|_| words[next(words.len())].clone())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let region = regions[i % regions.len()];
        let examples: Vec<String> = (0..4)
            .map(|_| format!("\"{region} {}\"", pick(4)))
            .collect();
        toml.push_str(&format!(
            "[[faq]]\nid = \"gen-{i}\"\ncategory = \"기타\"\nquestions = [{}]\nanswer = \"{} {}\"\nkeywords = [\"{}\"]\n\n",
            examples.join(", "),
            region,
            pick(12).replace('"', ""),
            pick(1).replace('"', ""),
        ));
    }
    let toml = toml.replace('\\', "");
    KnowledgeBase::load(&[SourceFile {
        path: "generated.toml".into(),
        text: toml,
    }])
    .expect("generated knowledge base loads")
}
