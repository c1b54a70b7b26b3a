//! The command line: `chat`, `ask`, `match`, `test`, `check`, `analyze`, `texts`,
//! and the desk's `consultant`, `tickets`, `stats` and `worker` (in `desk`).

mod desk;
mod observe;
pub mod regression;
mod serve;
mod tickets;
mod web;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use serde::Serialize;

use crate::app::Dialogs;
use crate::desk::Routing;
use crate::kb::{self, render, KnowledgeBase};
use crate::texts::Texts;
use desk::{ConsultantAction, DbArgs, DeskCommand, PaceArgs, ServeArgs};
use observe::ObserveArgs;
use tickets::TicketAction;

/// onestop: the Korean SME one-stop help desk.
///
/// Without --kb, every command uses the knowledge base built into the binary
/// (the dialogs/ folder it was built from). The global options may come
/// before or after the command: `onestop --data-dir D tickets list` and
/// `onestop tickets list --data-dir D` are the same.
#[derive(Debug, Parser)]
#[command(name = "onestop", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    kb: KbArgs,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    pace: PaceArgs,
    #[command(flatten)]
    observe: ObserveArgs,
    #[command(subcommand)]
    command: Command,
}

/// Which dialogs/ folder: every command but `check`, which takes it as its
/// default folder.
#[derive(Debug, Clone, clap::Args)]
struct KbArgs {
    /// A dialogs/ folder to use instead of the built-in knowledge base.
    #[arg(
        long,
        value_name = "DIR",
        env = "ONESTOP_KB",
        global = true,
        help_heading = "Global options"
    )]
    kb: Option<PathBuf>,
}

impl KbArgs {
    fn load(&self) -> Result<KnowledgeBase> {
        match &self.kb {
            Some(dir) => KnowledgeBase::load_dir(dir),
            None => KnowledgeBase::embedded(),
        }
    }

    fn routing(&self) -> Result<Routing> {
        match &self.kb {
            Some(dir) => Routing::load_dir(dir),
            None => Routing::embedded(),
        }
    }

    /// What the desk commands need: the routing and the bot's texts (the
    /// desk's notices speak them), without building the knowledge base.
    /// `onestop texts` prints the same texts.
    fn desk(&self) -> Result<(Routing, Texts)> {
        let (place, sources) = match &self.kb {
            Some(dir) => (dir.display().to_string(), crate::source::read_dir(dir)?),
            None => (
                "the built-in dialogs".to_string(),
                crate::source::embedded_sources(),
            ),
        };
        let texts = crate::texts::load(&sources)
            .map_err(|diags| anyhow::anyhow!("{place} has {} error(s):\n{diags}", diags.len()))?;
        Ok((self.routing()?, texts))
    }

    /// The knowledge base, routing and flows, from one reading of the folder.
    fn dialogs(&self) -> Result<Dialogs> {
        Dialogs::load(self.kb.as_deref())
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Talk with the bot in the terminal (type /quit to leave).
    ///
    /// The whole bot on the embedded defaults: questions, menus, intake,
    /// tickets. Without DATABASE_URL it keeps its data in a private
    /// PostgreSQL under --data-dir. Type /consultant to work the tickets as a
    /// consultant, /sme to go back.
    Chat {
        /// Start as the console consultant instead of an SME.
        #[arg(long)]
        consultant: bool,
    },
    /// Print what the bot would reply to one question.
    Ask {
        /// Show the ranked entries and their scores too.
        #[arg(long)]
        explain: bool,
        /// The question, e.g. "창업지원금 어떻게 신청해요?"
        #[arg(required = true, num_args = 1..)]
        question: Vec<String>,
    },
    /// Match questions read from standard input, one per line.
    ///
    /// Writes one line per question, in input order, as soon as it is matched.
    /// With --json each line is
    /// {"query": "...", "outcome": "answer|suggest|fallback",
    ///  "results": [{"id": "...", "kind": "program|faq|referral", "score": 0.0,
    ///  "confidence": 0.0}]}: the ranking score, and the estimated probability
    ///  (0 to 1) that the entry is the one asked about, which the outcome is
    ///  decided on.
    Match {
        /// How many ranked entries to write per question.
        #[arg(long, default_value_t = 5, value_name = "K")]
        top: usize,
        /// Write JSON lines instead of tab-separated text.
        #[arg(long)]
        json: bool,
    },
    /// Validate a dialogs/ folder and report every problem with its place.
    ///
    /// Exits with 1 if there is any error, 0 otherwise.
    Check {
        /// The folder to check [default: the --kb folder, else dialogs]
        dir: Option<PathBuf>,
    },
    /// Run labeled questions against the knowledge base and report how it did.
    ///
    /// FILE holds one `question<TAB>expected` per line, where expected is an
    /// entry id, several joined by `|` when any of them is right, or
    /// `fallback`. Prints every miss with what won instead, top-1
    /// and top-3, answered right and wrong, fallbacks, and the entries that
    /// take each other's questions. Exits 1 when top-1 is below
    /// --min-accuracy, 2 when FILE cannot be read or a line is malformed.
    Test {
        /// The labeled questions.
        file: PathBuf,
        /// Fail (exit 1) when top-1 over the covered questions is below this
        /// share, e.g. 0.9 (or 90%).
        #[arg(long, value_name = "SHARE", value_parser = parse_share)]
        min_accuracy: Option<f64>,
        /// Write the figures and misses as JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show how a text is analyzed: morphemes and search terms.
    Analyze {
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Print the bot's texts, with the built-in defaults for what is not set.
    Texts,
    /// Run the bot on Telegram until SIGTERM or Ctrl-C (SIGHUP reloads dialogs/).
    ///
    /// Needs TELOXIDE_TOKEN; TELOXIDE_API_URL points it at another Bot API
    /// server. Long polling by default, --webhook-listen for a webhook.
    Serve {
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Register, list and deactivate consultants.
    Consultant {
        #[command(subcommand)]
        action: ConsultantAction,
    },
    /// Who may sign in to the supervisor's page (`--http-listen`).
    Supervisor {
        #[command(subcommand)]
        action: web::SupervisorAction,
    },
    /// Open, list, show and work tickets from the command line.
    Tickets {
        #[command(subcommand)]
        action: TicketAction,
    },
    /// Open tickets per queue, time to claim and resolve, satisfaction, and
    /// the questions the knowledge base could not answer.
    ///
    /// With --from, --to, --queue or --consultant: the figures of the tickets
    /// opened in a range of days (the last 30 by default), per day, per queue
    /// and per consultant, as the supervisor's Trends page shows them.
    Stats {
        /// How many unanswered questions to list.
        #[arg(long, default_value_t = 10)]
        top: i64,
        #[arg(long)]
        json: bool,
        /// The first day of the range (Korea time), e.g. 2026-03-01.
        #[arg(long, value_name = "DAY")]
        from: Option<chrono::NaiveDate>,
        /// The last day of the range, whole (Korea time) [default: today].
        #[arg(long, value_name = "DAY")]
        to: Option<chrono::NaiveDate>,
        /// Only the tickets of this queue.
        #[arg(long)]
        queue: Option<String>,
        /// Only the tickets of this consultant (messenger id or name).
        #[arg(long)]
        consultant: Option<String>,
    },
    /// Run the desk's background work until stopped: announce new tickets to
    /// consultants, run SLA and follow-up jobs, and deliver the outbox.
    Worker {
        /// Where messages go: `stdout`, or a file of JSON lines (`jsonl:PATH`
        /// or just PATH). Deliveries to a file are idempotent by outbox id.
        /// Only messages to chats addressed to JSON lines go there, never a
        /// Telegram chat's (`serve` delivers those).
        #[arg(long, default_value = "stdout")]
        deliver: String,
    },
}

#[derive(Serialize)]
struct MatchLine<'a> {
    query: &'a str,
    outcome: &'static str,
    results: Vec<MatchEntry<'a>>,
}

#[derive(Serialize)]
struct MatchEntry<'a> {
    id: &'a str,
    kind: &'static str,
    /// What the entries are ranked by.
    score: f64,
    /// The estimated probability that it is the entry asked about.
    confidence: f64,
}

/// The command line as clap reads it, with the global options each
/// command does not use left out of its help (they are still accepted, as
/// global options are).
fn command() -> clap::Command {
    let mut cli = Cli::command();
    cli.build();
    let db = ["database_url", "data_dir"];
    // The pace of delivery and the HTTP endpoints: serve and worker only.
    let serving = ["per_second", "per_chat_ms", "max_retry_wait", "http_listen"];
    for sub in cli.get_subcommands_mut() {
        let unused: Vec<&str> = match sub.get_name() {
            "serve" | "worker" => Vec::new(),
            "chat" | "consultant" | "tickets" | "stats" | "supervisor" => serving.to_vec(),
            _ => db.iter().chain(&serving).copied().collect(),
        };
        hide_in_help(sub, &unused);
    }
    cli
}

/// Hides the options `ids` in the help of `command` and its subcommands.
fn hide_in_help(command: &mut clap::Command, ids: &[&str]) {
    // In place: after `build`, moving an option would break clap's index.
    *command = std::mem::take(command).mut_args(|a| {
        let hide = a.is_hide_set() || ids.iter().any(|id| a.get_id() == id);
        a.hide(hide)
    });
    for sub in command.get_subcommands_mut() {
        hide_in_help(sub, ids);
    }
}

/// Runs the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    if let Err(refused) = cli.command.check_values() {
        refused.exit();
    }
    observe::init_logs(cli.observe.log_format);
    match execute(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("onestop: {error:#}");
            ExitCode::FAILURE
        }
    }
}

impl Command {
    /// What clap cannot check alone (a date range that ends before it
    /// starts), refused the way clap refuses: on standard error, exit 2.
    fn check_values(&self) -> Result<(), clap::Error> {
        match self {
            Command::Tickets { action } => action.check_values().map_err(|(name, said)| {
                let mut cli = command();
                let kind = clap::error::ErrorKind::ValueValidation;
                match cli
                    .find_subcommand_mut("tickets")
                    .and_then(|tickets| tickets.find_subcommand_mut(name))
                {
                    Some(command) => command.error(kind, said),
                    None => cli.error(kind, said),
                }
            }),
            _ => Ok(()),
        }
    }
}

fn execute(cli: Cli) -> Result<ExitCode> {
    let Cli {
        kb,
        db,
        pace,
        observe,
        command,
    } = cli;
    match command {
        Command::Chat { consultant } => {
            return desk::chat(&db, kb.dialogs()?, consultant);
        }
        Command::Ask { explain, question } => {
            let Dialogs { kb, texts, .. } = kb.dialogs()?;
            let question = question.join(" ");
            let result = kb.find(&question);
            println!("{}", render::reply(&kb, &texts, &result).body);
            if explain {
                println!("\n[{}]", result.outcome.as_str());
                for scored in result.ranked.iter().take(5) {
                    let entry = kb.entry(scored.entry);
                    println!(
                        "{:.3}  {:.2}  {}  {}",
                        scored.score,
                        scored.confidence,
                        entry.id(),
                        entry.title()
                    );
                }
            }
        }
        Command::Match { top, json } => match_questions(&kb.load()?, top, json)?,
        Command::Check { dir } => {
            let dir = dir.or(kb.kb).unwrap_or_else(|| PathBuf::from("dialogs"));
            return check(&dir);
        }
        Command::Serve { serve } => return serve::run(kb, db, pace, observe, serve),
        Command::Consultant { action } => {
            return desk::execute(&db, kb.desk()?, DeskCommand::Consultant(action));
        }
        Command::Tickets { action } => {
            return desk::execute(&db, kb.desk()?, DeskCommand::Tickets(action));
        }
        Command::Stats {
            top,
            json,
            from,
            to,
            queue,
            consultant,
        } => {
            let range = (from.is_some() || to.is_some() || queue.is_some() || consultant.is_some())
                .then(|| {
                    let mut range = crate::desk::trends::TrendFilter::last_days(30);
                    if let Some(to) = to {
                        range.to = to;
                        range.from = to - chrono::Duration::days(29);
                    }
                    range.from = from.unwrap_or(range.from);
                    range.queue = queue;
                    range.consultant = consultant;
                    range
                });
            let command = DeskCommand::Stats { top, json, range };
            return desk::execute(&db, kb.desk()?, command);
        }
        Command::Supervisor { action } => return web::supervisor(&db, action),
        Command::Worker { deliver } => {
            let pace = pace.sender_config();
            let http = match observe.http_listen {
                Some(listen) => Some((listen, std::sync::Arc::new(kb.load()?))),
                None => None,
            };
            let command = DeskCommand::Worker {
                deliver,
                pace,
                http,
            };
            return desk::execute(&db, kb.desk()?, command);
        }
        Command::Test {
            file,
            min_accuracy,
            json,
        } => return regression::execute(&kb.load()?, &file, min_accuracy, json),
        Command::Analyze { text } => analyze(&kb.load()?, &text.join(" ")),
        Command::Texts => {
            for (key, value) in kb.desk()?.1.iter() {
                println!("{key} = {value:?}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `onestop match`: one line per question read from standard input.
fn match_questions(kb: &KnowledgeBase, top: usize, json: bool) -> Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.context("reading questions from standard input")?;
        let query = line.trim_end_matches('\r');
        let result = kb.find(query);
        let results: Vec<MatchEntry<'_>> = result
            .ranked
            .iter()
            .take(top)
            .map(|s| {
                let entry = kb.entry(s.entry);
                MatchEntry {
                    id: entry.id(),
                    kind: entry.kind(),
                    score: (s.score as f64 * 10_000.0).round() / 10_000.0,
                    confidence: (s.confidence as f64 * 10_000.0).round() / 10_000.0,
                }
            })
            .collect();
        if json {
            let line = MatchLine {
                query,
                outcome: result.outcome.as_str(),
                results,
            };
            serde_json::to_writer(&mut out, &line)?;
            writeln!(out)?;
        } else {
            let ids: Vec<String> = results
                .iter()
                .map(|r| format!("{}:{:.3}", r.id, r.score))
                .collect();
            writeln!(
                out,
                "{}\t{}\t{}",
                query,
                result.outcome.as_str(),
                ids.join(" ")
            )?;
        }
        out.flush()?;
    }
    Ok(())
}

/// `onestop check DIR`: every problem of a dialogs/ folder, or "ok" with
/// counts after the warnings (`file:line:column: warning: …`), which do not
/// fail it.
fn check(dir: &std::path::Path) -> Result<ExitCode> {
    let sources = kb::read_dir(dir)?;
    Ok(match Dialogs::from_sources(&sources) {
        Ok(Dialogs {
            kb, routing, flows, ..
        }) => {
            let mut warnings: Vec<&kb::Diagnostic> =
                kb.warnings.iter().chain(&flows.warnings).collect();
            warnings.sort();
            for warning in &warnings {
                println!("{}: warning: {}", warning.location, warning.message);
            }
            println!(
                "{}: ok ({} files, {} programs, {} FAQs, {} referrals, {} synonym groups, {} queues, {} routes, {} flows)",
                dir.display(),
                sources.len(),
                kb.programs.len(),
                kb.faqs.len(),
                kb.referrals.len(),
                kb.synonyms.len(),
                routing.queues.len(),
                routing.rules.len(),
                flows.flows.len()
            );
            if !warnings.is_empty() {
                eprintln!("{}: {} warning(s)", dir.display(), warnings.len());
            }
            ExitCode::SUCCESS
        }
        Err(diags) => {
            print!("{diags}");
            eprintln!("{}: {} error(s)", dir.display(), diags.len());
            ExitCode::FAILURE
        }
    })
}

/// A share between 0 and 1, for `--min-accuracy`.
fn parse_share(text: &str) -> Result<f64, String> {
    // 90% is 0.9, as people write shares.
    let parsed = match text.trim().strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().map(|p| p / 100.0),
        None => text.trim().parse::<f64>(),
    };
    match parsed {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!(
            "`{text}` is not a share between 0 and 1 (e.g. 0.9, or 90%)"
        )),
    }
}

/// `onestop analyze`: the morphemes and search terms of a text.
fn analyze(kb: &KnowledgeBase, text: &str) {
    let analyzer = kb.analyzer();
    println!("normalized: {}", crate::nlu::normalize(text));
    let morphemes: Vec<String> = analyzer
        .morphemes(text)
        .into_iter()
        .map(|(surface, tag)| format!("{surface}/{tag}"))
        .collect();
    println!("morphemes:  {}", morphemes.join("  "));
    let terms: Vec<String> = analyzer
        .analyze(text)
        .terms
        .iter()
        .map(|t| format!("{}({:?})", t.text, t.kind))
        .collect();
    println!("terms:      {}", terms.join(" "));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Cli {
        let args = std::iter::once("onestop").chain(args.iter().copied());
        let matches = command().try_get_matches_from(args).unwrap();
        Cli::from_arg_matches(&matches).unwrap()
    }

    #[test]
    fn the_command_line_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn global_options_read_the_same_before_between_and_after_the_command() {
        let spellings: [&[&str]; 3] = [
            &[
                "--data-dir",
                "D",
                "--kb",
                "K",
                "--per-second",
                "7",
                "tickets",
                "list",
            ],
            &[
                "tickets",
                "--data-dir",
                "D",
                "--kb",
                "K",
                "--per-second",
                "7",
                "list",
            ],
            &[
                "tickets",
                "list",
                "--data-dir",
                "D",
                "--kb",
                "K",
                "--per-second",
                "7",
            ],
        ];
        for args in spellings {
            let cli = parse(args);
            assert_eq!(cli.db.data_dir, PathBuf::from("D"), "{args:?}");
            assert_eq!(cli.kb.kb, Some(PathBuf::from("K")), "{args:?}");
            assert_eq!(cli.pace.per_second, 7, "{args:?}");
            assert!(matches!(
                cli.command,
                Command::Tickets {
                    action: TicketAction::List { .. }
                }
            ));
        }
        let cli = parse(&[
            "tickets",
            "show",
            "2026-000001",
            "--database-url",
            "postgres://x",
        ]);
        assert_eq!(cli.db.database_url.as_deref(), Some("postgres://x"));
        let cli = parse(&["check", "--kb", "K"]);
        assert!(matches!(cli.command, Command::Check { dir: None }));
    }
}
