//! *What nothing answered*: the questions that got the fallback, grouped by
//! what they ask (the analyzer's most shared term), largest groups first,
//! small talk and other languages left out; a group exports as labeled
//! lines (`question<TAB>fallback`, for `onestop test`) or as a starting FAQ
//! in the `dialogs/` format.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::gate::Signed;
use super::pages::{export, message, page, params};
use super::{csv, internal_error, WebState};
use crate::dialog::talk;
use crate::kb::KnowledgeBase;
use crate::nlu::{is_foreign, TermKind};

/// How many of the most asked questions are grouped.
const QUESTIONS: i64 = 5000;
/// Examples shown per group.
const EXAMPLES: usize = 5;
/// The group of questions without a telling term.
const OTHER: &str = "(기타)";

/// Questions that ask about one thing.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub term: String,
    /// How often they were asked, all together.
    pub times: i64,
    /// The questions, most asked first: (question, how often).
    pub questions: Vec<(String, i64)>,
}

/// The telling terms of a question: the nouns and joined nouns the
/// analyzer finds, of two letters or more.
fn terms(kb: &KnowledgeBase, question: &str) -> Vec<String> {
    kb.analyzer()
        .analyze(question)
        .terms
        .into_iter()
        .filter(|t| matches!(t.kind, TermKind::Word | TermKind::Joined))
        .filter(|t| t.text.chars().count() >= 2)
        .map(|t| t.text)
        .collect()
}

/// Groups `questions` (most asked first) by the term most of them share.
pub fn group(kb: &KnowledgeBase, questions: Vec<(String, i64)>) -> Vec<Group> {
    let asked: Vec<(String, i64, Vec<String>)> = questions
        .into_iter()
        .filter(|(q, _)| talk::recognise(q).is_none() && !is_foreign(q))
        .map(|(q, n)| {
            let terms = terms(kb, &q);
            (q, n, terms)
        })
        .collect();
    let mut shared: HashMap<&str, usize> = HashMap::new();
    for (_, _, terms) in &asked {
        for term in terms {
            *shared.entry(term).or_default() += 1;
        }
    }
    let mut groups: HashMap<String, Group> = HashMap::new();
    for (question, times, terms) in &asked {
        let term = terms
            .iter()
            .max_by(|a, b| {
                (shared[a.as_str()], a.chars().count(), std::cmp::Reverse(*a)).cmp(&(
                    shared[b.as_str()],
                    b.chars().count(),
                    std::cmp::Reverse(*b),
                ))
            })
            .map_or(OTHER, String::as_str);
        let group = groups.entry(term.to_string()).or_insert_with(|| Group {
            term: term.to_string(),
            times: 0,
            questions: Vec::new(),
        });
        group.times += times;
        group.questions.push((question.clone(), *times));
    }
    let mut groups: Vec<Group> = groups.into_values().collect();
    groups.sort_by(|a, b| {
        (b.term != OTHER, b.times, b.questions.len())
            .cmp(&(a.term != OTHER, a.times, a.questions.len()))
            .then(a.term.cmp(&b.term))
    });
    groups
}

async fn groups(state: &WebState) -> Result<Vec<Group>, Response> {
    match state.desk.unanswered_questions(QUESTIONS).await {
        Ok(questions) => Ok(group(&state.kb, questions)),
        Err(e) => Err(internal_error(e.into())),
    }
}

/// GET /unanswered.
pub async fn unanswered(State(state): State<WebState>, Signed(who): Signed) -> Response {
    let groups = match groups(&state).await {
        Ok(groups) => groups,
        Err(refused) => return refused,
    };
    let shown: Vec<minijinja::Value> = groups
        .iter()
        .map(|g| {
            minijinja::context! {
                term => &g.term,
                times => g.times,
                count => g.questions.len(),
                examples => &g.questions[..g.questions.len().min(EXAMPLES)],
                query => url::form_urlencoded::Serializer::new(String::new()).append_pair("term", &g.term).finish(),
            }
        })
        .collect();
    let context = minijinja::context! { title => "답하지 못한 질문", groups => shown };
    page(
        &state,
        StatusCode::OK,
        "unanswered.html",
        &who,
        "unanswered",
        context,
    )
}

/// GET /unanswered.csv: every group with every question.
pub async fn unanswered_csv(State(state): State<WebState>, Signed(who): Signed) -> Response {
    let groups = match groups(&state).await {
        Ok(groups) => groups,
        Err(refused) => return refused,
    };
    let body = csv::table(
        &["group", "question", "times"],
        groups.iter().flat_map(|g| {
            g.questions
                .iter()
                .map(|(q, n)| vec![g.term.clone(), q.clone(), n.to_string()])
        }),
    );
    export(&state, &who, "unanswered", "unanswered.csv", body).await
}

/// A group as a starting FAQ for `dialogs/`: its questions, the answer and
/// category left for the admin to write.
fn faq(group: &Group) -> String {
    let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
    let mut out = format!(
        "# '{}'에 대해 답하지 못한 질문 {}개({}번)에서 시작한 FAQ입니다.\n\
         # category와 answer를 채우고 `onestop check`로 확인한 뒤 dialogs/kb/에 넣으세요.\n\
         [[faq]]\nid = {}\ntitle = {}\ncategory = \"\"\nquestions = [\n",
        group.term.replace('\n', " "),
        group.questions.len(),
        group.times,
        quoted(&format!("faq-{}", group.term)),
        quoted(&group.term),
    );
    for (question, _) in &group.questions {
        out.push_str(&format!("  {},\n", quoted(question)));
    }
    out.push_str("]\nanswer = \"\"\n");
    out
}

/// GET /unanswered/export?term=T&format=test|faq.
pub async fn unanswered_export(
    State(state): State<WebState>,
    Signed(who): Signed,
    RawQuery(raw): RawQuery,
) -> Response {
    let mut params = params(raw);
    let term = params.remove("term").unwrap_or_default();
    let format = params.remove("format").unwrap_or_default();
    let groups = match groups(&state).await {
        Ok(groups) => groups,
        Err(refused) => return refused,
    };
    let Some(group) = groups.iter().find(|g| g.term == term) else {
        let said = format!("'{term}' 묶음이 없습니다.");
        return message(&state, StatusCode::NOT_FOUND, &who, "없는 묶음", &said);
    };
    let (body, file) = match format.as_str() {
        "test" => {
            let lines: String = group
                .questions
                .iter()
                .map(|(q, _)| format!("{}\tfallback\n", q.replace(['\t', '\n', '\r'], " ")))
                .collect();
            (lines, "unanswered.tsv")
        }
        "faq" => (faq(group), "unanswered-faq.toml"),
        _ => {
            let said = format!("'{format}'는 내보내기 형식(test, faq)이 아닙니다.");
            return message(&state, StatusCode::BAD_REQUEST, &who, "없는 형식", &said);
        }
    };
    let what = format!("unanswered {format} {term}");
    if let Err(e) =
        super::auth::audit(state.desk.pool(), Some(&who.name), "export", &what, "").await
    {
        return internal_error(e);
    }
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response()
}
