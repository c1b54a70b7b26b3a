//! Reading routing from parsed `dialogs/` documents: the `[routing]`,
//! `[[queue]]`, `[[route]]` and `[holidays]` tables of every file, then the
//! checks across files (one `[routing]`, unique queues, rules that name a
//! queue and do not repeat a condition, holidays listed once).

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDate;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{BusinessHours, Calendar, Queue, Routing, Rule, Sla};
use crate::source::diagnostic::{closest, Diagnostics, Location};
use crate::source::toml::{Fields, Located, Reader};
use crate::source::{Document, TopLevel};
use crate::vocabulary::{region_short_name, NATIONWIDE};

/// The top-level tables routing reads.
pub const TABLES: &[&str] = &["routing", "queue", "route", "holidays"];

const ROUTING_KEYS: &[&str] = &[
    "default_queue",
    "supervisor_queue",
    "escalate_after",
    "lease",
    "followup_after",
    "close_unrated_after",
];
const QUEUE_KEYS: &[&str] = &["id", "name", "hours"];
const ROUTE_KEYS: &[&str] = &["category", "region", "queue"];
const HOLIDAYS_KEYS: &[&str] = &["dates"];
const HOLIDAY_KEYS: &[&str] = &["date", "name"];

/// Every routing table of `documents`, checked across files.
pub(super) fn read(documents: &[Document<'_>], diags: &mut Diagnostics) -> Routing {
    let mut found = Found::default();
    for document in documents {
        read_document(document, &mut found, diags);
    }
    build(found, diags)
}

/// Reads a duration: humantime's `30m`, `2h`, `3d`, `1h 30m`, or Korean
/// units: `30분`, `2시간`, `3일`, `1시간 30분`, `1주`. Zero is rejected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let example = "write e.g. \"30m\", \"2h\", \"3d\" (or 30분, 2시간, 3일)";
    let mut english = String::new();
    let mut rest = text.trim();
    while let Some(c) = rest.chars().next() {
        let unit = [
            ("시간", "h "),
            ("분", "min "),
            ("초", "s "),
            ("일", "d "),
            ("주", "w "),
        ]
        .into_iter()
        .find(|(korean, _)| rest.starts_with(korean));
        match unit {
            Some((korean, unit)) => {
                english.push_str(unit);
                rest = &rest[korean.len()..];
            }
            None => {
                english.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    match humantime::parse_duration(english.trim()) {
        Ok(d) if d.is_zero() => Err(format!("duration \"{text}\" must be longer than zero")),
        Ok(d) => Ok(d),
        Err(_) => Err(format!("bad duration \"{text}\"; {example}")),
    }
}

/// What the files say, with places, before cross-checking.
#[derive(Default)]
struct Found {
    /// Every `[routing]` table: (place, settings).
    settings: Vec<(Location, Settings)>,
    queues: Vec<(Queue, Location)>,
    /// (rule, place of the rule, place of its `queue` value)
    rules: Vec<(Rule, Location, Location)>,
    holidays: Vec<(NaiveDate, Location)>,
    /// The first `[routing]`, `[[queue]]` or `[[route]]` table seen.
    first_table: Option<Location>,
}

#[derive(Default)]
struct Settings {
    default_queue: Option<Located<String>>,
    supervisor_queue: Option<Located<String>>,
    sla: Sla,
}

/// The routing tables of one document.
fn read_document(document: &Document<'_>, found: &mut Found, diags: &mut Diagnostics) {
    let mut reader = Reader {
        lines: &document.lines,
        diags,
    };
    for TopLevel { name, at, value } in document.entries(TABLES) {
        if matches!(name, "routing" | "queue" | "route") && found.first_table.is_none() {
            found.first_table = Some(at.clone());
        }
        match name {
            "routing" => {
                if let Some(table) = reader.table(name, value) {
                    let settings = read_settings(&mut reader, table);
                    found.settings.push((at, settings));
                }
            }
            "queue" => {
                for table in reader.array_of_tables(name, value) {
                    if let Some(queue) = read_queue(&mut reader, table) {
                        found.queues.push(queue);
                    }
                }
            }
            "route" => {
                for table in reader.array_of_tables(name, value) {
                    if let Some(rule) = read_rule(&mut reader, table) {
                        found.rules.push(rule);
                    }
                }
            }
            "holidays" => {
                if let Some(table) = reader.table(name, value) {
                    read_holidays(&mut reader, table, &mut found.holidays);
                }
            }
            _ => {}
        }
    }
}

/// A string value and where it was written.
fn located_string(
    f: &mut Fields<'_, '_, '_, '_, '_>,
    key: &str,
    required: bool,
) -> Option<Located<String>> {
    let value = f.string(key, required)?;
    let at = f.get(key).map_or(f.span.start, |v| v.span().start);
    Some(Located {
        value,
        location: f.reader.lines.location(at),
    })
}

fn read_settings(reader: &mut Reader<'_, '_>, table: Spanned<&DeTable<'_>>) -> Settings {
    let mut f = Fields::new(reader, table, "[routing]");
    let mut settings = Settings {
        default_queue: located_string(&mut f, "default_queue", true),
        supervisor_queue: located_string(&mut f, "supervisor_queue", true),
        sla: Sla::default(),
    };
    if let Some(d) = read_duration(&mut f, "escalate_after") {
        settings.sla.escalate_after = d;
    }
    if let Some(d) = read_duration(&mut f, "lease") {
        settings.sla.lease = d;
    }
    if let Some(d) = read_duration(&mut f, "followup_after") {
        settings.sla.followup_after = d;
    }
    if let Some(d) = read_duration(&mut f, "close_unrated_after") {
        settings.sla.close_unrated_after = d;
    }
    f.finish(ROUTING_KEYS);
    settings
}

fn read_duration(f: &mut Fields<'_, '_, '_, '_, '_>, key: &str) -> Option<Duration> {
    let value = f.get(key)?;
    let at = value.span().start;
    if matches!(value.get_ref(), DeValue::Integer(_) | DeValue::Float(_)) {
        f.error(
            at,
            format!("`{key}` needs a unit, as a string: write e.g. \"30m\", \"2h\", \"3d\" (or \"30분\", \"2시간\", \"3일\")"),
        );
        return None;
    }
    let text = f.string(key, false)?;
    match parse_duration(&text) {
        Ok(d) => Some(d),
        Err(message) => {
            f.error(at, format!("`{key}`: {message}"));
            None
        }
    }
}

fn read_queue(
    reader: &mut Reader<'_, '_>,
    table: Spanned<&DeTable<'_>>,
) -> Option<(Queue, Location)> {
    let mut f = Fields::new(reader, table, "[[queue]]");
    let id = f.id();
    let location = f.location();
    let name = f.string("name", true);
    let hours = f
        .string("hours", true)
        .and_then(|text| match BusinessHours::parse(&text) {
            Ok(hours) => Some(hours),
            Err(message) => {
                let at = f.get("hours").map_or(f.span.start, |v| v.span().start);
                f.error(at, format!("`hours`: {message}"));
                None
            }
        });
    f.finish(QUEUE_KEYS);
    Some((
        Queue {
            id: id?,
            name: name?,
            hours: hours?,
        },
        location,
    ))
}

fn read_rule(
    reader: &mut Reader<'_, '_>,
    table: Spanned<&DeTable<'_>>,
) -> Option<(Rule, Location, Location)> {
    let mut f = Fields::new(reader, table, "[[route]]");
    let location = f.reader.lines.location(f.span.start);
    let mut valid = true;
    let category = if f.get("category").is_some() {
        let category = f.category();
        valid &= category.is_some();
        category
    } else {
        None
    };
    let region = match located_string(&mut f, "region", false) {
        Some(region) => match region_short_name(&region.value) {
            Some(NATIONWIDE) => None,
            Some(short) => Some(short.to_string()),
            None => {
                f.reader.diags.push(
                    region.location,
                    format!(
                        "unknown region `{}`; expected one of the 17 시·도 (서울, 부산, …, 제주), or leave `region` out for any region",
                        region.value
                    ),
                );
                valid = false;
                None
            }
        },
        None => {
            valid &= f.get("region").is_none();
            None
        }
    };
    let queue = located_string(&mut f, "queue", true);
    if valid && category.is_none() && region.is_none() {
        f.reader.diags.push(
            location.clone(),
            "a [[route]] needs `category`, `region` or both; tickets that no rule matches go to `default_queue` in [routing]",
        );
        valid = false;
    }
    f.finish(ROUTE_KEYS);
    let queue = queue?;
    valid.then_some((
        Rule {
            category,
            region,
            queue: queue.value,
        },
        location,
        queue.location,
    ))
}

fn read_holidays(
    reader: &mut Reader<'_, '_>,
    table: Spanned<&DeTable<'_>>,
    out: &mut Vec<(NaiveDate, Location)>,
) {
    let mut f = Fields::new(reader, table, "[holidays]");
    let dates = f.get("dates");
    if dates.is_none() {
        f.error(
            f.span.start,
            "[holidays] is missing required key `dates`".to_string(),
        );
    }
    f.finish(HOLIDAYS_KEYS);
    let Some(dates) = dates else { return };
    let example = "write dates = [ { date = 2026-01-01, name = \"신정\" }, … ]";
    let DeValue::Array(items) = dates.get_ref() else {
        let at = reader.lines.location(dates.span().start);
        reader
            .diags
            .push(at, format!("`dates` must be a list; {example}"));
        return;
    };
    for item in items {
        let DeValue::Table(entry) = item.get_ref() else {
            let at = reader.lines.location(item.span().start);
            reader.diags.push(
                at,
                format!("each holiday needs a date and a name; {example}"),
            );
            continue;
        };
        let mut f = Fields::new(reader, Spanned::new(item.span(), entry), "a holiday");
        let name = f.string("name", true);
        let date = match f.get("date") {
            None => {
                f.error(
                    f.span.start,
                    "a holiday is missing required key `date`".to_string(),
                );
                None
            }
            Some(value) => {
                let at = value.span().start;
                let date = match value.get_ref() {
                    DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => {
                        dt.date.and_then(|d| {
                            NaiveDate::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())
                        })
                    }
                    DeValue::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
                    _ => None,
                };
                if date.is_none() {
                    f.error(
                        at,
                        "`date` must be a calendar date like 2026-01-01 (no time of day)"
                            .to_string(),
                    );
                }
                date.map(|d| (d, f.reader.lines.location(at)))
            }
        };
        f.finish(HOLIDAY_KEYS);
        if let (Some(dated), Some(_)) = (date, name) {
            out.push(dated);
        }
    }
}

/// Cross-checks what the files say and builds the routing.
fn build(found: Found, diags: &mut Diagnostics) -> Routing {
    let calendar = Calendar {
        holidays: unique_holidays(found.holidays, diags),
    };
    let Some(first_table) = found.first_table else {
        return Routing {
            calendar,
            ..Routing::default()
        };
    };
    let settings = one_routing_table(found.settings, first_table, diags);
    let queues = QueueIds::unique(found.queues, diags);
    let mut default_queue = String::new();
    let mut supervisor_queue = String::new();
    let mut sla = Sla::default();
    if let Some(settings) = settings {
        if let Some(id) = &settings.default_queue {
            queues.check(diags, "`default_queue` names", id);
            default_queue = id.value.clone();
        }
        if let Some(id) = &settings.supervisor_queue {
            queues.check(diags, "`supervisor_queue` names", id);
            supervisor_queue = id.value.clone();
        }
        sla = settings.sla;
    }
    let rules = unique_rules(found.rules, &queues, diags);
    Routing {
        queues: queues.queues,
        rules,
        default_queue,
        supervisor_queue,
        sla,
        calendar,
    }
}

/// Each holiday once.
fn unique_holidays(
    found: Vec<(NaiveDate, Location)>,
    diags: &mut Diagnostics,
) -> std::collections::BTreeSet<NaiveDate> {
    let mut holidays = std::collections::BTreeSet::new();
    let mut places: HashMap<NaiveDate, Location> = HashMap::new();
    for (date, at) in found {
        if let Some(first) = places.get(&date) {
            diags.push(
                at,
                format!(
                    "holiday {} is already listed at {first}",
                    date.format("%Y-%m-%d")
                ),
            );
        } else {
            places.insert(date, at);
            holidays.insert(date);
        }
    }
    holidays
}

/// One `[routing]` in the whole folder (TOML itself rejects two in one
/// file); queues and routes need it.
fn one_routing_table(
    found: Vec<(Location, Settings)>,
    first_table: Location,
    diags: &mut Diagnostics,
) -> Option<Settings> {
    let mut settings = found.into_iter();
    match settings.next() {
        Some((first, settings_found)) => {
            for (at, _) in settings {
                diags.push(at, format!("[routing] is already given at {first}"));
            }
            Some(settings_found)
        }
        None => {
            diags.push(
                first_table,
                "[[queue]] and [[route]] need a [routing] table with `default_queue` and `supervisor_queue`",
            );
            None
        }
    }
}

/// The queues with unique ids, and where each id is defined.
struct QueueIds {
    queues: Vec<Queue>,
    places: HashMap<String, Location>,
}

impl QueueIds {
    fn unique(found: Vec<(Queue, Location)>, diags: &mut Diagnostics) -> Self {
        let mut queues: Vec<Queue> = Vec::new();
        let mut places: HashMap<String, Location> = HashMap::new();
        for (queue, at) in found {
            if let Some(first) = places.get(&queue.id) {
                diags.push(
                    at,
                    format!("duplicate queue id `{}`: already used at {first}", queue.id),
                );
            } else {
                places.insert(queue.id.clone(), at);
                queues.push(queue);
            }
        }
        Self { queues, places }
    }

    /// `id` names a queue; if not, says `what` and the closest id.
    fn check(&self, diags: &mut Diagnostics, what: &str, id: &Located<String>) {
        if self.places.contains_key(&id.value) {
            return;
        }
        let known: Vec<&str> = self.queues.iter().map(|q| q.id.as_str()).collect();
        let hint = match closest(&id.value, known.iter().copied()) {
            Some(close) => format!("; did you mean `{close}`?"),
            None if known.is_empty() => "; no [[queue]] is defined".to_string(),
            None => format!("; the queues are: {}", known.join(", ")),
        };
        diags.push(
            id.location.clone(),
            format!("{what} `{}`, which no [[queue]] has as id{hint}", id.value),
        );
    }
}

/// Rules that name a queue, each condition once.
fn unique_rules(
    found: Vec<(Rule, Location, Location)>,
    queues: &QueueIds,
    diags: &mut Diagnostics,
) -> Vec<Rule> {
    let mut rules = Vec::new();
    let mut conditions: HashMap<(Option<String>, Option<String>), Location> = HashMap::new();
    for (rule, at, queue_at) in found {
        queues.check(
            diags,
            "the rule sends tickets to",
            &Located {
                value: rule.queue.clone(),
                location: queue_at,
            },
        );
        let condition = (rule.category.clone(), rule.region.clone());
        if let Some(first) = conditions.get(&condition) {
            diags.push(
                at,
                format!(
                    "never used: the rule at {first} already routes {}",
                    rule.describe()
                ),
            );
        } else {
            conditions.insert(condition, at);
            rules.push(rule);
        }
    }
    rules
}
