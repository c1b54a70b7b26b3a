//! The business calendar: when a queue is open, and how much of its open time
//! has passed. Everything is reckoned in Korea Standard Time, a fixed +09:00
//! with no daylight saving time.
//!
//! A queue's [`BusinessHours`] are either `Always` (every minute counts, public
//! holidays included) or a weekly schedule with one opening time per open day;
//! a weekly queue is closed on the public holidays of its [`Calendar`].

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration as TimeDelta, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime,
    Timelike, Utc, Weekday,
};

/// Korea Standard Time, UTC+09:00 all year round.
pub fn kst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("+09:00 is a valid offset")
}

/// Day names Monday to Sunday, as written in `hours` and in messages.
const DAY_NAMES: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];
const DAY_NAMES_EN: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const WEEKDAYS: [bool; 7] = [true, true, true, true, true, false, false];
const WEEKEND: [bool; 7] = [false, false, false, false, false, true, true];
const EVERY_DAY: [bool; 7] = [true; 7];

/// When a queue takes tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BusinessHours {
    /// Every minute of every day, public holidays included.
    Always,
    /// From `open` (inclusive) to `close` (exclusive) on the `days` marked
    /// open (Monday first), except public holidays. `open` is before `close`
    /// and at least one day is open: [`BusinessHours::parse`] makes sure.
    Weekly {
        days: [bool; 7],
        open: NaiveTime,
        close: NaiveTime,
    },
}

impl Default for BusinessHours {
    /// 평일 09:00-18:00, the hours of the 1379 call center.
    fn default() -> Self {
        BusinessHours::Weekly {
            days: WEEKDAYS,
            open: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            close: NaiveTime::from_hms_opt(18, 0, 0).expect("valid time"),
        }
    }
}

impl BusinessHours {
    /// Reads an `hours` value: `always` (also `24시간`, `연중무휴`, `24/7`), or
    /// days and a time range: `평일 09:00-18:00`, `월-토 10:00-16:00`,
    /// `매일 08:00-22:00`, `월,수,금 9:00-12:00`, `mon-fri 09:00-18:00`.
    /// Day groups: 평일 (월-금), 주말 (토, 일), 매일. The error says what is
    /// wrong in words fit for `onestop check`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let lower = text.to_lowercase();
        if matches!(
            lower.as_str(),
            "always"
                | "24/7"
                | "24시간"
                | "항상"
                | "연중무휴"
                | "24시간 연중무휴"
                | "연중무휴 24시간"
        ) {
            return Ok(BusinessHours::Always);
        }
        let example = "write e.g. \"평일 09:00-18:00\", \"월-토 10:00-16:00\" or \"always\"";
        if text.is_empty() {
            return Err(format!("`hours` is empty; {example}"));
        }
        let (days_text, range) = match lower.rsplit_once(char::is_whitespace) {
            Some((days, range)) => (days.trim(), range.trim()),
            None if lower.contains(':') => {
                return Err(format!("hours \"{text}\" do not say which days; {example}"))
            }
            None => return Err(format!("hours \"{text}\" have no time range; {example}")),
        };
        let days =
            parse_days(days_text).map_err(|e| format!("hours \"{text}\": {e}; {example}"))?;
        let (open, close) = range.split_once(['-', '~', '–']).ok_or_else(|| {
            format!("hours \"{text}\": `{range}` is not a time range like 09:00-18:00; {example}")
        })?;
        let open = parse_time(open).map_err(|e| format!("hours \"{text}\": {e}; {example}"))?;
        let close = parse_time(close).map_err(|e| format!("hours \"{text}\": {e}; {example}"))?;
        if close <= open {
            return Err(format!(
                "hours \"{text}\": closing time {} is not after opening time {}; overnight hours are not supported (use \"always\")",
                close.format("%H:%M"),
                open.format("%H:%M")
            ));
        }
        Ok(BusinessHours::Weekly { days, open, close })
    }

    /// The hours written back in the usual form: `평일 09:00-18:00`, `24시간`.
    pub fn describe(&self) -> String {
        self.to_string()
    }

    /// The hours as said to an SME: `평일 오전 9시부터 오후 6시까지`,
    /// `월-토 오전 10시부터 오후 4시까지`, `24시간`.
    pub fn describe_spoken(&self) -> String {
        match self {
            BusinessHours::Always => "24시간".to_string(),
            BusinessHours::Weekly { days, open, close } => format!(
                "{} {}부터 {}까지",
                describe_days(days),
                describe_time(*open),
                describe_time(*close)
            ),
        }
    }

    /// Whether these hours are open on Saturday or Sunday.
    pub fn open_on_weekends(&self) -> bool {
        match self {
            BusinessHours::Always => true,
            BusinessHours::Weekly { days, .. } => days[5] || days[6],
        }
    }
}

impl FromStr for BusinessHours {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Self::parse(s)
    }
}

impl fmt::Display for BusinessHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BusinessHours::Always => write!(f, "24시간"),
            BusinessHours::Weekly { days, open, close } => write!(
                f,
                "{} {}-{}",
                describe_days(days),
                open.format("%H:%M"),
                close.format("%H:%M")
            ),
        }
    }
}

fn parse_days(text: &str) -> Result<[bool; 7], String> {
    let mut days = [false; 7];
    let items = text
        .split([',', '·', '/', '、', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let mut any = false;
    for item in items {
        any = true;
        let group = match item {
            "평일" | "weekdays" => Some(WEEKDAYS),
            "주말" | "weekend" | "weekends" => Some(WEEKEND),
            "매일" | "daily" | "everyday" => Some(EVERY_DAY),
            _ => None,
        };
        if let Some(group) = group {
            for (day, open) in days.iter_mut().zip(group) {
                *day |= open;
            }
            continue;
        }
        match item.split_once(['-', '~', '–']) {
            Some((from, to)) => {
                let from = day_index(from)?;
                let to = day_index(to)?;
                let mut day = from;
                loop {
                    days[day] = true;
                    if day == to {
                        break;
                    }
                    day = (day + 1) % 7;
                }
            }
            None => days[day_index(item)?] = true,
        }
    }
    if !any || !days.contains(&true) {
        return Err("no open day".to_string());
    }
    Ok(days)
}

fn day_index(name: &str) -> Result<usize, String> {
    let name = name.trim();
    let short = name.strip_suffix("요일").unwrap_or(name);
    DAY_NAMES
        .iter()
        .position(|d| *d == short)
        .or_else(|| {
            let english: String = name.chars().take(3).collect();
            DAY_NAMES_EN.iter().position(|d| *d == english)
        })
        .ok_or_else(|| {
            format!("`{name}` is not a day (월, 화, 수, 목, 금, 토, 일, 평일, 주말 or 매일)")
        })
}

fn parse_time(text: &str) -> Result<NaiveTime, String> {
    let text = text.trim();
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let ok = (1..=2).contains(&h.len())
            && m.len() == 2
            && h.chars().chain(m.chars()).all(|c| c.is_ascii_digit());
        if !ok {
            return None;
        }
        NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
    });
    parsed.ok_or_else(|| format!("`{text}` is not a time of day like 09:00 (00:00 to 23:59)"))
}

fn describe_days(days: &[bool; 7]) -> String {
    match *days {
        WEEKDAYS => return "평일".to_string(),
        WEEKEND => return "주말".to_string(),
        EVERY_DAY => return "매일".to_string(),
        _ => {}
    }
    let open: Vec<usize> = (0..7).filter(|&d| days[d]).collect();
    let contiguous = open.windows(2).all(|w| w[1] == w[0] + 1);
    if open.len() >= 3 && contiguous {
        format!("{}-{}", DAY_NAMES[open[0]], DAY_NAMES[open[open.len() - 1]])
    } else {
        open.iter()
            .map(|&d| DAY_NAMES[d])
            .collect::<Vec<_>>()
            .join("·")
    }
}

/// Public holidays; a weekly queue is closed on them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    pub holidays: BTreeSet<NaiveDate>,
}

/// The local (KST) wall-clock time of an instant.
fn local(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&kst()).naive_local()
}

/// The instant of a local (KST) wall-clock time.
fn instant(local: NaiveDateTime) -> DateTime<Utc> {
    (local - TimeDelta::hours(9)).and_utc()
}

impl Calendar {
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        Self {
            holidays: holidays.into_iter().collect(),
        }
    }

    pub fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.contains(&date)
    }

    /// The open period of a weekly queue on one (local) day, if it opens.
    fn open_period(
        &self,
        days: &[bool; 7],
        open: NaiveTime,
        close: NaiveTime,
        date: NaiveDate,
    ) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let weekday = date.weekday().num_days_from_monday() as usize;
        (days[weekday] && !self.is_holiday(date))
            .then(|| (date.and_time(open), date.and_time(close)))
    }

    /// How many days ahead to look for an opening: a week, plus every listed
    /// holiday (each can close at most one more day).
    fn search_days(&self) -> i64 {
        8 + self.holidays.len() as i64
    }

    /// The first open local time at or after `from`, for weekly hours.
    /// `None` only for hours that never open (no open day), which
    /// [`BusinessHours::parse`] rejects.
    fn next_open_local(
        &self,
        days: &[bool; 7],
        open: NaiveTime,
        close: NaiveTime,
        from: NaiveDateTime,
    ) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let mut date = from.date();
        for _ in 0..self.search_days() {
            if let Some((opens, closes)) = self.open_period(days, open, close, date) {
                if from < closes {
                    return Some((opens.max(from), closes));
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// Whether a queue with these hours is open at `at`. Weekly hours are
    /// closed on public holidays; `Always` never closes.
    pub fn is_open(&self, hours: &BusinessHours, at: DateTime<Utc>) -> bool {
        match *hours {
            BusinessHours::Always => true,
            BusinessHours::Weekly { days, open, close } => {
                let now = local(at);
                self.open_period(&days, open, close, now.date())
                    .is_some_and(|(opens, closes)| opens <= now && now < closes)
            }
        }
    }

    /// The first moment at or after `at` when a queue with these hours is
    /// open: `at` itself if it is open then.
    pub fn next_open(&self, hours: &BusinessHours, at: DateTime<Utc>) -> DateTime<Utc> {
        match *hours {
            BusinessHours::Always => at,
            BusinessHours::Weekly { days, open, close } => self
                .next_open_local(&days, open, close, local(at))
                .map_or(at, |(opens, _)| instant(opens)),
        }
    }

    /// The moment when `d` of open time has passed since `start`: only the
    /// queue's open hours count (for `Always`, every minute). Starting while
    /// closed counts from the next opening; a deadline that falls exactly on
    /// closing time stays there. Walks day by day, so long durations are cheap.
    pub fn add_business_time(
        &self,
        hours: &BusinessHours,
        start: DateTime<Utc>,
        d: std::time::Duration,
    ) -> DateTime<Utc> {
        // About 300 years: more than any SLA, and safe from overflow.
        const LONGEST: TimeDelta = TimeDelta::days(300 * 366);
        let d = TimeDelta::from_std(d).unwrap_or(LONGEST).min(LONGEST);
        match *hours {
            BusinessHours::Always => start.checked_add_signed(d).unwrap_or(start),
            BusinessHours::Weekly { days, open, close } => {
                let mut remaining = d;
                let mut from = local(start);
                loop {
                    let Some((opens, closes)) = self.next_open_local(&days, open, close, from)
                    else {
                        // Hours that never open: count plain time instead.
                        return start.checked_add_signed(d).unwrap_or(start);
                    };
                    let available = closes - opens;
                    if remaining <= available {
                        return instant(opens + remaining);
                    }
                    remaining -= available;
                    from = closes;
                }
            }
        }
    }

    /// When a queue with these hours next opens, in natural Korean for the
    /// SME: `지금` if it is open now, else `오늘 오후 2시`, `내일 오전 9시`,
    /// `월요일 오전 9시` (within the coming week) or `11월 24일(화) 오전 9시`.
    pub fn describe_next_open(&self, hours: &BusinessHours, at: DateTime<Utc>) -> String {
        let next = self.next_open(hours, at);
        if next <= at {
            return "지금".to_string();
        }
        let now = local(at);
        let next = local(next);
        let days_ahead = (next.date() - now.date()).num_days();
        let weekday = DAY_NAMES[next.weekday().num_days_from_monday() as usize];
        let day = match days_ahead {
            0 => "오늘".to_string(),
            1 => "내일".to_string(),
            2..=6 => format!("{weekday}요일"),
            _ if next.year() == now.year() => {
                format!("{}월 {}일({weekday})", next.month(), next.day())
            }
            _ => format!(
                "{}년 {}월 {}일({weekday})",
                next.year(),
                next.month(),
                next.day()
            ),
        };
        format!("{day} {}", describe_time(next.time()))
    }
}

/// `오전 9시`, `오후 2시 30분`, `오후 12시`, `오전 0시`.
fn describe_time(time: NaiveTime) -> String {
    let (pm, hour) = time.hour12();
    let hour = if !pm && time.hour() == 0 { 0 } else { hour };
    let half = if pm { "오후" } else { "오전" };
    match time.minute() {
        0 => format!("{half} {hour}시"),
        m => format!("{half} {hour}시 {m}분"),
    }
}

/// The weekday of a date, for callers that format dates themselves.
pub fn korean_weekday(day: Weekday) -> &'static str {
    DAY_NAMES[day.num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_str(&format!("{text} +0900"), "%Y-%m-%d %H:%M %z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn kst_text(at: DateTime<Utc>) -> String {
        at.with_timezone(&kst())
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn weekdays() -> BusinessHours {
        BusinessHours::parse("평일 09:00-18:00").unwrap()
    }

    #[test]
    fn friday_afternoon_plus_an_hour_is_monday_morning() {
        let calendar = Calendar::default();
        // 2026-11-20 is a Friday.
        let due = calendar.add_business_time(
            &weekdays(),
            at("2026-11-20 17:30"),
            Duration::from_secs(3600),
        );
        assert_eq!(kst_text(due), "2026-11-23 09:30");
    }

    #[test]
    fn holidays_are_skipped() {
        // 2026-10-09 (Fri) is 한글날; 2026-10-05 (Mon) is 개천절 대체공휴일.
        let calendar = Calendar::new([date("2026-10-09"), date("2026-10-05")]);
        let due = calendar.add_business_time(
            &weekdays(),
            at("2026-10-08 17:00"),
            Duration::from_secs(2 * 3600),
        );
        assert_eq!(kst_text(due), "2026-10-12 10:00");
        assert!(!calendar.is_open(&weekdays(), at("2026-10-09 10:00")));
        assert!(calendar.is_open(&weekdays(), at("2026-10-08 10:00")));
        assert!(calendar.is_open(&BusinessHours::Always, at("2026-10-09 10:00")));
        let due = calendar.add_business_time(
            &weekdays(),
            at("2026-10-02 17:00"),
            Duration::from_secs(2 * 3600),
        );
        assert_eq!(kst_text(due), "2026-10-06 10:00");
    }

    #[test]
    fn always_adds_plain_time() {
        let calendar = Calendar::new([date("2026-10-09")]);
        let start = at("2026-10-08 23:30");
        let due =
            calendar.add_business_time(&BusinessHours::Always, start, Duration::from_secs(5400));
        assert_eq!(kst_text(due), "2026-10-09 01:00");
        assert_eq!(calendar.next_open(&BusinessHours::Always, start), start);
    }

    #[test]
    fn next_open_on_saturday_is_monday_nine() {
        let calendar = Calendar::default();
        let next = calendar.next_open(&weekdays(), at("2026-11-21 11:00"));
        assert_eq!(kst_text(next), "2026-11-23 09:00");
        let open_now = at("2026-11-23 09:00");
        assert_eq!(calendar.next_open(&weekdays(), open_now), open_now);
        // Closing time itself is closed.
        assert!(!calendar.is_open(&weekdays(), at("2026-11-23 18:00")));
        let next = calendar.next_open(&weekdays(), at("2026-11-23 18:00"));
        assert_eq!(kst_text(next), "2026-11-24 09:00");
        // Early morning: the same day.
        let next = calendar.next_open(&weekdays(), at("2026-11-24 07:15"));
        assert_eq!(kst_text(next), "2026-11-24 09:00");
    }

    #[test]
    fn business_time_within_one_day_and_exactly_to_closing() {
        let calendar = Calendar::default();
        let hours = weekdays();
        let due =
            calendar.add_business_time(&hours, at("2026-11-23 10:00"), Duration::from_secs(1800));
        assert_eq!(kst_text(due), "2026-11-23 10:30");
        let due =
            calendar.add_business_time(&hours, at("2026-11-23 17:00"), Duration::from_secs(3600));
        assert_eq!(kst_text(due), "2026-11-23 18:00");
        // Starting before opening counts from opening.
        let due =
            calendar.add_business_time(&hours, at("2026-11-22 03:00"), Duration::from_secs(1800));
        assert_eq!(kst_text(due), "2026-11-23 09:30");
        let due = calendar.add_business_time(&hours, at("2026-11-23 10:00"), Duration::ZERO);
        assert_eq!(kst_text(due), "2026-11-23 10:00");
    }

    #[test]
    fn long_durations_walk_by_days() {
        let calendar = Calendar::default();
        // 9 open hours a day, 5 days a week: 45 hours is one week.
        let due = calendar.add_business_time(
            &weekdays(),
            at("2026-11-23 09:00"),
            Duration::from_secs(45 * 3600 * 52),
        );
        assert_eq!(kst_text(due), "2027-11-19 18:00");
        // A hundred years of open time does not hang.
        let far = calendar.add_business_time(
            &weekdays(),
            at("2026-11-23 09:00"),
            Duration::from_secs(100 * 365 * 24 * 3600),
        );
        assert!(far > at("2200-01-01 00:00"));
        let huge = calendar.add_business_time(&weekdays(), at("2026-11-23 09:00"), Duration::MAX);
        assert!(huge > far);
    }

    #[test]
    fn utc_instants_are_read_in_korean_time() {
        let calendar = Calendar::default();
        // 2026-11-23 00:30 UTC is 09:30 Monday in Korea.
        let monday = "2026-11-23T00:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(calendar.is_open(&weekdays(), monday));
        // 2026-11-22 23:30 UTC is 08:30 Monday in Korea: not yet open.
        let early = "2026-11-22T23:30:00Z".parse::<DateTime<Utc>>().unwrap();
        assert!(!calendar.is_open(&weekdays(), early));
        assert_eq!(
            calendar.next_open(&weekdays(), early),
            "2026-11-23T00:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }

    #[test]
    fn describe_next_open_in_korean() {
        let calendar = Calendar::new([date("2026-11-24")]);
        let hours = weekdays();
        // Open now.
        assert_eq!(
            calendar.describe_next_open(&hours, at("2026-11-20 10:00")),
            "지금"
        );
        // Friday evening → Monday.
        assert_eq!(
            calendar.describe_next_open(&hours, at("2026-11-20 19:00")),
            "월요일 오전 9시"
        );
        // Sunday evening → tomorrow.
        assert_eq!(
            calendar.describe_next_open(&hours, at("2026-11-22 21:00")),
            "내일 오전 9시"
        );
        // Early morning → today.
        assert_eq!(
            calendar.describe_next_open(&hours, at("2026-11-23 06:00")),
            "오늘 오전 9시"
        );
        // Monday evening, Tuesday a holiday → Wednesday.
        assert_eq!(
            calendar.describe_next_open(&hours, at("2026-11-23 18:30")),
            "수요일 오전 9시"
        );
        let afternoon = BusinessHours::parse("월-토 13:30-17:00").unwrap();
        assert_eq!(
            calendar.describe_next_open(&afternoon, at("2026-11-21 18:00")),
            "월요일 오후 1시 30분"
        );
        assert_eq!(
            calendar.describe_next_open(&BusinessHours::Always, at("2026-11-21 18:00")),
            "지금"
        );
        // A long closure: the date.
        let closed = Calendar::new((0..10).map(|i| date("2026-11-23") + TimeDelta::days(i)));
        assert_eq!(
            closed.describe_next_open(&hours, at("2026-11-20 19:00")),
            "12월 3일(목) 오전 9시"
        );
        assert_eq!(
            Calendar::default().describe_next_open(&hours, at("2026-12-31 19:00")),
            "내일 오전 9시"
        );
        let new_year = Calendar::new([date("2027-01-01")]);
        assert_eq!(
            new_year.describe_next_open(&hours, at("2026-12-31 19:00")),
            "월요일 오전 9시"
        );
        assert_eq!(
            describe_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()),
            "오후 12시"
        );
        assert_eq!(
            describe_time(NaiveTime::from_hms_opt(0, 5, 0).unwrap()),
            "오전 0시 5분"
        );
    }

    #[test]
    fn hours_are_parsed_in_several_spellings() {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(BusinessHours::parse("always"), Ok(BusinessHours::Always));
        assert_eq!(BusinessHours::parse("24시간"), Ok(BusinessHours::Always));
        assert_eq!(
            BusinessHours::parse(" 연중무휴 "),
            Ok(BusinessHours::Always)
        );
        assert_eq!(weekdays(), BusinessHours::default());
        assert_eq!(
            BusinessHours::parse("월-금 09:00-18:00"),
            Ok(BusinessHours::default())
        );
        assert_eq!(
            BusinessHours::parse("mon-fri 9:00~18:00"),
            Ok(BusinessHours::default())
        );
        assert_eq!(
            BusinessHours::parse("월-토 10:00-16:00"),
            Ok(BusinessHours::Weekly {
                days: [true, true, true, true, true, true, false],
                open: hm(10, 0),
                close: hm(16, 0)
            })
        );
        assert_eq!(
            BusinessHours::parse("월, 수요일, 금 09:30-12:00"),
            Ok(BusinessHours::Weekly {
                days: [true, false, true, false, true, false, false],
                open: hm(9, 30),
                close: hm(12, 0)
            })
        );
        assert_eq!(
            BusinessHours::parse("금-월 09:00-18:00")
                .unwrap()
                .to_string(),
            "월·금·토·일 09:00-18:00"
        );
        assert_eq!(
            BusinessHours::parse("매일 08:00-22:00")
                .unwrap()
                .to_string(),
            "매일 08:00-22:00"
        );
        assert_eq!(
            BusinessHours::parse("월-토 10:00-16:00")
                .unwrap()
                .to_string(),
            "월-토 10:00-16:00"
        );
        assert_eq!(BusinessHours::Always.to_string(), "24시간");
        assert_eq!(BusinessHours::default().describe(), "평일 09:00-18:00");
        assert_eq!(
            BusinessHours::default().describe_spoken(),
            "평일 오전 9시부터 오후 6시까지"
        );
        let saturdays = BusinessHours::parse("월-토 10:00-16:30").unwrap();
        assert_eq!(
            saturdays.describe_spoken(),
            "월-토 오전 10시부터 오후 4시 30분까지"
        );
        assert!(saturdays.open_on_weekends());
        assert!(!BusinessHours::default().open_on_weekends());
        assert_eq!(BusinessHours::Always.describe_spoken(), "24시간");
        for bad in [
            "",
            "09:00-18:00",
            "평일",
            "평일 18:00-09:00",
            "평일 09:00-24:00",
            "평일 9시-18시",
            "월요일부터 09:00-18:00",
            "평일 09:00",
            "xyz 09:00-18:00",
        ] {
            assert!(
                BusinessHours::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        let message = BusinessHours::parse("평일 18:00-09:00").unwrap_err();
        assert!(message.contains("not after"), "{message}");
    }

    #[test]
    fn hours_with_no_open_day_do_not_hang() {
        let never = BusinessHours::Weekly {
            days: [false; 7],
            open: NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            close: NaiveTime::from_hms_opt(18, 0, 0).unwrap(),
        };
        let calendar = Calendar::default();
        let start = at("2026-11-23 10:00");
        assert!(!calendar.is_open(&never, start));
        assert_eq!(calendar.next_open(&never, start), start);
        let due = calendar.add_business_time(&never, start, Duration::from_secs(60));
        assert_eq!(kst_text(due), "2026-11-23 10:01");
    }
}
