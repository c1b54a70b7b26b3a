//! Everything the bot says to SMEs and consultants, in one place: each
//! sentence is a key with a built-in default, and `[texts]` in a file of
//! `dialogs/` may override it key by key (`onestop texts` lists them all).
//!
//! A sentence with values has named placeholders, `{code}`; the
//! placeholders of a key are the ones its default uses, an override may use
//! any of them (or none) and no other, and [`Texts::fill`] fills them all in
//! one pass (so a value that itself contains `{code}` is left as it is).
//!
//! A particle after a value takes the form the value calls for:
//! `{queue:으로}` is the queue's name followed by 으로 or 로 (로 after a
//! vowel or ㄹ), `{code:을}` the code with 을 or 를. Either form names the
//! pair (`{code:를}` is the same), and `{을}` alone follows the placeholder
//! before it, for a value in quotes: `'{region}'{은}`. The particles are
//! those of [`PARTICLES`] (이/가, 을/를, 은/는, 과/와, 으로/로, 이나/나,
//! 이랑/랑, 이라/라, 이라는/라는, 이라고/라고, 이에요/예요); a word is read as
//! people say it ([`particle`]: 2026-000001 ends in 일, UT in 티). Never
//! write both forms, `(으)로`, in a text.
//!
//! Keys are named for who reads them: `sme_…` (an SME), `consultant_…` (a
//! consultant), `refusal_…` (whoever asked the desk for something it
//! refused), `button_…` (button labels), `word_…` (words put into other
//! texts: statuses, actions, waiting times), `console_…` (the person at
//! `onestop chat`), `admin_…` (admins on the messenger), `command_…` (the
//! descriptions of the bot's commands in the messenger's menu). The older keys without a prefix (greeting, fallback, labels
//! of an answer, …) keep their names, which admins may already use.
//!
//! `read` takes the `[texts]` tables of the parsed `dialogs/` files. This
//! room imports only `source` (the files) from the others: the desk, the
//! dialog engine, the knowledge base and the channels all read it.

mod defaults;
mod particle;
mod read;

pub use defaults::DEFAULT_TEXTS;

pub use particle::{particle, PARTICLES};
pub use read::{load, read, TABLES};

use std::collections::BTreeMap;

use crate::protocol::Attachment;
use std::fmt::{self, Display};
use std::sync::LazyLock;

/// A value put in a placeholder.
pub type Value<'a> = &'a (dyn Display + Sync);

/// The bot's texts after overrides.
#[derive(Debug, Clone)]
pub struct Texts(BTreeMap<String, String>);

impl Default for Texts {
    fn default() -> Self {
        Self(
            DEFAULT_TEXTS
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

/// The built-in texts, for what is said without a loaded `dialogs/` (an
/// error's `Display`, a desk built without texts).
pub fn defaults() -> &'static Texts {
    static DEFAULTS: LazyLock<Texts> = LazyLock::new(Texts::default);
    &DEFAULTS
}

impl Texts {
    /// How a file, location or contact reads where only text can be shown:
    /// "[사진] 견적서예요", "[위치] 37.5,127.0".
    pub fn attachment_line(&self, attachment: &Attachment, caption: &str) -> String {
        let kind = self.get(&format!("word_attachment_{}", attachment.kind.as_str()));
        let caption = if caption.is_empty() && !attachment.kind.is_file() {
            attachment.file_id.clone()
        } else {
            caption.to_string()
        };
        self.fill("word_attachment", &[("kind", &kind), ("caption", &caption)])
            .trim_end()
            .to_string()
    }

    /// Whether `key` is a text the bot knows.
    pub fn is_known(key: &str) -> bool {
        default_of(key).is_some()
    }

    /// Overrides `key`. An override [`Texts::check`] refuses is not kept:
    /// loading reports it, and the default stays.
    pub fn set(&mut self, key: &str, value: String) {
        if Texts::check(key, &value).is_ok() {
            self.0.insert(key.to_string(), value);
        }
    }

    /// The text for `key`; every key of `DEFAULT_TEXTS` is always present.
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map_or("", |s| s.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The text for `key` with its placeholders filled from `values`, in
    /// one pass. A placeholder without a value (a bug of the caller) is
    /// left out rather than shown as `{name}`.
    pub fn fill(&self, key: &str, values: &[(&str, Value<'_>)]) -> String {
        let mut out = String::new();
        // The last placeholder's value, which a particle follows.
        let mut last = String::new();
        for piece in pieces(self.get(key)) {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Placeholder(name) => match values.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => {
                        last = value.to_string();
                        out.push_str(&last);
                    }
                    None if cfg!(debug_assertions) => {
                        panic!("text `{key}`: no value for `{{{name}}}`")
                    }
                    None => last.clear(),
                },
                Piece::Particle(p) => out.push_str(&particle(&last, p)),
            }
        }
        out
    }

    /// The placeholders `key` may use: those of its default.
    pub fn placeholders(key: &str) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = pieces(default_of(key).unwrap_or(""))
            .filter_map(|p| match p {
                Piece::Placeholder(name) => Some(name),
                Piece::Literal(_) | Piece::Particle(_) => None,
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Checks an override of `key`: every placeholder it uses must be one
    /// of the key's; the error names the first that is not.
    pub fn check(key: &str, value: &str) -> Result<(), String> {
        check_particles(key, value)?;
        let allowed = Texts::placeholders(key);
        let unknown = pieces(value).find_map(|piece| match piece {
            Piece::Placeholder(name) if !allowed.contains(&name) => Some(name),
            _ => None,
        });
        let Some(name) = unknown else {
            return Ok(());
        };
        let has = if allowed.is_empty() {
            "it has none".to_string()
        } else {
            let list: Vec<String> = allowed.iter().map(|n| format!("{{{n}}}")).collect();
            format!("it has {}", list.join(", "))
        };
        Err(format!(
            "text `{key}` has no placeholder `{{{name}}}`; {has}"
        ))
    }
}

/// Texts written by a database statement rather than [`Texts::fill`]
/// (`desk::notices::claimed_template`), which cannot choose a particle.
const WITHOUT_PARTICLES: &[&str] = &["sme_ticket_claimed"];

/// Every particle of `value` is one of [`PARTICLES`] and follows a
/// placeholder (and the key is not one of [`WITHOUT_PARTICLES`]).
fn check_particles(key: &str, value: &str) -> Result<(), String> {
    let mut after_placeholder = false;
    for piece in pieces(value) {
        match piece {
            Piece::Particle(p) if WITHOUT_PARTICLES.contains(&key) => {
                return Err(format!(
                    "text `{key}` cannot choose particles (`{{{p}}}`): the database writes it \
                     while the words are not yet known; write it so that none follows a value"
                ));
            }
            Piece::Placeholder(_) => after_placeholder = true,
            Piece::Particle(p) if particle::pair(p).is_none() => {
                let known: Vec<String> =
                    PARTICLES.iter().map(|(c, v)| format!("{c}/{v}")).collect();
                return Err(format!(
                    "text `{key}`: `{p}` is not a particle onestop can choose; it knows {}",
                    known.join(", ")
                ));
            }
            Piece::Particle(p) if !after_placeholder => {
                return Err(format!(
                    "text `{key}`: the particle `{{{p}}}` follows no placeholder"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn default_of(key: &str) -> Option<&'static str> {
    DEFAULT_TEXTS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
}

/// A part of a text: as it is, a placeholder's name, or a particle that
/// takes the form the value before it calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    Literal(&'t str),
    Placeholder(&'t str),
    /// A particle as written (`을` of `{code:을}` or `{code}{을}`): filled
    /// in the form that follows the last placeholder's value.
    Particle(&'t str),
}

/// A text cut into its literal parts, placeholders and particles. A
/// placeholder is `{name}` with `name` made of lowercase ASCII letters,
/// digits and `_`; `{name:을}` is the placeholder followed by a particle;
/// `{을}` alone is a particle of one of [`PARTICLES`] (after the last
/// placeholder: `'{region}'{은}`); any other brace is literal.
pub fn pieces(text: &str) -> impl Iterator<Item = Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut search = 0;
    while let Some(open) = rest[search..].find('{').map(|i| i + search) {
        let Some(close) = rest[open..].find('}').map(|i| i + open) else {
            break;
        };
        let inside = &rest[open + 1..close];
        let (name, particle) = match inside.split_once(':') {
            Some((name, particle)) => (name, Some(particle)),
            None => (inside, None),
        };
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        let is_particle_word =
            |p: &str| !p.is_empty() && p.chars().all(|c| ('\u{AC00}'..='\u{D7A3}').contains(&c));
        let found: Option<(Option<&str>, Option<&str>)> = match particle {
            Some(p) if is_name && is_particle_word(p) => Some((Some(name), Some(p))),
            None if is_name => Some((Some(name), None)),
            None if particle::pair(inside).is_some() => Some((None, Some(inside))),
            _ => None,
        };
        let Some((name, particle)) = found else {
            search = open + 1;
            continue;
        };
        if open > 0 {
            out.push(Piece::Literal(&rest[..open]));
        }
        out.extend(name.map(Piece::Placeholder));
        out.extend(particle.map(Piece::Particle));
        rest = &rest[close + 1..];
        search = 0;
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    out.into_iter()
}

impl Display for Piece<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Piece::Literal(text) => f.write_str(text),
            Piece::Placeholder(name) => write!(f, "{{{name}}}"),
            Piece::Particle(particle) => write!(f, "{{{particle}}}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<&str> = DEFAULT_TEXTS.iter().map(|(k, _)| *k).collect();
        let count = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), count);
    }

    #[test]
    fn defaults_need_no_trimming() {
        // Overrides are trimmed when read, so a default must not rely on
        // leading or trailing whitespace either.
        for (key, value) in DEFAULT_TEXTS {
            assert_eq!(value.trim(), *value, "{key}");
        }
    }

    #[test]
    fn placeholders_are_filled_in_one_pass() {
        let texts = Texts::default();
        let code = "2026-000001";
        let message = "제 메시지에 {code}라고 썼어요";
        let filled = texts.fill(
            "sme_from_consultant",
            &[
                ("consultant", &"김상담"),
                ("code", &code),
                ("message", &message),
            ],
        );
        assert_eq!(
            filled,
            "[김상담 상담원 · 2026-000001]\n제 메시지에 {code}라고 썼어요"
        );
    }

    #[test]
    fn pieces_keep_other_braces_literal() {
        let cut: Vec<Piece> = pieces("a {b} {C} {} {d_1}x{").collect();
        assert_eq!(
            cut,
            vec![
                Piece::Literal("a "),
                Piece::Placeholder("b"),
                Piece::Literal(" {C} {} "),
                Piece::Placeholder("d_1"),
                Piece::Literal("x{"),
            ]
        );
        let joined: String = cut.iter().map(|p| p.to_string()).collect();
        assert_eq!(joined, "a {b} {C} {} {d_1}x{");
    }

    #[test]
    fn an_override_may_use_only_the_placeholders_of_its_key() {
        assert_eq!(
            Texts::placeholders("sme_ticket_received"),
            vec!["code", "queue"]
        );
        assert!(Texts::check("sme_ticket_received", "접수 {code}").is_ok());
        assert!(Texts::check("sme_ticket_received", "접수되었어요").is_ok());
        let message = Texts::check("sme_ticket_received", "번호 {code}, {cod}").unwrap_err();
        assert_eq!(
            message,
            "text `sme_ticket_received` has no placeholder `{cod}`; it has {code}, {queue}"
        );
        let message = Texts::check("greeting", "안녕 {name}").unwrap_err();
        assert!(message.ends_with("it has none"), "{message}");
    }

    #[test]
    fn particles_take_the_form_of_the_value_before_them() {
        let texts = Texts::default();
        let transferred = |queue: &str| {
            texts.fill(
                "sme_ticket_transferred",
                &[("code", &"2026-000001"), ("queue", &queue)],
            )
        };
        assert!(transferred("서울창조경제혁신센터").contains("서울창조경제혁신센터로 연계했습니다"));
        assert!(transferred("광주 명품강소기업 사무국").contains("사무국으로 연계했습니다"));
        let region = texts.fill("refusal_unknown_region", &[("region", &"부산시")]);
        assert!(region.starts_with("'부산시'는 알 수 없는"), "{region}");
        let mut texts = Texts::default();
        texts.set(
            "sme_ticket_received",
            "{code:를} 받았어요, {queue}{이}".into(),
        );
        let filled = texts.fill(
            "sme_ticket_received",
            &[("code", &"2026-000002"), ("queue", &"UT")],
        );
        assert_eq!(filled, "2026-000002를 받았어요, UT가");
    }

    #[test]
    fn an_override_may_use_only_known_particles_after_a_placeholder() {
        assert!(Texts::check("sme_ticket_transferred", "{queue:로} {code:을}").is_ok());
        let message = Texts::check("sme_ticket_transferred", "{queue:에게} 넘겼어요").unwrap_err();
        assert!(message.contains("`에게` is not a particle"), "{message}");
        let message = Texts::check("sme_ticket_transferred", "{을} {code}").unwrap_err();
        assert!(message.contains("follows no placeholder"), "{message}");
        let message = Texts::check("sme_ticket_transferred", "{queues:로}").unwrap_err();
        assert!(message.contains("no placeholder `{queues}`"), "{message}");
        let message = Texts::check("sme_ticket_claimed", "{consultant:이} 맡았어요").unwrap_err();
        assert!(message.contains("cannot choose particles"), "{message}");
        // Korean in braces that is no particle stays literal.
        assert!(Texts::check("greeting", "{안녕}하세요").is_ok());
    }
}
