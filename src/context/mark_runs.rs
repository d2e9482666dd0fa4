//! Runs of ASCII marks counted exactly. o200k_base's pre-tokenizer makes a run of marks (a space
//! before it included) one pre-token, and BPE then merges, again and again, the two neighbouring
//! parts whose union is the token of lowest rank, until no union is a token. Counting pairs and
//! trigrams cannot follow that order (`'.'` is two tokens, though `'.` and `.'` are one each, and
//! `.'` occurs in longer ones): replaying it can, and runs are short. `vocab::MARK_RUN_RANKS`
//! holds the ranks of every token made of marks; `vocab::THREE_MARK_TOKENS` the count of every
//! run of three bytes.

use super::chars::{PUNCT_MARKS, PUNCT_SLOTS};
use super::vocab::{
    MARK_RUN_BASE, MARK_RUN_MIX, MARK_RUN_RANKS, MARK_RUN_RANK_BITS, THREE_MARK_TOKENS,
};

/// The longest run counted exactly, its leading space included; the scanner's features count
/// longer ones.
pub(super) const MARK_RUN_MAX: usize = 128;

/// A union of parts that is no token.
const NO_TOKEN: u32 = u32::MAX;

const RANK_MASK: u64 = (1 << MARK_RUN_RANK_BITS) - 1;

/// `MARK_RUN_BASE` to the power of each length a part can have: the hash of two parts joined is
/// the left one's times the power of the right one's length, plus the right one's.
const POWERS: [u64; MARK_RUN_MAX + 1] = {
    let mut powers = [1u64; MARK_RUN_MAX + 1];
    let mut i = 1;
    while i < powers.len() {
        powers[i] = powers[i - 1].wrapping_mul(MARK_RUN_BASE);
        i += 1;
    }
    powers
};

/// How many tokens o200k_base spends on a run of three bytes, a space or a mark then two marks,
/// given as a punctuation trigram state (`chars::next_punct_trigram`: six bits a byte, 0 for the
/// space, else the mark's place in `chars::PUNCT_MARKS` plus one): one look-up, for the most
/// common run of code and JSON (`":"`, `","`, ` */`).
#[inline]
pub(super) fn three_mark_tokens(trigram: u32, led_by_space: bool) -> u32 {
    let (first, second, third) = (trigram >> 12, (trigram >> 6) & 63, trigram & 63);
    debug_assert!(second != 0 && third != 0 && (first == 0) == led_by_space);
    let run = ((first * 32 + second).wrapping_sub(1) * 32 + third).wrapping_sub(1) as usize;
    THREE_MARK_TOKENS
        .get(run / 32)
        .map_or(3, |word| ((word >> (2 * (run % 32))) & 3) as u32)
}

/// How many tokens o200k_base spends on `run`: ASCII marks, a space before them or not, at most
/// [`MARK_RUN_MAX`] bytes.
pub(super) fn mark_run_tokens(run: &[u8]) -> u32 {
    // Most runs are short: their parts fit in small arrays, quick to set up.
    if let &[a, b, c, d] = run {
        four_mark_tokens([a, b, c, d])
    } else if run.len() <= 8 {
        merged_parts::<8>(run)
    } else if run.len() <= 24 {
        merged_parts::<24>(run)
    } else {
        merged_parts::<MARK_RUN_MAX>(run)
    }
}

/// The rank of every pair of a space or a mark and a mark, at `first * 32 + second - 1` (their
/// [`PUNCT_SLOTS`]), read from `MARK_RUN_RANKS` at compile time: BPE's first look-ups, for every
/// pair of neighbouring bytes, without hashing.
static PAIR_RANKS: [u32; 33 * 32] = {
    let mut ranks = [NO_TOKEN; 33 * 32];
    let mut first = 0;
    while first < 33 {
        let lead = if first == 0 {
            b' '
        } else {
            PUNCT_MARKS[first - 1]
        };
        let mut second = 0;
        while second < 32 {
            let hash = union_hash(lead as u64, PUNCT_MARKS[second] as u64, 1);
            ranks[first * 32 + second] = rank_of(hash);
            second += 1;
        }
        first += 1;
    }
    ranks
};

/// The rank of the pair of bytes `first` and `second` (ASCII, the second a mark).
#[inline]
fn pair_rank(first: u8, second: u8) -> u32 {
    let places = (
        PUNCT_SLOTS[usize::from(first & 0x7F)],
        PUNCT_SLOTS[usize::from(second & 0x7F)],
    );
    match places {
        (_, 0) => NO_TOKEN,
        (first, second) => PAIR_RANKS[usize::from(first) * 32 + usize::from(second) - 1],
    }
}

/// [`mark_run_tokens`] of four bytes, the commonest run past three (`"},{`, `"]},`), without
/// arrays: whichever pair merges first, the three parts it leaves merge again if
/// any of their two pairs is a token, and the last two parts merge if the whole run is a token.
fn four_mark_tokens([a, b, c, d]: [u8; 4]) -> u32 {
    let pairs = [pair_rank(a, b), pair_rank(b, c), pair_rank(c, d)];
    let first = pairs
        .iter()
        .enumerate()
        .min_by_key(|&(_, &rank)| rank)
        .filter(|&(_, &rank)| rank != NO_TOKEN);
    let Some((first, _)) = first else {
        return 4;
    };
    let [a, b, c, d] = [a, b, c, d].map(u64::from);
    let abc = union_hash(union_hash(a, b, 1), c, 1);
    let bcd = union_hash(union_hash(b, c, 1), d, 1);
    let second = match first {
        0 => rank_of(abc) != NO_TOKEN || pairs[2] != NO_TOKEN,
        1 => rank_of(abc) != NO_TOKEN || rank_of(bcd) != NO_TOKEN,
        _ => pairs[0] != NO_TOKEN || rank_of(bcd) != NO_TOKEN,
    };
    if !second {
        3
    } else if rank_of(union_hash(abc, d, 1)) != NO_TOKEN {
        1
    } else {
        2
    }
}

/// The parts BPE leaves of `run` (at most `N` bytes, the rest ignored).
fn merged_parts<const N: usize>(run: &[u8]) -> u32 {
    let run = &run[..run.len().min(N)];
    let mut hashes = [0u64; N];
    let mut lens = [1u8; N];
    // `ranks[i]`: the rank of the union of parts `i` and `i + 1`.
    let mut ranks = [NO_TOKEN; N];
    let mut parts = run.len();
    for (hash, &byte) in hashes.iter_mut().zip(run) {
        *hash = u64::from(byte);
    }
    for i in 1..parts {
        ranks[i - 1] = pair_rank(run[i - 1], run[i]);
    }
    while parts > 1 {
        // The first of the lowest, as tiktoken merges.
        let (at, &rank) = ranks[..parts - 1]
            .iter()
            .enumerate()
            .min_by_key(|&(_, &rank)| rank)
            .expect("two parts or more");
        if rank == NO_TOKEN {
            break;
        }
        hashes[at] = union_hash(hashes[at], hashes[at + 1], lens[at + 1]);
        lens[at] += lens[at + 1];
        // Element by element: runs are short, and a call to `memmove` costs more than moving.
        for i in at + 1..parts - 1 {
            hashes[i] = hashes[i + 1];
            lens[i] = lens[i + 1];
            ranks[i] = ranks[i + 1];
        }
        parts -= 1;
        ranks[at] = if at + 1 < parts {
            rank_of(union_hash(hashes[at], hashes[at + 1], lens[at + 1]))
        } else {
            NO_TOKEN
        };
        if at > 0 {
            ranks[at - 1] = rank_of(union_hash(hashes[at - 1], hashes[at], lens[at]));
        }
    }
    parts as u32
}

/// The hash of the part `left` joined to the part `right` of `right_len` bytes (the hash of a
/// run's bytes read as the digits of a number in base `MARK_RUN_BASE`, modulo 2^64).
#[inline]
const fn union_hash(left: u64, right: u64, right_len: u8) -> u64 {
    left.wrapping_mul(POWERS[right_len as usize])
        .wrapping_add(right)
}

/// The rank of the token of marks whose hash is `hash`, or [`NO_TOKEN`].
#[inline]
const fn rank_of(hash: u64) -> u32 {
    let mixed = hash.wrapping_mul(MARK_RUN_MIX);
    let mut slot = (mixed >> (64 - MARK_RUN_RANKS.len().trailing_zeros())) as usize;
    loop {
        let entry = MARK_RUN_RANKS[slot];
        if entry == 0 {
            return NO_TOKEN;
        }
        if entry & !RANK_MASK == mixed & !RANK_MASK {
            return (entry & RANK_MASK) as u32;
        }
        slot = (slot + 1) % MARK_RUN_RANKS.len();
    }
}

/// The token counts of the last few short runs of four bytes or more (JSON repeats `"},{"` and
/// `":["` throughout): a run of up to seven bytes, packed into a word (its bytes are ASCII, never 0), picks a slot that
/// holds its packing and its count in the top byte.
#[derive(Debug, Clone, Default)]
pub(super) struct MarkRunCache([u64; 16]);

impl MarkRunCache {
    /// [`mark_run_tokens`] of `run`, remembered if it is short.
    pub(super) fn tokens(&mut self, run: &[u8]) -> u32 {
        let Some(key) = packed(run) else {
            return mark_run_tokens(run);
        };
        let slot = &mut self.0[(key.wrapping_mul(MARK_RUN_MIX) >> 60) as usize];
        if *slot & ((1 << 56) - 1) == key {
            return (*slot >> 56) as u32;
        }
        let tokens = mark_run_tokens(run);
        *slot = key | (u64::from(tokens) << 56);
        tokens
    }
}

/// The bytes of a run of up to seven, little-endian in a word.
#[inline]
fn packed(run: &[u8]) -> Option<u64> {
    if run.len() > 7 {
        return None;
    }
    Some(
        run.iter()
            .rev()
            .fold(0, |key, &byte| (key << 8) | u64::from(byte)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_the_vocabulary_holds_whole_is_one_token() {
        assert_eq!(mark_run_tokens(b"\"},{\""), 1);
        assert_eq!(mark_run_tokens(b" */"), 1);
        assert_eq!(mark_run_tokens(b"();"), 1);
    }

    #[test]
    fn merges_follow_the_ranks_not_the_longest_match() {
        // `'.` merges first, and leaves `'` alone; `))` `})` `}}`.
        assert_eq!(mark_run_tokens(b"'.'"), 2);
        assert_eq!(mark_run_tokens(b"))})}}"), 3);
        assert_eq!(mark_run_tokens(b"!"), 1);
        assert_eq!(mark_run_tokens(b""), 0);
    }

    #[test]
    fn a_run_of_four_counts_as_bpe_on_it_does() {
        let marks = b" !\"'(),-.:;[]_{}";
        for &a in marks {
            for &b in &marks[1..] {
                for &c in &marks[1..] {
                    for &d in &marks[1..] {
                        let run = [a, b, c, d];
                        assert_eq!(four_mark_tokens(run), merged_parts::<8>(&run), "{run:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_cache_answers_as_the_count_does() {
        let mut cache = MarkRunCache::default();
        for run in [
            &b"\":\""[..],
            b"\",\"",
            b"\":\"",
            b"))})}}",
            b"))})}}!!",
            b" ?!",
        ] {
            assert_eq!(cache.tokens(run), mark_run_tokens(run), "{run:?}");
            assert_eq!(cache.tokens(run), mark_run_tokens(run), "{run:?}");
        }
    }

    #[test]
    fn a_run_of_three_is_read_from_its_trigram_state() {
        let slot = |mark: u8| u32::from(PUNCT_SLOTS[usize::from(mark)]);
        let state = |a: u32, b: u8, c: u8| (a << 12) | (slot(b) << 6) | slot(c);
        // `":"` and ` */` are one token; `'.'` two.
        assert_eq!(three_mark_tokens(state(slot(b'"'), b':', b'"'), false), 1);
        assert_eq!(three_mark_tokens(state(0, b'*', b'/'), true), 1);
        assert_eq!(three_mark_tokens(state(slot(b'\''), b'.', b'\''), false), 2);
    }
}
