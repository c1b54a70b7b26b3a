//! The coverage pass: how much of the question each entry explains, its
//! words weighted by rarity, and which entries go on to the finer signals
//! as candidates. Words are walked through their posting lists from the
//! rarest on; once the common words left could not lift a new entry among
//! the candidates, they are looked up only for the entries still in the
//! race (MaxScore).

use super::query::QueryTerm;
use super::scratch::{add_up, Scratch, SCRATCH};
use super::{Index, CANDIDATES, RELATED};

impl Index {
    /// The coverage pass: every entry that could be among the `CANDIDATES`
    /// covering most of the question, with the share it covers.
    ///
    /// Words are walked entry by entry from the rarest (shortest posting
    /// list) on. Before a common one (지원, 신청, a region in a large
    /// knowledge base), the `CANDIDATES`-th best share so far (of the
    /// entries found first: `floor_of`) is a floor for the last candidate:
    /// when an entry found by none of the words walked could not reach it
    /// even with all the words left, the rest are not walked but looked up
    /// for the entries still in the race (MaxScore).
    pub(super) fn cover(&self, query: &[QueryTerm], total: f32) -> Vec<(u32, f32)> {
        let units = self.units(query);
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let scratch = &mut *scratch;
            scratch.prepare_coverage(self.examples.entries());
            let walk = self.walk_rarest(&units, total, scratch);
            let touched = std::mem::take(&mut scratch.touched);
            let candidates = match walk.floor {
                Some(floor) => {
                    let rest = &units[walk.walked..];
                    self.look_up_rest(&touched, rest, walk.left, floor, total, scratch)
                }
                None => self.best_covering(&touched, total, scratch),
            };
            for &entry in &touched {
                scratch.coverage[entry as usize] = 0.0;
            }
            scratch.touched = touched;
            candidates
        })
    }

    /// The share of the question (its terms `query`, of weight `total`)
    /// each of `entries` covers, every word looked up for each: for entries
    /// found by other evidence than the coverage pass.
    pub(super) fn coverage_of(
        &self,
        query: &[QueryTerm],
        total: f32,
        entries: &[u32],
    ) -> Vec<(u32, f32)> {
        let mut covered: Vec<(u32, f32)> = entries.iter().map(|&e| (e, 0.0)).collect();
        covered.sort_unstable_by_key(|c| c.0);
        SCRATCH.with(|scratch| {
            let best = &mut scratch.borrow_mut().best;
            for unit in self.units(query) {
                unit.credit_each(&mut covered, best);
            }
        });
        for (entry, share) in &mut covered {
            *share = self.share(*entry, *share, total).min(1.0);
        }
        covered
    }

    /// The question's words the knowledge base has (or a near-synonym of),
    /// as posting lists, rarest first.
    fn units<'q>(&'q self, query: &[QueryTerm<'q>]) -> Vec<Unit<'q>> {
        let mut units: Vec<Unit<'_>> = query
            .iter()
            .map(|term| Unit {
                weight: term.weight,
                own: term
                    .id
                    .map_or(&[][..], |id| self.postings[id as usize].as_slice()),
                related: term.related,
                postings: &self.postings,
            })
            .filter(|unit| !unit.own.is_empty() || !unit.related.is_empty())
            .collect();
        units.sort_by_cached_key(Unit::entries);
        units
    }

    /// The entries of `touched` (every word walked) with the share they
    /// cover, those below the `CANDIDATES`-th best share left out: they
    /// would not be candidates, and on a large knowledge base they are
    /// thousands.
    fn best_covering(&self, touched: &[u32], total: f32, scratch: &Scratch) -> Vec<(u32, f32)> {
        let floor = if touched.len() > CANDIDATES {
            self.floor_of(touched, total, scratch) - 1e-6
        } else {
            f32::MIN
        };
        touched
            .iter()
            .map(|&entry| (entry, self.share_so_far(entry, total, scratch)))
            .filter(|c| c.1 >= floor)
            .collect()
    }

    /// A floor for the `CANDIDATES`-th best share of `touched` (more than
    /// `CANDIDATES` entries): the `CANDIDATES`-th best of the first
    /// `FLOOR_SAMPLE`, which never exceeds it. Those were found by the
    /// rarest words, so they are most often the best, and the floor is the
    /// `CANDIDATES`-th best itself or close below; on a large knowledge
    /// base the rest are thousands more, and the floor only has to be safe:
    /// what falls below it is not a candidate.
    fn floor_of(&self, touched: &[u32], total: f32, scratch: &Scratch) -> f32 {
        let sample = &touched[..touched.len().min(FLOOR_SAMPLE)];
        nth_largest(
            sample.iter().map(|&e| self.share_so_far(e, total, scratch)),
            CANDIDATES,
        )
    }

    /// The share `entry` covers by the words walked into `scratch`.
    fn share_so_far(&self, entry: u32, total: f32, scratch: &Scratch) -> f32 {
        let covered = scratch.coverage[entry as usize];
        self.share(entry, covered, total).min(1.0)
    }

    /// The share of the question (of weight `total`) an entry covering
    /// `covered` of it explains, held back by its length.
    fn share(&self, entry: u32, covered: f32, total: f32) -> f32 {
        covered / total * self.length_factor[entry as usize]
    }

    /// Walks `units` into the coverage in `scratch`, rarest first, until
    /// the words left are common and could not lift an entry none of the
    /// walked words found above the floor (`floor_of`) of the shares so far.
    fn walk_rarest(&self, units: &[Unit<'_>], total: f32, scratch: &mut Scratch) -> Walked {
        // A word is walked without looking first when its list is short, or
        // no longer than the list of entries found so far: looking costs a
        // pass over those, and walking it would cost less. On the generated
        // 10,000-entry knowledge base this cut instructions per question by
        // a fifth against looking once, before every word in a sixteenth of
        // the entries (docs/CHANGELOG.md).
        let cheap = CANDIDATES * 4;
        let all: f32 = units.iter().map(|unit| unit.weight).sum();
        let mut left = all;
        let mut walked = 0;
        while walked < units.len() {
            let unit = &units[walked];
            // No entry covers more than the words walked, so the words left
            // can only be outweighed by the best shares once they weigh
            // less than those: until then looking is not worth its pass.
            if unit.entries() > cheap.max(scratch.touched.len())
                && scratch.touched.len() >= CANDIDATES
                && left < all - left
            {
                let floor = self.floor_of(&scratch.touched, total, scratch);
                if left / total * self.max_length_factor < floor {
                    return Walked {
                        walked,
                        left,
                        floor: Some(floor),
                    };
                }
            }
            scratch.walk(unit);
            left -= unit.weight;
            walked += 1;
        }
        Walked {
            walked,
            left,
            floor: None,
        }
    }

    /// The entries of `touched` that could still reach `floor` with all the
    /// words `left` (of weight `left`), those words looked up for each of
    /// them, with the share they cover.
    fn look_up_rest(
        &self,
        touched: &[u32],
        rest: &[Unit<'_>],
        left: f32,
        floor: f32,
        total: f32,
        scratch: &mut Scratch,
    ) -> Vec<(u32, f32)> {
        let mut candidates = Vec::with_capacity(touched.len());
        candidates.extend(touched.iter().filter_map(|&entry| {
            let covered = scratch.coverage[entry as usize];
            (self.share(entry, covered + left, total) >= floor).then_some((entry, covered))
        }));
        // `touched` is in runs of ascending entries (each word's new
        // entries, in its posting list's order), which the stable sort
        // merges rather than sorting afresh.
        candidates.sort_by_key(|c| c.0);
        for unit in rest {
            unit.credit_each(&mut candidates, &mut scratch.best);
        }
        for (entry, covered) in &mut candidates {
            *covered = self.share(*entry, *covered, total).min(1.0);
        }
        candidates
    }
}

/// How many entries, in the order they were found, `floor_of` reads.
const FLOOR_SAMPLE: usize = 256;

/// How far the walk of the rarest words went.
struct Walked {
    /// How many words were walked.
    walked: usize,
    /// The weight of the words not walked.
    left: f32,
    /// If it stopped early: the floor of the shares then (`floor_of`).
    floor: Option<f32>,
}

impl Scratch {
    /// Makes room for `entries` entries and forgets the entries touched.
    fn prepare_coverage(&mut self, entries: usize) {
        if self.coverage.len() < entries {
            self.coverage.resize(entries, 0.0);
            self.credit.resize(entries, 0.0);
            self.credit_stamp.resize(entries, 0);
        }
        self.touched.clear();
    }

    /// Adds the unit's credit to the coverage of the entries it is found in,
    /// recording entries seen for the first time in `touched`.
    fn walk(&mut self, unit: &Unit<'_>) {
        let Scratch {
            coverage,
            credit,
            credit_stamp,
            stamp,
            touched,
            credited,
            ..
        } = self;
        if unit.related.is_empty() {
            let credits = unit
                .own
                .iter()
                .map(|&(entry, field)| (entry, unit.weight * field));
            add_up(coverage, touched, credits);
            return;
        }
        // The word itself or its best near-synonym, once per entry.
        *stamp = stamp.wrapping_add(1);
        credited.clear();
        for (list, factor) in unit.lists() {
            for &(entry, field) in list {
                let e = entry as usize;
                if credit_stamp[e] != *stamp {
                    credit_stamp[e] = *stamp;
                    credit[e] = factor * field;
                    credited.push(entry);
                } else {
                    credit[e] = credit[e].max(factor * field);
                }
            }
        }
        let credits = credited
            .iter()
            .map(|&entry| (entry, unit.weight * credit[entry as usize]));
        add_up(coverage, touched, credits);
    }
}

/// A word of the question with its near-synonyms, as posting lists.
struct Unit<'a> {
    weight: f32,
    /// The word's own posting list (empty if the knowledge base lacks it).
    own: &'a [(u32, f32)],
    /// Its near-synonyms' term ids, found for `RELATED` of the weight.
    related: &'a [u32],
    postings: &'a [Vec<(u32, f32)>],
}

impl<'a> Unit<'a> {
    /// (posting list, how much a match in it counts).
    fn lists(&self) -> impl Iterator<Item = (&'a [(u32, f32)], f32)> + '_ {
        std::iter::once((self.own, 1.0)).chain(
            self.related
                .iter()
                .map(|&id| (self.postings[id as usize].as_slice(), RELATED)),
        )
    }

    /// Number of postings: how common the word is.
    fn entries(&self) -> usize {
        self.lists().map(|(list, _)| list.len()).sum()
    }

    /// Adds `weight` × the best credit of the word or a near-synonym to
    /// each of `entries` (ascending, with what they cover so far). Posting
    /// lists are in entry order, so each list is searched forward from the
    /// last entry found (galloping), not from its start.
    fn credit_each(&self, entries: &mut [(u32, f32)], best: &mut Vec<f32>) {
        best.clear();
        best.resize(entries.len(), 0.0);
        for (list, factor) in self.lists() {
            let mut from = 0;
            for (i, &(entry, _)) in entries.iter().enumerate() {
                from = gallop(list, from, entry);
                match list.get(from) {
                    Some(&(found, field)) if found == entry => {
                        best[i] = best[i].max(factor * field);
                    }
                    Some(_) => {}
                    None => break,
                }
            }
        }
        for ((_, covered), credit) in entries.iter_mut().zip(best.iter()) {
            *covered += self.weight * credit;
        }
    }
}

/// The first position at or after `from` whose entry is not below `entry`,
/// found by doubling steps and then halving (`list` in entry order).
fn gallop(list: &[(u32, f32)], from: usize, entry: u32) -> usize {
    let rest = &list[from.min(list.len())..];
    let mut step = 1;
    while step < rest.len() && rest[step].0 < entry {
        step *= 2;
    }
    let low = step / 2;
    let high = (step + 1).min(rest.len());
    from + low + rest[low..high].partition_point(|p| p.0 < entry)
}

/// The `n`-th largest of `values` (the smallest of them if there are fewer
/// than `n`), kept in a small sorted buffer: one comparison per value for
/// the many that are not among the largest, instead of partitioning them
/// all.
pub(super) fn nth_largest(mut values: impl Iterator<Item = f32>, n: usize) -> f32 {
    // Ascending: top[0] is the n-th largest so far.
    let mut top: Vec<f32> = values.by_ref().take(n).collect();
    top.sort_unstable_by(f32::total_cmp);
    if top.len() == n {
        for value in values {
            if value > top[0] {
                // Drop top[0] and put `value` in its place in the order.
                let at = top.partition_point(|&t| t < value);
                top.copy_within(1..at, 0);
                top[at - 1] = value;
            }
        }
    }
    top.first().copied().unwrap_or(0.0)
}
