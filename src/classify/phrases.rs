//! A many-phrase matcher: one pass over a text finds every known phrase in it.
//!
//! An Aho–Corasick automaton compiled to a dense table over a small byte alphabet (only the bytes
//! that occur in some phrase get a class; every other byte sends the scan back to the root). It
//! reports which phrase *groups* occur, and for groups asked for, where (the end offsets of the
//! first matches). Phrases are lower-case ASCII and match ignoring ASCII case. Not for deciding
//! anything: the phrase tables and what they mean live in `wording`.
//!
//! Speed: a table step is a dependent load, so one scan is latency-bound. Longer texts are cut
//! into [`STREAMS`] segments scanned in lock-step, which lets the processor overlap the loads;
//! each segment's scan runs on past its end only while a match begun inside it may still finish.

/// The most groups a matcher can report (one bit each).
pub(crate) const MAX_GROUPS: usize = 64;

/// How many match positions a scan keeps in all (in text order, across positional groups).
const MAX_POSITIONS: usize = 32;

/// How many match positions a scan keeps for one group.
const MAX_POSITIONS_PER_GROUP: usize = 8;

/// Set in a table entry when the target state ends at least one phrase.
const OUTPUT_FLAG: u32 = 1 << 31;

/// Entries in the transition table (a power of two, at least states × classes).
const TABLE_SIZE: usize = 1 << 17;

/// Segments scanned side by side in a long text.
const STREAMS: usize = 8;

/// A compiled set of phrases, each belonging to a group.
pub(crate) struct Matcher {
    classes: [u8; 256],
    class_count: usize,
    /// `next[row + class]`: the target state's row offset (`state * class_count`), with
    /// [`OUTPUT_FLAG`] when that state ends a phrase. A fixed power-of-two size lets the scan mask
    /// its index instead of checking bounds; entries past the real table are never reached.
    next: Box<[u32; TABLE_SIZE]>,
    /// Per state (by row / class_count), how many bytes of text its partial match covers.
    depth: Vec<u8>,
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
    /// Adds the groups `other` found (not its positions).
    pub fn add_groups(&mut self, other: &Hits) {
        self.groups |= other.groups;
    }

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
}

impl Matcher {
    /// Compiles `(group, phrase)` pairs. Groups must be below [`MAX_GROUPS`]; phrases non-empty and
    /// lower-case.
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
        // Matching ignores ASCII case: an upper-case letter is its lower-case letter's class.
        for upper in b'A'..=b'Z' {
            classes[upper as usize] = classes[upper.to_ascii_lowercase() as usize];
        }
        // The trie: `goto` rows of u32 with u32::MAX for "no edge".
        const NONE: u32 = u32::MAX;
        let mut goto: Vec<u32> = vec![NONE; class_count];
        let mut own: Vec<Vec<u8>> = vec![Vec::new()];
        let mut trie_depth: Vec<u8> = vec![0];
        for (group, phrase) in phrases {
            debug_assert!(
                (*group as usize) < MAX_GROUPS && !phrase.is_empty() && phrase.len() < 255
            );
            let mut state = 0usize;
            for &b in phrase.as_bytes() {
                let slot = state * class_count + classes[b as usize] as usize;
                if goto[slot] == NONE {
                    let new_state = own.len();
                    goto[slot] = new_state as u32;
                    goto.extend(std::iter::repeat_n(NONE, class_count));
                    own.push(Vec::new());
                    trie_depth.push(trie_depth[state].saturating_add(1));
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
        for slot in goto.iter_mut().take(class_count) {
            match *slot {
                NONE => *slot = 0,
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
        let depth: Vec<u8> = order.iter().map(|&old| trie_depth[old]).collect();
        let mut rank = vec![0u32; states];
        for (new, &old) in order.iter().enumerate() {
            rank[old] = (new * class_count) as u32;
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
        // The phrase tables are static and `wording`'s tests build this matcher from them, so a
        // table too big for TABLE_SIZE fails the tests, never a caller.
        assert!(
            next.len() <= TABLE_SIZE,
            "the phrase tables need {} transitions; raise TABLE_SIZE",
            next.len()
        );
        next.resize(TABLE_SIZE, 0);
        let next: Box<[u32; TABLE_SIZE]> = match next.into_boxed_slice().try_into() {
            Ok(table) => table,
            // The length was just set to TABLE_SIZE, so the conversion cannot fail.
            Err(_) => unreachable!("the table has exactly TABLE_SIZE entries"),
        };
        Matcher {
            classes,
            class_count,
            next,
            depth,
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
        let segment = text.len() / STREAMS;
        if segment < 16 {
            let mut row = 0;
            for (i, &b) in text.iter().enumerate() {
                let entry = self.step(&mut row, b);
                if entry & OUTPUT_FLAG != 0 {
                    self.report(row, i + 1, positional, &mut hits.groups, &mut |g, end| {
                        hits_keep(&mut hits.ends, &mut hits.end_groups, &mut hits.kept, g, end)
                    });
                }
            }
            return hits;
        }
        // Stream k scans segment k from the root. A match that starts in segment k and ends
        // later is finished by stream k's tail, which runs on only while its partial match began
        // before the boundary (the state's depth reaches back across it); a match found both by
        // a tail and by the next stream is reported twice and deduplicated below.
        let mut rows = [0usize; STREAMS];
        // Positional matches of all streams as (end, group); sorted by end afterwards.
        let mut found: Vec<(u32, u8)> = Vec::new();
        let mut per_stream = [[0u8; MAX_GROUPS]; STREAMS];
        let windows: [&[u8]; STREAMS] =
            std::array::from_fn(|k| &text[k * segment..(k + 1) * segment]);
        for j in 0..segment {
            let mut entries = [0u32; STREAMS];
            let mut any = 0;
            for ((entry, row), window) in entries.iter_mut().zip(&mut rows).zip(&windows) {
                *entry = self.step(row, window[j]);
                any |= *entry;
            }
            if any & OUTPUT_FLAG == 0 {
                continue;
            }
            for k in 0..STREAMS {
                if entries[k] & OUTPUT_FLAG != 0 {
                    let counts = &mut per_stream[k];
                    let end = k * segment + j + 1;
                    self.report(rows[k], end, positional, &mut hits.groups, &mut |g, e| {
                        if usize::from(counts[g as usize]) < MAX_POSITIONS_PER_GROUP {
                            counts[g as usize] += 1;
                            found.push((e.min(u32::MAX as usize) as u32, g));
                        }
                    });
                }
            }
        }
        // Tails: every stream but the last finishes the matches that cross its boundary; the last
        // one also scans the remainder (fewer than STREAMS bytes) to the end of the text.
        for k in 0..STREAMS {
            let boundary = (k + 1) * segment;
            let last = k == STREAMS - 1;
            for (i, &b) in text.iter().enumerate().skip(boundary) {
                let depth = usize::from(self.depth[rows[k] / self.class_count]);
                if !last && depth <= i - boundary {
                    break;
                }
                let entry = self.step(&mut rows[k], b);
                if entry & OUTPUT_FLAG != 0 {
                    let counts = &mut per_stream[k];
                    self.report(rows[k], i + 1, positional, &mut hits.groups, &mut |g, e| {
                        if usize::from(counts[g as usize]) < MAX_POSITIONS_PER_GROUP {
                            counts[g as usize] += 1;
                            found.push((e.min(u32::MAX as usize) as u32, g));
                        }
                    });
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        for (end, group) in found {
            hits_keep(
                &mut hits.ends,
                &mut hits.end_groups,
                &mut hits.kept,
                group,
                end as usize,
            );
        }
        hits
    }

    /// One table step from `row` on byte `b`; returns the raw entry (target row and flag).
    #[inline(always)]
    fn step(&self, row: &mut usize, b: u8) -> u32 {
        let entry = self.next[(*row + self.classes[b as usize] as usize) & (TABLE_SIZE - 1)];
        *row = (entry & !OUTPUT_FLAG) as usize;
        entry
    }

    /// Reports the groups of the state at `row` (a match ending at `end`).
    #[cold]
    fn report(
        &self,
        row: usize,
        end: usize,
        positional: u64,
        groups: &mut u64,
        keep: &mut dyn FnMut(u8, usize),
    ) {
        let (start, stop) = self.out_range[row / self.class_count];
        for &group in &self.out_groups[start as usize..stop as usize] {
            *groups |= 1u64 << group;
            if positional & (1u64 << group) != 0 {
                keep(group, end);
            }
        }
    }
}

/// Keeps a match position (the first [`MAX_POSITIONS_PER_GROUP`] of each group, in order).
fn hits_keep(
    ends: &mut [u32; MAX_POSITIONS],
    groups: &mut [u8; MAX_POSITIONS],
    kept: &mut usize,
    group: u8,
    end: usize,
) {
    let same = groups[..*kept].iter().filter(|g| **g == group).count();
    if *kept < MAX_POSITIONS && same < MAX_POSITIONS_PER_GROUP {
        ends[*kept] = end.min(u32::MAX as usize) as u32;
        groups[*kept] = group;
        *kept += 1;
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
    fn streamed_scans_agree_with_a_naive_search() {
        let phrases = ["ab", "abc", "bca", "cab", "aaaa", "c a"];
        let table: Vec<(u8, &str)> = phrases
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u8, *p))
            .collect();
        let m = Matcher::new(&table);
        let mut seed = 7u64;
        for len in [0usize, 1, 5, 63, 64, 65, 200, 1000, 4099] {
            let text: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    b"abc "[(seed >> 33) as usize % 4]
                })
                .collect();
            let positional = 1 << 1 | 1 << 4;
            let hits = m.scan(&text, positional);
            for (i, p) in phrases.iter().enumerate() {
                let naive: Vec<usize> = (0..text.len())
                    .filter(|&at| text[at..].starts_with(p.as_bytes()))
                    .map(|at| at + p.len())
                    .collect();
                assert_eq!(hits.has(i as u8), !naive.is_empty(), "len {len} phrase {p}");
                if positional & (1 << i) != 0 {
                    let first: Vec<usize> =
                        naive.into_iter().take(MAX_POSITIONS_PER_GROUP).collect();
                    assert_eq!(
                        hits.ends(i as u8).collect::<Vec<_>>(),
                        first,
                        "len {len} phrase {p}"
                    );
                }
            }
        }
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
