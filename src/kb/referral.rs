//! Referrals: the topics the desk does not handle itself (taxes, social
//! insurance, policy loans, permits, …) and who does. A referral is an
//! answer: it names the institution in the desk's voice and says how to
//! reach it, each way typed (a phone number, a website, a note), and
//! `[[referral]]` tables are read here with every problem at its place.

use serde::Serialize;
use toml::de::DeTable;
use toml::Spanned;

use super::diagnostic::Location;
use super::parse::{as_of, Fields, Reader};
use super::AsOf;
use crate::texts::Texts;

/// The FAQ menu's section that lists the referrals.
pub const MENU_SECTION: &str = "다른 기관 안내";

/// "This is handled by X; here is how to reach them."
#[derive(Debug, Clone, Serialize)]
pub struct Referral {
    pub id: String,
    /// How lists show it; required, since a referral has no name.
    pub title: String,
    pub category: String,
    /// Who handles the topic ("국세청").
    pub agency: String,
    /// What the desk says first, in its own voice.
    pub answer: String,
    /// How to reach them, at least one.
    pub contacts: Vec<Contact>,
    pub questions: Vec<String>,
    pub keywords: Vec<String>,
    /// When its facts were true.
    pub as_of: Option<AsOf>,
    /// Where its facts come from, for admins; never shown to SMEs.
    pub sources: Vec<String>,
    #[serde(skip)]
    pub example_locations: Vec<Location>,
    #[serde(skip)]
    pub location: Location,
}

/// One way to reach the institution: a name and at least one of a phone
/// number, a website and a note ("가까운 세무서를 방문해 주세요").
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub website: Option<Website>,
    pub note: Option<String>,
}

/// A phone number as it is dialled in Korea: a short service number
/// (`126`, `1350`), a nationwide one (`1577-1000`) or one with its area
/// code (`02-123-4567`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// `None` unless `text` is digits in one of the forms above.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let groups: Vec<&str> = text.split('-').collect();
        if groups
            .iter()
            .any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let lens: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        let valid = match lens.as_slice() {
            [3 | 4] => true,
            [4, 4] => !text.starts_with('0'),
            [2 | 3, 3 | 4, 4] => text.starts_with('0'),
            _ => false,
        };
        valid.then(|| Self(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A website: a host name with a dot and an optional path, written with or
/// without `https://`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Website {
    /// As people read it: without the scheme or a trailing `/`.
    pub shown: String,
    /// The address to open.
    pub url: String,
}

impl Website {
    /// `None` for anything that is not a host name with a dot (and a path).
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (scheme, rest) = match text.split_once("://") {
            Some((scheme @ ("http" | "https"), rest)) => (scheme, rest),
            Some(_) => return None,
            None => ("https", text),
        };
        let rest = rest.trim_end_matches('/');
        let host = rest.split('/').next().unwrap_or("");
        let host_ok = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && !host.contains("..")
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        let path_ok = rest.chars().all(|c| c.is_ascii_graphic());
        (host_ok && path_ok).then(|| Self {
            shown: rest.to_string(),
            url: format!("{scheme}://{rest}"),
        })
    }
}

impl std::fmt::Display for Website {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// A referral as the SME reads it: the answer, then one line per way to
/// reach the institution (`sme_referral_contact`).
pub fn write_out(referral: &Referral, texts: &Texts) -> String {
    let mut out = referral.answer.trim().to_string();
    out.push_str("\n\n");
    out.push_str(texts.get("label_referral_contacts"));
    for contact in &referral.contacts {
        let mut ways: Vec<String> = Vec::new();
        if let Some(phone) = &contact.phone {
            ways.push(texts.fill("word_referral_phone", &[("phone", &phone.as_str())]));
        }
        if let Some(website) = &contact.website {
            ways.push(website.shown.clone());
        }
        ways.extend(contact.note.clone());
        out.push('\n');
        out.push_str(&texts.fill(
            "sme_referral_contact",
            &[("name", &contact.name), ("ways", &ways.join(" · "))],
        ));
    }
    out
}

/// The keys of `[[referral]]`.
pub(super) const REFERRAL_KEYS: &[&str] = &[
    "id",
    "title",
    "category",
    "agency",
    "answer",
    "contact",
    "questions",
    "keywords",
    "as_of",
    "sources",
];
const CONTACT_KEYS: &[&str] = &["name", "phone", "website", "note"];

impl Reader<'_, '_> {
    /// One `[[referral]]` with its `[[referral.contact]]` tables.
    pub(super) fn referral(&mut self, table: Spanned<&DeTable<'_>>) -> Option<Referral> {
        let mut f = Fields::new(self, table, "[[referral]]");
        let id = f.id();
        let title = f.string("title", true);
        let category = f.category();
        let agency = f.string("agency", true);
        let answer = f.string("answer", true);
        let contacts = contacts(&mut f);
        let questions = f.string_list("questions", true);
        let keywords = f.string_list("keywords", false);
        let as_of = as_of(&mut f);
        let sources = f.string_list("sources", false);
        let location = f.location();
        f.finish(REFERRAL_KEYS);
        Some(Referral {
            id: id?,
            title: title?,
            category: category?,
            agency: agency?,
            answer: answer?,
            contacts: contacts?,
            example_locations: questions.iter().map(|q| q.location.clone()).collect(),
            questions: questions.into_iter().map(|q| q.value).collect(),
            keywords: keywords.into_iter().map(|k| k.value).collect(),
            as_of,
            sources: sources.into_iter().map(|s| s.value).collect(),
            location,
        })
    }
}

/// The `[[referral.contact]]` tables of a referral: at least one, each
/// valid; `None` when any is not.
fn contacts(f: &mut Fields<'_, '_, '_, '_, '_>) -> Option<Vec<Contact>> {
    let Some(value) = f.get("contact") else {
        f.error(
            f.span.start,
            "[[referral]] needs at least one [[referral.contact]] saying how to reach the agency"
                .to_string(),
        );
        return None;
    };
    let tables = f.reader.array_of_tables("referral.contact", value);
    if tables.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    let mut valid = true;
    for table in tables {
        match contact(f.reader, table) {
            Some(c) => out.push(c),
            None => valid = false,
        }
    }
    valid.then_some(out)
}

fn contact(reader: &mut Reader<'_, '_>, table: Spanned<&DeTable<'_>>) -> Option<Contact> {
    let start = table.span().start;
    let mut f = Fields::new(reader, table, "[[referral.contact]]");
    let name = f.string("name", true);
    let phone = typed(
        &mut f,
        "phone",
        PhoneNumber::parse,
        "`phone` must be a phone number in digits and '-', like \"126\", \"1577-1000\" or \"02-123-4567\"",
    );
    let website = typed(
        &mut f,
        "website",
        Website::parse,
        "`website` must be a web address, like \"www.hometax.go.kr\" or \"https://www.gov.kr\"",
    );
    let note = f.string("note", false);
    let given = ["phone", "website", "note"]
        .iter()
        .any(|key| f.get(key).is_some());
    if !given {
        f.error(
            start,
            "[[referral.contact]] needs at least one of `phone`, `website` or `note`".to_string(),
        );
    }
    f.finish(CONTACT_KEYS);
    Some(Contact {
        name: name?,
        phone: phone.ok()?,
        website: website.ok()?,
        note,
    })
    .filter(|_| given)
}

/// An optional string field read by `parse`: `Ok(None)` when absent, `Err`
/// (reported at its place with `message`) when it does not parse.
fn typed<T>(
    f: &mut Fields<'_, '_, '_, '_, '_>,
    key: &str,
    parse: impl Fn(&str) -> Option<T>,
    message: &str,
) -> Result<Option<T>, ()> {
    let Some(at) = f.get(key).map(|v| v.span().start) else {
        return Ok(None);
    };
    let Some(text) = f.string(key, false) else {
        return Err(());
    };
    match parse(&text) {
        Some(value) => Ok(Some(value)),
        None => {
            f.error(at, message.to_string());
            Err(())
        }
    }
}
