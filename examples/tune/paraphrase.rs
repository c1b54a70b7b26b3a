//! The paraphrase-dev protocol (`../shared/paraphrase-dev/README.md`), run
//! through the library: the closed and the open knowledge base written as
//! `dialogs/` folders into a temporary folder and loaded like any other,
//! their queries matched, and the figures printed beside ours
//! (tests/data), with the README's anchor (character 1–2-gram TF-IDF)
//! computed on the same queries.
//!
//! `PARAPHRASE_DEV=FILE` reads another copy of `parakqc-dev.tsv`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use onestop::kb::{KnowledgeBase, MatchResult, Outcome};

/// The default place of the file, from the repository's root.
const DEFAULT_FILE: &str = "../shared/paraphrase-dev/parakqc-dev.tsv";

/// One intent: its number and its ten phrasings, in file order.
pub struct Intent {
    pub number: u32,
    pub phrasings: Vec<String>,
}

impl Intent {
    pub fn id(&self) -> String {
        format!("intent-{}", self.number)
    }

    /// In the open setting's knowledge base.
    pub fn in_open(&self) -> bool {
        self.number % 4 == 1
    }

    /// In the half of the intents that fitting sees (the other half is
    /// reported): a quarter of the open setting's in-scope intents and a
    /// quarter of its out-of-scope ones each.
    pub fn for_fitting(&self) -> bool {
        matches!(self.number % 8, 1 | 3)
    }
}

/// One query of either setting: the phrasing, the intent it belongs to,
/// and whether that intent is in the knowledge base.
pub struct Query {
    pub text: String,
    pub intent: usize,
    pub in_scope: bool,
}

/// Both settings, ready to match.
pub struct Protocol {
    pub intents: Vec<Intent>,
    pub closed: KnowledgeBase,
    pub open: KnowledgeBase,
    pub closed_queries: Vec<Query>,
    pub open_queries: Vec<Query>,
    pub dir: PathBuf,
}

fn read_intents(path: &Path) -> Vec<Intent> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("reading {}: {e} (set PARAPHRASE_DEV=FILE)", path.display()));
    let mut intents: Vec<Intent> = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (number, sentence) = line.split_once('\t').expect("intent<TAB>sentence");
        let number: u32 = number.trim().parse().expect("a numbered intent");
        match intents.last_mut() {
            Some(last) if last.number == number => last.phrasings.push(sentence.to_string()),
            _ => intents.push(Intent {
                number,
                phrasings: vec![sentence.to_string()],
            }),
        }
    }
    intents
}

/// Per intent, the phrasing its FAQ is written from: the first, unless an
/// earlier intent took that phrasing, then the next one free.
fn choose_examples(intents: &[Intent]) -> Vec<usize> {
    let mut taken: std::collections::HashSet<&str> = Default::default();
    intents
        .iter()
        .map(|intent| {
            let i = (0..intent.phrasings.len())
                .find(|&i| !taken.contains(intent.phrasings[i].as_str()))
                .unwrap_or(0);
            taken.insert(&intent.phrasings[i]);
            i
        })
        .collect()
}

/// Writes a knowledge base of one FAQ per intent of `keep` (its only
/// question the chosen phrasing) into `dir`, and loads it.
fn write_kb(dir: &Path, intents: &[Intent], example: &[usize], keep: &[bool]) -> KnowledgeBase {
    let kb = dir.join("kb");
    std::fs::create_dir_all(&kb).unwrap();
    let mut toml = String::new();
    for (i, intent) in intents.iter().enumerate().filter(|(i, _)| keep[*i]) {
        let question = &intent.phrasings[example[i]];
        toml += &format!(
            "[[faq]]\nid = \"{}\"\ncategory = \"기타\"\nquestions = [{:?}]\nanswer = \"안내해 드릴게요.\"\n\n",
            intent.id(),
            question
        );
    }
    std::fs::write(kb.join("paraphrase.toml"), toml).unwrap();
    KnowledgeBase::load_dir(dir).unwrap()
}

impl Protocol {
    /// Reads the file and builds both knowledge bases.
    pub fn load() -> Protocol {
        let path = std::env::var_os("PARAPHRASE_DEV")
            .map_or_else(|| PathBuf::from(DEFAULT_FILE), PathBuf::from);
        let intents = read_intents(&path);
        let example = choose_examples(&intents);
        let dir = std::env::temp_dir().join(format!("onestop-paraphrase-{}", std::process::id()));
        let all = vec![true; intents.len()];
        let open_keep: Vec<bool> = intents.iter().map(Intent::in_open).collect();
        let closed = write_kb(&dir.join("closed"), &intents, &example, &all);
        let open = write_kb(&dir.join("open"), &intents, &example, &open_keep);
        let queries = |in_kb: &dyn Fn(&Intent) -> bool| -> Vec<Query> {
            let mut queries = Vec::new();
            for (i, intent) in intents.iter().enumerate() {
                for (p, text) in intent.phrasings.iter().enumerate() {
                    // The phrasing an intent's FAQ is written from is no
                    // query, whether the FAQ is in this knowledge base or not.
                    if p == example[i] {
                        continue;
                    }
                    queries.push(Query {
                        text: text.clone(),
                        intent: i,
                        in_scope: in_kb(intent),
                    });
                }
            }
            queries
        };
        let closed_queries = queries(&|_| true);
        let open_queries = queries(&|intent| intent.in_open());
        Protocol {
            intents,
            closed,
            open,
            closed_queries,
            open_queries,
            dir,
        }
    }
}

impl Drop for Protocol {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The protocol's figures for one matcher.
#[derive(Default, Clone, Copy)]
pub struct Figures {
    pub closed_top1: f64,
    pub closed_top3: f64,
    /// In-scope open queries answered with the right entry / the wrong one.
    pub open_right: f64,
    pub open_wrong: f64,
    /// Out-of-scope open queries answered.
    pub open_false: f64,
}

/// A matcher under test: the ids it ranks first for a question (best
/// first) and its outcome.
pub type Matcher<'a> = dyn Fn(&KnowledgeBase, &str) -> (Outcome, Vec<String>) + 'a;

/// The protocol's figures of `find` (the ids ranked, best first, and the
/// outcome) on `queries` of either setting (`half`: only queries of the
/// intents fitting sees, or only the others).
pub fn figures(protocol: &Protocol, find: &Matcher, half: Option<bool>) -> Figures {
    let in_half = |q: &Query| half.is_none_or(|h| protocol.intents[q.intent].for_fitting() == h);
    let (mut n, mut top1, mut top3) = (0usize, 0usize, 0usize);
    for q in protocol.closed_queries.iter().filter(|q| in_half(q)) {
        let (_, ids) = find(&protocol.closed, &q.text);
        let want = protocol.intents[q.intent].id();
        if std::env::var_os("PARAPHRASE_MISSES").is_some()
            && half == Some(true)
            && ids.first() != Some(&want)
        {
            // What a closed miss looks like: the query, its intent's
            // example and the first entry's.
            let example = |id: &str| first_example(&protocol.closed, id);
            let got = ids.first().map_or(String::new(), |id| example(id));
            println!("MISS {} | want {} | got {}", q.text, example(&want), got);
        }
        n += 1;
        top1 += usize::from(ids.first() == Some(&want));
        top3 += usize::from(ids.iter().take(3).any(|id| *id == want));
    }
    let (mut inside, mut right, mut wrong, mut outside, mut false_answers) = (0, 0, 0, 0, 0);
    for q in protocol.open_queries.iter().filter(|q| in_half(q)) {
        let (outcome, ids) = find(&protocol.open, &q.text);
        let answered = outcome == Outcome::Answer;
        if std::env::var_os("PARAPHRASE_MISSES").is_some() && half == Some(true) {
            // What an open miss looks like: an out-of-scope query answered
            // (with the entry's example and the query's own intent's first
            // phrasing), or an in-scope one ranked right but not answered.
            let got = ids
                .first()
                .map_or(String::new(), |id| first_example(&protocol.open, id));
            let own = &protocol.intents[q.intent].phrasings[0];
            let right = ids.first() == Some(&protocol.intents[q.intent].id());
            if !q.in_scope && answered {
                println!("FALSE {} | got {} | own {}", q.text, got, own);
            } else if q.in_scope && right && !answered {
                println!("QUIET {} | want {}", q.text, got);
            }
        }
        if q.in_scope {
            inside += 1;
            let ok = ids.first() == Some(&protocol.intents[q.intent].id());
            right += usize::from(answered && ok);
            wrong += usize::from(answered && !ok);
        } else {
            outside += 1;
            false_answers += usize::from(answered);
        }
    }
    let share = |a: usize, b: usize| a as f64 / b.max(1) as f64;
    Figures {
        closed_top1: share(top1, n),
        closed_top3: share(top3, n),
        open_right: share(right, inside),
        open_wrong: share(wrong, inside),
        open_false: share(false_answers, outside),
    }
}

/// The first example question of entry `id` of `kb` (empty if none).
fn first_example(kb: &KnowledgeBase, id: &str) -> String {
    kb.by_id(id)
        .and_then(|e| e.examples().first().cloned())
        .unwrap_or_default()
}

/// The matcher's ids and outcome for a question.
pub fn onestop(kb: &KnowledgeBase, question: &str) -> (Outcome, Vec<String>) {
    let r: MatchResult = kb.find(question);
    let ids = r
        .ranked
        .iter()
        .take(3)
        .map(|s| kb.entry(s.entry).id().to_string())
        .collect();
    (r.outcome, ids)
}

/// The README's anchor: character 1–2-gram TF-IDF (scikit-learn's
/// `char_wb` with sublinear tf, smooth idf and cosine) over the knowledge
/// base's example questions, answering at or above `threshold`.
pub struct Anchor {
    idf: HashMap<String, f32>,
    documents: Vec<(String, HashMap<String, f32>)>,
    pub threshold: f32,
}

/// `char_wb` n-grams (n = 1, 2) of `text`, lowercased, counted: each
/// word padded with a space on both sides.
fn char_wb(text: &str) -> HashMap<String, f32> {
    let mut grams = HashMap::new();
    for word in text.to_lowercase().split_whitespace() {
        let padded: Vec<char> = std::iter::once(' ')
            .chain(word.chars())
            .chain(std::iter::once(' '))
            .collect();
        for n in 1..=2 {
            for w in padded.windows(n) {
                *grams.entry(w.iter().collect::<String>()).or_insert(0.0) += 1.0;
            }
        }
    }
    grams
}

fn unit(mut v: HashMap<String, f32>) -> HashMap<String, f32> {
    let norm = v.values().map(|w| w * w).sum::<f32>().sqrt().max(1e-9);
    v.values_mut().for_each(|w| *w /= norm);
    v
}

impl Anchor {
    pub fn new(kb: &KnowledgeBase, threshold: f32) -> Anchor {
        let raw: Vec<(String, HashMap<String, f32>)> = (0..kb.len())
            .flat_map(|i| {
                let entry = kb.entry(i);
                entry
                    .examples()
                    .iter()
                    .map(|e| (entry.id().to_string(), char_wb(e)))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut df: HashMap<String, f32> = HashMap::new();
        for (_, grams) in &raw {
            for gram in grams.keys() {
                *df.entry(gram.clone()).or_default() += 1.0;
            }
        }
        let n = raw.len() as f32;
        let idf: HashMap<String, f32> = df
            .into_iter()
            .map(|(g, d)| (g, ((1.0 + n) / (1.0 + d)).ln() + 1.0))
            .collect();
        let documents = raw
            .into_iter()
            .map(|(id, grams)| (id, unit(weigh(&idf, grams))))
            .collect();
        Anchor {
            idf,
            documents,
            threshold,
        }
    }

    pub fn find(&self, question: &str) -> (Outcome, Vec<String>) {
        let q = unit(weigh(&self.idf, char_wb(question)));
        let mut best: HashMap<&str, f32> = HashMap::new();
        for (id, d) in &self.documents {
            let cos: f32 = q.iter().filter_map(|(g, w)| d.get(g).map(|v| v * w)).sum();
            let slot = best.entry(id).or_insert(0.0);
            *slot = slot.max(cos);
        }
        let mut ranked: Vec<(&str, f32)> = best.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let outcome = if ranked.first().is_some_and(|r| r.1 >= self.threshold) {
            Outcome::Answer
        } else {
            Outcome::Fallback
        };
        let ids = ranked.iter().take(3).map(|r| r.0.to_string()).collect();
        (outcome, ids)
    }
}

/// Sublinear tf × idf of the grams the vocabulary knows.
fn weigh(idf: &HashMap<String, f32>, grams: HashMap<String, f32>) -> HashMap<String, f32> {
    grams
        .into_iter()
        .filter_map(|(g, tf)| idf.get(&g).map(|idf| (g, (1.0 + tf.ln()) * idf)))
        .collect()
}

/// Runs the protocol and prints it.
pub fn report(protocol: &Protocol) -> Figures {
    let closed_anchor = Anchor::new(&protocol.closed, 0.52);
    let open_anchor = Anchor::new(&protocol.open, 0.52);
    let anchor = |kb: &KnowledgeBase, q: &str| {
        if std::ptr::eq(kb, &protocol.closed) {
            closed_anchor.find(q)
        } else {
            open_anchor.find(q)
        }
    };
    let ours = figures(protocol, &onestop, None);
    let theirs = figures(protocol, &anchor, None);
    println!(
        "paraphrase-dev ({} intents; closed {} queries, open {})",
        protocol.intents.len(),
        protocol.closed_queries.len(),
        protocol.open_queries.len()
    );
    println!("{:<44} {:>8} {:>8}", "", "onestop", "anchor");
    let rows = [
        ("closed top-1", ours.closed_top1, theirs.closed_top1),
        ("closed top-3", ours.closed_top3, theirs.closed_top3),
        (
            "open: in-scope answered right",
            ours.open_right,
            theirs.open_right,
        ),
        (
            "open: in-scope answered wrong",
            ours.open_wrong,
            theirs.open_wrong,
        ),
        (
            "open: out-of-scope answered",
            ours.open_false,
            theirs.open_false,
        ),
    ];
    for (label, a, b) in rows {
        println!("{label:<44} {a:>8.4} {b:>8.4}");
    }
    for (label, half) in [("fitting half", true), ("reported half", false)] {
        let f = figures(protocol, &onestop, Some(half));
        println!(
            "  {label}: closed {:.3} / {:.3}, open right {:.3} wrong {:.3} false {:.3}",
            f.closed_top1, f.closed_top3, f.open_right, f.open_wrong, f.open_false
        );
    }
    ours
}
