//! The command line: `chat`, `ask`, `match`, `check`, `analyze`, `texts`,
//! and the desk's `consultant`, `tickets`, `stats` and `worker` (in `desk`).

mod desk;
mod serve;

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use serde::Serialize;

use crate::app::Dialogs;
use crate::desk::Routing;
use crate::kb::{self, render, KnowledgeBase};
use crate::texts::Texts;
use desk::{ConsultantAction, DbArgs, DeskCommand, PaceArgs, ServeArgs, TicketAction};

/// onestop: the Korean SME one-stop help desk.
///
/// Without --kb, every command uses the knowledge base built into the binary
/// (the dialogs/ folder it was built from).
#[derive(Debug, Parser)]
#[command(name = "onestop", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Args)]
struct KbArgs {
    /// A dialogs/ folder to use instead of the built-in knowledge base.
    #[arg(long, value_name = "DIR", env = "ONESTOP_KB")]
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
        #[command(flatten)]
        kb: KbArgs,
        #[command(flatten)]
        db: DbArgs,
        /// Start as the console consultant instead of an SME.
        #[arg(long)]
        consultant: bool,
    },
    /// Print what the bot would reply to one question.
    Ask {
        #[command(flatten)]
        kb: KbArgs,
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
    ///  "results": [{"id": "...", "kind": "program|faq", "score": 0.0}]}.
    Match {
        #[command(flatten)]
        kb: KbArgs,
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
        /// The folder to check.
        #[arg(default_value = "dialogs")]
        dir: PathBuf,
    },
    /// Show how a text is analyzed: morphemes and search terms.
    Analyze {
        #[command(flatten)]
        kb: KbArgs,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Print the bot's texts, with the built-in defaults for what is not set.
    Texts {
        #[command(flatten)]
        kb: KbArgs,
    },
    /// Run the bot on Telegram until SIGTERM or Ctrl-C (SIGHUP reloads dialogs/).
    ///
    /// Needs TELOXIDE_TOKEN; TELOXIDE_API_URL points it at another Bot API
    /// server. Long polling by default, --webhook-listen for a webhook.
    Serve {
        #[command(flatten)]
        kb: KbArgs,
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Register, list and deactivate consultants.
    Consultant {
        #[command(flatten)]
        kb: KbArgs,
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: ConsultantAction,
    },
    /// Open, list, show and work tickets from the command line.
    Tickets {
        #[command(flatten)]
        kb: KbArgs,
        #[command(flatten)]
        db: DbArgs,
        #[command(subcommand)]
        action: TicketAction,
    },
    /// Open tickets per queue, time to claim and resolve, satisfaction, and
    /// the questions the knowledge base could not answer.
    Stats {
        #[command(flatten)]
        kb: KbArgs,
        #[command(flatten)]
        db: DbArgs,
        /// How many unanswered questions to list.
        #[arg(long, default_value_t = 10)]
        top: i64,
        #[arg(long)]
        json: bool,
    },
    /// Run the desk's background work until stopped: announce new tickets to
    /// consultants, run SLA and follow-up jobs, and deliver the outbox.
    Worker {
        #[command(flatten)]
        kb: KbArgs,
        #[command(flatten)]
        db: DbArgs,
        /// Where messages go: `stdout`, or a file of JSON lines (`jsonl:PATH`
        /// or just PATH). Deliveries to a file are idempotent by outbox id.
        #[arg(long, default_value = "stdout")]
        deliver: String,
        #[command(flatten)]
        pace: PaceArgs,
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
    score: f64,
}

/// Runs the command line; returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,sqlx_core::pool=error")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    match execute(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("onestop: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command) -> Result<ExitCode> {
    match command {
        Command::Chat { kb, db, consultant } => {
            return desk::chat(&db, kb.dialogs()?, consultant);
        }
        Command::Ask {
            kb,
            explain,
            question,
        } => {
            let Dialogs { kb, texts, .. } = kb.dialogs()?;
            let question = question.join(" ");
            let result = kb.find(&question);
            println!("{}", render::reply(&kb, &texts, &result).body);
            if explain {
                println!("\n[{}]", result.outcome.as_str());
                for scored in result.ranked.iter().take(5) {
                    let entry = kb.entry(scored.entry);
                    println!("{:.3}  {}  {}", scored.score, entry.id(), entry.title());
                }
            }
        }
        Command::Match { kb, top, json } => match_questions(&kb.load()?, top, json)?,
        Command::Check { dir } => return check(&dir),
        Command::Serve { kb, db, serve } => return serve::run(kb, db, serve),
        Command::Consultant { kb, db, action } => {
            return desk::execute(&db, kb.desk()?, DeskCommand::Consultant(action));
        }
        Command::Tickets { kb, db, action } => {
            return desk::execute(&db, kb.desk()?, DeskCommand::Tickets(action));
        }
        Command::Stats { kb, db, top, json } => {
            return desk::execute(&db, kb.desk()?, DeskCommand::Stats { top, json });
        }
        Command::Worker {
            kb,
            db,
            deliver,
            pace,
        } => {
            let pace = pace.sender_config();
            return desk::execute(&db, kb.desk()?, DeskCommand::Worker { deliver, pace });
        }
        Command::Analyze { kb, text } => analyze(&kb.load()?, &text.join(" ")),
        Command::Texts { kb } => {
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
            for warning in &flows.warnings {
                println!("{}: warning: {}", warning.location, warning.message);
            }
            println!(
                "{}: ok ({} files, {} programs, {} FAQs, {} synonym groups, {} queues, {} routes, {} flows)",
                dir.display(),
                sources.len(),
                kb.programs.len(),
                kb.faqs.len(),
                kb.synonyms.len(),
                routing.queues.len(),
                routing.rules.len(),
                flows.flows.len()
            );
            if !flows.warnings.is_empty() {
                eprintln!("{}: {} warning(s)", dir.display(), flows.warnings.len());
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
