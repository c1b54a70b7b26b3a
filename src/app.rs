//! The composition root: what a running onestop is made of, built in one
//! place. [`Dialogs`] reads a `dialogs/` folder (or the one built into the
//! binary) into the knowledge base, routing and flows; [`App`] puts them
//! together with the database as the desk and the dialog engine, and swaps
//! them on reload; [`runtime`] is the one async runtime set-up. `chat`,
//! `serve`, `worker` and the tests all start here.

use std::path::Path;
use std::sync::{Arc, RwLock};

use anyhow::{Context, Result};
use sqlx::PgPool;

use crate::desk::{Desk, Routing};
use crate::dialog::{AttachmentRules, Engine, Flows};
use crate::kb::{self, Diagnostics, KnowledgeBase, SourceFile};
use crate::texts::Texts;

/// What a running bot takes from a `dialogs/` folder.
pub struct Dialogs {
    pub kb: KnowledgeBase,
    pub routing: Routing,
    pub flows: Flows,
    pub texts: Texts,
    pub attachments: AttachmentRules,
}

impl Dialogs {
    /// Reads `dir`, or the dialogs built into the binary when `None`; the
    /// error lists every problem with its place.
    pub fn load(dir: Option<&Path>) -> Result<Dialogs> {
        let (place, sources) = match dir {
            Some(dir) => (dir.display().to_string(), kb::read_dir(dir)?),
            None => ("the built-in dialogs".to_string(), kb::embedded_sources()),
        };
        Dialogs::from_sources(&sources)
            .map_err(|diags| anyhow::anyhow!("{place} has {} error(s):\n{diags}", diags.len()))
    }

    /// Every part of one set of files, each file parsed once and every
    /// problem of every part reported.
    pub fn from_sources(sources: &[SourceFile]) -> Result<Dialogs, Diagnostics> {
        let mut diags = Diagnostics::default();
        let documents = crate::source::parse(sources, &mut diags);
        let kb = KnowledgeBase::read(&documents, &mut diags);
        let routing = Routing::read(&documents, &mut diags);
        let flows = Flows::read(&documents, &mut diags);
        let texts = crate::texts::read(&documents, &mut diags);
        let attachments = AttachmentRules::read(&documents, &mut diags);
        match kb {
            Some(kb) if diags.is_empty() => Ok(Dialogs {
                kb,
                routing,
                flows,
                texts,
                attachments,
            }),
            _ => Err(diags.sorted()),
        }
    }
}

/// The desk and the dialog engine on one database.
#[derive(Clone)]
pub struct App {
    pub desk: Desk,
    /// The current engine; swapped whole by [`App::reload`].
    pub engine: Arc<RwLock<Engine>>,
}

impl App {
    pub fn new(dialogs: Dialogs, pool: PgPool) -> App {
        let desk = Desk::new(pool, Arc::new(dialogs.routing));
        desk.set_texts(Arc::new(dialogs.texts));
        let engine = Engine::new(
            Arc::new(dialogs.kb),
            Arc::new(dialogs.flows),
            Arc::new(dialogs.attachments),
            desk.clone(),
        );
        App {
            desk,
            engine: Arc::new(RwLock::new(engine)),
        }
    }

    /// The engine as it is now.
    pub fn engine(&self) -> Engine {
        self.engine
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Puts new dialogs in place: routing and texts for the desk (the engine
    /// speaks the desk's texts), the knowledge base and flows for the engine.
    /// Updates in hand finish on the old ones.
    pub fn reload(&self, dialogs: Dialogs) {
        self.desk.set_routing(Arc::new(dialogs.routing));
        self.desk.set_texts(Arc::new(dialogs.texts));
        let engine = Engine::new(
            Arc::new(dialogs.kb),
            Arc::new(dialogs.flows),
            Arc::new(dialogs.attachments),
            self.desk.clone(),
        );
        *self.engine.write().unwrap_or_else(|p| p.into_inner()) = engine;
    }
}

/// The async runtime every long-running command uses.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}
