//! The commands people type, parsed into types: the SME's few, and the
//! consultant's, whose help text is made from the same table the parser
//! reads, so the two cannot drift apart. A command may carry `@botname`
//! (Telegram adds it in groups); it is ignored here.

/// What an SME's `/command` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmeCommand {
    /// `/start`, `/menu`, `/help`
    Menu,
    Cancel,
    Back,
    Status,
}

impl SmeCommand {
    /// The SME's commands as the bot's menu on the messenger lists them:
    /// (name, the text key of its description).
    pub const LISTED: [(&'static str, &'static str); 5] = [
        ("start", "command_start"),
        ("menu", "command_menu"),
        ("status", "command_status"),
        ("back", "command_back"),
        ("cancel", "command_cancel"),
    ];

    /// `command` without its `/`; `None` for a command the SME side lacks.
    pub fn parse(command: &str) -> Option<SmeCommand> {
        match command_name(command) {
            "start" | "menu" | "help" => Some(SmeCommand::Menu),
            "cancel" => Some(SmeCommand::Cancel),
            "back" => Some(SmeCommand::Back),
            "status" => Some(SmeCommand::Status),
            _ => None,
        }
    }
}

/// What a consultant's `/command` asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsultantCommand {
    /// `/start`, `/help`, `/menu`
    Help,
    Queue,
    Mine,
    /// The named ticket, or the next one of the consultant's queues.
    Claim(Option<String>),
    Reply {
        code: String,
        text: String,
    },
    Note {
        code: String,
        text: String,
    },
    /// Without a queue: choose one.
    Transfer {
        code: String,
        queue: Option<String>,
        reason: String,
    },
    /// Without a summary: ask for it.
    Resolve {
        code: String,
        summary: Option<String>,
    },
    Show(String),
    Kb(String),
    Cancel,
    /// Tickets with these words (code, company, description, transcript).
    Search(String),
    /// No ticket cards until `/back`.
    Away,
    Back,
}

/// Why a consultant's command was not understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandError {
    /// A known command without what it needs (`/reply` without a text).
    Usage,
    Unknown,
}

/// The consultant's commands as the help lists them: (name, help line).
const CONSULTANT_HELP: [(&str, &str); 12] = [
    ("queue", "/queue 대기 중인 접수"),
    ("mine", "/mine 내가 맡은 접수"),
    ("claim", "/claim [접수번호] 다음 건(또는 그 건) 담당"),
    (
        "reply",
        "/reply 접수번호 내용, 또는 맡은 건에 그냥 메시지를 쓰면 SME에게 전달돼요",
    ),
    ("note", "/note 접수번호 내용 (SME에게 보이지 않는 메모)"),
    ("transfer", "/transfer 접수번호 [대기열] 다른 기관으로 이관"),
    ("resolve", "/resolve 접수번호 [해결 내용]"),
    (
        "kb",
        "/kb 질문 지식베이스 검색 (답변을 SME에게 보낼 수 있어요)",
    ),
    ("show", "/show 접수번호 접수 내용과 대화"),
    (
        "search",
        "/search 검색어 회사·접수번호·대화 내용으로 접수 찾기",
    ),
    ("away", "/away 자리 비움 (새 접수 알림을 받지 않아요)"),
    ("back", "/back 자리로 돌아왔어요 (알림을 다시 받아요)"),
];

impl ConsultantCommand {
    /// `command` without its `/`.
    pub fn parse(command: &str) -> Result<ConsultantCommand, CommandError> {
        let name = command_name(command);
        let rest = command
            .split_once(char::is_whitespace)
            .map_or("", |(_, rest)| rest.trim());
        let (first, tail) = rest
            .split_once(char::is_whitespace)
            .map_or((rest, ""), |(a, b)| (a, b.trim()));
        let (first, tail) = (first.to_string(), tail.to_string());
        let some = |text: &str| (!text.is_empty()).then(|| text.to_string());
        use ConsultantCommand as C;
        Ok(match name {
            "start" | "help" | "menu" => C::Help,
            "queue" => C::Queue,
            "mine" => C::Mine,
            "claim" => C::Claim(some(&first)),
            "cancel" => C::Cancel,
            "away" => C::Away,
            "back" => C::Back,
            _ if !CONSULTANT_HELP.iter().any(|(known, _)| *known == name) => {
                return Err(CommandError::Unknown)
            }
            "kb" if !rest.is_empty() => C::Kb(rest.to_string()),
            "search" if !rest.is_empty() => C::Search(rest.to_string()),
            _ if first.is_empty() => return Err(CommandError::Usage),
            "reply" | "note" if tail.is_empty() => return Err(CommandError::Usage),
            "reply" => C::Reply {
                code: first,
                text: tail,
            },
            "note" => C::Note {
                code: first,
                text: tail,
            },
            "transfer" => {
                let (queue, reason) = tail
                    .split_once(char::is_whitespace)
                    .map_or((tail.as_str(), ""), |(q, r)| (q, r.trim()));
                C::Transfer {
                    code: first,
                    queue: some(queue),
                    reason: reason.to_string(),
                }
            }
            "resolve" => C::Resolve {
                code: first,
                summary: some(&tail),
            },
            "show" => C::Show(first),
            _ => return Err(CommandError::Usage),
        })
    }

    /// The consultant's commands as the bot's menu on the messenger lists
    /// them: (name, description), made from the help's own table (its line
    /// without the leading `/name`), with `/help` and `/cancel` described
    /// by `help` and `cancel`.
    pub fn listed(help: &str, cancel: &str) -> Vec<(String, String)> {
        let mut listed = vec![("help".to_string(), help.to_string())];
        for (name, line) in CONSULTANT_HELP {
            let description = line
                .strip_prefix(&format!("/{name}"))
                .unwrap_or(line)
                .trim();
            let description = if description.is_empty() {
                line
            } else {
                description
            };
            listed.push((name.to_string(), description.to_string()));
        }
        listed.push(("cancel".to_string(), cancel.to_string()));
        listed
    }

    /// The consultant's menu: every command with what it does.
    pub fn help() -> String {
        let mut help = String::from("상담원 메뉴예요.");
        for (_, line) in CONSULTANT_HELP {
            help.push('\n');
            help.push_str(line);
        }
        help
    }
}

/// The command's name, without `@botname`.
fn command_name(command: &str) -> &str {
    let word = command.split_whitespace().next().unwrap_or("");
    word.split('@').next().unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consultant_commands_read_their_arguments_or_say_what_is_missing() {
        use ConsultantCommand as C;
        assert_eq!(
            C::parse("transfer 2026-000001 export-support 수출 건이에요"),
            Ok(C::Transfer {
                code: "2026-000001".into(),
                queue: Some("export-support".into()),
                reason: "수출 건이에요".into()
            })
        );
        assert_eq!(
            C::parse("resolve@onestop_bot 2026-000001"),
            Ok(C::Resolve {
                code: "2026-000001".into(),
                summary: None
            })
        );
        assert_eq!(C::parse("claim"), Ok(C::Claim(None)));
        assert_eq!(
            C::parse("kb 염수분무 시험"),
            Ok(C::Kb("염수분무 시험".into()))
        );
        assert_eq!(C::parse("reply 2026-000001"), Err(CommandError::Usage));
        assert_eq!(C::parse("show"), Err(CommandError::Usage));
        assert_eq!(C::parse("kb"), Err(CommandError::Usage));
        assert_eq!(C::parse("status"), Err(CommandError::Unknown));
    }

    #[test]
    fn the_help_lists_every_command_the_parser_knows() {
        let help = ConsultantCommand::help();
        for (name, _) in CONSULTANT_HELP {
            assert!(help.contains(&format!("/{name}")), "{name}");
            assert_ne!(
                ConsultantCommand::parse(name),
                Err(CommandError::Unknown),
                "{name}"
            );
        }
        assert_eq!(
            SmeCommand::parse("menu@onestop_bot"),
            Some(SmeCommand::Menu)
        );
    }

    #[test]
    fn the_listed_commands_are_the_ones_the_parsers_know() {
        for (name, _) in SmeCommand::LISTED {
            assert!(SmeCommand::parse(name).is_some(), "{name}");
        }
        for (name, description) in ConsultantCommand::listed("도움말", "취소") {
            assert_ne!(
                ConsultantCommand::parse(&name),
                Err(CommandError::Unknown),
                "{name}"
            );
            assert!(!description.is_empty() && !description.starts_with('/'));
        }
    }
}
