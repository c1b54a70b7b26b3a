//! Dialog flows written by admins in `dialogs/flows/`: steps with prompts,
//! typed slots, validation with a re-ask, branches, and an action at the end
//! (open a ticket, find programs). Loaded and validated with file, line and
//! column like the rest of `dialogs/`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use serde::Deserialize;
use toml::Spanned;

use crate::source::diagnostic::{did_you_mean, Diagnostic, Diagnostics, LineIndex, Location};
use crate::source::{Document, SourceFile};

/// What a step asks for, and how the answer is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotType {
    /// Free text (1–4,000 characters).
    Text,
    /// One of `options`, offered as buttons.
    Choice,
    /// A Korean phone number.
    Phone,
    /// An email address.
    Email,
    /// A phone number or an email.
    Contact,
    /// One of the 17 시·도, offered as buttons.
    Region,
    /// A ticket category, offered as buttons.
    Category,
    /// A business stage (예비창업, 초기창업, 성장, 재도약), offered as buttons.
    Stage,
    /// 예 / 아니요: goes to `yes` or `no`.
    YesNo,
    /// A 사업자등록번호, checked by its check digit.
    BusinessNumber,
}

const SLOT_TYPES: &[(&str, SlotType)] = &[
    ("text", SlotType::Text),
    ("choice", SlotType::Choice),
    ("phone", SlotType::Phone),
    ("email", SlotType::Email),
    ("contact", SlotType::Contact),
    ("region", SlotType::Region),
    ("category", SlotType::Category),
    ("stage", SlotType::Stage),
    ("yesno", SlotType::YesNo),
    ("business_number", SlotType::BusinessNumber),
];

/// What happens when a flow reaches `@action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Open a ticket from the slots company, region, category, description,
    /// contact (and business_number).
    OpenTicket,
    /// List the programs that fit region, stage and need (a category).
    FindPrograms,
    /// End the flow without doing anything.
    Cancel,
}

const ACTIONS: &[(&str, Action, &[&str])] = &[
    (
        "@open_ticket",
        Action::OpenTicket,
        &["company", "region", "category", "description", "contact"],
    ),
    (
        "@find_programs",
        Action::FindPrograms,
        &["region", "stage", "need"],
    ),
    ("@cancel", Action::Cancel, &[]),
];

/// Where a step leads: another step, or an action that ends the flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Step(String),
    Action(Action),
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub ask: String,
    pub slot: Option<String>,
    /// What the answer is called in the summary, on the ticket and its
    /// card (default: the bot's word for a known slot, else the slot).
    pub label: Option<String>,
    pub kind: SlotType,
    pub options: Vec<String>,
    pub optional: bool,
    pub next: Option<Target>,
    pub yes: Option<Target>,
    pub no: Option<Target>,
}

#[derive(Debug, Clone)]
pub struct Flow {
    pub id: String,
    pub title: String,
    pub start: String,
    /// Slots filled before the first step (e.g. category = "기타").
    pub preset: BTreeMap<String, String>,
    pub steps: Vec<Step>,
    pub done: String,
}

impl Flow {
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// Whether the flow ends by opening a ticket.
    pub fn opens_ticket(&self) -> bool {
        self.steps.iter().any(|step| {
            [&step.next, &step.yes, &step.no]
                .into_iter()
                .flatten()
                .any(|target| *target == Target::Action(Action::OpenTicket))
        })
    }
}

/// Every flow of a `dialogs/` folder.
#[derive(Debug, Clone, Default)]
pub struct Flows {
    pub flows: Vec<Flow>,
    /// What `onestop check` warns about without refusing the folder: slots
    /// asked for that nothing keeps.
    pub warnings: Vec<Diagnostic>,
}

impl Flows {
    pub fn get(&self, id: &str) -> Option<&Flow> {
        self.flows.iter().find(|f| f.id == id)
    }

    /// Loads and checks the `[[flow]]` tables of `sources`; every problem
    /// is reported at once.
    pub fn load(sources: &[SourceFile]) -> Result<Flows, Diagnostics> {
        let mut diags = Diagnostics::default();
        let documents = crate::source::parse(sources, &mut diags);
        let flows = Flows::read(&documents, &mut diags);
        if diags.is_empty() {
            Ok(flows)
        } else {
            Err(diags.sorted())
        }
    }

    /// The flows of documents parsed once for every part; problems go to
    /// `diags` and the flows that have them are left out.
    pub fn read(documents: &[Document<'_>], diags: &mut Diagnostics) -> Flows {
        let mut flows = Vec::new();
        let mut warnings = Vec::new();
        let mut first_place: HashMap<String, Location> = HashMap::new();
        for document in documents {
            if document.entries(TABLES).next().is_none() {
                continue;
            }
            let lines = &document.lines;
            let deserializer = toml::de::Deserializer::from(document.only(TABLES));
            let file = match FlowFile::deserialize(deserializer) {
                Ok(file) => file,
                Err(e) => {
                    let at = lines.location(e.span().map_or(0, |s| s.start));
                    let message = e.message().lines().next().unwrap_or("invalid flow");
                    diags.push(at, format!("flow: {message}"));
                    continue;
                }
            };
            for raw in file.flow {
                let at = lines.location(raw.id.span().start);
                if let Some(first) = first_place.get(raw.id.get_ref()) {
                    diags.push(
                        at.clone(),
                        format!("flow `{}` is already defined at {first}", raw.id.get_ref()),
                    );
                    continue;
                }
                first_place.insert(raw.id.get_ref().clone(), at);
                let slot_places: HashMap<String, Location> = raw
                    .step
                    .iter()
                    .filter_map(|s| {
                        let slot = s.slot.as_ref()?;
                        Some((s.id.get_ref().clone(), lines.location(slot.span().start)))
                    })
                    .collect();
                if let Some(flow) = check_flow(raw, lines, diags) {
                    warnings.extend(unused_slots(&flow, &slot_places));
                    flows.push(flow);
                }
            }
        }
        warnings.sort();
        Flows { flows, warnings }
    }
}

/// The top-level table flows are read from.
pub const TABLES: &[&str] = &["flow"];

#[derive(Deserialize)]
struct FlowFile {
    #[serde(default)]
    flow: Vec<RawFlow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFlow {
    id: Spanned<String>,
    title: Spanned<String>,
    start: Spanned<String>,
    #[serde(default)]
    preset: BTreeMap<String, String>,
    /// Said when the flow's action goes through, before the action's own
    /// reply (not when it is refused or is `@cancel`).
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    step: Vec<RawStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStep {
    id: Spanned<String>,
    #[serde(default)]
    ask: Option<Spanned<String>>,
    #[serde(default)]
    slot: Option<Spanned<String>>,
    #[serde(default)]
    label: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    next: Option<Spanned<String>>,
    #[serde(default)]
    yes: Option<Spanned<String>>,
    #[serde(default)]
    no: Option<Spanned<String>>,
}

/// Checks one flow as written; `None` when it has problems (in `diags`).
fn check_flow(raw: RawFlow, lines: &LineIndex<'_>, diags: &mut Diagnostics) -> Option<Flow> {
    let before = diags.len();
    let checker = FlowChecker::new(&raw, lines, diags);
    let start = raw.start.get_ref().trim().to_string();
    if !checker.ids.contains_key(&start) && !raw.step.is_empty() {
        diags.push(
            lines.location(raw.start.span().start),
            format!(
                "unknown start step `{start}`{}",
                did_you_mean(&start, checker.known())
            ),
        );
    }
    let mut steps = Vec::new();
    let mut filled: HashSet<String> = raw.preset.keys().cloned().collect();
    let mut actions_used = Vec::new();
    for rs in &raw.step {
        let at = lines.location(rs.id.span().start);
        let step = checker.step(rs, &at, diags);
        filled.extend(step.slot.clone());
        for t in [&step.next, &step.yes, &step.no].into_iter().flatten() {
            if let Target::Action(a) = t {
                actions_used.push((*a, at.clone()));
            }
        }
        steps.push(step);
    }
    check_action_slots(&actions_used, &filled, diags);
    if diags.len() == before {
        checker.check_reachable(&steps, &start, diags);
    }
    if diags.len() != before {
        return None;
    }
    Some(Flow {
        id: raw.id.into_inner(),
        title: raw.title.into_inner(),
        start,
        preset: raw.preset,
        steps,
        done: raw.done.unwrap_or_default(),
    })
}

/// What checking a flow's steps needs: where the file's lines are and where
/// each step id is defined.
struct FlowChecker<'a, 'l> {
    lines: &'a LineIndex<'l>,
    ids: HashMap<String, Location>,
}

impl<'a, 'l> FlowChecker<'a, 'l> {
    /// Collects the step ids, reporting duplicates and a flow without steps.
    fn new(raw: &RawFlow, lines: &'a LineIndex<'l>, diags: &mut Diagnostics) -> Self {
        let mut ids: HashMap<String, Location> = HashMap::new();
        for step in &raw.step {
            let at = lines.location(step.id.span().start);
            if let Some(first) = ids.get(step.id.get_ref()) {
                diags.push(
                    at,
                    format!("step `{}` is already defined at {first}", step.id.get_ref()),
                );
            } else {
                ids.insert(step.id.get_ref().clone(), at);
            }
        }
        if raw.step.is_empty() {
            diags.push(
                lines.location(raw.id.span().start),
                format!("flow `{}` has no [[flow.step]]", raw.id.get_ref()),
            );
        }
        Self { lines, ids }
    }

    fn known(&self) -> Vec<&str> {
        self.ids.keys().map(String::as_str).collect()
    }

    /// One step as written, checked: its type, prompt, slot and where it leads.
    fn step(&self, rs: &RawStep, at: &Location, diags: &mut Diagnostics) -> Step {
        let kind = self.slot_type(rs, at, diags);
        let ask = self.prompt(rs, at, diags);
        if kind == SlotType::Choice && rs.options.is_empty() {
            diags.push(
                at.clone(),
                format!("step `{}` of type choice needs `options`", rs.id.get_ref()),
            );
        }
        if kind != SlotType::YesNo && rs.slot.is_none() {
            diags.push(
                at.clone(),
                format!(
                    "step `{}` needs a `slot` to keep the answer in",
                    rs.id.get_ref()
                ),
            );
        }
        let (next, yes, no) = if kind == SlotType::YesNo {
            if rs.next.is_some() {
                diags.push(
                    at.clone(),
                    "a yesno step goes on with `yes` and `no`, not `next`",
                );
            }
            let yes = self.required_target(rs, &rs.yes, "yes", at, diags);
            let no = self.required_target(rs, &rs.no, "no", at, diags);
            (None, yes, no)
        } else {
            (
                self.required_target(rs, &rs.next, "next", at, diags),
                None,
                None,
            )
        };
        Step {
            id: rs.id.get_ref().clone(),
            ask,
            slot: rs.slot.as_ref().map(|s| s.get_ref().clone()),
            label: rs
                .label
                .as_ref()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty()),
            kind,
            options: rs.options.clone(),
            optional: rs.optional,
            next,
            yes,
            no,
        }
    }

    /// The step's `type`, `text` when not given.
    fn slot_type(&self, rs: &RawStep, at: &Location, diags: &mut Diagnostics) -> SlotType {
        let kind_name = rs.kind.as_ref().map_or("text", |k| k.get_ref().as_str());
        if let Some((_, kind)) = SLOT_TYPES.iter().find(|(n, _)| *n == kind_name) {
            return *kind;
        }
        let place = rs
            .kind
            .as_ref()
            .map_or(at.clone(), |k| self.lines.location(k.span().start));
        let names: Vec<&str> = SLOT_TYPES.iter().map(|(n, _)| *n).collect();
        diags.push(
            place,
            format!(
                "unknown step type `{kind_name}`; expected one of: {}",
                names.join(", ")
            ),
        );
        SlotType::Text
    }

    /// The step's `ask`, which must be there and not empty.
    fn prompt(&self, rs: &RawStep, at: &Location, diags: &mut Diagnostics) -> String {
        match &rs.ask {
            Some(a) if !a.get_ref().trim().is_empty() => a.get_ref().trim().to_string(),
            Some(a) => {
                diags.push(self.lines.location(a.span().start), "`ask` is empty");
                String::new()
            }
            None => {
                diags.push(
                    at.clone(),
                    format!("step `{}` has no prompt (`ask`)", rs.id.get_ref()),
                );
                String::new()
            }
        }
    }

    /// `next`, `yes` or `no` of a step, which must be given.
    fn required_target(
        &self,
        rs: &RawStep,
        value: &Option<Spanned<String>>,
        key: &str,
        at: &Location,
        diags: &mut Diagnostics,
    ) -> Option<Target> {
        match value {
            Some(v) => self.target(v, diags),
            None => {
                let message = if key == "next" {
                    format!(
                        "step `{}` needs `next` (a step id or an @action)",
                        rs.id.get_ref()
                    )
                } else {
                    format!("yesno step `{}` needs `{key}`", rs.id.get_ref())
                };
                diags.push(at.clone(), message);
                None
            }
        }
    }

    /// A step id or an `@action`.
    fn target(&self, value: &Spanned<String>, diags: &mut Diagnostics) -> Option<Target> {
        let name = value.get_ref().trim();
        let at = self.lines.location(value.span().start);
        if name.starts_with('@') {
            return match ACTIONS.iter().find(|(n, _, _)| *n == name) {
                Some((_, a, _)) => Some(Target::Action(*a)),
                None => {
                    let names: Vec<&str> = ACTIONS.iter().map(|(n, _, _)| *n).collect();
                    diags.push(
                        at,
                        format!(
                            "unknown action `{name}`; expected one of: {}",
                            names.join(", ")
                        ),
                    );
                    None
                }
            };
        }
        if self.ids.contains_key(name) {
            Some(Target::Step(name.to_string()))
        } else {
            diags.push(
                at,
                format!("unknown step `{name}`{}", did_you_mean(name, self.known())),
            );
            None
        }
    }

    /// Every step can be reached from `start`.
    fn check_reachable(&self, steps: &[Step], start: &str, diags: &mut Diagnostics) {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut queue: VecDeque<&str> = VecDeque::from([start]);
        while let Some(id) = queue.pop_front() {
            if !seen.insert(id) {
                continue;
            }
            if let Some(step) = steps.iter().find(|s| s.id == id) {
                for t in [&step.next, &step.yes, &step.no].into_iter().flatten() {
                    if let Target::Step(next) = t {
                        queue.push_back(next);
                    }
                }
            }
        }
        for step in steps {
            if !seen.contains(step.id.as_str()) {
                diags.push(
                    self.ids[&step.id].clone(),
                    format!("step `{}` can never be reached from `{start}`", step.id),
                );
            }
        }
    }
}

/// Slots asked for that no action after their step keeps or reads: a
/// ticket keeps every slot; the program finder reads region, stage and
/// need; cancelling keeps nothing. `places` are where each step's `slot`
/// is written.
fn unused_slots(flow: &Flow, places: &HashMap<String, Location>) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    for step in &flow.steps {
        let Some(slot) = &step.slot else { continue };
        let actions = actions_after(flow, &step.id);
        let kept = actions.iter().any(|a| {
            *a == Action::OpenTicket
                || ACTIONS
                    .iter()
                    .any(|(_, action, reads)| action == a && reads.contains(&slot.as_str()))
        });
        if kept {
            continue;
        }
        let ends: Vec<&str> = ACTIONS
            .iter()
            .filter(|(_, a, _)| actions.contains(a))
            .map(|(name, _, _)| *name)
            .collect();
        let ends = if ends.is_empty() {
            "no action".to_string()
        } else {
            ends.join(" or ")
        };
        let at = places.get(&step.id).cloned().unwrap_or_default();
        warnings.push(Diagnostic {
            location: at,
            message: format!(
                "slot `{slot}` of step `{}` is asked but never kept: the flow ends in {ends}, \
                 which does not use it (only @open_ticket keeps every slot with the ticket)",
                step.id
            ),
        });
    }
    warnings
}

/// The actions a flow can reach from step `from`.
fn actions_after(flow: &Flow, from: &str) -> Vec<Action> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut queue: VecDeque<&str> = VecDeque::from([from]);
    let mut actions = Vec::new();
    while let Some(id) = queue.pop_front() {
        if !seen.insert(id) {
            continue;
        }
        let Some(step) = flow.step(id) else { continue };
        for t in [&step.next, &step.yes, &step.no].into_iter().flatten() {
            match t {
                Target::Step(next) => queue.push_back(next),
                Target::Action(a) if !actions.contains(a) => actions.push(*a),
                Target::Action(_) => {}
            }
        }
    }
    actions
}

/// Slots an action needs must be asked somewhere (or preset).
fn check_action_slots(
    actions_used: &[(Action, Location)],
    filled: &HashSet<String>,
    diags: &mut Diagnostics,
) {
    for (action, at) in actions_used {
        let needs = ACTIONS
            .iter()
            .find(|(_, a, _)| a == action)
            .map_or(&[][..], |(_, _, n)| n);
        for slot in needs.iter().filter(|s| !filled.contains(**s)) {
            diags.push(
                at.clone(),
                format!("this flow never asks for `{slot}`, which its action needs"),
            );
        }
    }
}
