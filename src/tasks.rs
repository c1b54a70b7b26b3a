//! Supervised background tasks: a process's long-running loops (polling,
//! processing, sending, the desk's jobs) run as named tasks, and one that
//! ends before shutdown (an error, a panic) is noticed at once, so the
//! process can stop with an error instead of living on half dead.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::task::{Id, JoinError, JoinSet};

/// A set of named tasks. Dropping it aborts those still running.
#[derive(Default)]
pub struct Supervisor {
    set: JoinSet<anyhow::Result<()>>,
    names: HashMap<Id, &'static str>,
}

/// How a task ended.
#[derive(Debug)]
pub struct TaskEnd {
    pub name: &'static str,
    /// `None`: it returned normally.
    pub failure: Option<String>,
}

impl fmt::Display for TaskEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.failure {
            None => write!(f, "the {} task ended", self.name),
            Some(why) => write!(f, "the {} task failed: {why}", self.name),
        }
    }
}

impl Supervisor {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `task` under `name`.
    pub fn spawn<F>(&mut self, name: &'static str, task: F)
    where
        F: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let handle = self.set.spawn(task);
        self.names.insert(handle.id(), name);
    }

    /// Waits for the first task to end and says which and how; `None` when
    /// no task is left.
    pub async fn first_to_end(&mut self) -> Option<TaskEnd> {
        let (id, failure) = match self.set.join_next_with_id().await? {
            Ok((id, Ok(()))) => (id, None),
            Ok((id, Err(e))) => (id, Some(format!("{e:#}"))),
            Err(join) => {
                let id = join.id();
                (id, Some(why_it_ended(join)))
            }
        };
        let name = self.names.remove(&id).unwrap_or("unnamed");
        Some(TaskEnd { name, failure })
    }

    /// Waits up to `grace` for the remaining tasks; aborts those still
    /// running after it. Returns how many had to be aborted.
    pub async fn drain(&mut self, grace: Duration) -> usize {
        let waited = tokio::time::timeout(grace, async {
            while self.set.join_next().await.is_some() {}
        })
        .await;
        if waited.is_ok() {
            return 0;
        }
        let left = self.set.len();
        self.set.abort_all();
        while self.set.join_next().await.is_some() {}
        left
    }
}

/// How a task that did not return ended: "panicked: MESSAGE" or "cancelled".
pub fn why_it_ended(join: JoinError) -> String {
    if !join.is_panic() {
        return "cancelled".to_string();
    }
    let payload = join.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    format!("panicked: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panicking_task_is_named_and_its_message_kept() {
        let mut tasks = Supervisor::new();
        tasks.spawn("forever", async {
            std::future::pending::<()>().await;
            Ok(())
        });
        tasks.spawn("polling", async { panic!("tried to clone a closed span") });
        let ended = tasks.first_to_end().await.unwrap();
        assert_eq!(ended.name, "polling");
        assert!(
            ended.to_string().contains("tried to clone a closed span"),
            "{ended}"
        );
        assert_eq!(tasks.drain(Duration::from_millis(10)).await, 1);
    }
}
