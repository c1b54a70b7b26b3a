//! Per-thread scratch space for scoring, so a question allocates nothing the
//! size of the vocabulary or of the knowledge base: the coverage pass
//! (`cover`) and the finer signals (`rank`) borrow it in turn. Every slot
//! they set is reset after use, but the examples' n-gram dots, which last
//! the whole of `rank` and are cleared when the next question's are added
//! up.

use std::cell::RefCell;

/// The question's weight per term id, and per letter-pair id whether the
/// question has it; per entry, what the coverage pass has found so far.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) weights: Vec<f32>,
    /// The question's character n-gram weights by gram id.
    pub(super) chars: Vec<f32>,
    pub(super) marks: Vec<u8>,
    /// Per entry: how much of the question it covers so far.
    pub(super) coverage: Vec<f32>,
    /// Per entry: the best credit of the current question word or its
    /// near-synonyms, valid where `credit_stamp` equals `stamp`.
    pub(super) credit: Vec<f32>,
    pub(super) credit_stamp: Vec<u32>,
    pub(super) stamp: u32,
    /// The entries with coverage, and those credited by the current word:
    /// kept between questions for their capacity.
    pub(super) touched: Vec<u32>,
    pub(super) credited: Vec<u32>,
    /// Per candidate: the best credit of the current common word.
    pub(super) best: Vec<f32>,
    /// Per example question: its n-gram dot product with the current
    /// question by the uncommon grams, and the examples with one: set by
    /// `CharGrams::accumulate_uncommon` for the whole of `rank` (the
    /// candidates' cosines read it), cleared by its next call.
    pub(super) example_dots: Vec<f32>,
    pub(super) examples_found: Vec<u32>,
}

thread_local! {
    pub(super) static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Adds each `(slot, amount)` of `additions` to `slots`, recording in
/// `touched` every slot that was zero before.
///
/// Without a branch: on a common word's long posting list whether a slot is
/// new is a coin toss, and a mispredicted branch costs more than writing
/// every slot number and keeping only the new ones (a tenth of the time per
/// question or more on the generated 10,000-entry knowledge base).
pub(super) fn add_up(
    slots: &mut [f32],
    touched: &mut Vec<u32>,
    additions: impl ExactSizeIterator<Item = (u32, f32)>,
) {
    let mut found = touched.len();
    touched.resize(found + additions.len(), 0);
    for (slot, amount) in additions {
        let value = &mut slots[slot as usize];
        touched[found] = slot;
        found += usize::from(*value == 0.0);
        *value += amount;
    }
    touched.truncate(found);
}

#[cfg(test)]
mod tests {
    use super::add_up;

    #[test]
    fn adding_up_records_each_slot_once_when_it_first_gets_something() {
        let mut slots = vec![0.0, 0.5, 0.0, 0.0];
        let mut touched = vec![1];
        add_up(
            &mut slots,
            &mut touched,
            [(2, 1.0), (1, 1.0), (3, 2.0)].into_iter(),
        );
        add_up(&mut slots, &mut touched, [(2, 1.0), (0, 0.25)].into_iter());
        assert_eq!(slots, [0.25, 1.5, 2.0, 2.0]);
        assert_eq!(touched, [1, 2, 3, 0]);
    }
}
