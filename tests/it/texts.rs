//! The bot's texts as admins see them: an override in `[texts]` of a
//! `dialogs/` folder is what SMEs read (a sentence of the desk and one of
//! the dialog), a reload puts new words in place, `onestop texts` lists
//! every key with its default, and `onestop check` refuses a placeholder
//! the key does not have.

use std::path::Path;

use onestop::app::{App, Dialogs};
use onestop::desk::NewTicket;
use onestop::dialog::Input;

use crate::common::pg::TestDb;
use crate::common::{dialogs, path_str, run, run_with_db, stderr, stdout, SMALL_KB};

/// The default `dialogs/` with `extra` added as `texts.toml`.
fn default_dialogs_with(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("dialogs"),
        dir.path(),
    );
    std::fs::write(dir.path().join("texts.toml"), extra).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

const OVERRIDES: &str = r#"
[texts]
sme_ticket_received = "접수 완료! 번호는 {code}, 맡은 곳은 {queue}이에요."
sme_cancelled = "알겠어요, 없던 일로 할게요."
"#;

#[test]
fn an_sme_reads_the_words_an_admin_wrote() {
    let db = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(TestDb::new());
    let dir = default_dialogs_with(OVERRIDES);
    let lines = [
        "/start",
        "3", // 애로사항 접수
        "한빛정밀",
        "취소",
        "/start",
        "3",
        "한빛정밀",
        "부산",
        "자금",
        "운전자금 대출 연장이 막혔어요",
        "010-1234-5678",
        "건너뛰기",
        "1", // 예
    ];
    let mut input = lines.join("\n");
    input.push('\n');
    let output = run_with_db(&db, &["chat", "--kb", path_str(dir.path())], &input);
    assert!(output.status.success(), "{}", stderr(&output));
    let transcript = stdout(&output);
    for expected in [
        "알겠어요, 없던 일로 할게요.",
        "접수 완료! 번호는 2026-000001, 맡은 곳은 ",
    ] {
        assert!(
            transcript.contains(expected),
            "missing {expected:?} in:\n{transcript}"
        );
    }
    for replaced in [
        "애로사항이 접수되었습니다",
        "입력하신 내용은 저장하지 않았어요",
    ] {
        assert!(
            !transcript.contains(replaced),
            "{replaced:?} was overridden, yet it is in:\n{transcript}"
        );
    }
}

/// The bodies sent to `chat`, oldest first.
async fn sent_to(db: &TestDb, chat: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT body FROM outbox WHERE chat_id = $1 ORDER BY id")
        .bind(chat)
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

fn intake(chat: i64) -> NewTicket {
    NewTicket {
        requester_chat: chat,
        company: "가온식품".into(),
        region: "전남".into(),
        category: "판로·마케팅".into(),
        description: "온라인 판로를 찾고 있어요".into(),
        contact: "010-2222-3333".into(),
        business_number: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_puts_new_words_in_the_desk_and_the_dialog() {
    let db = TestDb::new().await;
    let first = default_dialogs_with(OVERRIDES);
    let app = App::new(Dialogs::load(Some(first.path())).unwrap(), db.pool.clone());
    app.desk.open_ticket(intake(7)).await.unwrap();

    let second = default_dialogs_with(
        "[texts]\nsme_ticket_received = \"{code} 건 잘 받았습니다.\"\n\
         sme_nothing_to_cancel = \"취소할 일이 없어요.\"\n",
    );
    app.reload(Dialogs::load(Some(second.path())).unwrap());
    app.desk.open_ticket(intake(7)).await.unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    app.engine()
        .handle(&mut tx, 7, &Input::Text("/cancel".into()))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let sent = sent_to(&db, 7).await;
    assert_eq!(sent.len(), 3, "{sent:#?}");
    assert!(
        sent[0].starts_with("접수 완료! 번호는 2026-000001, 맡은 곳은 "),
        "{sent:#?}"
    );
    assert!(
        sent[1].starts_with("2026-000002 건 잘 받았습니다."),
        "{sent:#?}"
    );
    assert_eq!(sent[2], "취소할 일이 없어요.");
}

#[test]
fn onestop_texts_lists_every_key_with_its_default_or_its_override() {
    let output = run(&["texts"], "");
    assert!(output.status.success(), "{}", stderr(&output));
    let listed = stdout(&output);
    for line in [
        "sme_ticket_received = \"애로사항이 접수되었습니다.\\n접수번호: {code}\\n담당 기관: {queue}\\n",
        "consultant_queue_empty = \"대기 중인 접수가 없어요.\"",
        "refusal_already_claimed = \"{code} 건은 이미 {consultant} 상담원이 담당하고 있습니다\"",
        "greeting = \"안녕하세요!",
    ] {
        assert!(
            listed.lines().any(|l| l.starts_with(line)),
            "no line starting with {line:?} in:\n{listed}"
        );
    }

    let dir = default_dialogs_with(OVERRIDES);
    let output = run(&["texts", "--kb", path_str(dir.path())], "");
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output)
        .contains("sme_ticket_received = \"접수 완료! 번호는 {code}, 맡은 곳은 {queue}이에요.\""));
}

#[test]
fn check_refuses_a_placeholder_the_key_does_not_have() {
    let dir = dialogs(&[
        ("kb/a.toml", SMALL_KB),
        (
            "texts.toml",
            "[texts]\nsme_ticket_received = \"접수번호 {cod}\"\nsme_cancelled = \"취소했어요, {name}님\"\nsme_rated = \"{code} 건을 종료해요\"\n",
        ),
    ]);
    let output = run(&["check", path_str(dir.path())], "");
    assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
    let report = stdout(&output);
    let line = |needle: &str| {
        report
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{report}"))
            .to_string()
    };
    let received = line("`sme_ticket_received`");
    assert!(received.contains("texts.toml:2:23"), "{received}");
    assert!(received.contains("`{cod}`"), "{received}");
    assert!(received.contains("{code}, {queue}"), "{received}");
    let cancelled = line("`sme_cancelled`");
    assert!(cancelled.contains("texts.toml:3:17"), "{cancelled}");
    assert!(cancelled.contains("`{name}`"), "{cancelled}");
    assert!(
        !report.contains("sme_rated"),
        "a known placeholder is fine:\n{report}"
    );
}
