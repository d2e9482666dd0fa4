//! A many-phrase matcher: one pass over a text finds every known phrase in it.
//!
//! An Aho–Corasick automaton compiled to a dense table over a small byte alphabet (only the bytes
//! that occur in some phrase get a class; every other byte sends the scan back to the root). It
//! reports which phrase *groups* occur, and for groups asked for, where (the end offsets of the
//! first matches). Matching is byte-exact: callers lowercase first. Not for deciding anything:
//! the phrase tables and what they mean live in `wording`.

/// The most groups a matcher can report (one bit each).
pub(crate) const MAX_GROUPS: usize = 64;

/// How many match positions a scan keeps in all (in text order, across positional groups).
const MAX_POSITIONS: usize = 32;

/// How many match positions a scan keeps for one group.
const MAX_POSITIONS_PER_GROUP: usize = 8;

/// Set in a table entry when the target state ends at least one phrase.
const OUTPUT_FLAG: u16 = 0x8000;

/// A compiled set of phrases, each belonging to a group.
pub(crate) struct Matcher {
    classes: [u8; 256],
    class_count: usize,
    /// `next[state * class_count + class]`: the target state, with [`OUTPUT_FLAG`] when it ends a
    /// phrase.
    next: Vec<u16>,
    /// Per state, the range of `out_groups` it reports.
    out_range: Vec<(u32, u32)>,
    /// Group ids, deduplicated per state.
    out_groups: Vec<u8>,
}

/// What a scan found.
#[derive(Clone, Copy)]
pub(crate) struct Hits {
    groups: u64,
    /// End offsets of kept matches, and their groups.
    ends: [u32; MAX_POSITIONS],
    end_groups: [u8; MAX_POSITIONS],
    kept: usize,
}

impl Hits {
    /// True when some phrase of `group` occurs.
    pub fn has(&self, group: u8) -> bool {
        self.groups & (1u64 << group) != 0
    }

    /// End offsets (exclusive) of the matches of `group`, in text order (the first few only).
    pub fn ends(&self, group: u8) -> impl Iterator<Item = usize> + '_ {
        self.end_groups[..self.kept]
            .iter()
            .zip(&self.ends)
            .filter(move |(g, _)| **g == group)
            .map(|(_, end)| *end as usize)
    }

    fn keep(&mut self, group: u8, end: usize) {
        let same = self.end_groups[..self.kept]
            .iter()
            .filter(|g| **g == group)
            .count();
        if self.kept < MAX_POSITIONS && same < MAX_POSITIONS_PER_GROUP {
            self.ends[self.kept] = end.min(u32::MAX as usize) as u32;
            self.end_groups[self.kept] = group;
            self.kept += 1;
        }
    }
}

impl Matcher {
    /// Compiles `(group, phrase)` pairs. Groups must be below [`MAX_GROUPS`]; phrases non-empty.
    pub fn new(phrases: &[(u8, &str)]) -> Matcher {
        let mut classes = [0u8; 256];
        let mut class_count = 1; // class 0: bytes in no phrase
        for (_, phrase) in phrases {
            for &b in phrase.as_bytes() {
                if classes[b as usize] == 0 {
                    classes[b as usize] = class_count as u8;
                    class_count += 1;
                }
            }
        }
        // The trie: `goto` rows of u32 with u32::MAX for "no edge".
        const NONE: u32 = u32::MAX;
        let mut goto: Vec<u32> = vec![NONE; class_count];
        let mut own: Vec<Vec<u8>> = vec![Vec::new()];
        for (group, phrase) in phrases {
            debug_assert!((*group as usize) < MAX_GROUPS && !phrase.is_empty());
            let mut state = 0usize;
            for &b in phrase.as_bytes() {
                let slot = state * class_count + classes[b as usize] as usize;
                if goto[slot] == NONE {
                    let new_state = own.len();
                    goto[slot] = new_state as u32;
                    goto.extend(std::iter::repeat_n(NONE, class_count));
                    own.push(Vec::new());
                }
                state = goto[slot] as usize;
            }
            if !own[state].contains(group) {
                own[state].push(*group);
            }
        }
        let states = own.len();
        // Breadth-first: failure links, outputs through them, and missing edges filled in (DFA).
        let mut fail = vec![0usize; states];
        let mut outputs = own;
        let mut queue = std::collections::VecDeque::new();
        // Breadth-first order, kept to number the states: shallow states (the ones most bytes
        // visit) get neighbouring rows, which keeps the hot part of the table small.
        let mut order = vec![0usize];
        for class in 0..class_count {
            match goto[class] {
                NONE => goto[class] = 0,
                child => queue.push_back(child as usize),
            }
        }
        while let Some(state) = queue.pop_front() {
            order.push(state);
            let inherited = outputs[fail[state]].clone();
            for group in inherited {
                if !outputs[state].contains(&group) {
                    outputs[state].push(group);
                }
            }
            for class in 0..class_count {
                let slot = state * class_count + class;
                let via_fail = goto[fail[state] * class_count + class];
                match goto[slot] {
                    NONE => goto[slot] = via_fail,
                    child => {
                        fail[child as usize] = via_fail as usize;
                        queue.push_back(child as usize);
                    }
                }
            }
        }
        // Class 0 never continues a match.
        for state in 0..states {
            goto[state * class_count] = 0;
        }
        let mut rank = vec![0u16; states];
        for (new, &old) in order.iter().enumerate() {
            // States are far fewer than 0x8000 for the phrase tables used here.
            rank[old] = new as u16;
        }
        let mut out_range = Vec::with_capacity(states);
        let mut out_groups = Vec::new();
        let mut next = Vec::with_capacity(states * class_count);
        for &old in &order {
            let start = out_groups.len() as u32;
            out_groups.extend_from_slice(&outputs[old]);
            out_range.push((start, out_groups.len() as u32));
            for &target in &goto[old * class_count..(old + 1) * class_count] {
                let target = target as usize;
                let flag = if outputs[target].is_empty() {
                    0
                } else {
                    OUTPUT_FLAG
                };
                next.push(rank[target] | flag);
            }
        }
        debug_assert!(
            states < OUTPUT_FLAG as usize,
            "too many states for u16 entries"
        );
        Matcher {
            classes,
            class_count,
            next,
            out_range,
            out_groups,
        }
    }

    /// Scans `text`; positions are kept for groups whose bit is set in `positional`.
    pub fn scan(&self, text: &[u8], positional: u64) -> Hits {
        let mut hits = Hits {
            groups: 0,
            ends: [0; MAX_POSITIONS],
            end_groups: [0; MAX_POSITIONS],
            kept: 0,
        };
        let mut state = 0usize;
        for (i, &b) in text.iter().enumerate() {
            let entry = self.next[state * self.class_count + self.classes[b as usize] as usize];
            state = (entry & !OUTPUT_FLAG) as usize;
            if entry & OUTPUT_FLAG != 0 {
                let (start, end) = self.out_range[state];
                for &group in &self.out_groups[start as usize..end as usize] {
                    hits.groups |= 1u64 << group;
                    if positional & (1u64 << group) != 0 {
                        hits.keep(group, i + 1);
                    }
                }
            }
        }
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_overlapping_and_nested_phrases() {
        let m = Matcher::new(&[
            (0, "he"),
            (1, "she"),
            (2, "hers"),
            (3, "his"),
            (4, "rate limit"),
        ]);
        let hits = m.scan(b"ushers and a rate limit", 1 << 0 | 1 << 4);
        for group in [0, 1, 2, 4] {
            assert!(hits.has(group), "{group}");
        }
        assert!(!hits.has(3));
        assert_eq!(hits.ends(0).collect::<Vec<_>>(), vec![4]);
        assert_eq!(hits.ends(4).collect::<Vec<_>>(), vec![23]);
    }

    #[test]
    fn unknown_bytes_reset_the_match() {
        let m = Matcher::new(&[(0, "abc")]);
        assert!(!m.scan("abéc".as_bytes(), 0).has(0));
        assert!(m.scan("aabcc".as_bytes(), 0).has(0));
        assert!(!m.scan(b"", 0).has(0));
    }

    #[test]
    fn agrees_with_contains_on_many_texts() {
        let phrases = [
            "limit: 0",
            "limit",
            "per day",
            "day",
            "try again in",
            "again",
            "in",
        ];
        let table: Vec<(u8, &str)> = phrases
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u8, *p))
            .collect();
        let m = Matcher::new(&table);
        for text in [
            "limit: 0 per day",
            "try again in 5s",
            "lim it",
            "perday",
            "agai",
            "xxin",
        ] {
            let hits = m.scan(text.as_bytes(), 0);
            for (i, p) in phrases.iter().enumerate() {
                assert_eq!(hits.has(i as u8), text.contains(p), "{text} / {p}");
            }
        }
    }
}
