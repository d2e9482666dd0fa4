//! The pre-token state machine behind the text estimator: one pass over UTF-8 bytes, no
//! allocation, a [`TextTally`] out.
//!
//! It follows the shape of o200k_base's pre-tokenizer (a word with at most one leading space or
//! mark, split before a capital that follows a lower-case letter; up to three digits; a run of
//! punctuation with at most one leading space and any trailing line breaks; whitespace runs, whose
//! last space joins the next word) closely enough to count pre-tokens, without matching it byte
//! for byte. Not for: producing tokens.

use super::chars::{
    class_and_single_token, is_cjk_pair, is_greek_or_cyrillic_capital, is_kurdish_uyghur_marker,
    is_lone_first_letter, is_mark_word, is_paired_accented, is_punct_breaks, is_rare_punct_trigram,
    is_script_trigram, is_single_token_kana_pair, is_single_token_latin_pair, is_single_token_pair,
    is_single_token_spaced_latin, is_single_token_spaced_pair, is_spaced_word,
    is_sparse_script_letter, is_split_vietnamese_pair, is_traditional_marker, is_vietnamese_marker,
    latin_index, leaves_space_alone, mark_word_key, mark_word_key_of_char, next_punct_trigram,
    next_trigram, numeric_milli, rare_char_milli, run_token_length, script, script_family,
    script_pair, spaced_run_token_lengths, CharClass, Script, WordLead, ASCII_CLASSES,
    LAST_PAIRED_LATIN, MARK_WORD_START, NO_PAIR_RANGE, PAIR_IN_A_TOKEN, PAIR_SPLIT, PAIR_TOKEN,
    RARE, RARE_TRIGRAMS, SPACED_WORD_MAX,
};
use super::estimate::TextTally;
use super::mark_runs::{three_mark_tokens, MarkRunCache, MARK_RUN_MAX};

/// Letters of a word piece past which BPE starts splitting (see `long_word_letters`).
const LONG_WORD_LETTERS: u32 = 6;
/// Letters of a word piece led by a mark past which BPE starts splitting (path segments, domain
/// names and identifiers are often rare words).
const MARKED_WORD_LETTERS: u32 = 4;
/// Letters of a word piece past which a word is never one token.
const VERY_LONG_WORD_LETTERS: u32 = 10;
/// Punctuation characters of a run that BPE usually keeps as one token.
const SHORT_PUNCT_CHARS: u32 = 2;
/// Whitespace characters of a run that BPE usually keeps as one token.
const SHORT_WHITESPACE_CHARS: u32 = 16;
/// Letters of a word piece past which letters of other alphabets are charged as a run without
/// spaces (see `long_run_letters`).
const LONG_RUN_LETTERS: u32 = 12;
/// The bytes of the base64 alphabet other than lower-case letters (`A-Z`, `0-9`, `+/=-_`).
static BASE64_NOT_LOWER: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        table[byte] = matches!(
            byte as u8,
            b'A'..=b'Z' | b'0'..=b'9' | b'+' | b'/' | b'=' | b'-' | b'_'
        );
        byte += 1;
    }
    table
};
/// The ASCII bytes of the base64 alphabet (`a-z`, `A-Z`, `0-9`, `+/=-_`).
static BASE64_ALPHABET: [bool; 128] = {
    let mut table = [false; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = (byte as u8).is_ascii_lowercase() || BASE64_NOT_LOWER[byte];
        byte += 1;
    }
    table
};
/// What a letter beyond ASCII is in a trigram index: a five-bit code no ASCII letter has.
const NON_ASCII_LETTER: u8 = 27;
/// The shortest run of base64 characters charged as base64.
const MIN_BASE64_RUN: u32 = 20;
/// The length of a base64 candidate from which a digit makes the scanner look ahead for its end
/// (see `TextScanner::base64_ahead`): shorter runs of letters and digits are words and numbers.
const BASE64_LOOK_AHEAD: u32 = 8;

/// The pre-token being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    Nothing,
    Word,
    Digits,
    /// Punctuation; `led_by_space` when a space opened it, `newlines` once line breaks joined it.
    Punct {
        led_by_space: bool,
        newlines: bool,
    },
    /// Spaces; `after_newline` when they follow a line break (a later break joins them to it).
    Spaces {
        after_newline: bool,
    },
    Newlines,
}

/// A run of base64-alphabet characters being watched.
#[derive(Debug, Clone, Copy, Default)]
struct Base64Run {
    len: u32,
    /// Changes of class (lower, upper, digit, mark) between neighbours.
    switches: u32,
    digits: u32,
    lower: bool,
    upper: bool,
    /// Whether [`TextScanner::base64_ahead`] ran for it.
    looked_ahead: bool,
}

impl Base64Run {
    /// Random base64 switches class at about two characters in three and is one-sixth digits;
    /// words and identifiers (`getHTTPResponse`, `snake_case_2`) do neither.
    fn looks_like_base64(&self) -> bool {
        self.len >= MIN_BASE64_RUN
            && self.lower
            && self.upper
            && self.digits * 25 >= self.len
            && self.switches * 3 >= self.len
    }
}

/// The counts that characters of the base64 alphabet (letters, digits, `+/=-_`) can change, other
/// than the pre-tokens (word pieces, digit groups, punctuation runs): a base64 run keeps those,
/// since BPE spends at least one token on each, and its `base64_chars` pay for the rest. A word
/// that proves one token gives back what its letters changed the same way (`SpacedWord`).
#[derive(Debug, Clone, Copy, Default)]
// The order of these fields in `TextTally`, where they stand together: `of` is a block copy.
#[repr(C)]
struct Checkpoint {
    long_word_letters: u64,
    marked_word_letters: u64,
    very_long_word_letters: u64,
    inner_capitals: u64,
    long_punct_chars: u64,
    rare_punct_trigrams: u64,
    repeated_chars: u64,
    run_tokens: u64,
    rare_letter_trigrams: u64,
    unmerged_mark_letters: u64,
    unmerged_mark_words: u64,
    split_spaced_words: u64,
    split_capital_words: u64,
    split_bare_words: u64,
    split_tabbed_words: u64,
    split_caps_words: u64,
    split_word_long_letters: u64,
    split_word_rare_trigrams: u64,
    accent_led_rare_trigrams: u64,
    unmerged_capital_letters: u64,
    unmerged_latin_letters: u64,
    lone_first_letters: u64,
}

impl Checkpoint {
    fn of(tally: &TextTally) -> Checkpoint {
        Checkpoint {
            long_word_letters: tally.long_word_letters,
            marked_word_letters: tally.marked_word_letters,
            very_long_word_letters: tally.very_long_word_letters,
            inner_capitals: tally.inner_capitals,
            long_punct_chars: tally.long_punct_chars,
            rare_punct_trigrams: tally.rare_punct_trigrams,
            repeated_chars: tally.repeated_chars,
            run_tokens: tally.run_tokens,
            rare_letter_trigrams: tally.rare_letter_trigrams,
            unmerged_mark_letters: tally.unmerged_mark_letters,
            unmerged_mark_words: tally.unmerged_mark_words,
            split_spaced_words: tally.split_spaced_words,
            split_capital_words: tally.split_capital_words,
            split_bare_words: tally.split_bare_words,
            split_tabbed_words: tally.split_tabbed_words,
            split_caps_words: tally.split_caps_words,
            split_word_long_letters: tally.split_word_long_letters,
            split_word_rare_trigrams: tally.split_word_rare_trigrams,
            accent_led_rare_trigrams: tally.accent_led_rare_trigrams,
            unmerged_capital_letters: tally.unmerged_capital_letters,
            unmerged_latin_letters: tally.unmerged_latin_letters,
            lone_first_letters: tally.lone_first_letters,
        }
    }

    fn restore(&self, tally: &mut TextTally) {
        tally.long_word_letters = self.long_word_letters;
        tally.marked_word_letters = self.marked_word_letters;
        tally.very_long_word_letters = self.very_long_word_letters;
        tally.inner_capitals = self.inner_capitals;
        tally.long_punct_chars = self.long_punct_chars;
        tally.rare_punct_trigrams = self.rare_punct_trigrams;
        tally.repeated_chars = self.repeated_chars;
        tally.run_tokens = self.run_tokens;
        tally.rare_letter_trigrams = self.rare_letter_trigrams;
        tally.unmerged_mark_letters = self.unmerged_mark_letters;
        tally.unmerged_mark_words = self.unmerged_mark_words;
        tally.split_spaced_words = self.split_spaced_words;
        tally.split_capital_words = self.split_capital_words;
        tally.split_bare_words = self.split_bare_words;
        tally.split_tabbed_words = self.split_tabbed_words;
        tally.split_caps_words = self.split_caps_words;
        tally.split_word_long_letters = self.split_word_long_letters;
        tally.split_word_rare_trigrams = self.split_word_rare_trigrams;
        tally.accent_led_rare_trigrams = self.accent_led_rare_trigrams;
        tally.unmerged_capital_letters = self.unmerged_capital_letters;
        tally.unmerged_latin_letters = self.unmerged_latin_letters;
        tally.lone_first_letters = self.lone_first_letters;
    }
}

/// How a word the word table may hold begins (see `chars::is_spaced_word`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WordKind {
    /// A space and lower-case letters (` the`).
    Lower,
    /// A space, a capital and lower-case letters (` Sebastian`).
    Capital,
    /// A capital and lower-case letters with nothing before them that joins them: at a line's
    /// start, after a digit, a run of marks or a lower-case letter (`Stefano`, `Dieter` after
    /// ` (`, `getValue`'s `Value`).
    Bare,
    /// A tab, then letters of either kind (`\treturn`, `\tFix`).
    Tabbed,
}

impl WordKind {
    fn lead(self) -> WordLead {
        match self {
            WordKind::Lower | WordKind::Capital => WordLead::Space,
            WordKind::Bare => WordLead::Nothing,
            WordKind::Tabbed => WordLead::Tab,
        }
    }
}

/// A word the word table may hold that crossed the end of a chunk, looked up when it ends (see
/// `TextScanner::spaced_lower_case_word` and `TextScanner::table_word`).
#[derive(Debug, Clone, Copy)]
struct SpacedWord {
    /// Its first `SPACED_WORD_MAX` letters, zero-padded, and how many it has.
    letters: [u8; SPACED_WORD_MAX],
    len: usize,
    kind: WordKind,
    /// The counts as they were before its letters (a word's letters change no others).
    before: Checkpoint,
}

impl SpacedWord {
    fn new(before: Checkpoint, letters: &[u8], kind: WordKind) -> SpacedWord {
        let mut word = SpacedWord {
            letters: [0; SPACED_WORD_MAX],
            len: 0,
            kind,
            before,
        };
        word.push(letters);
        word
    }

    fn push(&mut self, letters: &[u8]) {
        for &letter in letters {
            if let Some(slot) = self.letters.get_mut(self.len) {
                *slot = letter;
            }
            self.len += 1;
        }
    }
}

/// A word of ASCII capitals being read (` SELECT`, `HTTP`), from its second capital: looked up
/// in the word table when it ends, whole (see `TextTally::split_caps_words`). Kept letter by
/// letter, so a word cut by a chunk's end is read as one.
#[derive(Debug, Clone, Copy)]
struct CapsWord {
    /// Its first `SPACED_WORD_MAX` capitals, zero-padded, and how many it has (0: no word).
    letters: [u8; SPACED_WORD_MAX],
    len: usize,
    lead: WordLead,
    /// The counts as they were before its second capital (its first costs the piece only).
    before: Checkpoint,
}

impl Default for CapsWord {
    fn default() -> CapsWord {
        CapsWord {
            letters: [0; SPACED_WORD_MAX],
            len: 0,
            lead: WordLead::Nothing,
            before: Checkpoint::default(),
        }
    }
}

/// The estimator's state machine. Feed it bytes in any chunks (a UTF-8 sequence may be split
/// between chunks), then [`TextScanner::finish`]. Invalid UTF-8 is counted as symbols.
#[derive(Debug, Clone)]
pub struct TextScanner {
    tally: TextTally,
    /// The counts a base64 candidate can change, as they were when it began: restored if it proves
    /// to be base64 (its words and marks are then not counted).
    before_base64: Checkpoint,
    run: Run,
    /// Letters of the word piece, digits, or characters of the punctuation or whitespace run.
    run_len: u32,
    /// The word piece began with a punctuation mark (`.email`, `/path`, `-rs`, `_name`).
    led_by_mark: bool,
    /// The word piece began with an ASCII mark that o200k_base has one token for with its first
    /// letter: the piece's `chars::mark_word_key` so far, to tell at its end whether the whole
    /// is one token (`TextTally::unmerged_mark_words`). 0 otherwise (a key that comes to 0 midway
    /// drops its piece from the count: one in four billion).
    mark_word: u32,
    /// The word piece began with a space.
    led_by_space: bool,
    /// The word piece began with a capital.
    led_by_capital: bool,
    /// Letters of the word piece, of any script.
    word_letters: u32,
    /// Pairs of the word piece that o200k_base holds in a token but not as one, and whether one
    /// of its pairs is split, 0 or 1 (see `TextTally::scrambled_pairs`).
    piece_unmerged: u32,
    piece_split: u32,
    /// The last pair of letters of one range of the pair tables, `(first, second)`, that
    /// `script_pair` saw in the word piece (0, 0 at its start), and whether a token boundary is
    /// known to fall between them (see `TextTally::split_script_trigrams`).
    script_trigram: (u32, u32),
    split_before_second: bool,
    /// The last ASCII letters of the word piece, as a trigram index (see `chars::next_trigram`).
    trigram: u32,
    /// The previous character was a rare one (see `TextTally::after_rare_chars`).
    after_rare: bool,
    /// The previous character, Han, is the second of a pair counted in
    /// `TextTally::han_pair_tokens` (so no pair with the next).
    han_paired: bool,
    previous: CharClass,
    /// The previous character (its byte or code point), to tell repeats.
    previous_code: u32,
    /// How many of the current mark have run so far in a punctuation run (see
    /// `TextTally::run_tokens`).
    same_len: u32,
    /// The punctuation run's `chars::mark_word_key` so far, its leading space and line breaks
    /// included: whether it is one token at its end (`TextTally::unmerged_punct_breaks`). Set from
    /// its second character on (see `punct_key_start`).
    punct_key: u32,
    /// The punctuation run's last three marks (`chars::next_punct_trigram`), and whether one of
    /// its trigrams was rare already (`TextTally::rare_punct_trigrams`).
    punct_trigram: u32,
    punct_trigram_seen: bool,
    /// The punctuation run's bytes, its leading space included, while they are ASCII marks and
    /// [`MARK_RUN_MAX`] at most (`marks_uncounted`), from its second mark on: counted exactly
    /// at its end (`mark_runs`).
    run_marks: [u8; MARK_RUN_MAX],
    /// The punctuation run's marks after its first are not counted yet (they are ASCII marks):
    /// at its end it is counted exactly if it can be (`TextScanner::count_mark_run`).
    marks_uncounted: bool,
    mark_run_cache: MarkRunCache,
    /// The last runs of three bytes counted, by their trigram state's last two bits: the state
    /// shifted left by two, and the run's tokens (JSON repeats `":"` and `","` throughout, and a
    /// look-up in `THREE_MARK_TOKENS` often misses the first-level cache).
    three_mark_memo: [u32; 4],
    /// The key of the last punctuation run with line breaks that proved one token (`.\n` ends
    /// most lines of prose): the next with that key needs no look-up.
    known_punct_breaks: u32,
    /// The last two characters were a carriage return and a line feed (see
    /// `TextScanner::whitespace_kind`).
    after_crlf: bool,
    base64: Base64Run,
    /// The running base64 candidate is known to prove base64 at its end (it ends inside the
    /// bytes fed, and [`base64_run_ahead`] judged it): the counts its end restores
    /// (`Checkpoint`) are then not computed for its characters, since they would be thrown away.
    base64_known: bool,
    /// A space-led lower-case word that went on past the end of a chunk, until it ends.
    spaced_word: Option<SpacedWord>,
    /// The word of capitals being read, if the piece is one so far (see `CapsWord`).
    caps_word: CapsWord,
    /// The character before the word piece (a space or a tab lead it, if whitespace did).
    piece_lead_code: u32,
    /// The bytes fed are the whole text (`TextScanner::scan_whole`): a word that reaches their
    /// end ends there, so none is kept for a next chunk.
    whole_text: bool,
    /// A UTF-8 sequence cut by the end of the last chunk: its bits so far, and bytes missing.
    partial_code: u32,
    partial_missing: u8,
}

impl Default for TextScanner {
    fn default() -> TextScanner {
        TextScanner::new()
    }
}

impl TextScanner {
    /// A scanner that has seen no text yet.
    pub fn new() -> TextScanner {
        TextScanner {
            tally: TextTally::default(),
            before_base64: Checkpoint::default(),
            run: Run::Nothing,
            run_len: 0,
            led_by_mark: false,
            mark_word: 0,
            led_by_space: false,
            led_by_capital: false,
            word_letters: 0,
            piece_unmerged: 0,
            piece_split: 0,
            script_trigram: (0, 0),
            split_before_second: false,
            trigram: 0,
            after_rare: false,
            han_paired: false,
            previous: CharClass::Space,
            previous_code: 0,
            same_len: 0,
            punct_key: 0,
            punct_trigram: 0,
            punct_trigram_seen: false,
            known_punct_breaks: 0,
            run_marks: [0; MARK_RUN_MAX],
            marks_uncounted: false,
            mark_run_cache: MarkRunCache::default(),
            three_mark_memo: [0; 4],
            after_crlf: false,
            base64: Base64Run::default(),
            base64_known: false,
            spaced_word: None,
            caps_word: CapsWord::default(),
            piece_lead_code: 0,
            whole_text: false,
            partial_code: 0,
            partial_missing: 0,
        }
    }

    /// Scans more text.
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut index = 0;
        while self.partial_missing > 0 && index < bytes.len() {
            let byte = bytes[index];
            if byte & 0xC0 != 0x80 {
                self.partial_missing = 0;
                self.char(CharClass::Symbol, 0xFFFD);
                break;
            }
            self.partial_code = (self.partial_code << 6) | u32::from(byte & 0x3F);
            self.partial_missing -= 1;
            index += 1;
            if self.partial_missing == 0 {
                self.non_ascii(self.partial_code);
            }
        }
        if self.spaced_word.is_some() {
            // A word the last chunk ended in: its letters go on here, or it ended there.
            if bytes.first().is_some_and(u8::is_ascii_lowercase) {
                index = self.more_word_letters(bytes, 0);
                if let Some(word) = &mut self.spaced_word {
                    word.push(&bytes[..index]);
                }
            }
            if let Some(&next) = bytes.get(index) {
                self.end_spaced_word(Some(next));
            }
        }
        while index < bytes.len() {
            let byte = bytes[index];
            if byte < 0x80 {
                if byte == b' '
                    && bytes.get(index + 1).is_some_and(u8::is_ascii_lowercase)
                    && !matches!(self.run, Run::Spaces { .. })
                    && self.previous_code != 0
                {
                    // The most common case, in bulk: a space and a lower-case word (not first in
                    // the text, where the space counts as whitespace does when fed alone).
                    let start = index + 1;
                    let end = lower_case_end(bytes, start);
                    self.spaced_lower_case_word(bytes, start, end);
                    index = end;
                } else if byte.is_ascii_lowercase()
                    && matches!(self.run, Run::Word)
                    && matches!(self.previous, CharClass::Lower | CharClass::Upper)
                {
                    // The common case, in bulk: more lower-case letters of a word.
                    index = self.more_word_letters(bytes, index);
                } else if byte.is_ascii_lowercase()
                    && matches!(self.run, Run::Spaces { .. })
                    && matches!(self.previous_code, 0x09 | 0x20)
                {
                    // A word after whitespace the bulk path did not take (indentation, a tab, a
                    // space at the end of the last chunk), its last space or tab leading it
                    // (`    return`, `\treturn`): looked up as a whole word.
                    index = self.table_word(bytes, index, CharClass::Lower);
                } else if byte.is_ascii_lowercase() && !matches!(self.run, Run::Word) {
                    // As common in JSON and code: a lower-case word after a quote or a bracket.
                    // Its first letter, then the rest in bulk.
                    self.lower_case_word_start(byte);
                    index += 1;
                    if !self.led_by_mark
                        && !self.led_by_space
                        && bytes.get(index).is_none_or(u8::is_ascii_lowercase)
                    {
                        // Nothing joins it to what is before (`["echo"`, a line's start, after
                        // a digit): looked up as a whole word.
                        index = self.table_word_letters(bytes, index - 1, WordKind::Bare);
                        continue;
                    }
                    let end = lower_case_end(bytes, index);
                    if end > index {
                        if !self.led_by_mark {
                            self.lone_first_letter_in(&bytes[index..end]);
                        }
                        self.more_lower_case_letters(&bytes[index..end]);
                        index = end;
                    }
                } else if byte == b' '
                    && matches!(self.run, Run::Spaces { .. })
                    && self.previous_code == 0x20
                {
                    // Indentation, in bulk: more spaces of a run of spaces.
                    index = self.more_spaces(bytes, index);
                } else if byte.is_ascii_uppercase()
                    && (self.run != Run::Word || self.previous == CharClass::Lower)
                {
                    // A capital that may begin a word piece (` Sebastian`, `Stefano` at a line's
                    // start, `getValue`'s `Value`): looked up as a whole word.
                    index = self.table_word(bytes, index, CharClass::Upper);
                } else if byte.is_ascii_digit() {
                    self.char(CharClass::Digit, u32::from(byte));
                    index += 1;
                    // Base64 has digits throughout: one of them, some way into a candidate, is
                    // where to look ahead.
                    if self.base64.len >= BASE64_LOOK_AHEAD && !self.base64.looked_ahead {
                        index = self.base64_ahead(bytes, index);
                    }
                } else {
                    self.ascii_char(byte);
                    index += 1;
                }
                continue;
            }
            index = self.non_ascii_run(bytes, index);
        }
    }

    /// The lower-case ASCII letters from `bytes[index]` on, continuing the word piece (its last
    /// letter ASCII): what [`TextScanner::char`] would do for each, in bulk. Returns where they
    /// end.
    #[inline(always)]
    fn more_word_letters(&mut self, bytes: &[u8], index: usize) -> usize {
        if self.previous == CharClass::Upper && self.run_len == 1 {
            self.after_leading_capital(bytes[index]);
        }
        let end = lower_case_end(bytes, index);
        if self.run_len < 3 && self.word_letters == self.run_len && !self.led_by_mark {
            self.lone_first_letter_in(&bytes[index..end]);
        }
        self.more_lower_case_letters(&bytes[index..end]);
        end
    }

    /// The spaces from `bytes[index]` on, continuing a run of spaces after a space: what
    /// [`TextScanner::char`] would do for each (the run grows; nothing changes kind), at once.
    /// Returns where they end.
    #[inline(always)]
    fn more_spaces(&mut self, bytes: &[u8], index: usize) -> usize {
        let end = bytes[index..]
            .iter()
            .position(|&byte| byte != b' ')
            .map_or(bytes.len(), |offset| index + offset);
        let count = u32::try_from(end - index).unwrap_or(u32::MAX);
        let long_before = self.run_len.max(SHORT_WHITESPACE_CHARS);
        self.run_len = self.run_len.saturating_add(count);
        self.tally.long_whitespace_chars +=
            u64::from(self.run_len.max(SHORT_WHITESPACE_CHARS) - long_before);
        self.after_crlf = false;
        end
    }

    /// Decodes and scans the characters from `bytes[index]`, a byte beyond ASCII, up to the next
    /// ASCII byte (or a sequence the chunk cuts, kept for the next): one call per run of another
    /// script's text instead of one per character. Returns where it stopped.
    #[inline(never)]
    fn non_ascii_run(&mut self, bytes: &[u8], mut index: usize) -> usize {
        while let Some(&byte) = bytes.get(index) {
            let (length, mut code) = match byte {
                0x00..=0x7F => break,
                0xC0..=0xDF => (2, u32::from(byte & 0x1F)),
                0xE0..=0xEF => (3, u32::from(byte & 0x0F)),
                0xF0..=0xF7 => (4, u32::from(byte & 0x07)),
                _ => {
                    self.char(CharClass::Symbol, 0xFFFD);
                    index += 1;
                    continue;
                }
            };
            let mut taken = 1;
            while taken < length {
                match bytes.get(index + taken) {
                    Some(&next) if next & 0xC0 == 0x80 => {
                        code = (code << 6) | u32::from(next & 0x3F);
                        taken += 1;
                    }
                    Some(_) => break,
                    None => {
                        self.partial_code = code;
                        // `length - taken` is 1..=3.
                        self.partial_missing = (length - taken) as u8;
                        return bytes.len();
                    }
                }
            }
            if taken == length {
                self.non_ascii(code);
            } else {
                self.char(CharClass::Symbol, 0xFFFD);
            }
            index += taken;
        }
        index
    }

    /// Ends the text and returns its tally.
    pub fn finish(mut self) -> TextTally {
        *self.end_text()
    }

    /// Scans `bytes`, the whole text, and ends it: what [`TextScanner::feed`] then
    /// [`TextScanner::end_text`] give, without keeping the last word for a next chunk.
    pub(crate) fn scan_whole(&mut self, bytes: &[u8]) -> &TextTally {
        self.whole_text = true;
        self.feed(bytes);
        self.end_text()
    }

    /// Ends the text in place and lends its tally: [`TextScanner::finish`] without moving the
    /// scanner or the tally (about a kilobyte each), which for a short text costs as much as
    /// scanning it. The scanner must not be fed again.
    pub(crate) fn end_text(&mut self) -> &TextTally {
        if self.spaced_word.is_some() {
            self.end_spaced_word(None);
        }
        if self.partial_missing > 0 {
            self.char(CharClass::Symbol, 0xFFFD);
        }
        if self.base64.len > 0 {
            self.end_base64_run();
        }
        self.end_run(None);
        &self.tally
    }

    #[inline(always)]
    fn non_ascii(&mut self, code: u32) {
        let (class, single_token) = class_and_single_token(code);
        if single_token
            && class == self.previous
            && match class {
                CharClass::Han | CharClass::Hangul | CharClass::UnspacedLetter => true,
                // Greek, Cyrillic, Arabic, Hebrew, Indic: of one block, so of one script.
                CharClass::OtherLetter => (code ^ self.previous_code) >> 7 == 0,
                _ => false,
            }
            && self.run == Run::Word
            && !self.after_rare
        {
            // The common case of CJK, Korean, Thai, Cyrillic, Greek, Arabic, … text, at once: a
            // letter continuing a word of its own script (no base64 run, no piece starts, no pair
            // to look up).
            self.letters_of_script(class, code);
            return;
        }
        self.other_non_ascii(class, code, single_token);
    }

    /// [`TextScanner::non_ascii`] for every character but a letter continuing a word of its
    /// script: out of line, so the common case costs no call.
    #[inline(never)]
    fn other_non_ascii(&mut self, class: CharClass, code: u32, single_token: bool) {
        if class == CharClass::Digit {
            self.number(code);
            return;
        }
        let whitespace = matches!(class, CharClass::Space | CharClass::Newline);
        if whitespace {
            // Whitespace splits pre-tokens whatever it costs; one without a token of its own
            // costs what a rare character of its block does.
            if single_token {
                self.tally.non_ascii_whitespace += 1;
            } else {
                self.tally.rare_char_milli += rare_char_milli(code);
            }
        }
        if whitespace || single_token {
            if class == CharClass::Han && is_traditional_marker(code) {
                self.tally.traditional_markers += 1;
            }
            if code == self.previous_code && run_token_length(code) == 1 {
                self.tally.repeated_non_ascii += 1;
            }
            if class == CharClass::Kana
                && self.previous == CharClass::Kana
                && !is_single_token_kana_pair(self.previous_code, code)
            {
                self.tally.unmerged_kana_pairs += 1;
            }
            if self.run == Run::Word && self.previous.is_letter() && class.is_letter() {
                if matches!(self.previous, CharClass::Lower | CharClass::Upper) {
                    if class != CharClass::AccentedLetter {
                        self.tally.mixed_script_letters += 1;
                    }
                } else if self.starts_another_script(class, code) {
                    self.letter_of_another_script(class, code);
                    return;
                } else if !self.after_rare {
                    self.script_pair(code);
                }
            }
            self.char(class, code);
        } else {
            // A character o200k_base has no token for: its block's measured cost, whatever the
            // text around it.
            if code == self.previous_code {
                self.tally.repeated_rare_chars += 1;
            }
            self.split(class, code);
            self.tally.rare_char_milli += rare_char_milli(code);
            self.after_rare = true;
            self.previous = class;
            self.previous_code = code;
        }
    }

    /// A character right after a rare one is counted (see `TextTally::after_rare_chars`).
    #[inline(always)]
    fn note_after_rare(&mut self) {
        if self.after_rare {
            self.after_rare = false;
            self.tally.after_rare_chars += 1;
        }
    }

    /// Whether the letter `code` (one token alone) is of another writing system than the
    /// letter before it in the word piece, which is not an ASCII one (see
    /// `TextTally::script_changes`).
    #[inline]
    fn starts_another_script(&self, class: CharClass, code: u32) -> bool {
        // The common case, cheaply: a letter of the same 128-code-point block.
        if (code ^ self.previous_code) >> 7 == 0 {
            return false;
        }
        match (
            script_family(self.previous, self.previous_code),
            script_family(class, code),
        ) {
            (Some(before), Some(now)) => before != now,
            _ => false,
        }
    }

    /// A letter that starts a token because its script changes inside the word piece: charged
    /// one token (`script_changes`) instead of being counted in its class.
    #[cold]
    #[inline(never)]
    fn letter_of_another_script(&mut self, class: CharClass, code: u32) {
        self.note_after_rare();
        self.han_paired = false;
        self.split(class, code);
        self.tally.script_changes += 1;
        self.previous = class;
        self.previous_code = code;
    }

    /// A number beyond ASCII (a digit of another script, a full-width digit, a fraction, …): a
    /// digit for the pre-token split, charged its measured figure (`chars::numeric_milli`), which
    /// bounds what BPE spends on a group of up to three. The group's first pays that figure less
    /// the token the group is counted as (`digit_groups`).
    #[cold]
    #[inline(never)]
    fn number(&mut self, code: u32) {
        let starts_group = self.run != Run::Digits || self.run_len.is_multiple_of(3);
        self.char(CharClass::Digit, code);
        let milli = numeric_milli(code);
        self.tally.rare_char_milli += if starts_group {
            milli.saturating_sub(1_000)
        } else {
            milli
        };
    }

    /// A Han, Hangul, unspaced or other letter (one token alone) right after a letter of its
    /// class (and block) in the word piece: what [`TextScanner::char`] would do, without the
    /// branches that cannot apply.
    #[inline(always)]
    fn letters_of_script(&mut self, class: CharClass, code: u32) {
        self.tally.repeated_non_ascii += u64::from(code == self.previous_code);
        self.word_letters += 1;
        let tally = &mut self.tally;
        match class {
            CharClass::Han => {
                tally.han_chars += 1;
                tally.traditional_markers += u64::from(is_traditional_marker(code));
                self.han_pair(code);
            }
            CharClass::Hangul => {
                tally.hangul_chars += 1;
                tally.split_hangul_pairs += u64::from(!is_cjk_pair(self.previous_code, code));
            }
            CharClass::UnspacedLetter => {
                unspaced_letter(tally, code);
                self.script_pair(code);
            }
            _ => {
                // A pair that is one token is no unmerged pair of capitals either.
                let merged = self.script_pair(code);
                self.script_letter(class, code, !merged);
                if self.word_letters > LONG_RUN_LETTERS {
                    self.tally.long_run_letters += 1;
                }
            }
        }
        self.trigram = next_trigram(self.trigram, NON_ASCII_LETTER);
        self.previous_code = code;
    }

    /// Counts the Han character `code` and the one before it as a pair that is one token, if
    /// they are and the one before is in no pair yet (pairs counted left to right, no overlap).
    #[inline(always)]
    fn han_pair(&mut self, code: u32) {
        let paired = !self.han_paired & is_cjk_pair(self.previous_code, code);
        self.tally.han_pair_tokens += u64::from(paired);
        self.han_paired = paired;
    }

    #[inline(always)]
    fn char(&mut self, class: CharClass, code: u32) {
        self.note_after_rare();
        self.split(class, code);
        match class {
            CharClass::Han => {
                self.tally.han_chars += 1;
                // The next Han character may pair with this one (`han_pair`).
                self.han_paired = false;
            }
            CharClass::Kana => self.tally.kana_chars += 1,
            CharClass::Hangul => self.tally.hangul_chars += 1,
            CharClass::AccentedLetter | CharClass::OtherLetter => {
                self.script_letter(class, code, true)
            }
            CharClass::UnspacedLetter => unspaced_letter(&mut self.tally, code),
            CharClass::Symbol if code != self.previous_code => self.tally.symbols += 1,
            CharClass::AstralSymbol => self.tally.astral_symbols += 1,
            _ => {}
        }
        self.previous = class;
        self.previous_code = code;
    }

    /// A letter of an alphabet other than ASCII's; `maybe_unmerged` false when it is known to be
    /// one token with the letter before it (so no unmerged pair of capitals).
    #[inline(always)]
    fn script_letter(&mut self, class: CharClass, code: u32, maybe_unmerged: bool) {
        if class == CharClass::AccentedLetter && self.word_letters > 1 {
            self.tally.split_vietnamese_pairs +=
                u64::from(is_split_vietnamese_pair(self.previous_code, code));
        }
        if class == CharClass::AccentedLetter
            && is_paired_accented(code)
            && self.unmerged_latin_letter(code)
        {
            self.tally.unmerged_latin_letters += 1;
            return;
        }
        if maybe_unmerged && self.word_letters > 1 && self.unmerged_capital(code) {
            self.tally.unmerged_capitals += 1;
            return;
        }
        let tally = &mut self.tally;
        if class == CharClass::AccentedLetter {
            tally.accented_letters += 1;
            tally.vietnamese_markers += u64::from(is_vietnamese_marker(code));
        } else {
            tally.other_letters += 1;
        }
        match script(code) {
            Script::Latin1 | Script::Other => {}
            Script::ExtendedLatin => tally.extended_latin_letters += 1,
            Script::Vietnamese => tally.vietnamese_letters += 1,
            Script::Greek => tally.greek_letters += 1,
            Script::Cyrillic => tally.cyrillic_letters += 1,
            Script::OtherCyrillic => {
                tally.cyrillic_letters += 1;
                tally.non_russian_markers += 1;
            }
            Script::RussianCyrillic => {
                tally.cyrillic_letters += 1;
                tally.russian_markers += 1;
            }
            Script::Hebrew => tally.hebrew_letters += 1,
            Script::Arabic => {
                tally.arabic_letters += 1;
                tally.kurdish_uyghur_markers += u64::from(is_kurdish_uyghur_marker(code));
            }
            Script::Indic => {
                tally.indic_letters += 1;
                tally.sparse_script_letters += u64::from(is_sparse_script_letter(code));
            }
        }
    }

    /// Counts the pair of the letter `code` and the letter before it in the word piece, if both
    /// are of one range of the script pair tables (`chars::script_pair`). Returns whether the two
    /// are one token.
    #[inline(always)]
    fn script_pair(&mut self, code: u32) -> bool {
        let (pair, script) = script_pair(self.previous_code, code);
        if script == NO_PAIR_RANGE {
            return true;
        }
        self.script_trigram_boundary(code, pair == PAIR_SPLIT, script);
        if pair != PAIR_TOKEN {
            // Without branches: random letters take either way at random.
            let split = u32::from(pair == PAIR_SPLIT);
            let unmerged = u32::from(pair == PAIR_IN_A_TOKEN);
            let tally = &mut self.tally;
            tally.split_script_pairs[script] += u64::from(split);
            tally.unmerged_script_pairs[script] += u64::from(unmerged);
            // The first split pair of the piece brings its unmerged pairs so far, then each counts.
            let scrambled = self.piece_split;
            tally.scrambled_pairs += u64::from(split * (1 - scrambled) * self.piece_unmerged)
                + u64::from(unmerged * scrambled);
            self.piece_unmerged += unmerged;
            self.piece_split |= split;
        }
        pair == PAIR_TOKEN
    }

    /// Counts a token boundary before the letter `code` if the trigram it ends, of letters of
    /// one range, is held by no token and no boundary falls between its first two letters
    /// already (`split` says whether one falls before `code`: its pair is split). See
    /// `TextTally::split_script_trigrams`.
    #[inline(always)]
    fn script_trigram_boundary(&mut self, code: u32, split: bool, script: usize) {
        let (first, second) = self.script_trigram;
        let mut boundary = split;
        if !split
            && second == self.previous_code
            && first != 0
            && !self.split_before_second
            && !is_script_trigram(first, second, code)
        {
            self.tally.split_script_trigrams[script] += 1;
            boundary = true;
        }
        self.split_before_second = boundary;
        self.script_trigram = (self.previous_code, code);
    }

    /// Whether the accented letter `code` (Latin-1 to IPA Extensions), just split into its
    /// word piece, starts a token of its own: o200k_base has no one token for it and the letter
    /// before it in the piece, case as written, or for it and the space that leads the piece.
    #[inline]
    fn unmerged_latin_letter(&self, code: u32) -> bool {
        if self.word_letters > 1 {
            !is_single_token_latin_pair(self.previous_code, code)
        } else {
            self.led_by_space && !is_single_token_spaced_latin(code)
        }
    }

    /// Whether `code`, a Greek or Cyrillic capital, follows a capital of its alphabet in its word
    /// piece that o200k_base has no one token with (see `TextTally::unmerged_capitals`).
    #[inline]
    fn unmerged_capital(&self, code: u32) -> bool {
        let previous = self.previous_code;
        is_greek_or_cyrillic_capital(code)
            && is_greek_or_cyrillic_capital(previous)
            && (code >= 0x400) == (previous >= 0x400)
            && script_pair(previous, code).0 != PAIR_TOKEN
    }

    /// A base64 candidate just grew long enough to be base64 (once per candidate): whether it
    /// will prove to be, if it ends inside `bytes` (from `index`, the byte after the last one
    /// scanned). If so, the rest of the run is scanned at once for what its end keeps (its
    /// pre-tokens, unmerged pairs of marks) and the scanner's state, skipping the counts its end
    /// throws away. Returns the index after what was scanned.
    #[inline(never)]
    fn base64_ahead(&mut self, bytes: &[u8], mut index: usize) -> usize {
        self.base64.looked_ahead = true;
        let previous = match self.previous {
            CharClass::Lower => 1,
            CharClass::Upper => 2,
            CharClass::Digit => 3,
            _ => 4,
        };
        self.base64_known = base64_run_ahead(self.base64, previous, &bytes[index..]);
        if !self.base64_known {
            return index;
        }
        let start = index;
        while let Some(&byte) = bytes.get(index) {
            if !BASE64_ALPHABET.get(usize::from(byte)).is_some_and(|&b| b) {
                break;
            }
            let class = ASCII_CLASSES[usize::from(byte)];
            let code = u32::from(byte);
            match class {
                CharClass::Digit => self.digit(),
                CharClass::Punct => self.punct(class, code),
                _ => {
                    // `letter`'s piece split without the counts a base64 run's end throws away.
                    if let Some(run) = self.ends_before_letter(class) {
                        self.start_piece(run, class, code);
                    }
                    self.word_letters += 1;
                    self.run_len += 1;
                    self.trigram = next_trigram(self.trigram, byte);
                }
            }
            self.previous = class;
            self.previous_code = code;
            index += 1;
        }
        // Its verdict is known: of its counts, only the length still matters.
        let count = u32::try_from(index - start).unwrap_or(u32::MAX);
        self.base64.len = self.base64.len.saturating_add(count);
        index
    }

    /// Counts whitespace that changes kind inside a run (see `TextTally::mixed_whitespace` and
    /// `TextTally::whitespace_changes`).
    #[inline(always)]
    fn whitespace_kind(&mut self, code: u32) {
        let after_crlf = self.after_crlf;
        self.after_crlf = code == 0x0A && self.previous_code == 0x0D;
        if !matches!(self.previous, CharClass::Space | CharClass::Newline) {
            return;
        }
        if code == self.previous_code {
            // `\r\r` is a token, but no longer run of them.
            self.tally.whitespace_changes += u64::from(code == 0x0D);
            return;
        }
        let after_break = matches!(self.previous_code, 0x0A | 0x0D);
        if after_break {
            // Indentation (spaces or a tab after a break) and CRLF are ordinary; a carriage
            // return after a line feed that ends no CRLF is not (`\n` `\r`).
            if !matches!(code, 0x20 | 0x09 | 0x0A | 0x0D) || (code == 0x0D && !after_crlf) {
                self.tally.whitespace_changes += 1;
            }
        } else if matches!(code, 0x20 | 0x0A) {
            self.tally.whitespace_changes += 1;
        } else {
            self.tally.mixed_whitespace += 1;
        }
    }

    /// The pre-token split and the base64 watch, for any character.
    #[inline(always)]
    fn split(&mut self, class: CharClass, code: u32) {
        let in_base64_alphabet = code < 0x80 && BASE64_ALPHABET[code as usize];
        if !in_base64_alphabet && self.base64.len > 0 {
            self.end_base64_run();
        }
        match class {
            CharClass::Digit => self.digit(),
            CharClass::Space => {
                self.whitespace_kind(code);
                self.space()
            }
            CharClass::Newline => {
                self.whitespace_kind(code);
                self.newline(code)
            }
            CharClass::Punct | CharClass::Symbol | CharClass::AstralSymbol => {
                self.punct(class, code)
            }
            _ => self.letter(class, code),
        }
        if in_base64_alphabet {
            self.extend_base64_run(class);
        }
    }

    /// A letter of `class`. Inlined, as `punct` is, into each copy of [`TextScanner::char`],
    /// where the class is mostly a constant (a call cost the real-text corpus 2%).
    #[inline(always)]
    fn letter(&mut self, class: CharClass, code: u32) {
        let ended = self.ends_before_letter(class);
        let starts_piece = ended.is_some();
        if let Some(run) = ended {
            self.start_piece(run, class, code);
        }
        if class == CharClass::Upper && !starts_piece {
            self.caps_letter(code as u8);
        }
        if class == CharClass::Lower && self.previous == CharClass::Upper && self.run_len == 1 {
            self.after_leading_capital(code as u8);
        }
        self.word_letters += 1;
        if code < 0x80 {
            self.extend_mark_word(&[code as u8]);
            self.trigram = next_trigram(self.trigram, code as u8);
            let after_accented = self.previous == CharClass::AccentedLetter && !starts_piece;
            if after_accented {
                self.tally.split_vietnamese_pairs +=
                    u64::from(is_split_vietnamese_pair(self.previous_code, code));
            }
            if after_accented
                && is_paired_accented(self.previous_code)
                && !is_single_token_latin_pair(self.previous_code, code)
            {
                // Right after an accented letter it has no token with: a token of its own,
                // charged instead of its trigram.
                self.tally.unmerged_latin_letters += 1;
            } else {
                let rare = u64::from(RARE_TRIGRAMS[self.trigram as usize] & RARE);
                self.tally.rare_letter_trigrams += rare;
                if follows_beyond_ascii(self.trigram) {
                    self.tally.accent_led_rare_trigrams += rare;
                }
            }
        } else {
            // No trigram of the table holds a letter beyond ASCII: the next two ASCII letters
            // count as rare.
            self.trigram = next_trigram(self.trigram, NON_ASCII_LETTER);
        }
        if self.word_letters > LONG_RUN_LETTERS
            && matches!(class, CharClass::AccentedLetter | CharClass::OtherLetter)
        {
            self.tally.long_run_letters += 1;
        }
        if matches!(class, CharClass::Lower | CharClass::Upper) {
            self.run_len += 1;
            if self.run_len == 3
                && self.word_letters == 3
                && class == CharClass::Lower
                && self.previous == CharClass::Lower
            {
                self.lone_first_letter(self.variant(), self.trigram);
            }
            if self.run_len > LONG_WORD_LETTERS {
                self.tally.long_word_letters += 1;
            }
            if self.led_by_mark && self.run_len > MARKED_WORD_LETTERS {
                self.tally.marked_word_letters += 1;
            }
            if self.run_len > VERY_LONG_WORD_LETTERS {
                self.tally.very_long_word_letters += 1;
            }
            if class == CharClass::Upper && !starts_piece {
                if self.previous == CharClass::Upper
                    && !is_single_token_pair(self.previous_code, code)
                {
                    // A capital after one it has no token with starts a token of its own.
                    self.tally.unmerged_latin_letters += 1;
                } else {
                    self.tally.inner_capitals += 1;
                }
            }
        }
    }

    /// A lower-case ASCII letter that starts a word piece (the scanner is in no word): what
    /// [`TextScanner::char`] does for it, without dispatching on its class.
    #[inline]
    fn lower_case_word_start(&mut self, letter: u8) {
        let code = u32::from(letter);
        self.note_after_rare();
        // `split`: a letter is of the base64 alphabet, so no candidate ends here.
        let run = self.run;
        self.end_run(Some(CharClass::Lower));
        self.start_piece(run, CharClass::Lower, code);
        self.extend_mark_word(&[letter]);
        self.run_len = 1;
        self.word_letters = 1;
        self.trigram = next_trigram(0, letter);
        self.tally.rare_letter_trigrams += u64::from(RARE_TRIGRAMS[self.trigram as usize] & RARE);
        self.extend_base64_run(CharClass::Lower);
        self.previous = CharClass::Lower;
        self.previous_code = code;
    }

    /// A capital continuing the word piece: the next letter of a word of capitals, or the second,
    /// which begins one if the piece began with a capital after a space or nothing that joins it.
    #[inline(always)]
    fn caps_letter(&mut self, capital: u8) {
        if self.caps_word.len > 0 {
            if let Some(slot) = self.caps_word.letters.get_mut(self.caps_word.len) {
                *slot = capital;
            }
            self.caps_word.len += 1;
        } else if self.previous == CharClass::Upper && self.word_letters == 1 && self.run_len == 1 {
            self.begin_caps_word(capital);
        }
    }

    /// [`TextScanner::caps_letter`] for the second capital of the piece: out of line, as most
    /// capitals begin a word of lower-case letters.
    #[inline(never)]
    fn begin_caps_word(&mut self, capital: u8) {
        let lead = match (self.led_by_mark, self.led_by_space, self.piece_lead_code) {
            (false, false, _) => WordLead::Nothing,
            (false, true, 0x20) => WordLead::Space,
            (false, true, 0x09) => WordLead::Tab,
            // After a mark the piece is the mark word table's; after other whitespace no token
            // holds it.
            _ => return,
        };
        let mut letters = [0; SPACED_WORD_MAX];
        letters[0] = self.previous_code as u8;
        letters[1] = capital;
        self.caps_word = CapsWord {
            letters,
            len: 2,
            lead,
            before: Checkpoint::of(&self.tally),
        };
    }

    /// Ends the word of capitals in `caps_word` with its piece: if the piece is that word alone
    /// and `whole` (what follows is no letter; at the text's end it is charged by its letters),
    /// one token gives back what its capitals after the first changed in the counts, and one that
    /// BPE splits is counted.
    #[inline(never)]
    fn end_caps_word(&mut self, whole: bool) {
        let len = std::mem::take(&mut self.caps_word.len);
        // A lower-case letter or one beyond ASCII joined it (`HTTPServer`, `ÉCOLE`).
        let alone = len == self.run_len as usize && self.word_letters == self.run_len;
        if !whole || !alone {
            return;
        }
        let word = &self.caps_word;
        if len <= SPACED_WORD_MAX && is_one_token_word(&word.letters, 0, len, word.lead) {
            word.before.restore(&mut self.tally);
        } else {
            self.tally.split_caps_words += 1;
        }
    }

    /// Whether a letter of class `class` starts a word piece: outside a word, or a capital after
    /// a lower-case letter. If it does, the pre-token before it is ended, and returned.
    #[inline(always)]
    fn ends_before_letter(&mut self, class: CharClass) -> Option<Run> {
        let run = self.run;
        let starts_piece = match run {
            Run::Word => {
                let split = class == CharClass::Upper
                    && matches!(
                        self.previous,
                        CharClass::Lower | CharClass::AccentedLetter | CharClass::OtherLetter
                    );
                if split {
                    self.end_mark_word();
                }
                split
            }
            _ => {
                self.end_run(Some(class));
                true
            }
        };
        starts_piece.then_some(run)
    }

    /// A word piece begins with the letter `code` of class `class`, after the pre-token `run`
    /// (already ended): how it is led, and the mark before it if BPE leaves that alone. Its
    /// counts start at zero.
    #[inline(always)]
    fn start_piece(&mut self, run: Run, class: CharClass, code: u32) {
        self.tally.word_pieces += 1;
        self.led_by_mark = matches!(
            run,
            Run::Punct {
                led_by_space: false,
                newlines: false,
            }
        ) && self.run_len == 1;
        self.led_by_space = matches!(run, Run::Spaces { .. });
        self.led_by_capital = class == CharClass::Upper;
        // Accented Latin letters have their own check (`unmerged_latin_letters`); a Han
        // character's weights already pay for the space (text that spaces every character).
        // The class first: where it is a constant (ASCII letters), the check folds away.
        if matches!(
            class,
            CharClass::OtherLetter
                | CharClass::UnspacedLetter
                | CharClass::Kana
                | CharClass::Hangul
                | CharClass::AccentedLetter
        ) && self.led_by_space
            && !is_paired_accented(code)
            && leaves_space_alone(code)
        {
            self.tally.unspaced_script_starts += 1;
        }
        if self.led_by_mark {
            self.tally.slash_led_pieces += u64::from(self.previous_code == 0x2F);
            // Marks beyond Latin (CJK punctuation before Han) have nothing more to look up.
            if self.previous_code <= LAST_PAIRED_LATIN {
                self.mark_led_piece(code);
            }
        }
        self.run = Run::Word;
        self.run_len = 0;
        self.word_letters = 0;
        self.piece_lead_code = self.previous_code;
        self.caps_word.len = 0;
        self.piece_unmerged = 0;
        self.piece_split = 0;
        self.script_trigram = (0, 0);
        self.trigram = 0;
    }

    /// A word piece led by a Latin mark (`previous_code`) begins with the letter `code`: whether
    /// BPE leaves the mark alone, or else whether the whole piece may be one token (`mark_word`).
    /// Out of line: most pieces begin with a space or nothing.
    #[inline(never)]
    fn mark_led_piece(&mut self, code: u32) {
        let mark = self.previous_code;
        // Control characters too: o200k_base has no token of one with a letter.
        if mark >= 0x80 && latin_index(mark).is_none() {
            return;
        }
        if !is_single_token_latin_pair(mark, code) {
            self.tally.unmerged_mark_letters += 1;
        } else if mark < 0x80 && code < 0x80 {
            self.mark_word = mark_word_key(MARK_WORD_START, mark as u8);
        }
    }

    /// Adds the ASCII `letters`, continuing the word piece, to its `mark_word` key if it has one.
    #[inline(always)]
    fn extend_mark_word(&mut self, letters: &[u8]) {
        if self.mark_word != 0 {
            self.mark_word = letters
                .iter()
                .fold(self.mark_word, |key, &letter| mark_word_key(key, letter));
        }
    }

    /// Counts the word piece that ends here if it began with a mark and is not one token with it
    /// (see `TextScanner::mark_word`).
    #[inline(always)]
    fn end_mark_word(&mut self) {
        if self.mark_word != 0 {
            self.count_mark_word();
        }
    }

    /// [`TextScanner::end_mark_word`]'s lookup, kept out of the paths of every word.
    #[inline(never)]
    fn count_mark_word(&mut self) {
        // A letter beyond ASCII (not in the key) makes a piece no token of the table is.
        let beyond_ascii = self.word_letters != self.run_len;
        self.tally.unmerged_mark_words += u64::from(beyond_ascii || !is_mark_word(self.mark_word));
        self.mark_word = 0;
    }

    /// The row of `LONE_FIRST_LETTERS` for the running word piece: how it began.
    #[inline]
    fn variant(&self) -> usize {
        match (self.led_by_space, self.led_by_capital) {
            (true, false) => 0,
            (true, true) => 1,
            (false, true) => 2,
            (false, false) => 3,
        }
    }

    /// Counts the word piece's first letter if o200k_base leaves it a token of its own, given the
    /// piece's first three letters (`trigram`, all ASCII, the last two lower case; see
    /// `TextTally::lone_first_letters`). Pieces led by a mark are left out.
    #[inline]
    fn lone_first_letter(&mut self, variant: usize, trigram: u32) {
        if !self.led_by_mark && is_lone_first_letter(variant, trigram) {
            self.tally.lone_first_letters += 1;
        }
    }

    /// [`TextScanner::lone_first_letter`] for a word piece of one or two ASCII letters so far
    /// (the second lower case), continued by the lower-case `letters`.
    #[inline]
    fn lone_first_letter_in(&mut self, letters: &[u8]) {
        let missing = (3 - self.run_len) as usize;
        if letters.len() < missing || (self.run_len == 2 && self.previous != CharClass::Lower) {
            return;
        }
        let trigram = letters[..missing]
            .iter()
            .fold(self.trigram, |state, &letter| next_trigram(state, letter));
        self.lone_first_letter(self.variant(), trigram);
    }

    /// Counts `lower` after the capital that begins the word piece when o200k_base has no one token
    /// for the two, with the piece's leading space (see `TextTally::unmerged_capital_letters`).
    #[inline]
    fn after_leading_capital(&mut self, lower: u8) {
        if self.led_by_mark {
            return;
        }
        let (capital, lower) = (self.previous_code, u32::from(lower));
        let merged = if self.led_by_space {
            is_single_token_spaced_pair(capital, lower)
        } else {
            is_single_token_pair(capital, lower)
        };
        if !merged {
            self.tally.unmerged_capital_letters += 1;
        }
    }

    /// A space followed by the lower-case ASCII letters `bytes[start..end]`, when the scanner is
    /// not in a run of spaces: what [`TextScanner::char`] would do for each, at once. A whole
    /// word (see [`ends_whole_word`]) that o200k_base has one token for costs that token and
    /// nothing by its letters; one that BPE splits is counted in `split_spaced_words`. A word
    /// that reaches the end of the chunk is looked up when it ends (`spaced_word`).
    fn spaced_lower_case_word(&mut self, bytes: &[u8], start: usize, end: usize) {
        // The space ends a base64 candidate and a word of capitals, which may give back counts:
        // before the word's own.
        if self.base64.len > 0 {
            self.end_base64_run();
        }
        if self.caps_word.len > 0 {
            self.end_caps_word(true);
        }
        let letters = &bytes[start..end];
        let Some(&next) = bytes.get(end) else {
            // The word may go on in the next chunk; at the text's end it is charged by its letters.
            let one_token = if self.whole_text { Some(false) } else { None };
            self.spaced_word_letters(letters, true, one_token);
            return;
        };
        let whole = ends_whole_word(letters.len(), next);
        let one_token = whole && is_one_token_word(bytes, start, end, WordLead::Space);
        let before = (
            self.tally.long_word_letters,
            self.tally.rare_letter_trigrams,
        );
        let base64_follows = BASE64_NOT_LOWER[usize::from(next)];
        self.spaced_word_letters(letters, base64_follows, Some(one_token));
        if whole && !one_token {
            self.count_split_word(before, WordKind::Lower);
        }
    }

    /// The capital, or lower-case letter after whitespace, `bytes[index]` (of `class`, `Upper` or
    /// `Lower`), and if it begins a piece after a space, a tab or nothing, the lower-case ASCII
    /// letters after it: what [`TextScanner::char`] does for each, then, if they make a whole
    /// word, its look-up in the word table. One token (` Sebastian`, `Value`, `\treturn`) is
    /// charged as a word piece only; one that BPE splits (` Verfaillie`, `Dieter`, `\tFix`) is
    /// counted in `split_spaced_words`, `split_capital_words`, `split_bare_words` or
    /// `split_tabbed_words`. A word that reaches the end of the chunk is looked up when it ends
    /// (`spaced_word`). Returns where the letters end.
    #[inline(always)]
    fn table_word(&mut self, bytes: &[u8], index: usize, class: CharClass) -> usize {
        let after_whitespace = matches!(self.run, Run::Spaces { .. });
        let kind = match self.previous_code {
            0x20 if class == CharClass::Lower => WordKind::Lower,
            0x20 => WordKind::Capital,
            0x09 => WordKind::Tabbed,
            // After other whitespace the word is no token of the table.
            _ if after_whitespace => return self.letter_at(bytes, index, class),
            _ => WordKind::Bare,
        };
        let start = self.letter_at(bytes, index, class);
        // After a mark the word is the mark word table's (`_Foo`); capitals only, or one alone,
        // are no word of the table.
        let begun = self.run_len == 1 && self.word_letters == 1 && !self.led_by_mark;
        if begun && bytes.get(start).is_none_or(u8::is_ascii_lowercase) {
            self.table_word_letters(bytes, index, kind)
        } else {
            start
        }
    }

    /// [`TextScanner::char`] for the ASCII letter `bytes[index]`, of `class` (known where this is
    /// inlined); returns the index after it.
    #[inline(always)]
    fn letter_at(&mut self, bytes: &[u8], index: usize, class: CharClass) -> usize {
        self.char(class, u32::from(bytes[index]));
        index + 1
    }

    /// [`TextScanner::char`] for the ASCII `byte`, each class through its own inlined copy: the
    /// class is then a constant in each, instead of one copy that dispatches on it again in
    /// `split`, `char` and `end_run`.
    #[inline(always)]
    fn ascii_char(&mut self, byte: u8) {
        let code = u32::from(byte);
        match ASCII_CLASSES[usize::from(byte)] {
            CharClass::Punct => self.char(CharClass::Punct, code),
            CharClass::Space => self.char(CharClass::Space, code),
            CharClass::Newline => self.char(CharClass::Newline, code),
            CharClass::Upper => self.char(CharClass::Upper, code),
            class => self.char(class, code),
        }
    }

    /// The rest of [`TextScanner::table_word`], and of a lower-case word with nothing before it
    /// that joins it (see [`TextScanner::feed`]): the word of `kind` begun by the letter
    /// `bytes[index]` (counted), its lower-case letters after it and its look-up. Out of line,
    /// off the path of capitals that begin no such word.
    #[inline(never)]
    fn table_word_letters(&mut self, bytes: &[u8], index: usize, kind: WordKind) -> usize {
        // A letter that begins a piece counts nothing but the piece (no one letter is a rare
        // trigram): the counts since here are the word's letters'.
        let start = index + 1;
        let end = lower_case_end(bytes, start);
        let Some(&next) = bytes.get(end) else {
            // The chunk ends in the word: it is looked up when it ends (at the text's end it is
            // charged by its letters).
            let before = (!self.whole_text).then(|| Checkpoint::of(&self.tally));
            if end > start {
                self.more_word_letters(bytes, start);
            }
            if let Some(before) = before {
                self.spaced_word = Some(SpacedWord::new(before, &bytes[index..end], kind));
            }
            return end;
        };
        let whole = ends_whole_word(end - index, next);
        if whole && is_one_token_word(bytes, index, end, kind.lead()) {
            let letters = &bytes[start..end];
            self.lower_case_letters(letters.len(), letters[letters.len() - 1], true);
            self.trigram = trigram_of_end(&bytes[index..end]);
            return end;
        }
        let before = (
            self.tally.long_word_letters,
            self.tally.rare_letter_trigrams,
        );
        self.more_word_letters(bytes, start);
        if whole {
            self.count_split_word(before, kind);
        }
        end
    }

    /// Counts a whole word of the `kind` the word table holds that BPE splits, and the
    /// `long_word_letters` and `rare_letter_trigrams` its letters added to the counts `before`
    /// them.
    fn count_split_word(&mut self, (long_before, rare_before): (u64, u64), kind: WordKind) {
        let split = match kind {
            WordKind::Lower => &mut self.tally.split_spaced_words,
            WordKind::Capital => &mut self.tally.split_capital_words,
            WordKind::Bare => &mut self.tally.split_bare_words,
            WordKind::Tabbed => &mut self.tally.split_tabbed_words,
        };
        *split += 1;
        self.tally.split_word_long_letters += self.tally.long_word_letters - long_before;
        self.tally.split_word_rare_trigrams += self.tally.rare_letter_trigrams - rare_before;
    }

    /// Ends the word `spaced_word` holds before the byte `next` (none at the end of the text): the
    /// look-up [`TextScanner::spaced_lower_case_word`] makes, on a word that crossed chunks. If it
    /// is whole, a word that is one token gives back what its letters changed in the counts since
    /// it began; one that BPE splits is counted. Past `SPACED_WORD_MAX` letters (of which it keeps
    /// only the first), a word is split.
    #[inline(never)]
    fn end_spaced_word(&mut self, next: Option<u8>) {
        let (Some(word), Some(next)) = (self.spaced_word.take(), next) else {
            return;
        };
        if !ends_whole_word(word.len, next) {
            return;
        }
        if word.len <= SPACED_WORD_MAX
            && is_one_token_word(&word.letters, 0, word.len, word.kind.lead())
        {
            word.before.restore(&mut self.tally);
        } else {
            let before = (
                word.before.long_word_letters,
                word.before.rare_letter_trigrams,
            );
            self.count_split_word(before, word.kind);
        }
    }

    /// The letters of [`TextScanner::spaced_lower_case_word`], `one_token` or not (`None`: not
    /// known yet, the word is kept in `spaced_word`); they begin a base64 candidate that lives on
    /// only if `base64_follows`.
    #[inline(always)]
    fn spaced_word_letters(
        &mut self,
        letters: &[u8],
        base64_follows: bool,
        one_token: Option<bool>,
    ) {
        self.note_after_rare();
        self.end_run(Some(CharClass::Space));
        // The space leads the word.
        self.tally.word_pieces += 1;
        self.led_by_mark = false;
        self.led_by_space = true;
        self.led_by_capital = false;
        self.run = Run::Word;
        self.run_len = 1;
        self.word_letters = 1;
        if base64_follows {
            self.before_base64 = Checkpoint::of(&self.tally);
            self.base64 = Base64Run {
                len: 1,
                lower: true,
                ..Base64Run::default()
            };
        }
        self.previous = CharClass::Lower;
        if one_token.is_none() {
            self.spaced_word = Some(SpacedWord::new(
                Checkpoint::of(&self.tally),
                letters,
                WordKind::Lower,
            ));
        }
        let one_token = one_token == Some(true);
        self.lower_case_letters(letters.len() - 1, letters[letters.len() - 1], one_token);
        if !base64_follows {
            self.base64 = Base64Run::default();
        }
        if one_token {
            self.trigram = trigram_of_end(letters);
            return;
        }
        if let [a, b, c, ..] = *letters {
            self.lone_first_letter(0, trigram_of(a, b, c));
        }
        let (trigram, rare) = letter_trigrams(letters, 0);
        self.trigram = trigram;
        self.tally.rare_letter_trigrams += rare;
    }

    /// The lower-case ASCII `letters` (at least one) continuing a word: their trigrams, then
    /// [`TextScanner::lower_case_letters`].
    #[inline(always)]
    fn more_lower_case_letters(&mut self, letters: &[u8]) {
        if follows_beyond_ascii(self.trigram) {
            self.accent_led_trigrams(letters);
        }
        let (trigram, rare) = letter_trigrams(letters, self.trigram);
        self.trigram = trigram;
        self.tally.rare_letter_trigrams += rare;
        self.extend_mark_word(letters);
        self.lower_case_letters(letters.len(), letters[letters.len() - 1], false);
    }

    /// Counts the rare trigrams of the first of `letters` that still hold the letter beyond
    /// ASCII before them (see `TextTally::accent_led_rare_trigrams`). Out of line: rare.
    #[inline(never)]
    fn accent_led_trigrams(&mut self, letters: &[u8]) {
        let mut state = self.trigram;
        for &letter in letters.iter().take(2) {
            state = next_trigram(state, letter);
            if follows_beyond_ascii(state) {
                self.tally.accent_led_rare_trigrams +=
                    u64::from(RARE_TRIGRAMS[state as usize] & RARE);
            }
        }
    }

    /// `count` lower-case ASCII letters continuing a word (and a base64 candidate), the last being
    /// `last`: what [`TextScanner::char`] would do for each, at once (no charge by length for a
    /// word that is `one_token`).
    fn lower_case_letters(&mut self, count: usize, last: u8, one_token: bool) {
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        let before = self.run_len;
        let after = before.saturating_add(count);
        let past =
            |limit: u32| u64::from(after.saturating_sub(limit) - before.saturating_sub(limit));
        self.run_len = after;
        self.word_letters = self.word_letters.saturating_add(count);
        if !one_token {
            self.tally.long_word_letters += past(LONG_WORD_LETTERS);
            self.tally.very_long_word_letters += past(VERY_LONG_WORD_LETTERS);
            if self.led_by_mark {
                self.tally.marked_word_letters += past(MARKED_WORD_LETTERS);
            }
        }
        // The previous letter is in the base64 alphabet, so a candidate is running.
        if self.previous != CharClass::Lower {
            self.base64.switches += 1;
        }
        self.base64.len = self.base64.len.saturating_add(count);
        self.base64.lower = true;
        self.previous = CharClass::Lower;
        self.previous_code = u32::from(last);
    }

    fn digit(&mut self) {
        if !matches!(self.run, Run::Digits) {
            self.end_run(Some(CharClass::Digit));
            self.run = Run::Digits;
            self.run_len = 0;
        }
        if self.run_len.is_multiple_of(3) {
            self.tally.digit_groups += 1;
        }
        self.run_len += 1;
    }

    /// A punctuation mark or symbol of `class`. Inlined into each copy of [`TextScanner::char`]
    /// (out of line it cost the conversation benchmark 6%: most of JSON is marks).
    #[inline(always)]
    fn punct(&mut self, class: CharClass, code: u32) {
        match self.run {
            Run::Punct {
                led_by_space,
                newlines: false,
            } => {
                self.run_len += 1;
                let lead = usize::from(led_by_space);
                if self.run_len == 2 {
                    // Most runs are one mark: their key, trigrams and kept bytes start with the
                    // second.
                    self.punct_key = punct_key_start(led_by_space, self.previous_code);
                    self.punct_trigram = next_punct_trigram(0, self.previous_code);
                    self.punct_trigram_seen = false;
                    // Kept only if the first mark is an ASCII mark.
                    self.marks_uncounted = self.punct_trigram != 0;
                    self.run_marks[0] = b' ';
                    self.run_marks[lead] = self.previous_code as u8;
                }
                self.punct_key = mark_word_key_of_char(self.punct_key, code);
                self.punct_trigram = next_punct_trigram(self.punct_trigram, code);
                self.same_len = if code == self.previous_code {
                    self.same_len + 1
                } else {
                    1
                };
                if self.marks_uncounted {
                    let at = self.run_len as usize - 1 + lead;
                    if self.punct_trigram & 63 != 0 && at < MARK_RUN_MAX {
                        // ASCII marks so far: kept, and counted at the run's end, exactly if
                        // it can be.
                        self.run_marks[at] = code as u8;
                        return;
                    }
                    self.count_uncounted_marks(led_by_space, self.run_len as usize - 1);
                }
                self.count_mark(class, code, led_by_space);
            }
            Run::Spaces { .. } => {
                // The last space leads the punctuation run; the others are a pre-token. Only a
                // space can lead it: a tab (`\t}`) is a pre-token of its own.
                let led_by_space = self.previous_code == 0x20;
                self.tally.space_runs += u64::from(self.run_len >= 2) + u64::from(!led_by_space);
                self.run = Run::Punct {
                    led_by_space,
                    newlines: false,
                };
                self.run_len = 1;
                self.same_len = 1;
            }
            _ => {
                self.end_run(Some(class));
                self.run = Run::Punct {
                    led_by_space: false,
                    newlines: false,
                };
                self.run_len = 1;
                self.same_len = 1;
            }
        }
    }

    /// Counts the `run_len`th mark `code` of a punctuation run by its features, for a run not
    /// counted exactly: a pair no token holds, a rare trigram, a run of one mark.
    #[inline(always)]
    fn count_mark(&mut self, class: CharClass, code: u32, led_by_space: bool) {
        // After a leading space, the space and both marks must be one token for the second mark
        // not to start a token of its own (` &` then `^`).
        if class == CharClass::Punct
            && self.previous == CharClass::Punct
            && !(if led_by_space && self.run_len == 2 {
                is_single_token_spaced_pair(self.previous_code, code)
            } else {
                is_single_token_pair(self.previous_code, code)
            })
        {
            self.tally.unmerged_punct_pairs += 1;
        } else if self.run_len >= 3 && is_rare_punct_trigram(self.punct_trigram) {
            // The first of a run is let off: code and Markdown have one now and then
            // (`` `{" ``), random marks one every few marks.
            self.tally.rare_punct_trigrams += u64::from(self.punct_trigram_seen);
            self.punct_trigram_seen = true;
        }
        let per_token = run_token_length(code);
        if led_by_space && self.same_len == self.run_len {
            // A run of one mark after a space: the space and the first `merged` marks are a
            // token, the rest a token per `per` of them (` !!!` `!!!`).
            let (merged, per) = spaced_run_token_lengths(code);
            self.tally.run_tokens += u64::from(
                self.same_len > merged && (self.same_len - merged - 1).is_multiple_of(per),
            );
        } else if per_token > 1 && code == self.previous_code {
            // A mark whose runs merge (`----`, `════`): a token per `per_token` of them.
            self.tally.run_tokens += u64::from((self.same_len - 1).is_multiple_of(per_token));
        } else if self.run_len > SHORT_PUNCT_CHARS {
            if code == self.previous_code {
                self.tally.repeated_chars += 1;
            } else if class == CharClass::Punct {
                self.tally.long_punct_chars += 1;
            }
        }
    }

    /// Counts by their features the punctuation run's marks after its first, up to its `end`th
    /// (ASCII marks, kept in `run_marks`), which were left for an exact count the run did not
    /// get: it ran long, met a mark beyond ASCII or a line break, or ended as a pair or one mark
    /// repeated. The scanner's state is as it was after the last mark when it returns.
    #[inline(never)]
    fn count_uncounted_marks(&mut self, led_by_space: bool, end: usize) {
        self.marks_uncounted = false;
        let state = (self.run_len, self.same_len, self.punct_trigram);
        let (previous, previous_code) = (self.previous, self.previous_code);
        let lead = usize::from(led_by_space);
        self.same_len = 1;
        self.punct_trigram = next_punct_trigram(0, u32::from(self.run_marks[lead]));
        for at in lead + 1..lead + end {
            let (before, mark) = (self.run_marks[at - 1], self.run_marks[at]);
            self.run_len = (at - lead) as u32 + 1;
            self.same_len = if mark == before { self.same_len + 1 } else { 1 };
            self.punct_trigram = next_punct_trigram(self.punct_trigram, u32::from(mark));
            self.count_kept_mark(at, led_by_space);
        }
        (self.run_len, self.same_len, self.punct_trigram) = state;
        (self.previous, self.previous_code) = (previous, previous_code);
    }

    /// Counts the kept mark `run_marks[at]` by its features, the one before it taken for the
    /// previous character (`run_len`, `same_len` and `punct_trigram` are the run's after it).
    #[inline(always)]
    fn count_kept_mark(&mut self, at: usize, led_by_space: bool) {
        let (before, mark) = (self.run_marks[at - 1], self.run_marks[at]);
        self.previous = ASCII_CLASSES[usize::from(before)];
        self.previous_code = u32::from(before);
        self.count_mark(
            ASCII_CLASSES[usize::from(mark)],
            u32::from(mark),
            led_by_space,
        );
    }

    fn space(&mut self) {
        if let Run::Spaces { .. } = self.run {
            self.grow_whitespace();
            return;
        }
        let after_newline = matches!(self.run, Run::Newlines | Run::Punct { newlines: true, .. });
        self.end_run(Some(CharClass::Space));
        self.run = Run::Spaces { after_newline };
        self.run_len = 1;
    }

    fn newline(&mut self, code: u32) {
        match self.run {
            Run::Newlines => self.grow_whitespace(),
            Run::Punct { newlines: true, .. } => {
                self.punct_key = mark_word_key(self.punct_key, code as u8);
            }
            // Line breaks right after punctuation belong to it.
            Run::Punct { led_by_space, .. } => {
                if self.marks_uncounted {
                    self.count_kept_marks(led_by_space);
                }
                if self.run_len == 1 {
                    self.punct_key = punct_key_start(led_by_space, self.previous_code);
                }
                self.punct_key = mark_word_key(self.punct_key, code as u8);
                self.run = Run::Punct {
                    led_by_space,
                    newlines: true,
                }
            }
            // Spaces then a break are one pre-token; after a break, part of that break's.
            Run::Spaces { after_newline } => {
                if !after_newline {
                    self.tally.newline_runs += 1;
                }
                self.run = Run::Newlines;
                self.grow_whitespace();
            }
            _ => {
                self.end_run(Some(CharClass::Newline));
                self.tally.newline_runs += 1;
                self.run = Run::Newlines;
                self.run_len = 1;
            }
        }
    }

    fn grow_whitespace(&mut self) {
        self.run_len += 1;
        if self.run_len > SHORT_WHITESPACE_CHARS {
            self.tally.long_whitespace_chars += 1;
        }
    }

    /// Counts the pre-token that ends here; `next` is the class of the character after it.
    #[inline(always)]
    fn end_run(&mut self, next: Option<CharClass>) {
        let next_is_letter = next.is_some_and(CharClass::is_letter);
        match self.run {
            Run::Punct {
                led_by_space,
                newlines,
            } => {
                // A single mark right before a word is that word's leading character.
                let absorbed = next_is_letter && self.run_len == 1 && !led_by_space && !newlines;
                if !absorbed {
                    self.tally.punct_runs += 1;
                }
                if newlines && self.punct_key != self.known_punct_breaks {
                    self.count_punct_breaks();
                }
                if self.marks_uncounted {
                    self.count_mark_run(led_by_space);
                }
            }
            Run::Spaces { .. } => {
                // A single space right before a word is that word's leading character. Before a
                // number, which nothing leads, the last of several is a pre-token of its own
                // (`    ` ` ` `0` in a table of numbers).
                if !(next_is_letter && self.run_len == 1) {
                    self.tally.space_runs += 1;
                }
                if next == Some(CharClass::Digit) && self.run_len >= 2 {
                    self.tally.space_runs += 1;
                }
            }
            Run::Word => {
                self.end_mark_word();
                if self.caps_word.len > 0 {
                    self.end_caps_word(next.is_some());
                }
            }
            Run::Nothing | Run::Digits | Run::Newlines => {}
        }
        self.run = Run::Nothing;
    }

    /// Counts the punctuation run of ASCII marks ending here, whose marks after the first are not
    /// counted yet: exactly if it is three bytes or more (its leading space included) and not one
    /// mark repeated (`-----`, left to `TextTally::run_tokens`, measured per mark), else by the
    /// features of its marks.
    #[inline(always)]
    fn count_mark_run(&mut self, led_by_space: bool) {
        let bytes = self.run_len as usize + usize::from(led_by_space);
        if bytes < 3 || self.same_len == self.run_len {
            self.count_kept_marks(led_by_space);
        } else if bytes == 3 {
            // The most common, inline: `":"`, `","`, ` */`.
            self.marks_uncounted = false;
            let trigram = self.punct_trigram;
            let memo = &mut self.three_mark_memo[(trigram & 3) as usize];
            let tokens = if *memo >> 2 == trigram {
                *memo & 3
            } else {
                let tokens = three_mark_tokens(trigram, led_by_space);
                *memo = (trigram << 2) | tokens;
                tokens
            };
            self.tally.punct_runs += u64::from(tokens) - 1;
        } else {
            self.marks_uncounted = false;
            self.count_long_mark_run(bytes);
        }
    }

    /// Counts the punctuation run's kept marks after its first by their features (see
    /// [`TextScanner::count_uncounted_marks`]); a pair, as common as it is in code and JSON
    /// (`":`, `);` before a line break, ` ==`), inline.
    #[inline(always)]
    fn count_kept_marks(&mut self, led_by_space: bool) {
        if self.run_len == 2 {
            self.marks_uncounted = false;
            let (previous, previous_code) = (self.previous, self.previous_code);
            self.count_kept_mark(usize::from(led_by_space) + 1, led_by_space);
            (self.previous, self.previous_code) = (previous, previous_code);
        } else {
            self.count_uncounted_marks(led_by_space, self.run_len as usize);
        }
    }

    /// [`TextScanner::count_mark_run`] of more than three bytes.
    #[inline(never)]
    fn count_long_mark_run(&mut self, bytes: usize) {
        let tokens = self.mark_run_cache.tokens(&self.run_marks[..bytes]);
        self.tally.punct_runs += u64::from(tokens) - 1;
    }

    /// Counts the punctuation run ending here, line breaks and all, if it is no one token (see
    /// `TextTally::unmerged_punct_breaks`). Out of line: most runs end without breaks.
    #[inline(never)]
    fn count_punct_breaks(&mut self) {
        if is_punct_breaks(self.punct_key) {
            self.known_punct_breaks = self.punct_key;
        } else {
            self.tally.unmerged_punct_breaks += 1;
        }
    }

    #[inline(always)]
    fn extend_base64_run(&mut self, class: CharClass) {
        if self.base64.len == 0 {
            self.before_base64 = Checkpoint::of(&self.tally);
        } else if class != self.previous {
            self.base64.switches += 1;
        }
        let run = &mut self.base64;
        run.len += 1;
        match class {
            CharClass::Lower => run.lower = true,
            CharClass::Upper => run.upper = true,
            CharClass::Digit => run.digits += 1,
            _ => {}
        }
    }

    fn end_base64_run(&mut self) {
        let base64 = self.base64_known || self.base64.looks_like_base64();
        self.base64_known = false;
        if base64 {
            // Its last word piece, still running, is not counted either.
            self.mark_word = 0;
            // Nor its word of capitals: the counts go back to before the run.
            self.caps_word.len = 0;
            self.before_base64.restore(&mut self.tally);
            self.tally.base64_chars += u64::from(self.base64.len);
        }
        self.base64 = Base64Run::default();
    }
}

/// The `chars::mark_word_key` of a punctuation run's leading space, if it has one, and its first
/// mark `code`. A run after a tab has none: the tab is a pre-token of its own (`\t` `}\n`).
fn punct_key_start(led_by_space: bool, code: u32) -> u32 {
    let lead = if led_by_space {
        mark_word_key(MARK_WORD_START, b' ')
    } else {
        MARK_WORD_START
    };
    mark_word_key_of_char(lead, code)
}

/// Letters from which a word the word table passes must also have few rare trigrams: of
/// o200k_base's word tokens of 7 to 16 letters, 0.9% have three or more, where random letters
/// have one every two letters. The filter passes about one word in 100 that is no token, and a
/// long one taken for a token is charged several tokens too few. From seven letters on, the
/// check cost the trim benchmark 8%; from eight, 2%.
const CHECKED_WORD_LETTERS: usize = 8;

/// Whether the word `bytes[start..end]`, after `lead`, is one token of o200k_base: the word table
/// says so, and a long word has fewer than three rare trigrams.
#[inline(always)]
fn is_one_token_word(bytes: &[u8], start: usize, end: usize, lead: WordLead) -> bool {
    is_spaced_word(bytes, start, end, lead)
        && (end - start < CHECKED_WORD_LETTERS || reads_as_word(&bytes[start..end]))
}

/// Whether `letters` have fewer than three rare trigrams (see [`CHECKED_WORD_LETTERS`]). Out of
/// line, off the path of the common short word.
#[inline(never)]
fn reads_as_word(letters: &[u8]) -> bool {
    letter_trigrams(letters, 0).1 < 3
}

/// Whether a word of `len` lower-case ASCII letters is whole before the byte `next`: the
/// pre-tokenizer joins it only to a letter beyond ASCII, and a word of one letter is always a
/// token. An apostrophe may join it too (` it's`), but BPE splits the word from the suffix all
/// but always (one pair in 54,000 of words and suffixes is a token fewer apart, ` spawn't`; 107
/// a token more), and the suffix is counted as the piece of a mark and letters it then reads as.
#[inline(always)]
fn ends_whole_word(len: usize, next: u8) -> bool {
    len >= 2 && next < 0x80
}

/// Whether one of the two older letters of the trigram index `trigram` is beyond ASCII.
#[inline(always)]
fn follows_beyond_ascii(trigram: u32) -> bool {
    let letter = u32::from(NON_ASCII_LETTER);
    (trigram >> 5) & 31 == letter || (trigram >> 10) & 31 == letter
}

/// The trigram index of three ASCII letters (see `chars::next_trigram`).
#[inline]
fn trigram_of(a: u8, b: u8, c: u8) -> u32 {
    next_trigram(next_trigram(next_trigram(0, a), b), c)
}

/// The trigram index of the last three ASCII letters of a word (all of them if fewer): where a
/// word that is charged whole leaves the trigram state.
#[inline]
fn trigram_of_end(letters: &[u8]) -> u32 {
    letters[letters.len().saturating_sub(3)..]
        .iter()
        .fold(0, |state, &letter| next_trigram(state, letter))
}

/// The end of the run of lower-case ASCII letters of `bytes` from `start` (at least one): the
/// hot path of the estimator, eight bytes at a time.
#[inline(always)]
fn lower_case_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    loop {
        match bytes.get(end..end + 8) {
            Some(chunk) => {
                let mut word = [0; 8];
                word.copy_from_slice(chunk);
                let others = not_lower_case(u64::from_le_bytes(word));
                if others != 0 {
                    return end + (others.trailing_zeros() / 8) as usize;
                }
                end += 8;
            }
            None => {
                return end
                    + bytes[end..]
                        .iter()
                        .position(|b| !b.is_ascii_lowercase())
                        .unwrap_or(bytes.len() - end);
            }
        }
    }
}

/// The trigram index after the lower-case ASCII `letters`, continuing `trigram`, and how many of
/// A letter of a script written without spaces (Thai, Lao, Khmer, Myanmar).
#[inline(always)]
fn unspaced_letter(tally: &mut TextTally, code: u32) {
    tally.unspaced_letters += 1;
    tally.sparse_script_letters += u64::from(is_sparse_script_letter(code));
}

/// them have a trigram that is not a common one: one table load per letter.
#[inline(always)]
fn letter_trigrams(letters: &[u8], trigram: u32) -> (u32, u64) {
    let mut state = trigram as usize;
    let mut rare_trigrams = 0;
    // The first two letters continue the trigram carried in; from the third on, each trigram is
    // read from the bytes themselves, so that no letter waits for the one before it.
    for &letter in letters.iter().take(2) {
        state = ((state << 5) | usize::from(letter & 31)) & 0x7FFF;
        rare_trigrams += u64::from(RARE_TRIGRAMS[state] & RARE);
    }
    for three in letters.windows(3) {
        state = (usize::from(three[0] & 31) << 10)
            | (usize::from(three[1] & 31) << 5)
            | usize::from(three[2] & 31);
        rare_trigrams += u64::from(RARE_TRIGRAMS[state] & RARE);
    }
    (state as u32, rare_trigrams)
}

/// What a base64-alphabet byte is for [`Base64Run`]: 0 outside the alphabet, then lower case,
/// upper case, digit, mark.
static BASE64_KINDS: [u8; 256] = {
    let mut table = [0; 256];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = match byte as u8 {
            b'a'..=b'z' => 1,
            b'A'..=b'Z' => 2,
            b'0'..=b'9' => 3,
            b'+' | b'/' | b'=' | b'-' | b'_' => 4,
            _ => 0,
        };
        byte += 1;
    }
    table
};

/// Whether the base64 candidate `run`, its last character of kind `previous` (see
/// [`BASE64_KINDS`]), ends inside `rest` (the bytes after it) and proves base64 at its end: the
/// [`Base64Run`] the scanner will have counted, ahead.
fn base64_run_ahead(mut run: Base64Run, mut previous: u8, rest: &[u8]) -> bool {
    for &byte in rest {
        let kind = BASE64_KINDS[usize::from(byte)];
        if kind == 0 {
            return run.looks_like_base64();
        }
        run.len += 1;
        run.switches += u32::from(kind != previous);
        run.digits += u32::from(kind == 3);
        run.lower |= kind == 1;
        run.upper |= kind == 2;
        previous = kind;
    }
    false
}

/// The high bit of each byte of `word` (eight bytes, little-endian) that is not a lower-case ASCII
/// letter, the others clear.
#[inline(always)]
fn not_lower_case(word: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let seven = word & LOW;
    // Per byte, seven bits plus less than 0x80: no carry crosses into the next byte.
    let at_least_a = seven + 0x1F1F_1F1F_1F1F_1F1F; // high bit set from 0x61 ('a')
    let past_z = seven + 0x0505_0505_0505_0505; // high bit set from 0x7B ('z' + 1)
    !(at_least_a & !past_z & !word) & HIGH
}

#[cfg(test)]
mod tests {
    use super::super::chars::is_common_trigram;
    use super::*;

    #[test]
    fn eight_bytes_at_a_time_finds_what_one_at_a_time_does() {
        for byte in 0..=255u8 {
            for place in 0..8 {
                let mut word = [b'q'; 8];
                word[place] = byte;
                let others = not_lower_case(u64::from_le_bytes(word));
                let expected = if byte.is_ascii_lowercase() {
                    0
                } else {
                    0x80 << (8 * place)
                };
                assert_eq!(others, expected, "byte {byte:#x} at {place}");
            }
        }
    }

    #[test]
    fn a_base64_run_scanned_ahead_gives_the_tally_of_one_scanned_byte_by_byte() {
        // Fed one byte at a time, the scanner never sees a run's end ahead and counts every
        // character; fed whole, it skips the counts a base64 run's end throws away.
        let texts = [
            "key: iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9Qz8A/",
            "x9Zq3mK7vB2nR8tW4pL1sD6fH0jY5cG \"a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuV\"\n",
            "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=é rest aGVsbG8gd29ybGQgaGVsbG8=Ωx",
            "snake_case_name_2 getHTTPResponse2Code maxRetries3Times tooShort9 ab12cd34ef56gh78",
            "dGhlIHF1aWNrIGJyb3duIGZveA==\r\n  ZGF0YTppbWFnZS9wbmc7YmFzZTY0LGlWQk9S-_x\tend",
            "AAAAAAAAAAAAAAAAAAAAAAAAA1AAAA aB3aB3aB3aB3aB3aB3aB3aB3 Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9Zz9日本",
        ];
        for text in texts {
            let mut whole = TextScanner::new();
            whole.feed(text.as_bytes());
            let mut bytes = TextScanner::new();
            for byte in text.as_bytes() {
                bytes.feed(std::slice::from_ref(byte));
            }
            assert_eq!(whole.finish(), bytes.finish(), "{text}");
        }
    }

    #[test]
    fn the_bulk_path_counts_rare_trigrams_as_the_table_does() {
        let text = b"zqxjkvbwpfmgyh considerations";
        let end = lower_case_end(text, 0);
        assert_eq!(end, 14);
        let (trigram, rare_trigrams) = letter_trigrams(&text[..end], 0);
        let mut state = 0;
        let mut rare = 0;
        for &letter in &text[..14] {
            state = next_trigram(state, letter);
            rare += u64::from(!is_common_trigram(state));
        }
        assert_eq!((trigram, rare_trigrams), (state, rare));
        assert!(rare >= 8, "{rare}");
        assert_eq!(letter_trigrams(&text[15..], 0).1, 0);
    }
}
