//! The `tickets` command: its subcommands and the filters of `list` and
//! `export`, running them on the desk, and how tickets are printed (the
//! table, CSV, JSON lines, one ticket with its history).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Subcommand;

use crate::desk::{show_time, Desk, NewTicket, TicketFilter, TicketStatus};

#[derive(Debug, Subcommand)]
pub enum TicketAction {
    /// List tickets, newest first.
    ///
    /// One line per ticket: code, status, queue, company, region, category,
    /// when it was opened (Korea time), consultant and the start of the
    /// description, separated by tabs. The filters combine: every one given
    /// must hold.
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many tickets (the newest).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(i64).range(1..))]
        limit: i64,
        /// One JSON object per line, with every field of the ticket.
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        /// CSV (RFC 4180) with a header row: the table's columns, the whole
        /// description.
        #[arg(long)]
        csv: bool,
    },
    /// Write tickets with their whole history as JSON lines (an admin export).
    ///
    /// One line per ticket, newest first: the ticket's fields (code, status,
    /// queue, company, region, category, description, contact,
    /// business_number, requester_chat, consultant_name, rating, created_at,
    /// claimed_at, resolved_at, closed_at, …), then "events" (the event log:
    /// at, actor, kind, detail) and "messages" (the transcript: at, author —
    /// sme, consultant, bot or note —, consultant_name, body), each in the
    /// order they happened. Times are UTC, RFC 3339.
    ///
    /// Personal data (contacts, business numbers, what SMEs wrote) is written
    /// as stored: keep the file as safe as the database. Takes the filters of
    /// `tickets list`; without --limit, every ticket that matches.
    Export {
        #[command(flatten)]
        filter: FilterArgs,
        /// At most this many tickets (the newest).
        #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
        limit: Option<i64>,
        /// Write to this file (replaced) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Show a ticket with its event log and transcript.
    Show {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// Open a ticket, as the intake dialog does.
    Open {
        #[arg(long)]
        company: String,
        /// One of the 17 시·도 (서울, 부산, …, 제주).
        #[arg(long)]
        region: String,
        /// 기술, 자금, 판로·마케팅, 수출, 인력, 창업 or 기타.
        #[arg(long)]
        category: String,
        /// What the problem is.
        #[arg(long)]
        description: String,
        /// A phone number or email.
        #[arg(long)]
        contact: String,
        /// 사업자등록번호 (checked by its check digit).
        #[arg(long)]
        business_number: Option<String>,
        /// The SME's chat id, where replies go.
        #[arg(long, default_value_t = 0)]
        chat: i64,
    },
    /// Claim a ticket: the named one, or the next of your queues.
    Claim {
        /// The consultant's messenger id.
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        code: Option<String>,
    },
    /// Move a ticket to another queue.
    Transfer {
        code: String,
        queue: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Resolve a ticket you hold; the summary goes to the SME.
    Resolve {
        code: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(long)]
        summary: String,
    },
    /// Reopen a resolved or closed ticket.
    Reopen {
        code: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Write to the SME of a ticket you hold.
    Reply {
        code: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Leave an internal note (the SME never sees it).
    Note {
        code: String,
        #[arg(long = "as", value_name = "MESSENGER_ID")]
        consultant: i64,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Record the SME's 1–5 follow-up rating (1–2 reopens the ticket).
    Rate {
        code: String,
        #[arg(allow_negative_numbers = true)]
        score: i64,
        /// The SME's chat id (only they may rate their ticket).
        #[arg(long, default_value_t = 0)]
        chat: i64,
    },
}

/// The filters of `tickets list` and `tickets export`.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only tickets in this status: open, claimed, resolved or closed.
    #[arg(long)]
    status: Option<String>,
    /// Only tickets in this queue (an id of dialogs/routing.toml).
    #[arg(long)]
    queue: Option<String>,
    /// Only tickets of this consultant (who holds the ticket, or held it when
    /// it was resolved): their messenger id or name.
    #[arg(long, value_name = "ID_OR_NAME")]
    consultant: Option<String>,
    /// Only tickets opened on or after this day (Korea time).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    from: Option<NaiveDate>,
    /// Only tickets opened on or before this day, the whole day (Korea time).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_day)]
    to: Option<NaiveDate>,
    /// Only tickets where every one of these words (any case) is in the
    /// company, the code, the description or the transcript. Quote several
    /// words: --search "대출 연장".
    #[arg(long, value_name = "WORDS")]
    search: Vec<String>,
}

impl FilterArgs {
    /// What clap cannot check alone: a range that ends before it starts.
    fn check_values(&self) -> Result<(), String> {
        match (self.from, self.to) {
            (Some(from), Some(to)) if from > to => Err(format!(
                "--from {from} is after --to {to}: the range would be empty"
            )),
            _ => Ok(()),
        }
    }

    fn filter(self, limit: Option<i64>) -> Result<TicketFilter> {
        let status = match self.status {
            Some(status) => Some(
                status
                    .trim()
                    .parse::<TicketStatus>()
                    .map_err(anyhow::Error::msg)?,
            ),
            None => None,
        };
        Ok(TicketFilter {
            status,
            queue: self.queue,
            requester_chat: None,
            consultant: self.consultant,
            created_from: self.from,
            created_to: self.to,
            search: self.search,
            limit,
        })
    }
}

/// A day as `YYYY-MM-DD`, strictly (e.g. 2026-03-09).
fn parse_day(text: &str) -> Result<NaiveDate, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err("expected a date as YYYY-MM-DD, e.g. 2026-03-09".to_string());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| "no such day in the calendar (YYYY-MM-DD, e.g. 2026-03-09)".to_string())
}

impl TicketAction {
    /// What clap cannot check alone: the subcommand's name and what is
    /// wrong, for clap's error.
    pub fn check_values(&self) -> Result<(), (&'static str, String)> {
        match self {
            TicketAction::List { filter, .. } => filter.check_values().map_err(|e| ("list", e)),
            TicketAction::Export { filter, .. } => filter.check_values().map_err(|e| ("export", e)),
            _ => Ok(()),
        }
    }
}

pub(super) async fn tickets(desk: &Desk, action: TicketAction) -> Result<ExitCode> {
    match action {
        TicketAction::List {
            filter,
            limit,
            json,
            csv,
        } => {
            let tickets = desk.list(&filter.filter(Some(limit))?).await?;
            let format = if json {
                ListFormat::Json
            } else if csv {
                ListFormat::Csv
            } else {
                ListFormat::Table
            };
            print_list(&tickets, format)?;
        }
        TicketAction::Export { filter, limit, out } => {
            let details = desk.details(&filter.filter(limit)?).await?;
            export(&details, out.as_deref())?;
        }
        TicketAction::Show { code, json } => print_detail(&desk.show(&code).await?, json)?,
        change => change_ticket(desk, change).await?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The `tickets` subcommands that change a ticket: each prints what it did.
async fn change_ticket(desk: &Desk, action: TicketAction) -> Result<()> {
    match action {
        TicketAction::List { .. } | TicketAction::Show { .. } | TicketAction::Export { .. } => {}
        TicketAction::Open {
            company,
            region,
            category,
            description,
            contact,
            business_number,
            chat,
        } => {
            let t = desk
                .open_ticket(NewTicket {
                    requester_chat: chat,
                    company,
                    region,
                    category,
                    description,
                    contact,
                    business_number,
                })
                .await?;
            println!("접수되었습니다: {} (대기열 {})", t.code, t.queue);
        }
        TicketAction::Claim { consultant, code } => claim(desk, consultant, code).await?,
        TicketAction::Transfer {
            code,
            queue,
            consultant,
            reason,
        } => {
            let t = desk.transfer(consultant, &code, &queue, &reason).await?;
            println!("{} 건을 '{}' 대기열로 이관했습니다.", t.code, t.queue);
        }
        TicketAction::Resolve {
            code,
            consultant,
            summary,
        } => {
            let t = desk.resolve(consultant, &code, &summary).await?;
            println!("{} 건을 해결 처리했습니다.", t.code);
        }
        TicketAction::Reopen {
            code,
            consultant,
            reason,
        } => {
            let t = desk.reopen(consultant, &code, &reason).await?;
            println!("{} 건을 다시 열었습니다.", t.code);
        }
        TicketAction::Reply {
            code,
            consultant,
            text,
        } => {
            let t = desk.reply(consultant, &code, &text.join(" ")).await?;
            println!("{} 건의 SME에게 보냈습니다.", t.code);
        }
        TicketAction::Note {
            code,
            consultant,
            text,
        } => {
            desk.note(consultant, &code, &text.join(" ")).await?;
            println!("{code} 건에 메모를 남겼습니다.");
        }
        TicketAction::Rate { code, score, chat } => {
            let t = desk.rate(chat, &code, score).await?;
            let what = if t.status == TicketStatus::Open {
                "다시 열었습니다"
            } else {
                "종료했습니다"
            };
            println!("{} 건 만족도 {score}점: {what}", t.code);
        }
    }
    Ok(())
}

/// `tickets claim`: the ticket named, or the next one waiting.
async fn claim(desk: &Desk, consultant: i64, code: Option<String>) -> Result<()> {
    let claimed = match code {
        Some(code) => Some(desk.claim(consultant, &code).await?),
        None => desk.claim_next(consultant).await?,
    };
    match claimed {
        Some(t) => println!(
            "{} 건을 담당합니다 ({} · {})",
            t.code, t.company, t.category
        ),
        None => println!("대기열에 기다리는 접수 건이 없습니다."),
    }
    Ok(())
}

/// How `tickets list` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListFormat {
    Table,
    Json,
    Csv,
}

/// The columns of `tickets list`, as the CSV header names them.
const LIST_COLUMNS: [&str; 9] = [
    "code",
    "status",
    "queue",
    "company",
    "region",
    "category",
    "created_at",
    "consultant",
    "description",
];

/// The values of a ticket's row in [`LIST_COLUMNS`] order: the status in
/// Korean and the time in Korea, as the table shows them.
fn list_row(t: &crate::desk::Ticket) -> [String; 9] {
    [
        t.code.clone(),
        t.status.label().to_string(),
        t.queue.clone(),
        t.company.clone(),
        t.region.clone(),
        t.category.clone(),
        show_time(t.created_at),
        t.consultant_name.clone().unwrap_or_default(),
        t.description.clone(),
    ]
}

/// The start of a text on one line, for the table: whitespace runs (tabs
/// and newlines included) become one space, and long texts are cut.
fn one_line(text: &str, at_most: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= at_most {
        return flat;
    }
    let mut cut: String = flat.chars().take(at_most).collect();
    cut.push('…');
    cut
}

/// A CSV field (RFC 4180): quoted when it holds a quote, a comma or a line
/// break, with quotes doubled.
fn csv_field(value: &str) -> String {
    if value.contains(['"', ',', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A CSV record, ended by CRLF.
fn csv_record<S: AsRef<str>>(fields: &[S]) -> String {
    let fields: Vec<String> = fields.iter().map(|f| csv_field(f.as_ref())).collect();
    format!("{}\r\n", fields.join(","))
}

/// `tickets list`: one line (or JSON object, or CSV record) per ticket.
fn print_list(tickets: &[crate::desk::Ticket], format: ListFormat) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if format == ListFormat::Csv {
        out.write_all(csv_record(&LIST_COLUMNS).as_bytes())?;
    }
    for t in tickets {
        match format {
            ListFormat::Json => writeln!(out, "{}", serde_json::to_string(&t)?)?,
            ListFormat::Csv => out.write_all(csv_record(&list_row(t)).as_bytes())?,
            ListFormat::Table => {
                let mut row = list_row(t);
                if row[7].is_empty() {
                    row[7] = "-".to_string();
                }
                row[8] = one_line(&row[8], 40);
                for field in &mut row[..8] {
                    *field = one_line(field, usize::MAX);
                }
                writeln!(out, "{}", row.join("\t"))?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// One line of `tickets export`.
#[derive(serde::Serialize)]
struct ExportLine<'a> {
    #[serde(flatten)]
    ticket: &'a crate::desk::Ticket,
    events: &'a [crate::desk::tickets::Event],
    messages: &'a [crate::desk::tickets::Message],
}

/// `tickets export`: one JSON line per ticket, to `out` or standard output.
fn export(details: &[crate::desk::TicketDetail], out: Option<&std::path::Path>) -> Result<()> {
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    for d in details {
        let line = ExportLine {
            ticket: &d.ticket,
            events: &d.events,
            messages: &d.messages,
        };
        serde_json::to_writer(&mut sink, &line)?;
        sink.write_all(b"\n")?;
    }
    sink.flush()?;
    if let Some(path) = out {
        eprintln!("{} tickets written to {}", details.len(), path.display());
    }
    Ok(())
}

/// `label` followed by spaces to `width` columns (a Hangul syllable takes two).
fn pad(label: &str, width: usize) -> String {
    let used: usize = label
        .chars()
        .map(|c| if c.is_ascii() { 1 } else { 2 })
        .sum();
    format!("{label}{}", " ".repeat(width.saturating_sub(used)))
}

/// `tickets show`: a ticket with its event log and transcript.
fn print_detail(detail: &crate::desk::TicketDetail, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(detail)?);
        return Ok(());
    }
    let t = &detail.ticket;
    println!("접수번호  {}", t.code);
    println!("상태      {}", t.status.label());
    println!("대기열    {}", t.queue);
    println!("회사      {}", t.company);
    println!("지역/분야 {} / {}", t.region, t.category);
    println!("연락처    {}", t.contact);
    if let Some(number) = &t.business_number {
        println!("사업자    {number}");
    }
    for d in t.extra_details() {
        println!("{}  {}", pad(&d.label, 8), d.value);
    }
    if let Some(name) = &t.consultant_name {
        println!("담당      {name}");
    }
    if let Some(rating) = t.rating {
        println!("만족도    {rating}점");
    }
    println!("접수 시각 {}", show_time(t.created_at));
    println!("\n내용:\n{}", t.description);
    println!("\n이력:");
    for e in &detail.events {
        println!(
            "  {}  {:<12} {:<28} {}",
            show_time(e.at),
            e.kind,
            e.actor,
            e.detail
        );
    }
    println!("\n대화:");
    for m in &detail.messages {
        let who = match m.author.as_str() {
            "sme" => "SME".to_string(),
            "note" => format!("메모·{}", m.consultant_name.as_deref().unwrap_or("")),
            "consultant" => m.consultant_name.clone().unwrap_or_default(),
            other => other.to_string(),
        };
        let said = match &m.attachment {
            Some(attachment) => crate::texts::defaults().attachment_line(attachment, &m.body),
            None => m.body.clone(),
        };
        println!("  {}  [{who}] {said}", show_time(m.at));
    }
    Ok(())
}
