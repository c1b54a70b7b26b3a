//! The command line as admins and evaluators use it: `ask`, `match --json`
//! on any folder in the documented format, and `chat` with odd messages.

use crate::common::{dialogs, path_str, run, run_with_db, stderr, stdout, SMALL_KB};
use serde_json::Value;

#[test]
fn ask_answers_a_covered_question_from_the_builtin_knowledge_base() {
    let output = run(&["ask", "염수분무 시험 받을 수 있는 곳 어디예요"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let reply = stdout(&output);
    assert!(reply.contains("염수"), "{reply}");
}

#[test]
fn ask_offers_a_consultant_for_an_uncovered_question() {
    let output = run(&["ask", "여권 재발급 받으려면 어디로 가요"], "");
    assert!(output.status.success());
    assert!(stdout(&output).contains("상담원"), "{}", stdout(&output));
}

#[test]
fn match_json_streams_one_line_per_query_in_input_order() {
    let dir = dialogs(&[("kb/small.toml", SMALL_KB)]);
    let queries = [
        "빵집 오븐 교체하는데 지원금 있나요",
        "",
        "오징어 냉동해서 수출하는데 운송비 지원돼요?",
        "오븐 지원 최대 얼마까지 받아요",
        "비자 연장 어떻게 해요",
        "😀😀",
        &"가".repeat(4000),
    ];
    let input = queries.join("\n") + "\n";
    let output = run(
        &[
            "match",
            "--kb",
            path_str(dir.path()),
            "--top",
            "2",
            "--json",
        ],
        &input,
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let lines: Vec<Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), queries.len());
    for (line, query) in lines.iter().zip(queries) {
        assert_eq!(line["query"], query);
        assert!(line["results"].as_array().unwrap().len() <= 2);
        let outcome = line["outcome"].as_str().unwrap();
        assert!(["answer", "suggest", "fallback"].contains(&outcome));
    }
    let top = |i: usize| {
        lines[i]["results"][0]["id"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(top(0), "bakery-grant");
    assert_eq!(lines[0]["results"][0]["kind"], "program");
    assert_eq!(top(2), "fishing-boat-export");
    assert_eq!(top(3), "oven-grant-amount");
    assert_eq!(lines[3]["results"][0]["kind"], "faq");
    for i in [1, 4, 5, 6] {
        assert_eq!(lines[i]["outcome"], "fallback", "{}", lines[i]);
    }
    // Ranked by score, best first; the confidence is a probability.
    let results = lines[0]["results"].as_array().unwrap();
    let (first, second) = (&results[0], &results[1]);
    assert!(first["score"].as_f64().unwrap() >= second["score"].as_f64().unwrap());
    for result in results {
        let confidence = result["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence), "{result}");
    }
}

#[test]
fn match_refuses_a_broken_folder_and_says_where() {
    let dir = dialogs(&[("kb/bad.toml", "[[faq]]\nid = \"x\"\n")]);
    let output = run(&["match", "--kb", path_str(dir.path()), "--json"], "질문\n");
    assert_eq!(output.status.code(), Some(1));
    assert!(stdout(&output).is_empty());
    let message = stderr(&output);
    assert!(message.contains("bad.toml:1:1"), "{message}");
}

#[test]
fn chat_handles_odd_messages_and_opens_suggestions_by_number() {
    let long = "지원".repeat(2100);
    let input = format!(
        "\n😀😀😀\nhello, how do I renew my visa?\n{long}\n융복합 R&D 지원\n1\n/quit\n이 줄은 읽히지 않아요\n"
    );
    let db = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(crate::common::pg::TestDb::new());
    let output = run_with_db(&db, &["chat"], &input);
    assert!(output.status.success(), "{}", stderr(&output));
    let transcript = stdout(&output);
    assert!(transcript.contains("메시지가 비어 있어요"), "{transcript}");
    assert!(transcript.contains("상담원"), "{transcript}");
    assert!(transcript.contains("너무 길어요"), "{transcript}");
    assert!(transcript.contains("융복합"), "{transcript}");
    assert!(
        transcript.contains("감사합니다"),
        "goodbye after /quit: {transcript}"
    );
    assert!(!transcript.contains("읽히지"));
}

#[test]
fn help_texts_describe_every_command() {
    let output = run(&["--help"], "");
    let help = stdout(&output);
    for command in ["chat", "ask", "match", "check", "analyze"] {
        assert!(help.contains(command), "{help}");
    }
    let output = run(&["match", "--help"], "");
    assert!(stdout(&output).contains("--kb"));
}
