//! The example questions of every entry, stored compactly for scoring: their
//! terms and letter pairs end to end in entry order, so scoring a candidate
//! reads memory in order rather than chasing a vector per example; and the
//! letter pairs of a text.

/// Where one example question's terms and letter pairs lie in `Examples`.
pub(super) struct Example {
    pub(super) terms: std::ops::Range<u32>,
    /// Euclidean norm of the example's idf-weighted terms.
    pub(super) norm: f32,
    pub(super) pairs: std::ops::Range<u32>,
}

/// Every example question's terms and letter pairs, stored end to end in
/// entry order.
#[derive(Default)]
pub(super) struct Examples {
    /// Per entry: its examples in `list`.
    pub(super) of_entry: Vec<std::ops::Range<u32>>,
    pub(super) list: Vec<Example>,
    /// (term id, weight of its kind × idf).
    pub(super) terms: Vec<(u32, f32)>,
    /// Distinct letter pairs, as ids into `Index::pair_ids`.
    pub(super) pairs: Vec<u32>,
}

impl Examples {
    pub(super) fn of(&self, entry: u32) -> &[Example] {
        let range = &self.of_entry[entry as usize];
        &self.list[range.start as usize..range.end as usize]
    }

    pub(super) fn terms(&self, example: &Example) -> &[(u32, f32)] {
        &self.terms[example.terms.start as usize..example.terms.end as usize]
    }

    pub(super) fn pairs(&self, example: &Example) -> &[u32] {
        &self.pairs[example.pairs.start as usize..example.pairs.end as usize]
    }

    /// The entry example question `example` (in `list` order) is of.
    pub(super) fn entry_of(&self, example: u32) -> u32 {
        self.of_entry.partition_point(|range| range.end <= example) as u32
    }

    pub(super) fn entries(&self) -> usize {
        self.of_entry.len()
    }
}

/// Distinct pairs of neighbouring letters, as sortable numbers.
pub(super) fn letter_pairs(compact: &str) -> Vec<u64> {
    let chars: Vec<char> = compact.chars().collect();
    let mut pairs: Vec<u64> = chars
        .windows(2)
        .map(|w| ((w[0] as u64) << 32) | w[1] as u64)
        .collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}
