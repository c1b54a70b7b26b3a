//! The page's templates (minijinja, compiled into the binary; HTML escaped
//! by the engine for every value) and the filters they use.

use anyhow::{Context, Result};
use minijinja::Environment;
use serde::Serialize;

/// Every template, by name.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("templates/base.html")),
    ("signin.html", include_str!("templates/signin.html")),
    ("now.html", include_str!("templates/now.html")),
    ("ticket.html", include_str!("templates/ticket.html")),
    ("message.html", include_str!("templates/message.html")),
    ("trends.html", include_str!("templates/trends.html")),
    ("unanswered.html", include_str!("templates/unanswered.html")),
];

/// The compiled templates.
pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Self> {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .with_context(|| format!("template {name}"))?;
        }
        env.add_filter("minutes", minutes);
        Ok(Templates { env })
    }

    /// Renders `name` with `context`.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(context))
            .with_context(|| format!("rendering {name}"))
    }
}

/// Minutes as a person reads a wait: `45분`, `3시간 5분`, `2일 4시간`.
pub fn minutes(total: i64) -> String {
    let (days, hours, mins) = (total / 1440, total % 1440 / 60, total % 60);
    match (days, hours) {
        (0, 0) => format!("{mins}분"),
        (0, _) => format!("{hours}시간 {mins}분"),
        _ => format!("{days}일 {hours}시간"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_in_the_largest_units() {
        assert_eq!(minutes(45), "45분");
        assert_eq!(minutes(185), "3시간 5분");
        assert_eq!(minutes(2 * 1440 + 250), "2일 4시간");
    }

    #[test]
    fn values_are_escaped_by_the_engine() {
        let t = Templates::new().unwrap();
        let html = t
            .render(
                "message.html",
                minijinja::context! { title => "x", supervisor => "", message => "<script>alert(1)</script>'; DROP TABLE tickets; --" },
            )
            .unwrap();
        assert!(html.contains("&lt;script&gt;alert(1)&lt;"), "{html}");
        assert!(html.contains("&#x27;; DROP TABLE tickets; --"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
    }
}
