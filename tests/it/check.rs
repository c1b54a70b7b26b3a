//! `onestop check`: every problem of a broken dialogs/ folder is reported at
//! once with file, line and column, and the exit code says whether any was
//! found. The bot's loader is the same code, so these are also the files the
//! bot refuses to load.

use crate::common::{dialogs, path_str, run, stdout, SMALL_KB};

/// Runs `onestop check DIR` and returns (exit code, report lines).
fn check(dir: &tempfile::TempDir) -> (i32, Vec<String>) {
    let output = run(&["check", path_str(dir.path())], "");
    let report = stdout(&output).lines().map(String::from).collect();
    (output.status.code().unwrap(), report)
}

/// The single report line containing `needle`, asserted to exist.
fn line_with<'a>(report: &'a [String], needle: &str) -> &'a str {
    report
        .iter()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in {report:#?}"))
}

#[test]
fn the_default_dialogs_folder_is_valid() {
    let output = run(
        &["check", concat!(env!("CARGO_MANIFEST_DIR"), "/dialogs")],
        "",
    );
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(stdout(&output).contains("ok"));
}

#[test]
fn a_valid_folder_passes_with_exit_code_zero() {
    let dir = dialogs(&[("kb/small.toml", SMALL_KB)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 0, "{report:#?}");
    assert!(report[0].contains("2 programs, 1 FAQs"), "{report:#?}");
}

#[test]
fn syntax_errors_have_file_line_and_column() {
    let dir = dialogs(&[
        ("kb/small.toml", SMALL_KB),
        (
            "kb/broken.toml",
            "[[faq]]\nid = \"x\"\nanswer = \"닫히지 않은 문자열\n",
        ),
    ]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    let line = line_with(&report, "TOML syntax");
    assert!(line.contains("broken.toml:3:"), "{line}");
}

#[test]
fn unknown_keys_are_reported_with_a_suggestion() {
    let broken = SMALL_KB.replacen("keywords = [\"오븐\"", "keywrods = [\"오븐\"", 1);
    let dir = dialogs(&[("kb/small.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    let line = line_with(&report, "unknown key `keywrods`");
    assert!(line.contains("did you mean `keywords`"), "{line}");
    let expected_line = broken
        .lines()
        .position(|l| l.starts_with("keywrods"))
        .unwrap()
        + 1;
    assert!(
        line.contains(&format!("small.toml:{expected_line}:1:")),
        "{line}"
    );
}

#[test]
fn missing_required_fields_are_each_reported() {
    let dir = dialogs(&[(
        "kb/a.toml",
        "[[program]]\nid = \"no-fields\"\nname = \"이름만 있음\"\n\n[[faq]]\nid = \"no-answer\"\ncategory = \"기타\"\nquestions = [\"답이 없는 질문\"]\n",
    )]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    for key in [
        "agency",
        "category",
        "support",
        "eligibility",
        "apply",
        "contact",
        "examples",
        "answer",
    ] {
        line_with(&report, &format!("missing required key `{key}`"));
    }
    assert!(line_with(&report, "`answer`").contains("a.toml:"));
}

#[test]
fn duplicate_ids_point_to_both_places() {
    let second = SMALL_KB.replace("id = \"fishing-boat-export\"", "id = \"bakery-grant\"");
    let dir = dialogs(&[("kb/a.toml", &second)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    let line = line_with(&report, "duplicate id `bakery-grant`");
    assert!(line.contains("already used at"), "{line}");
    let first_line = second
        .lines()
        .position(|l| l.contains("bakery-grant"))
        .unwrap()
        + 1;
    assert!(line.contains(&format!("a.toml:{first_line}:")), "{line}");
}

#[test]
fn references_to_missing_ids_are_reported() {
    let broken = SMALL_KB.replace(
        "related = [\"bakery-grant\"]",
        "related = [\"bakery-grnat\"]",
    );
    let dir = dialogs(&[("kb/a.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    let line = line_with(&report, "`bakery-grnat`");
    assert!(line.contains("did you mean `bakery-grant`"), "{line}");
    let at = broken
        .lines()
        .position(|l| l.starts_with("related"))
        .unwrap()
        + 1;
    assert!(line.contains(&format!("a.toml:{at}:12:")), "{line}");
}

#[test]
fn empty_answers_are_errors() {
    let broken = SMALL_KB.replace(
        "answer = \"오븐 교체 비용의 절반까지 지원합니다. 한도는 센터에 문의해 주세요.\"",
        "answer = \"   \"",
    );
    let dir = dialogs(&[("kb/a.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    line_with(&report, "`answer` is empty");
}

#[test]
fn colliding_example_questions_between_entries_are_errors() {
    // The same question with other spacing and punctuation, in another entry.
    let broken = SMALL_KB.replace(
        "\"수산 가공품 해외 물류비\"",
        "\"빵집오븐 바꾸는데 지원 있어요\"",
    );
    let dir = dialogs(&[("kb/a.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    let line = line_with(&report, "collides with `bakery-grant`");
    assert!(line.contains("a.toml:"), "{line}");
}

#[test]
fn example_questions_read_as_the_same_words_are_a_warning() {
    // 수출 말고 내수 and 내수 말고 수출, or two questions whose only
    // difference the analyzer drops, are different questions it reads as
    // the same words: the admin is told, and the knowledge base still loads.
    for other in ["교체 지원금 제과점 오븐", "제과점 오븐을 교체 지원금은"] {
        let reworded = SMALL_KB.replace("\"수산 가공품 해외 물류비\"", &format!("\"{other}\""));
        let dir = dialogs(&[("kb/a.toml", &reworded)]);
        let (code, report) = check(&dir);
        assert_eq!(code, 0, "{other}: {report:#?}");
        let line = line_with(&report, "reads as the same words as one of `bakery-grant`");
        assert!(
            line.contains("a.toml:") && line.contains(": warning: "),
            "{line}"
        );
        line_with(&report, ": ok (");
    }
}

#[test]
fn bad_values_are_reported() {
    let broken = SMALL_KB
        .replace("regions = [\"부산\"]", "regions = [\"부싼\"]")
        .replacen("category = \"자금\"", "category = \"돈\"", 1)
        .replace("id = \"oven-grant-amount\"", "id = \"Oven Grant\"");
    let dir = dialogs(&[
        ("kb/a.toml", &broken),
        (
            "bot.toml",
            "[matching]\nanswer_threshold = 1.5\n[texts]\ngreting = \"안녕\"\n",
        ),
    ]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    line_with(&report, "unknown region `부싼`");
    line_with(&report, "unknown category `돈`");
    line_with(&report, "id `Oven Grant`");
    assert!(line_with(&report, "`answer_threshold` must be").contains("bot.toml:2:20"));
    assert!(line_with(&report, "unknown key `greting`").contains("did you mean `greeting`"));
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let broken = SMALL_KB
        .replacen("keywords = [\"오븐\"", "keywrods = [\"오븐\"", 1)
        .replace("related = [\"bakery-grant\"]", "related = [\"nowhere\"]")
        .replace("id = \"fishing-boat-export\"", "id = \"bakery-grant\"");
    let dir = dialogs(&[
        ("kb/a.toml", &broken),
        ("kb/b.toml", "[[faq]\nid = 1"),
        ("topic.toml", "[[banana]]\nx = 1\n"),
    ]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1);
    for needle in [
        "keywrods",
        "`nowhere`",
        "duplicate id",
        "TOML syntax",
        "`banana`",
    ] {
        line_with(&report, needle);
    }
}

#[test]
fn a_missing_folder_is_a_clear_error() {
    let output = run(&["check", "/nonexistent/dialogs"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(crate::common::stderr(&output).contains("/nonexistent/dialogs"));
}

// ── routing.toml and holidays.toml ─────────────────────────────────────────
//
// `onestop check` runs the routing loader (`desk::routing::Routing::load`) on
// the same files as the knowledge-base loader and prints both reports.

/// A small, valid routing for the SMALL_KB folder.
const ROUTING: &str = r#"[routing]
default_queue = "center-1379"
supervisor_queue = "supervisors"
escalate_after = "30m"
lease = "2시간"
followup_after = "3일"

[[queue]]
id = "center-1379"
name = "중소기업통합콜센터 1379"
hours = "평일 09:00-18:00"

[[queue]]
id = "supervisors"
name = "상담 책임자"
hours = "always"

[[queue]]
id = "busan-export"
name = "부산 수출 창구"
hours = "월-토 10:00-16:00"

[[route]]
category = "수출"
region = "부산"
queue = "busan-export"
"#;

const HOLIDAYS: &str = r#"[holidays]
dates = [
  { date = 2026-01-01, name = "신정" },
  { date = 2026-02-17, name = "설날" },
]
"#;

/// 1-based number of the first line of `text` that starts with `prefix`.
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?}"))
        + 1
}

#[test]
fn routing_tables_are_not_unknown_to_the_knowledge_base() {
    let dir = dialogs(&[
        ("kb/small.toml", SMALL_KB),
        ("routing.toml", ROUTING),
        ("holidays.toml", HOLIDAYS),
    ]);
    let (code, report) = check(&dir);
    assert_eq!(code, 0, "{report:#?}");
}

#[test]
fn routing_rules_naming_unknown_queues_are_reported_with_line_and_column() {
    let broken = ROUTING.replace("queue = \"busan-export\"", "queue = \"busan-exprot\"");
    let dir = dialogs(&[("kb/small.toml", SMALL_KB), ("routing.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    let line = line_with(&report, "`busan-exprot`");
    assert!(line.contains("did you mean `busan-export`?"), "{line}");
    let at = line_of(&broken, "queue = \"busan-exprot\"");
    assert!(line.contains(&format!("routing.toml:{at}:9:")), "{line}");
}

#[test]
fn duplicate_queue_ids_are_reported() {
    let broken = ROUTING.replace("id = \"busan-export\"", "id = \"supervisors\"");
    let dir = dialogs(&[("kb/small.toml", SMALL_KB), ("routing.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    let line = line_with(&report, "duplicate queue id `supervisors`");
    let first = line_of(&broken, "id = \"supervisors\"");
    assert!(
        line.contains("already used at ") && line.ends_with(&format!("routing.toml:{first}:6")),
        "{line}"
    );
}

#[test]
fn a_rule_with_the_same_condition_as_an_earlier_one_is_reported_as_never_used() {
    // The same condition written with the long region name, in another file.
    let dir = dialogs(&[
        ("kb/small.toml", SMALL_KB),
        ("routing.toml", ROUTING),
        (
            "routing2.toml",
            "[[route]]\nregion = \"부산광역시\"\ncategory = \"수출\"\nqueue = \"center-1379\"\n",
        ),
    ]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    let line = line_with(&report, "never used");
    assert!(line.contains("routing2.toml:1:1:"), "{line}");
    let first = line_of(ROUTING, "[[route]]");
    assert!(
        line.contains(&format!(
            "never used: the rule at {}/routing.toml:{first}:1 already routes 수출 × 부산",
            path_str(dir.path())
        )),
        "{line}"
    );
}

#[test]
fn bad_durations_are_reported() {
    let broken = ROUTING
        .replace(
            "escalate_after = \"30m\"",
            "escalate_after = \"30 minuets\"",
        )
        .replace("lease = \"2시간\"", "lease = 2");
    let dir = dialogs(&[("kb/small.toml", SMALL_KB), ("routing.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    let line = line_with(&report, "bad duration \"30 minuets\"");
    let at = line_of(&broken, "escalate_after");
    assert!(line.contains(&format!("routing.toml:{at}:18:")), "{line}");
    assert!(line_with(&report, "`lease` needs a unit").contains("routing.toml:"));
}

#[test]
fn bad_business_hours_are_reported() {
    let broken = ROUTING
        .replace(
            "hours = \"월-토 10:00-16:00\"",
            "hours = \"월-토 16:00-10:00\"",
        )
        .replace("hours = \"always\"", "hours = \"주중 아침\"");
    let dir = dialogs(&[("kb/small.toml", SMALL_KB), ("routing.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    let line = line_with(&report, "16:00-10:00");
    assert!(line.contains("not after"), "{line}");
    let at = line_of(&broken, "hours = \"월-토");
    assert!(line.contains(&format!("routing.toml:{at}:9:")), "{line}");
    line_with(&report, "hours \"주중 아침\"");
}

#[test]
fn unknown_regions_in_routing_rules_are_reported() {
    let broken = ROUTING.replace("region = \"부산\"", "region = \"부싼\"");
    let dir = dialogs(&[("kb/small.toml", SMALL_KB), ("routing.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    let line = line_with(&report, "unknown region `부싼`");
    let at = line_of(&broken, "region = ");
    assert!(line.contains(&format!("routing.toml:{at}:10:")), "{line}");
}

#[test]
fn bad_and_duplicate_holidays_are_reported() {
    let broken = HOLIDAYS.replace(
        "{ date = 2026-02-17, name = \"설날\" },",
        "{ date = 2026-02-17, name = \"설날\" },\n  { date = \"2026-02-30\", name = \"없는 날\" },\n  { date = 2026-01-01, name = \"또 신정\" },",
    );
    let dir = dialogs(&[("kb/small.toml", SMALL_KB), ("holidays.toml", &broken)]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    let at = line_of(&broken, "  { date = \"2026-02-30\"");
    assert!(
        line_with(&report, "`date` must be a calendar date")
            .contains(&format!("holidays.toml:{at}:12:")),
        "{report:#?}"
    );
    let first = line_of(&broken, "  { date = 2026-01-01");
    let line = line_with(&report, "holiday 2026-01-01 is already listed at ");
    assert!(
        line.ends_with(&format!("holidays.toml:{first}:12")),
        "{line}"
    );
}

#[test]
fn a_syntax_error_in_a_routing_file_is_reported_once() {
    let dir = dialogs(&[
        ("kb/small.toml", SMALL_KB),
        ("routing.toml", "[routing\ndefault_queue = \"x\"\n"),
    ]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    let syntax: Vec<&String> = report
        .iter()
        .filter(|l| l.contains("TOML syntax"))
        .collect();
    assert_eq!(syntax.len(), 1, "{report:#?}");
    assert!(syntax[0].contains("routing.toml:1:"), "{report:#?}");
}

#[test]
fn attachment_limits_are_checked_with_their_place() {
    let dir = dialogs(&[
        ("kb/small.toml", SMALL_KB),
        (
            "attachments.toml",
            "[attachments]\nmax_size_mb = 0\nkinds = [\"photo\", \"fax\"]\n",
        ),
    ]);
    let (code, report) = check(&dir);
    assert_eq!(code, 1, "{report:#?}");
    assert!(
        line_with(&report, "max_size_mb").contains("attachments.toml:2:"),
        "{report:#?}"
    );
    let kind = line_with(&report, "`fax`");
    assert!(
        kind.contains("attachments.toml:3:") && kind.contains("photo, document"),
        "{kind}"
    );
    let good = dialogs(&[
        ("kb/small.toml", SMALL_KB),
        (
            "attachments.toml",
            "[attachments]\nmax_size_mb = 10\nkinds = [\"photo\", \"document\"]\n",
        ),
    ]);
    let (code, report) = check(&good);
    assert_eq!(code, 0, "{report:#?}");
}
