//! The console channel: a conversation with the bot in the terminal, on the
//! same knowledge base and replies as the messenger.

use std::io::{BufRead, Write};

use anyhow::Result;

use crate::kb::{render, KnowledgeBase, Outcome};

/// Reads questions line by line from `input` and writes the bot's replies to
/// `output` until end of input or `/quit`.
pub fn chat(kb: &KnowledgeBase, input: impl BufRead, mut output: impl Write) -> Result<()> {
    writeln!(output, "🤖 {}", kb.texts.get("greeting"))?;
    writeln!(output, "   ({})", kb.texts.get("chat_help"))?;
    let mut offered: Vec<usize> = Vec::new();
    for line in input.lines() {
        let line = line?;
        let text = line.trim();
        if matches!(text, "/quit" | "/exit" | "/q") {
            break;
        }
        let reply = if text.is_empty() {
            kb.texts.get("empty").to_string()
        } else if text == "/help" || text == "/start" {
            format!(
                "{}\n{}",
                kb.texts.get("greeting"),
                kb.texts.get("chat_help")
            )
        } else if let Some(&entry) = text
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| offered.get(n))
        {
            render::entry(kb, kb.entry(entry))
        } else if text.chars().count() > 4000 {
            kb.texts.get("too_long").to_string()
        } else {
            let _span = tracing::info_span!("question").entered();
            let result = kb.find(text);
            tracing::debug!(outcome = result.outcome.as_str(), "matched");
            offered = match result.outcome {
                Outcome::Suggest => render::suggestions(kb, &result),
                _ => Vec::new(),
            };
            render::reply(kb, &result)
        };
        writeln!(output, "🤖 {}", reply.replace('\n', "\n   "))?;
        output.flush()?;
    }
    writeln!(output, "🤖 {}", kb.texts.get("goodbye"))?;
    Ok(())
}
