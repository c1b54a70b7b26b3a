//! `onestop test`: an admin runs labeled questions against a knowledge base
//! and sees the misses, the figures and the exit code a script can rely on.

use std::process::Output;

use crate::common::{dialogs, path_str, run, stderr, stdout, SMALL_KB};

fn labeled(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, bytes).unwrap();
    file
}

/// `onestop test` on the labeled `lines` against the small knowledge base:
/// what it wrote and exited with, and the labeled file's path (which its
/// messages name).
fn test_on_small_kb(lines: &str) -> (Output, String) {
    test_file_on_small_kb(lines.as_bytes())
}

/// The same for a file of these bytes, whatever their encoding.
fn test_file_on_small_kb(bytes: &[u8]) -> (Output, String) {
    let dir = dialogs(&[("kb/small.toml", SMALL_KB)]);
    let file = labeled(bytes);
    let path = path_str(file.path()).to_string();
    let output = run(&["test", "--kb", path_str(dir.path()), &path], "");
    (output, path)
}

#[test]
fn a_run_reports_misses_with_what_won_and_the_figures() {
    // The third line is labeled wrongly on purpose: the oven question is
    // asked, the fishing entry is expected.
    let (output, _) = test_on_small_kb(
        "# oven and fish\n\
         빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\n\
         오징어 냉동해서 수출하는데 운송비 지원돼요?\tfishing-boat-export\n\
         제과점 오븐 새로 살 때 보조금 받나요\tfishing-boat-export\n\
         \n\
         비자 연장 어떻게 해요\tfallback\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(
        report.contains("line 4: 제과점 오븐 새로 살 때 보조금 받나요"),
        "{report}"
    );
    assert!(report.contains("expected fishing-boat-export"), "{report}");
    assert!(
        report.contains("answered bakery-grant (동네빵집 오븐 교체 지원)")
            || report.contains("suggested bakery-grant (동네빵집 오븐 교체 지원) first"),
        "{report}"
    );
    assert!(
        report.contains("the bot was sure: if the label is a slip, correct it; if not, add the question to the example questions of `fishing-boat-export`"),
        "a confident wrong answer says how to mend it: {report}"
    );
    assert!(
        !report.contains("line 2:"),
        "a right answer is no miss: {report}"
    );
    assert!(report.contains("covered questions: 3"), "{report}");
    assert!(report.contains("top-1 0.667 (2)"), "{report}");
    assert!(report.contains("questions labeled fallback: 1"), "{report}");
    assert!(
        report.contains("fishing-boat-export → bakery-grant"),
        "the confused pair is listed: {report}"
    );
}

#[test]
fn a_question_ranked_right_but_left_to_a_consultant_says_how_to_mend_it() {
    let (output, _) = test_on_small_kb("오징어 보내는 거\tfishing-boat-export\n");
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(
        report.contains("the bot fell back (best: fishing-boat-export (수산물 수출 물류비 지원)); the expected entry ranked 1"),
        "{report}"
    );
    assert!(
        report.contains("  the right entry came first, but the bot was not sure of it: add the question to the example questions of `fishing-boat-export`"),
        "{report}"
    );
}

#[test]
fn min_accuracy_fails_the_run_below_it_and_passes_at_it() {
    let dir = dialogs(&[("kb/small.toml", SMALL_KB)]);
    let file = labeled(
        "빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\n\
         제과점 오븐 새로 살 때 보조금 받나요\tfishing-boat-export\n"
            .as_bytes(),
    );
    let kb = path_str(dir.path());
    let path = path_str(file.path());
    let below = run(&["test", "--kb", kb, path, "--min-accuracy", "0.9"], "");
    assert_eq!(below.status.code(), Some(1), "{}", stdout(&below));
    assert!(
        stderr(&below).contains("below --min-accuracy"),
        "{}",
        stderr(&below)
    );
    let at = run(&["test", "--kb", kb, path, "--min-accuracy", "0.5"], "");
    assert_eq!(at.status.code(), Some(0), "{}", stderr(&at));
    // As people write shares: 50% is 0.5, 90% is 0.9.
    let at = run(&["test", "--kb", kb, path, "--min-accuracy", "50%"], "");
    assert_eq!(at.status.code(), Some(0), "{}", stderr(&at));
    let below = run(&["test", "--kb", kb, path, "--min-accuracy", "90%"], "");
    assert_eq!(below.status.code(), Some(1), "{}", stderr(&below));
    let nonsense = run(&["test", "--kb", kb, path, "--min-accuracy", "90"], "");
    assert_eq!(nonsense.status.code(), Some(2));
    assert!(
        stderr(&nonsense).contains("between 0 and 1"),
        "{}",
        stderr(&nonsense)
    );
}

#[test]
fn a_malformed_file_names_each_bad_line_and_runs_nothing() {
    let (output, path) = test_on_small_kb(
        "빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\n\
         탭이 없는 줄\n\
         오븐 지원 얼마\tno-such-entry\n\
         오븐 교체 지원\tbakery-grant|no-such-grant\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(errors.contains(&format!("{path}:2: ")), "{errors}");
    assert!(
        errors.contains(&format!("{path}:3: `no-such-entry`")),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "{path}:4: `no-such-grant` in `bakery-grant|no-such-grant`"
        )),
        "the unknown one of several ids is named: {errors}"
    );
    assert!(
        stdout(&output).is_empty(),
        "nothing is run: {}",
        stdout(&output)
    );
}

#[test]
fn an_admins_slips_are_named_with_what_was_meant() {
    // Saved by a spreadsheet: a byte-order mark before the comment and
    // Windows line ends; `Fallback` capitalized; an id misspelt; a label
    // set off by spaces, another by a comma.
    let (output, path) = test_on_small_kb(
        "\u{feff}# 관리자가 만든 파일\r\n\
         빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\r\n\
         오늘 날씨 어때요\tFallback\r\n\
         오징어 수출 운송비 지원\tfishing-boat-exprot\r\n\
         제과점 오븐 보조금    bakery-grant\r\n\
         오징어 수출 지원,fishing-boat-export\r\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains(&format!(
            "{path}:4: `fishing-boat-exprot` is neither an entry id of this knowledge base nor `fallback` (did you mean `fishing-boat-export`?)"
        )),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "{path}:5: found no tab: separate the question from `bakery-grant` with a tab"
        )),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "{path}:6: found no tab: separate the question from `fishing-boat-export` with a tab, not a comma"
        )),
        "{errors}"
    );
    assert_eq!(
        errors.lines().count(),
        4,
        "only those three lines: {errors}"
    );

    // Mended, the same file runs: the mark, the comment and `Fallback` were fine.
    let (output, _) = test_on_small_kb(
        "\u{feff}# 관리자가 만든 파일\r\n\
         빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\r\n\
         오늘 날씨 어때요\tFallback\r\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("questions labeled fallback: 1"), "{report}");
}

#[test]
fn what_a_korean_spreadsheet_saves_is_read_as_meant() {
    // Excel on Korean Windows saves "Unicode text" as UTF-16 and "text (tab
    // delimited)" as CP949, quotes a field it thinks needs it, and admins
    // write 없음 for "nothing should answer" and join ids with commas.
    let lines = "# 3월 질문\r\n\
                 \"빵집 오븐 교체하는데 지원금 있나요\"\t\"bakery-grant\"\r\n\
                 오징어 냉동해서 수출하는데 운송비 지원돼요?\tbakery-grant, fishing-boat-export,\r\n\
                 비자 연장 어떻게 해요\t없음\r\n";
    let utf16: Vec<u8> = format!("\u{feff}{lines}")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let (cp949, _, unmappable) = encoding_rs::EUC_KR.encode(lines);
    assert!(!unmappable);
    for (encoding, bytes) in [("UTF-16", &utf16[..]), ("CP949", &cp949[..])] {
        let (output, _) = test_file_on_small_kb(bytes);
        assert!(output.status.success(), "{encoding}: {}", stderr(&output));
        let report = stdout(&output);
        assert!(
            report.contains("covered questions: 2"),
            "{encoding}: {report}"
        );
        assert!(report.contains("top-1 1.000 (2)"), "{encoding}: {report}");
        assert!(
            report.contains("questions labeled fallback: 1"),
            "{encoding}: {report}"
        );
    }

    // Bytes that are no text at all, and a label that is no id and no
    // fallback after a good first line, are told so; nothing runs.
    let (output, path) = test_file_on_small_kb(&[0x80, 0xff, 0x00, 0xc8, b'\t', b'a']);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(&format!(
            "{path}: not a text file in UTF-8, UTF-16 or CP949: save it as text (UTF-8)"
        )),
        "{}",
        stderr(&output)
    );
    // Nor is an entry's title: the error names its id.
    let (output, path) = test_on_small_kb(
        "빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\n\
         비자 연장 어떻게 해요\t모름\n\
         제과점 오븐 보조금\t동네빵집 오븐 교체 지원\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains(&format!(
            "{path}:2: `모름` is neither an entry id of this knowledge base nor `fallback` (label a question nothing should answer `fallback`)"
        )),
        "{errors}"
    );
    assert!(
        errors.contains(&format!(
            "{path}:3: `동네빵집 오븐 교체 지원` is the title of an entry: label the question with its id, `bakery-grant`"
        )),
        "{errors}"
    );
}

#[test]
fn a_question_labeled_two_ways_is_named_with_both_lines() {
    let (output, path) = test_on_small_kb(
        "빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\n\
         오징어 수출 운송비 지원\tfishing-boat-export|bakery-grant\n\
         빵집  오븐 교체하는데 지원금 있나요\tfallback\n\
         오징어 수출 운송비 지원\tbakery-grant|fishing-boat-export\n\
         빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\n",
    );
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let errors = stderr(&output);
    assert!(
        errors.contains(&format!(
            "{path}:3: this question is labeled `bakery-grant` on line 1, `fallback` here: keep the right one"
        )),
        "{errors}"
    );
    assert_eq!(
        errors.lines().count(),
        2,
        "the same label twice, in any order, is no contradiction: {errors}"
    );
}

#[test]
fn column_titles_on_the_first_line_are_named_as_such() {
    let (output, path) = test_on_small_kb(
        "질문\t정답\n\
         빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\n\
         제과점 오븐 보조금\tno-such-grant\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains(&format!(
            "{path}:1: `정답` is neither an entry id of this knowledge base nor `fallback` (if this line holds column titles, remove it or start it with #)"
        )),
        "{errors}"
    );
    assert!(
        errors.contains(&format!("{path}:3: `no-such-grant` is neither"))
            && !errors
                .lines()
                .nth(1)
                .unwrap_or("")
                .contains("column titles"),
        "only the first line can be titles: {errors}"
    );
}

#[test]
fn other_answer_thresholds_show_what_they_would_answer() {
    // The knowledge base's own threshold is among them, marked, with the
    // run's own figures; a lower threshold answers at least as much.
    let dir = dialogs(&[
        ("kb/small.toml", SMALL_KB),
        (
            "bot.toml",
            "[matching]\nanswer_threshold = 0.42\nsuggest_threshold = 0.3\n",
        ),
    ]);
    let file = labeled(
        "빵집 오븐 교체하는데 지원금 있나요\tbakery-grant\n\
         오븐 지원금 얼마까지 나와요\toven-grant-amount\n\
         냉동 오징어 수출 물류비\tfishing-boat-export\n\
         제과점 장비 바꾸고 싶어요\tbakery-grant\n\
         빵집 지원\tbakery-grant\n\
         빵 맛있게 굽는 법\tfallback\n\
         오븐\tfallback\n"
            .as_bytes(),
    );
    let output = run(
        &["test", "--kb", path_str(dir.path()), path_str(file.path())],
        "",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout(&output);
    let lines: Vec<&str> = report
        .lines()
        .skip_while(|l| !l.starts_with("at other answer thresholds"))
        .skip(1)
        .collect();
    let thresholds: Vec<&str> = lines
        .iter()
        .map(|l| l.trim().split(':').next().unwrap())
        .collect();
    assert_eq!(
        thresholds,
        ["0.42", "0.80", "0.85", "0.90", "0.95"],
        "{report}"
    );
    let now = lines[0];
    assert!(now.ends_with("← now"), "{report}");
    let answered = report
        .lines()
        .find(|l| l.trim_start().starts_with("answered right"))
        .unwrap();
    let right = answered.split(',').next().unwrap().trim();
    assert!(now.contains(right), "{now} against {answered}");
    let wrong = report
        .lines()
        .find_map(|l| l.strip_prefix("confident wrong answers: "))
        .unwrap();
    assert!(
        now.ends_with(&format!("confident wrong answers {wrong}  ← now")),
        "{now} against {wrong}"
    );
    let counts: Vec<usize> = lines
        .iter()
        .map(|l| {
            let open = l.find('(').unwrap();
            let close = l.find(')').unwrap();
            l[open + 1..close].parse().unwrap()
        })
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]) && counts[0] > counts[counts.len() - 1],
        "{report}"
    );
}

#[test]
fn a_cell_with_line_breaks_is_one_question_counted_from_its_first_line() {
    // A spreadsheet saves a cell with line breaks, or with quotes in it,
    // in double quotes; the line after it is still line 3.
    let (output, path) = test_on_small_kb(
        "\"빵집 오븐\n교체하는데 지원금 있나요\"\tbakery-grant\n\
         \"\"\"동네빵집\"\" 오븐 지원금\"\tno-such-grant\n",
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains(&format!("{path}:3: `no-such-grant`")) && !errors.contains(":1:"),
        "{errors}"
    );
    let (output, _) = test_on_small_kb(
        "\"빵집 오븐\r\n교체하는데 지원금 있나요\"\tbakery-grant\r\n\
         \"\"\"동네빵집\"\" 오븐 지원금\"\tbakery-grant\r\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("covered questions: 2"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn ids_written_loosely_are_read_as_the_ids_meant() {
    // A capital a spreadsheet put in, and several ids set off by a slash
    // or by spaces alone.
    let (output, _) = test_on_small_kb(
        "빵집 오븐 교체하는데 지원금 있나요\tBakery-Grant\n\
         오븐 지원금 얼마까지 나와요\tbakery-grant / oven-grant-amount\n\
         제과점 오븐 보조금 한도\toven-grant-amount bakery-grant\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("covered questions: 3"), "{report}");
    // Words that are not all ids are still no ids.
    let (output, path) = test_on_small_kb("빵집 오븐 교체 지원금\tbakery-grant 빵집\n");
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains(&format!("{path}:1: `bakery-grant 빵집` is neither")),
        "{}",
        stderr(&output)
    );
}

#[test]
fn questions_written_without_labels_get_one_message_saying_what_to_add() {
    let questions: String = (1..=30)
        .map(|n| format!("빵집 오븐 {n}대 바꾸면 지원돼요\n"))
        .collect();
    let (output, path) = test_on_small_kb(&questions);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains(&format!(
            "{path}: no line has a label: after each question write a tab"
        )) && errors.contains(&format!("`onestop match < {path}`")),
        "{errors}"
    );
    assert_eq!(
        errors.lines().count(),
        2,
        "one message and the count, not one per line: {errors}"
    );
}

#[test]
fn a_file_with_many_bad_lines_names_the_first_ones_and_counts_the_rest() {
    let lines: String = (1..=30)
        .map(|n| format!("빵집 오븐 {n}대 바꾸면 지원돼요\tno-such-grant\n"))
        .collect();
    let (output, path) = test_on_small_kb(&lines);
    assert_eq!(output.status.code(), Some(2));
    let errors = stderr(&output);
    assert!(
        errors.contains(&format!("{path}:20: `no-such-grant`")),
        "{errors}"
    );
    assert!(!errors.contains(&format!("{path}:21:")), "{errors}");
    assert!(errors.contains("… and 10 more"), "{errors}");
    assert!(
        errors.contains(&format!("{path}: 30 problem(s); nothing was run")),
        "{errors}"
    );
}

#[test]
fn a_question_several_entries_answer_is_right_with_any_of_them() {
    let (output, _) = test_on_small_kb(
        "빵집 오븐 교체하는데 지원금 있나요\tfishing-boat-export|bakery-grant\n\
         제과점 오븐 새로 살 때 보조금 받나요\tfishing-boat-export\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(report.contains("top-1 0.500 (1)"), "{report}");
    assert!(!report.contains("line 1:"), "no miss: {report}");
    assert!(report.contains("line 2:"), "{report}");
}

#[test]
fn the_projects_own_labeled_files_run_as_written() {
    // tests/data writes `id<TAB>question`; the command reads that order too.
    let output = run(
        &[
            "test",
            "tests/data/holdout.tsv",
            "--min-accuracy",
            "0.9",
            "--json",
        ],
        "",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let covered = report["covered"].as_u64().unwrap();
    assert!(covered > 50, "{report}");
    assert!(report["top1"].as_u64().unwrap() as f64 >= 0.9 * covered as f64);
    // covered.tsv has questions any of several entries answer (`a|b`).
    let output = run(&["test", "tests/data/covered.tsv", "--json"], "");
    assert!(output.status.success(), "{}", stderr(&output));
}
