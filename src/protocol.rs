//! The conversation protocol, at the bottom of the house: what comes into
//! the engine ([`Input`]), what goes out ([`Reply`]: a text and its
//! buttons), and every button press as one typed enum ([`Press`]) with its
//! encoding as callback data and its parsing. Telegram's 64-byte limit on
//! callback data is checked here and only here. No callback string is built
//! or split anywhere else.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// What arrived from a chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A typed message (commands included).
    Text(String),
    /// A pressed button, by its data as it came (it may be forged or stale:
    /// [`Press::parse`] says what it means, if anything).
    Button(String),
    /// A file, a location or a contact card, with its caption ("" when none).
    Attachment {
        attachment: Attachment,
        caption: String,
    },
    /// A message with nothing to read or relay: a sticker, a poll, a game, …
    /// (`what` names it, as the messenger does).
    Other { what: String },
}

/// What kind of thing was attached. Files are relayed by the messenger's
/// own file id, never downloaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    Photo,
    Document,
    Voice,
    Video,
    Audio,
    Animation,
    VideoNote,
    /// `file_id` holds "latitude,longitude".
    Location,
    /// `file_id` holds the phone number, `file_name` the person's name.
    Contact,
}

impl AttachmentKind {
    pub const ALL: [AttachmentKind; 9] = [
        AttachmentKind::Photo,
        AttachmentKind::Document,
        AttachmentKind::Voice,
        AttachmentKind::Video,
        AttachmentKind::Audio,
        AttachmentKind::Animation,
        AttachmentKind::VideoNote,
        AttachmentKind::Location,
        AttachmentKind::Contact,
    ];

    /// The name stored and written in `dialogs/` (`photo`, `document`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AttachmentKind::Photo => "photo",
            AttachmentKind::Document => "document",
            AttachmentKind::Voice => "voice",
            AttachmentKind::Video => "video",
            AttachmentKind::Audio => "audio",
            AttachmentKind::Animation => "animation",
            AttachmentKind::VideoNote => "video_note",
            AttachmentKind::Location => "location",
            AttachmentKind::Contact => "contact",
        }
    }

    pub fn parse(name: &str) -> Option<AttachmentKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// Whether it is a file (with a size), not a location or a contact.
    pub fn is_file(self) -> bool {
        !matches!(self, AttachmentKind::Location | AttachmentKind::Contact)
    }
}

/// One attachment as the messenger described it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub kind: AttachmentKind,
    /// The messenger's id of the file (or the location or phone number).
    pub file_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

/// `text` without NUL and the other control characters but line breaks and
/// tabs: no person types them, Postgres refuses NUL, and Telegram refuses
/// some. Applied to everything that comes in and everything that goes out.
pub fn without_control_characters(text: &str) -> Cow<'_, str> {
    let refused = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(refused) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter(|c| !refused(*c)).collect())
}

/// A message to one chat: its text and the buttons under it, in rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    pub body: String,
    pub buttons: Vec<Vec<Button>>,
}

impl Reply {
    /// A message without buttons.
    pub fn text(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            buttons: Vec::new(),
        }
    }

    pub fn with_buttons(body: impl Into<String>, buttons: Vec<Vec<Button>>) -> Self {
        Self {
            body: body.into(),
            buttons,
        }
    }
}

/// The most bytes of callback data Telegram takes.
pub const MAX_CALLBACK_BYTES: usize = 64;

/// The longest link a URL button carries.
pub const MAX_URL_BYTES: usize = 2000;

/// A button under a message: its label and what pressing it sends back,
/// or, for a link, the web address it opens (`url`; `data` is then empty).
/// Stored in the outbox as `{"text": …, "data": …}` (and `"url": …`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub text: String,
    pub data: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Button {
    pub fn new(text: impl Into<String>, press: &Press) -> Self {
        Self {
            text: text.into(),
            data: press.to_string(),
            url: None,
        }
    }

    /// A button that opens `url` in the browser (nothing comes back to the bot).
    pub fn link(text: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            data: String::new(),
            url: Some(url.into()),
        }
    }

    /// Whether Telegram takes this button: callback data of 1–64 bytes, or
    /// an http(s) link with a host and no spaces. A message with one it
    /// does not take is refused whole, so such a button is left out rather
    /// than sent.
    pub fn fits_telegram(&self) -> bool {
        match &self.url {
            Some(url) => is_web_link(url),
            None => (1..=MAX_CALLBACK_BYTES).contains(&self.data.len()),
        }
    }
}

/// Whether `url` is a link Telegram opens from a button: `http://` or
/// `https://`, a host, no whitespace, not over [`MAX_URL_BYTES`].
pub fn is_web_link(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let host = rest.map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
    url.len() <= MAX_URL_BYTES
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && host.is_some_and(|h| h.contains('.') && !h.starts_with('.') && !h.ends_with('.'))
}

/// Lays `buttons` out `per_row` to a row.
pub fn rows(buttons: Vec<Button>, per_row: usize) -> Vec<Vec<Button>> {
    buttons.chunks(per_row.max(1)).map(|c| c.to_vec()).collect()
}

/// Where the main menu's "menu:…" buttons lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuPage {
    Start,
    Faq,
    Status,
}

/// Every button the bot puts under a message, as what pressing it means.
/// The encodings are stable: buttons already sent keep working.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Press {
    // ---- the SME's side ----
    /// `menu:start|faq|status`
    Menu(MenuPage),
    /// `flow:ID`: start a flow of `dialogs/flows/`.
    Flow(String),
    /// `new:ID`: start a flow that opens a ticket although one is open
    /// already (a new topic, on purpose).
    NewTicket(String),
    /// `addto:CODE`: keep to the ticket that is open instead.
    AddTo(String),
    /// `entry:ID`: show a program or FAQ.
    Entry(String),
    /// `apply:ID`: how to apply to a program.
    Apply(String),
    /// `card:ID`: 자세히, the entry's full card.
    Card(String),
    /// `faq:SECTION:PAGE`: page PAGE (from 0) of a section of the FAQ menu.
    Section {
        section: String,
        page: u8,
    },
    /// `opt:VALUE`: a choice inside a flow step.
    Choose(String),
    /// `yes` / `no` in a flow's yes-or-no step.
    Yes,
    No,
    /// `skip` / `back` / `cancel` inside a flow.
    Skip,
    Back,
    Cancel,
    /// `comment:CODE`: leave a word with the rating just given.
    Comment(String),
    /// `rate:CODE:SCORE`: the follow-up rating of a resolved ticket.
    Rate {
        code: String,
        score: i64,
    },
    // ---- the consultant's side ----
    /// `queue` / `mine`: the waiting tickets, the tickets held.
    Queue,
    Mine,
    /// `claim:CODE`
    Claim(String),
    /// `transfer:CODE`: choose where to transfer.
    Transfer(String),
    /// `to:CODE:QUEUE`: transfer there.
    TransferTo {
        code: String,
        queue: String,
    },
    /// `resolve:CODE`: ask for the summary, then resolve.
    Resolve(String),
    /// `use:CODE`: plain messages go to this ticket's SME.
    Use(String),
    /// `send:CODE:ENTRY`: send a knowledge-base answer to the SME.
    Send {
        code: String,
        entry: String,
    },
}

impl Press {
    /// The flow that hands the conversation to a person.
    pub fn handoff() -> Press {
        Press::Flow("handoff".into())
    }

    /// What a button's data means; `None` for data the bot never issued.
    pub fn parse(data: &str) -> Option<Press> {
        let (kind, rest) = data.split_once(':').unwrap_or((data, ""));
        let one = || (!rest.is_empty()).then(|| rest.to_string());
        let two = || {
            rest.split_once(':')
                .filter(|(a, b)| !a.is_empty() && !b.is_empty())
                .map(|(a, b)| (a.to_string(), b.to_string()))
        };
        Some(match kind {
            "menu" => Press::Menu(match rest {
                "faq" => MenuPage::Faq,
                "status" => MenuPage::Status,
                _ => MenuPage::Start,
            }),
            "flow" => Press::Flow(one()?),
            "new" => Press::NewTicket(one()?),
            "addto" => Press::AddTo(one()?),
            "entry" => Press::Entry(one()?),
            "apply" => Press::Apply(one()?),
            "card" => Press::Card(one()?),
            "faq" => {
                let (section, page) = rest.rsplit_once(':')?;
                // Only the bot's own writing of a page: no sign, no zeros before.
                let canonical = page == "0" || !page.starts_with(['0', '+']);
                if section.is_empty() || !canonical {
                    return None;
                }
                Press::Section {
                    section: section.to_string(),
                    page: page.parse().ok()?,
                }
            }
            "opt" => Press::Choose(rest.to_string()),
            "yes" => Press::Yes,
            "no" => Press::No,
            "skip" => Press::Skip,
            "back" => Press::Back,
            "cancel" => Press::Cancel,
            "comment" => Press::Comment(one()?),
            "rate" => {
                let (code, score) = rest.rsplit_once(':')?;
                Press::Rate {
                    code: code.to_string(),
                    score: score.parse().ok()?,
                }
            }
            "queue" => Press::Queue,
            "mine" => Press::Mine,
            "claim" => Press::Claim(one()?),
            "transfer" => Press::Transfer(one()?),
            "to" => {
                let (code, queue) = two()?;
                Press::TransferTo { code, queue }
            }
            "resolve" => Press::Resolve(one()?),
            "use" => Press::Use(one()?),
            "send" => {
                let (code, entry) = two()?;
                Press::Send { code, entry }
            }
            _ => return None,
        })
    }
}

impl fmt::Display for Press {
    /// The callback data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Press::Menu(MenuPage::Start) => f.write_str("menu:start"),
            Press::Menu(MenuPage::Faq) => f.write_str("menu:faq"),
            Press::Menu(MenuPage::Status) => f.write_str("menu:status"),
            Press::Flow(id) => write!(f, "flow:{id}"),
            Press::NewTicket(id) => write!(f, "new:{id}"),
            Press::AddTo(code) => write!(f, "addto:{code}"),
            Press::Entry(id) => write!(f, "entry:{id}"),
            Press::Apply(id) => write!(f, "apply:{id}"),
            Press::Card(id) => write!(f, "card:{id}"),
            Press::Section { section, page } => write!(f, "faq:{section}:{page}"),
            Press::Choose(value) => write!(f, "opt:{value}"),
            Press::Yes => f.write_str("yes"),
            Press::No => f.write_str("no"),
            Press::Skip => f.write_str("skip"),
            Press::Back => f.write_str("back"),
            Press::Cancel => f.write_str("cancel"),
            Press::Comment(code) => write!(f, "comment:{code}"),
            Press::Rate { code, score } => write!(f, "rate:{code}:{score}"),
            Press::Queue => f.write_str("queue"),
            Press::Mine => f.write_str("mine"),
            Press::Claim(code) => write!(f, "claim:{code}"),
            Press::Transfer(code) => write!(f, "transfer:{code}"),
            Press::TransferTo { code, queue } => write!(f, "to:{code}:{queue}"),
            Press::Resolve(code) => write!(f, "resolve:{code}"),
            Press::Use(code) => write!(f, "use:{code}"),
            Press::Send { code, entry } => write!(f, "send:{code}:{entry}"),
        }
    }
}

/// What a consultant's next plain message completes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Pending {
    /// The summary of resolving ticket `code`.
    ResolveSummary { code: String },
}

impl From<Pending> for String {
    /// Stored as `resolve:CODE`, as earlier versions stored it.
    fn from(pending: Pending) -> String {
        match pending {
            Pending::ResolveSummary { code } => format!("resolve:{code}"),
        }
    }
}

impl TryFrom<String> for Pending {
    type Error = String;

    fn try_from(stored: String) -> Result<Self, String> {
        match stored.split_once(':') {
            Some(("resolve", code)) if !code.is_empty() => Ok(Pending::ResolveSummary {
                code: code.to_string(),
            }),
            _ => Err(format!("unknown pending state {stored:?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_press_reads_back_as_itself() {
        let presses = [
            Press::Menu(MenuPage::Start),
            Press::Menu(MenuPage::Faq),
            Press::Menu(MenuPage::Status),
            Press::Flow("intake".into()),
            Press::NewTicket("intake".into()),
            Press::AddTo("2026-000001".into()),
            Press::Comment("2026-000001".into()),
            Press::Entry("startup-grant".into()),
            Press::Apply("startup-grant".into()),
            Press::Card("startup-grant".into()),
            Press::Section {
                section: "판로·마케팅".into(),
                page: 2,
            },
            Press::Section {
                section: "이용 안내".into(),
                page: 0,
            },
            Press::Choose("부산".into()),
            Press::Choose("2".into()),
            Press::Yes,
            Press::No,
            Press::Skip,
            Press::Back,
            Press::Cancel,
            Press::Rate {
                code: "2026-000001".into(),
                score: 5,
            },
            Press::Queue,
            Press::Mine,
            Press::Claim("2026-000001".into()),
            Press::Transfer("2026-000001".into()),
            Press::TransferTo {
                code: "2026-000001".into(),
                queue: "export-support".into(),
            },
            Press::Resolve("2026-000001".into()),
            Press::Use("2026-000001".into()),
            Press::Send {
                code: "2026-000001".into(),
                entry: "g-fair".into(),
            },
        ];
        for press in presses {
            let data = press.to_string();
            assert_eq!(Press::parse(&data), Some(press), "{data}");
            assert!(Button::new("x", &Press::parse(&data).unwrap()).fits_telegram());
        }
    }

    #[test]
    fn data_the_bot_never_issued_means_nothing() {
        for forged in [
            "",
            "claim:",
            "rate:2026-000001:x",
            "to:2026-000001",
            "send::",
            "drop table",
            "card:",
            "faq:",
            "faq:자금",
            "faq::1",
            "faq:자금:-1",
            "faq:자금:+1",
            "faq:자금:01",
            "faq:자금:256",
        ] {
            assert_eq!(Press::parse(forged), None, "{forged}");
        }
        let long = Button::new("x", &Press::Entry("가".repeat(30)));
        assert!(!long.fits_telegram(), "90 bytes of data");
    }

    #[test]
    fn a_link_button_opens_only_a_web_address() {
        for good in [
            "http://www.yunghap.com",
            "https://www.smehappy.re.kr/",
            "https://example.org/a?b=c#d",
        ] {
            assert!(Button::link("홈페이지", good).fits_telegram(), "{good}");
        }
        for bad in [
            "",
            "www.yunghap.com",
            "javascript:alert(1)",
            "https://",
            "https://localhost",
            "https://exa mple.com",
            "ftp://example.com",
        ] {
            assert!(!Button::link("홈페이지", bad).fits_telegram(), "{bad}");
        }
        let json = serde_json::to_string(&Button::new("x", &Press::Yes)).unwrap();
        assert_eq!(json, r#"{"text":"x","data":"yes"}"#, "stored as before");
    }

    #[test]
    fn a_pending_resolve_is_stored_as_before() {
        let pending = Pending::ResolveSummary {
            code: "2026-000001".into(),
        };
        let json = serde_json::to_string(&pending).unwrap();
        assert_eq!(json, "\"resolve:2026-000001\"");
        assert_eq!(serde_json::from_str::<Pending>(&json).unwrap(), pending);
    }
}
