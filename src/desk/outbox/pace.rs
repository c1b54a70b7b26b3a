//! How fast the sender may go: at most `global_per_second` messages overall,
//! at least `per_chat_interval` between two messages to one chat, and a
//! pause when the other side asks for one (Telegram's 429 `retry_after`).
//! Each send waits for its turn here just before it goes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

use super::sender::SenderConfig;

/// What a `retry_after` applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseScope {
    /// Every send: the bot as a whole is over Telegram's overall limit.
    Everything,
    /// Only sends to this chat (a group's own limit); its queue waits by
    /// the row's `not_before`, the other chats go on.
    Chat(i64),
}

impl PauseScope {
    /// What a 429 for a send to `chat_id` applies to. The sender already
    /// keeps to one message a second per chat, which is Telegram's limit for
    /// a private chat, so a 429 there is about the overall rate: everything
    /// waits. Groups (negative ids) have a lower limit of their own (about 20
    /// messages a minute), so a 429 there holds back only that group.
    pub fn of_rate_limit(chat_id: i64) -> Self {
        if chat_id < 0 {
            Self::Chat(chat_id)
        } else {
            Self::Everything
        }
    }
}

/// Spaces sends: globally, per chat, and around a pause asked for.
pub struct Pacer {
    global_interval: Duration,
    next_global: Mutex<Instant>,
    per_chat_interval: Duration,
    last_per_chat: Mutex<HashMap<i64, Instant>>,
}

impl Pacer {
    pub fn new(config: &SenderConfig) -> Self {
        Self {
            global_interval: Duration::from_secs_f64(
                1.0 / f64::from(config.global_per_second.max(1)),
            ),
            next_global: Mutex::new(Instant::now()),
            per_chat_interval: config.per_chat_interval,
            last_per_chat: Mutex::new(HashMap::new()),
        }
    }

    /// Holds every send back until `after` from now (sends already on the
    /// wire are not called back).
    pub async fn pause_everything(&self, after: Duration) {
        let until = Instant::now() + after;
        let mut next = self.next_global.lock().await;
        *next = (*next).max(until);
    }

    /// How long from now until the next send may go, if everything is
    /// paused; `None` when sends may go now.
    pub async fn paused_for(&self) -> Option<Duration> {
        let next = *self.next_global.lock().await;
        next.checked_duration_since(Instant::now())
            .filter(|wait| *wait > self.global_interval)
    }

    /// Waits until a message to `chat_id` may go, and books its slot.
    pub async fn wait_turn(&self, chat_id: i64) {
        let chat_ready = {
            let last = self.last_per_chat.lock().await;
            last.get(&chat_id).map(|at| *at + self.per_chat_interval)
        };
        if let Some(ready) = chat_ready {
            tokio::time::sleep_until(ready.into()).await;
        }
        let slot = {
            let mut next = self.next_global.lock().await;
            let slot = (*next).max(Instant::now());
            *next = slot + self.global_interval;
            slot
        };
        tokio::time::sleep_until(slot.into()).await;
        let mut last = self.last_per_chat.lock().await;
        last.insert(chat_id, Instant::now());
        if last.len() > 10_000 {
            let horizon = self.per_chat_interval;
            last.retain(|_, at| at.elapsed() < horizon);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limit_in_a_private_chat_pauses_everything_and_in_a_group_only_the_group() {
        assert_eq!(PauseScope::of_rate_limit(1234), PauseScope::Everything);
        assert_eq!(
            PauseScope::of_rate_limit(-100123),
            PauseScope::Chat(-100123)
        );
    }

    #[tokio::test]
    async fn a_pause_holds_back_the_next_turn_and_then_ends() {
        let pacer = Pacer::new(&SenderConfig {
            global_per_second: 1000,
            per_chat_interval: Duration::ZERO,
            ..SenderConfig::default()
        });
        assert_eq!(pacer.paused_for().await, None);
        pacer.pause_everything(Duration::from_millis(200)).await;
        assert!(pacer.paused_for().await.is_some());
        let before = Instant::now();
        pacer.wait_turn(1).await;
        // A lower bound only: the pause cannot be shorter than asked.
        assert!(before.elapsed() >= Duration::from_millis(190));
        assert_eq!(pacer.paused_for().await, None);
    }
}
