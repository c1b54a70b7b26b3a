//! Where a ticket is in its life: open → claimed → resolved → closed (and
//! back to open on a transfer, a release or a reopen). Stored as text.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A ticket's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TicketStatus {
    /// Waiting in its queue for a consultant.
    Open,
    /// Held by a consultant.
    Claimed,
    /// Solved; waiting for the SME's rating.
    Resolved,
    /// Done.
    Closed,
}

impl TicketStatus {
    pub const ALL: [TicketStatus; 4] = [
        TicketStatus::Open,
        TicketStatus::Claimed,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];

    /// As stored and as typed on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::Claimed => "claimed",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    /// The key of the bot's text that names it on the messenger.
    pub fn text_key(self) -> &'static str {
        match self {
            TicketStatus::Open => "word_status_open",
            TicketStatus::Claimed => "word_status_claimed",
            TicketStatus::Resolved => "word_status_resolved",
            TicketStatus::Closed => "word_status_closed",
        }
    }

    /// The Korean name, for the command line (the default of [`TicketStatus::text_key`]).
    pub fn label(self) -> &'static str {
        match self {
            TicketStatus::Open => "대기",
            TicketStatus::Claimed => "상담 중",
            TicketStatus::Resolved => "해결",
            TicketStatus::Closed => "종료",
        }
    }
}

impl fmt::Display for TicketStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TicketStatus {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        TicketStatus::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| {
                let all: Vec<&str> = TicketStatus::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "알 수 없는 상태 '{text}': {} 중 하나를 쓰세요",
                    all.join(", ")
                )
            })
    }
}

/// Read from the `status` column.
impl TryFrom<String> for TicketStatus {
    type Error = String;

    fn try_from(stored: String) -> Result<Self, String> {
        stored.parse()
    }
}

impl PartialEq<&str> for TicketStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_and_others_are_refused_with_the_choices() {
        for status in TicketStatus::ALL {
            assert_eq!(status.as_str().parse::<TicketStatus>(), Ok(status));
        }
        let refusal = "waiting".parse::<TicketStatus>().unwrap_err();
        assert!(
            refusal.contains("open, claimed, resolved, closed"),
            "{refusal}"
        );
    }
}
