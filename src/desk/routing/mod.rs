//! Routing: which agency queue a ticket goes to (category × region, as the
//! 1379 call center does), the queues' business hours, the SLA clocks, and
//! the public holidays. Read from the `[routing]`, `[[queue]]`, `[[route]]`
//! and `[holidays]` tables of the `dialogs/` folder (by default
//! `dialogs/routing.toml` and `dialogs/holidays.toml`), validated like the
//! knowledge base: every problem at once, each with file, line and column.
//!
//! A ticket goes to the queue of the **most specific** rule that matches it:
//! a rule naming both category and region beats one naming the category
//! only, which beats one naming the region only; when none matches, to
//! `default_queue`. At most one rule of each kind can match (two rules with
//! the same condition are an error), so the order of rules does not matter.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};

pub use super::calendar::{BusinessHours, Calendar};
use crate::source::diagnostic::Diagnostics;
use crate::source::{Document, SourceFile};
use crate::vocabulary::{canonical_category, region_short_name, NATIONWIDE};

mod read;

pub use read::{parse_duration, TABLES};

/// The queue of the built-in default routing.
pub const DEFAULT_QUEUE_ID: &str = "center-1379";
const DEFAULT_QUEUE_NAME: &str = "중소기업통합콜센터 1379";

/// Where tickets go and how long they may wait.
#[derive(Debug, Clone, PartialEq)]
pub struct Routing {
    /// Every queue, in file order.
    pub queues: Vec<Queue>,
    /// Every rule, in file order.
    pub rules: Vec<Rule>,
    /// Where a ticket goes when no rule matches.
    pub default_queue: String,
    /// Where escalated tickets go.
    pub supervisor_queue: String,
    pub sla: Sla,
    /// Public holidays: weekly queues are closed on them.
    pub calendar: Calendar,
}

/// An agency's queue of tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// Lowercase letters, digits and '-'.
    pub id: String,
    /// The agency's name, shown to SMEs and consultants.
    pub name: String,
    pub hours: BusinessHours,
}

/// A routing rule: tickets of `category` (any if `None`) from `region` (any
/// if `None`; a short name such as 광주) go to `queue`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub category: Option<String>,
    pub region: Option<String>,
    pub queue: String,
}

impl Rule {
    /// 3 for category and region, 2 for category only, 1 for region only.
    fn specificity(&self) -> u8 {
        match (&self.category, &self.region) {
            (Some(_), Some(_)) => 3,
            (Some(_), None) => 2,
            (None, Some(_)) => 1,
            (None, None) => 0,
        }
    }

    fn matches(&self, category: Option<&str>, region: Option<&str>) -> bool {
        self.category.as_deref().is_none_or(|c| Some(c) == category)
            && self.region.as_deref().is_none_or(|r| Some(r) == region)
    }

    /// `수출 × 광주`, `수출 × 모든 지역`, `모든 분야 × 광주`.
    fn describe(&self) -> String {
        format!(
            "{} × {}",
            self.category.as_deref().unwrap_or("모든 분야"),
            self.region.as_deref().unwrap_or("모든 지역")
        )
    }
}

/// The clocks of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sla {
    /// Unclaimed this long (in its queue's business hours): a notice to the
    /// queue; twice this long: the ticket moves to the supervisor queue.
    pub escalate_after: Duration,
    /// A claimed ticket whose consultant has not written to the SME for this
    /// long (business hours) goes back to its queue.
    pub lease: Duration,
    /// This long (calendar time) after resolution, the SME is asked for a
    /// 1–5 rating.
    pub followup_after: Duration,
    /// This long (calendar time) after the rating is asked for, a ticket
    /// still unrated closes itself.
    pub close_unrated_after: Duration,
}

impl Default for Sla {
    /// 30 minutes, 2 hours, 3 days, 7 days.
    fn default() -> Self {
        Self {
            escalate_after: Duration::from_secs(30 * 60),
            lease: Duration::from_secs(2 * 3600),
            followup_after: Duration::from_secs(3 * 24 * 3600),
            close_unrated_after: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl Default for Routing {
    /// What a folder without routing tables gets: one queue, `center-1379`
    /// (중소기업통합콜센터 1379, 평일 09:00-18:00), which is also the default
    /// and the supervisor queue; the default SLA; no holidays.
    fn default() -> Self {
        Self {
            queues: vec![builtin_queue().clone()],
            rules: Vec::new(),
            default_queue: DEFAULT_QUEUE_ID.to_string(),
            supervisor_queue: DEFAULT_QUEUE_ID.to_string(),
            sla: Sla::default(),
            calendar: Calendar::default(),
        }
    }
}

fn builtin_queue() -> &'static Queue {
    static QUEUE: OnceLock<Queue> = OnceLock::new();
    QUEUE.get_or_init(|| Queue {
        id: DEFAULT_QUEUE_ID.to_string(),
        name: DEFAULT_QUEUE_NAME.to_string(),
        hours: BusinessHours::default(),
    })
}

impl Routing {
    /// The embedded default `dialogs/` folder's routing. It is checked by the
    /// test suite, so an error here means a broken build.
    pub fn embedded() -> Result<Routing> {
        Self::load(&crate::source::embedded_sources())
            .map_err(|diags| anyhow::anyhow!("the embedded routing has errors:\n{diags}"))
    }

    /// Loads the routing of a `dialogs/` folder on disk.
    pub fn load_dir(dir: &Path) -> Result<Routing> {
        let sources = crate::source::read_dir(dir)?;
        Self::load(&sources).map_err(|diags| {
            anyhow::anyhow!("{} has {} error(s):\n{diags}", dir.display(), diags.len())
        })
    }

    /// Reads and validates the routing tables of `sources`; every problem is
    /// reported at once. Files may also hold other parts' tables, which are
    /// left to them. Without any `[routing]`, `[[queue]]` or `[[route]]`
    /// table the result is [`Routing::default`] (with the `[holidays]`
    /// given, if any).
    pub fn load(sources: &[SourceFile]) -> Result<Routing, Diagnostics> {
        let mut diags = Diagnostics::default();
        let documents = crate::source::parse(sources, &mut diags);
        let routing = Routing::read(&documents, &mut diags);
        if diags.is_empty() {
            Ok(routing)
        } else {
            Err(diags.sorted())
        }
    }

    /// The routing of documents parsed once for every part; problems go to
    /// `diags` (the routing returned is then incomplete).
    pub fn read(documents: &[Document<'_>], diags: &mut Diagnostics) -> Routing {
        read::read(documents, diags)
    }

    /// The queue for a ticket of `category` from `region`: the most specific
    /// matching rule's, else the default queue. Categories and regions are
    /// read as in the files (판로 = 판로·마케팅, 광주광역시 = 광주); an unknown
    /// region or 전국 matches only rules without a region.
    pub fn route(&self, category: &str, region: &str) -> &Queue {
        let category = normalize_category(category);
        let region = region_short_name(region).filter(|r| *r != NATIONWIDE);
        let mut best: Option<&Rule> = None;
        for rule in &self.rules {
            if rule.matches(Some(category), region)
                && best.is_none_or(|b| rule.specificity() > b.specificity())
            {
                best = Some(rule);
            }
        }
        best.and_then(|rule| self.queue(&rule.queue))
            .unwrap_or_else(|| self.fallback_queue())
    }

    /// The queue with this id.
    pub fn queue(&self, id: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.id == id)
    }

    /// The default queue (tickets no rule matches).
    pub fn fallback_queue(&self) -> &Queue {
        self.queue(&self.default_queue)
            .or(self.queues.first())
            .unwrap_or_else(|| builtin_queue())
    }

    /// The supervisor queue (escalated tickets).
    pub fn supervisor(&self) -> &Queue {
        self.queue(&self.supervisor_queue)
            .unwrap_or_else(|| self.fallback_queue())
    }

    /// The business hours of a queue (the default queue's for an unknown id).
    pub fn hours(&self, queue_id: &str) -> &BusinessHours {
        &self
            .queue(queue_id)
            .unwrap_or_else(|| self.fallback_queue())
            .hours
    }

    /// When an unclaimed ticket that entered `queue_id` at `since` is due for
    /// a notice to its queue: `escalate_after` of the queue's open time.
    pub fn notice_due(&self, queue_id: &str, since: DateTime<Utc>) -> DateTime<Utc> {
        self.calendar
            .add_business_time(self.hours(queue_id), since, self.sla.escalate_after)
    }

    /// When an unclaimed ticket that entered `queue_id` at `since` moves to
    /// the supervisor queue: twice `escalate_after` of the queue's open time.
    pub fn supervisor_due(&self, queue_id: &str, since: DateTime<Utc>) -> DateTime<Utc> {
        self.calendar.add_business_time(
            self.hours(queue_id),
            since,
            self.sla.escalate_after.saturating_mul(2),
        )
    }

    /// When a claim on a ticket of `queue_id` whose consultant last wrote to
    /// the SME at `last_reply` lapses: `lease` of the queue's open time.
    pub fn lease_expires(&self, queue_id: &str, last_reply: DateTime<Utc>) -> DateTime<Utc> {
        self.calendar
            .add_business_time(self.hours(queue_id), last_reply, self.sla.lease)
    }

    /// When to ask for a rating after a ticket of `queue_id` is resolved:
    /// `followup_after` of calendar time, then the queue's next open moment
    /// (nobody is asked at night or on a holiday).
    pub fn followup_due(&self, queue_id: &str, resolved_at: DateTime<Utc>) -> DateTime<Utc> {
        let after = chrono::Duration::from_std(self.sla.followup_after)
            .ok()
            .and_then(|d| resolved_at.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        self.calendar.next_open(self.hours(queue_id), after)
    }

    /// When a resolved ticket whose rating was asked for at `asked_at`
    /// closes itself if still unrated: `close_unrated_after` of calendar time.
    pub fn close_unrated_due(&self, asked_at: DateTime<Utc>) -> DateTime<Utc> {
        chrono::Duration::from_std(self.sla.close_unrated_after)
            .ok()
            .and_then(|d| asked_at.checked_add_signed(d))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// A category as written, trimmed and in its canonical form.
fn normalize_category(category: &str) -> &str {
    canonical_category(category.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, Weekday};

    fn source(path: &str, text: &str) -> SourceFile {
        SourceFile {
            path: path.to_string(),
            text: text.to_string(),
        }
    }

    fn load_errors(files: &[(&str, &str)]) -> Vec<String> {
        let sources: Vec<SourceFile> = files.iter().map(|(p, t)| source(p, t)).collect();
        match Routing::load(&sources) {
            Ok(routing) => panic!("expected errors, got {routing:#?}"),
            Err(diags) => diags.0.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn error_with<'a>(errors: &'a [String], needle: &str) -> &'a str {
        errors
            .iter()
            .find(|e| e.contains(needle))
            .unwrap_or_else(|| panic!("no error with {needle:?} in {errors:#?}"))
    }

    const SMALL: &str = r#"[routing]
default_queue = "center-1379"
supervisor_queue = "supervisors"
escalate_after = "20m"

[[queue]]
id = "center-1379"
name = "콜센터"
hours = "평일 09:00-18:00"

[[queue]]
id = "supervisors"
name = "책임자"
hours = "always"

[[queue]]
id = "export"
name = "수출"
hours = "월-토 10:00-16:00"

[[route]]
category = "수출"
queue = "export"
"#;

    #[test]
    fn the_embedded_routing_routes_by_the_most_specific_rule() {
        let routing = Routing::embedded().unwrap();
        let to = |category, region| routing.route(category, region).id.as_str();
        assert_eq!(to("수출", "광주"), "gwangju-myungpum");
        assert_eq!(to("수출", "광주광역시"), "gwangju-myungpum");
        assert_eq!(to("자금", "광주"), "gwangju-myungpum");
        assert_eq!(to("수출", "부산"), "export-support");
        assert_eq!(to("자금", "부산"), "center-1379");
        assert_eq!(to("기술", "경기"), "tech-convergence");
        assert_eq!(to("수출", "경기도"), "gyeonggi-center");
        assert_eq!(to("판로", "경기"), "gyeonggi-center");
        assert_eq!(to("창업", "전국"), "innovation-centers");
        assert_eq!(to("기타", "어딘가"), "center-1379");
        assert_eq!(routing.supervisor().id, "supervisors");
        assert_eq!(routing.sla.escalate_after, Duration::from_secs(30 * 60));
        assert_eq!(routing.sla.lease, Duration::from_secs(2 * 3600));
        assert_eq!(routing.sla.followup_after, Duration::from_secs(3 * 86400));
        assert!(routing.queue("gyeonggi-textile").is_some());
        assert!(routing.calendar.holidays.len() >= 40);
    }

    #[test]
    fn the_embedded_holidays_fall_on_the_weekdays_their_comments_say() {
        // Each line of holidays.toml ends in a comment starting with the
        // weekday: check every one against the calendar, and that every
        // substitute holiday is a weekday.
        let sources = crate::source::embedded_sources();
        let file = sources
            .iter()
            .find(|s| s.path.ends_with("holidays.toml"))
            .expect("dialogs/holidays.toml is embedded");
        let names = ["월", "화", "수", "목", "금", "토", "일"];
        let mut checked = 0;
        for line in file.text.lines() {
            let Some(rest) = line.trim().strip_prefix("{ date = ") else {
                continue;
            };
            let date = NaiveDate::parse_from_str(&rest[..10], "%Y-%m-%d").unwrap();
            let comment = line.split('#').nth(1).expect("a weekday comment").trim();
            let weekday = names[date.weekday().num_days_from_monday() as usize];
            assert!(comment.starts_with(weekday), "{line}: {date} is {weekday}");
            if line.contains("name = \"대체공휴일") {
                assert!(
                    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
                    "{line}"
                );
            }
            checked += 1;
        }
        assert_eq!(
            checked,
            Routing::embedded().unwrap().calendar.holidays.len()
        );
        let calendar = Routing::embedded().unwrap().calendar;
        for day in [
            "2026-02-16",
            "2026-02-18",
            "2026-09-24",
            "2026-09-26",
            "2027-02-09",
        ] {
            let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
            assert!(calendar.is_holiday(date), "{day}");
        }
    }

    #[test]
    fn sla_deadlines_count_the_queues_open_time() {
        let routing = Routing::embedded().unwrap();
        let at = |text: &str| {
            DateTime::parse_from_str(&format!("{text} +0900"), "%Y-%m-%d %H:%M %z")
                .unwrap()
                .with_timezone(&Utc)
        };
        // Friday 2026-09-18 17:45: 15 minutes that day, then Monday
        // 2026-09-21; 추석 (24–26) is later that week.
        assert_eq!(
            routing.notice_due("center-1379", at("2026-09-18 17:45")),
            at("2026-09-21 09:15")
        );
        assert_eq!(
            routing.supervisor_due("center-1379", at("2026-09-18 17:45")),
            at("2026-09-21 09:45")
        );
        // Wednesday 2026-09-23 17:00 + 2h: 추석 Thursday to Saturday → Monday.
        assert_eq!(
            routing.lease_expires("center-1379", at("2026-09-23 17:00")),
            at("2026-09-28 10:00")
        );
        // Three calendar days later is Saturday 17:00 (추석): asked when the
        // queue opens on Monday.
        assert_eq!(
            routing.followup_due("center-1379", at("2026-09-23 17:00")),
            at("2026-09-28 09:00")
        );
    }

    #[test]
    fn a_folder_without_routing_tables_gets_the_default() {
        let routing = Routing::load(&[source("kb/a.toml", "[[faq]]\nid = \"x\"\n")]).unwrap();
        assert_eq!(routing, Routing::default());
        assert_eq!(routing.route("수출", "광주").id, "center-1379");
        assert_eq!(
            routing.route("수출", "광주").name,
            "중소기업통합콜센터 1379"
        );
        assert_eq!(routing.supervisor().id, "center-1379");
        assert_eq!(routing.queues[0].hours, BusinessHours::default());
        assert_eq!(routing.sla, Sla::default());

        // Holidays alone: the default routing with those holidays.
        let routing = Routing::load(&[source(
            "holidays.toml",
            "[holidays]\ndates = [{ date = 2026-01-01, name = \"신정\" }, { date = \"2026-02-17\", name = \"설날\" }]\n",
        )])
        .unwrap();
        assert_eq!(routing.calendar.holidays.len(), 2);
        assert_eq!(routing.queues, Routing::default().queues);
    }

    #[test]
    fn a_small_routing_loads() {
        let routing = Routing::load(&[source("routing.toml", SMALL)]).unwrap();
        assert_eq!(routing.queues.len(), 3);
        assert_eq!(routing.route("수출", "부산").id, "export");
        assert_eq!(routing.route("자금", "부산").id, "center-1379");
        assert_eq!(routing.sla.escalate_after, Duration::from_secs(20 * 60));
        assert_eq!(routing.sla.lease, Sla::default().lease);
        assert_eq!(
            routing.queue("supervisors").unwrap().hours,
            BusinessHours::Always
        );
        assert!(routing.calendar.holidays.is_empty());
    }

    #[test]
    fn unknown_queues_are_reported_where_they_are_named() {
        let broken = SMALL.replace("queue = \"export\"", "queue = \"exprot\"");
        let errors = load_errors(&[("routing.toml", &broken)]);
        let line = error_with(&errors, "`exprot`");
        assert!(line.starts_with("routing.toml:23:9: "), "{line}");
        assert!(line.contains("did you mean `export`?"), "{line}");

        let broken = SMALL.replace(
            "supervisor_queue = \"supervisors\"",
            "supervisor_queue = \"boss\"",
        );
        let errors = load_errors(&[("routing.toml", &broken)]);
        let line = error_with(&errors, "`supervisor_queue` names `boss`");
        assert!(line.starts_with("routing.toml:3:20: "), "{line}");
        assert!(
            line.contains("the queues are: center-1379, supervisors, export"),
            "{line}"
        );
    }

    #[test]
    fn duplicate_queue_ids_point_to_the_first() {
        let broken = SMALL.replace("id = \"export\"", "id = \"supervisors\"");
        let errors = load_errors(&[("routing.toml", &broken)]);
        let line = error_with(&errors, "duplicate queue id `supervisors`");
        assert!(line.starts_with("routing.toml:17:6: "), "{line}");
        assert!(
            line.ends_with("already used at routing.toml:12:6"),
            "{line}"
        );
    }

    #[test]
    fn a_rule_with_the_same_condition_as_an_earlier_one_is_never_used() {
        let more = format!(
            "{SMALL}\n[[route]]\ncategory = \"수출\"\nregion = \"광주\"\nqueue = \"export\"\n\n[[route]]\nregion = \"광주광역시\"\ncategory = \"수출\"\nqueue = \"center-1379\"\n"
        );
        let errors = load_errors(&[("routing.toml", &more)]);
        assert_eq!(errors.len(), 1, "{errors:#?}");
        let line = error_with(&errors, "never used");
        assert!(
            line.ends_with("never used: the rule at routing.toml:25:1 already routes 수출 × 광주"),
            "{line}"
        );
        assert!(line.starts_with("routing.toml:30:1: "), "{line}");
    }

    #[test]
    fn bad_values_are_reported() {
        let broken = SMALL
            .replace(
                "escalate_after = \"20m\"",
                "escalate_after = \"20 minuets\"\nlease = 2\nfollowup_after = \"0s\"",
            )
            .replace(
                "hours = \"월-토 10:00-16:00\"",
                "hours = \"월-토 16:00-10:00\"",
            )
            .replace("hours = \"always\"", "hours = \"주중 9시\"")
            .replace(
                "category = \"수출\"",
                "category = \"수출\"\nregion = \"광쥬\"",
            );
        let errors = load_errors(&[("routing.toml", &broken)]);
        assert!(
            error_with(&errors, "`escalate_after`: bad duration \"20 minuets\"")
                .starts_with("routing.toml:4:18: ")
        );
        error_with(&errors, "`lease` needs a unit");
        error_with(
            &errors,
            "`followup_after`: duration \"0s\" must be longer than zero",
        );
        assert!(error_with(&errors, "16:00-10:00").contains("not after"));
        error_with(&errors, "hours \"주중 9시\"");
        let line = error_with(&errors, "unknown region `광쥬`");
        assert!(line.starts_with("routing.toml:25:10: "), "{line}");
    }

    #[test]
    fn structural_problems_are_reported() {
        let errors = load_errors(&[
            ("a.toml", "[[queue]]\nid = \"q\"\nname = \"큐\"\nhours = \"always\"\nhuors = \"x\"\n\n[[route]]\nqueue = \"q\"\n\n[[route]]\nregion = \"전국\"\nqueue = \"q\"\n"),
            ("b.toml", "[routing]\ndefault_queue = \"q\"\nsupervisor_queue = \"q\"\n"),
            ("c.toml", "[routing]\ndefault_queue = \"q\"\nsupervisor_queue = \"q\"\nlaese = \"1h\"\n"),
            ("d.toml", "[[queue]]\nid = \"Big Queue\"\n"),
        ]);
        assert!(error_with(&errors, "unknown key `huors`").contains("did you mean `hours`?"));
        assert!(
            error_with(&errors, "[routing] is already given at b.toml:1:2")
                .starts_with("c.toml:1:2: ")
        );
        assert!(error_with(&errors, "unknown key `laese`").contains("did you mean `lease`?"));
        let neither: Vec<_> = errors
            .iter()
            .filter(|e| e.contains("needs `category`, `region` or both"))
            .collect();
        assert_eq!(neither.len(), 2, "{errors:#?}");
        error_with(&errors, "id `Big Queue` may use only");
        error_with(&errors, "[[queue]] is missing required key `name`");
        error_with(&errors, "[[queue]] is missing required key `hours`");

        let errors = load_errors(&[(
            "a.toml",
            "[[queue]]\nid = \"q\"\nname = \"큐\"\nhours = \"always\"\n",
        )]);
        assert!(error_with(&errors, "need a [routing] table").starts_with("a.toml:1:3: "));

        let errors = load_errors(&[("a.toml", "[routing]\nlease = \"1h\"\n")]);
        error_with(&errors, "[routing] is missing required key `default_queue`");
        error_with(
            &errors,
            "[routing] is missing required key `supervisor_queue`",
        );
    }

    #[test]
    fn bad_and_duplicate_holidays_are_reported() {
        let errors = load_errors(&[
            (
                "h1.toml",
                "[holidays]\ndates = [\n  { date = 2026-01-01, name = \"신정\" },\n  { date = \"2026-02-30\", name = \"없는 날\" },\n  { date = 2026-03-01T09:00:00, name = \"시각\" },\n  { date = 2026-05-05 },\n  \"2026-06-06\",\n]\n",
            ),
            ("h2.toml", "[holidays]\ndates = [{ date = 2026-01-01, name = \"신정\" }]\n"),
        ]);
        assert!(error_with(&errors, "already listed at h1.toml:3:12").starts_with("h2.toml:2:19: "));
        assert!(error_with(&errors, "`date` must be a calendar date").starts_with("h1.toml:4:12: "));
        assert!(
            errors
                .iter()
                .filter(|e| e.contains("`date` must be"))
                .count()
                == 2,
            "{errors:#?}"
        );
        error_with(&errors, "a holiday is missing required key `name`");
        error_with(&errors, "each holiday needs a date and a name");
    }

    #[test]
    fn syntax_errors_are_reported_like_the_knowledge_base_does() {
        let errors = load_errors(&[("r.toml", "[routing\n")]);
        assert!(error_with(&errors, "TOML syntax").starts_with("r.toml:1:"));
    }

    #[test]
    fn the_examples_in_the_documentation_load() {
        let docs = include_str!("../../../docs/dialogs.md");
        let start = docs.find("## Routing tickets to agencies").unwrap();
        let end = docs.find("## Dialog flows").unwrap();
        let blocks: Vec<SourceFile> = docs[start..end]
            .split("```toml\n")
            .skip(1)
            .enumerate()
            .map(|(i, block)| {
                source(
                    &format!("docs-{i}.toml"),
                    block.split("```").next().unwrap(),
                )
            })
            .collect();
        assert_eq!(blocks.len(), 2);
        let routing = Routing::load(&blocks).unwrap();
        assert_eq!(routing.route("수출", "광주").id, "gwangju-myungpum");
        assert_eq!(routing.route("수출", "부산").id, "center-1379");
        assert_eq!(routing.calendar.holidays.len(), 3);
        assert_eq!(routing.sla.escalate_after, Duration::from_secs(1800));
    }

    #[test]
    fn durations_in_english_and_korean() {
        let secs = |t: &str| parse_duration(t).map(|d| d.as_secs());
        assert_eq!(secs("30m"), Ok(1800));
        assert_eq!(secs("2h"), Ok(7200));
        assert_eq!(secs("3d"), Ok(3 * 86400));
        assert_eq!(secs("1h 30m"), Ok(5400));
        assert_eq!(secs("30분"), Ok(1800));
        assert_eq!(secs("2시간"), Ok(7200));
        assert_eq!(secs("3일"), Ok(3 * 86400));
        assert_eq!(secs("1시간 30분"), Ok(5400));
        assert_eq!(secs("1시간30분"), Ok(5400));
        assert_eq!(secs("1주"), Ok(7 * 86400));
        assert_eq!(secs("90초"), Ok(90));
        assert!(parse_duration("").is_err());
        assert!(parse_duration("30").is_err());
        assert!(parse_duration("반나절").is_err());
        assert!(parse_duration("0m")
            .unwrap_err()
            .contains("longer than zero"));
    }
}
