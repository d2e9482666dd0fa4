//! Character classes for the text estimator: what each byte or code point is for the pre-token
//! split (letters by script, digits, whitespace, punctuation, symbols), and the Han characters that
//! mark Traditional Chinese; and, from the measured tables in `vocab.rs`, whether o200k_base has a
//! token for a character alone and what a character without one costs. Not for: Unicode
//! correctness beyond what changes a token count.

use super::vocab::{
    BloomLines, KeyBuckets, ASCII_LETTER_TRIGRAMS, BARE_WORD_SALT, CJK_PAIRS, CJK_PAIR_HASH,
    LONE_FIRST_LETTERS, MARK_WORDS, MARK_WORD_HASH, NUMERIC_MILLI, PUNCT_BREAKS, PUNCT_BREAK_HASH,
    PUNCT_TRIGRAMS, RARE_CHAR_MILLI, RUN_TOKEN_LENGTHS, SCRIPT_PAIRS, SCRIPT_PAIR_RANGES,
    SCRIPT_TRIGRAMS, SCRIPT_TRIGRAM_BITS, SCRIPT_TRIGRAM_MIX, SINGLE_TOKEN_ASCII_PAIRS,
    SINGLE_TOKEN_ASTRAL, SINGLE_TOKEN_BMP, SINGLE_TOKEN_KANA_PAIRS, SINGLE_TOKEN_LATIN_PAIRS,
    SINGLE_TOKEN_SPACED_ASCII_PAIRS, SINGLE_TOKEN_SPACED_LATIN, SPACED_RUN_TOKEN_LENGTHS,
    SPACED_TOKEN_STARTS, SPACED_WORDS, SPACED_WORD_PROBES, TAB_WORD_SALT, VIETNAMESE_LETTERS,
    VIETNAMESE_PAIRS, VIETNAMESE_ROW,
};

/// What a character is, for the pre-token split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum CharClass {
    Lower,
    Upper,
    Digit,
    Space,
    Newline,
    /// ASCII punctuation and control characters.
    Punct,
    /// A Latin letter with a diacritic (treated as lower case).
    AccentedLetter,
    /// A letter of another alphabet outside CJK (treated as lower case).
    OtherLetter,
    /// A letter of a script written without spaces between words (Thai, Lao, Khmer, Myanmar).
    UnspacedLetter,
    Han,
    /// Kana, full-width and half-width forms.
    Kana,
    Hangul,
    /// Non-ASCII punctuation or symbol of the basic plane.
    Symbol,
    /// A symbol outside the basic plane (emoji).
    AstralSymbol,
}

impl CharClass {
    pub(super) fn is_letter(self) -> bool {
        matches!(
            self,
            CharClass::Lower
                | CharClass::Upper
                | CharClass::AccentedLetter
                | CharClass::OtherLetter
                | CharClass::UnspacedLetter
                | CharClass::Han
                | CharClass::Kana
                | CharClass::Hangul
        )
    }
}

pub(super) const ASCII_CLASSES: [CharClass; 128] = {
    let mut table = [CharClass::Punct; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = match byte as u8 {
            b'a'..=b'z' => CharClass::Lower,
            b'A'..=b'Z' => CharClass::Upper,
            b'0'..=b'9' => CharClass::Digit,
            b' ' | b'\t' | 0x0b | 0x0c => CharClass::Space,
            b'\n' | b'\r' => CharClass::Newline,
            _ => CharClass::Punct,
        };
        byte += 1;
    }
    table
};

/// What the scanner asks of a character of U+0080 to U+0FFF (every two-byte character: accented
/// Latin, Greek, Cyrillic, Hebrew, Arabic; then the Indic scripts and Thai), in one load instead
/// of the range tests, the page tables and the bits of `SINGLE_TOKEN_BMP`.
#[derive(Clone, Copy)]
struct LowChar {
    class: CharClass,
    script: Script,
    single_token: bool,
}

/// The first code point after [`LOW_CHARS`].
const LOW_END: u32 = 0x1000;

/// [`LowChar`] of every code point from U+0080 to U+0FFF, built at compile time.
static LOW_CHARS: [LowChar; (LOW_END - 0x80) as usize] = {
    let fill = LowChar {
        class: CharClass::Symbol,
        script: Script::Other,
        single_token: false,
    };
    let mut table = [fill; (LOW_END - 0x80) as usize];
    let mut code = 0x80;
    while code < LOW_END {
        table[(code - 0x80) as usize] = LowChar {
            class: bmp_class(code),
            script: script_by_range(code),
            single_token: SINGLE_TOKEN_BMP[(code / 64) as usize] & (1 << (code % 64)) != 0,
        };
        code += 1;
    }
    table
};

/// The class of a non-ASCII code point, from the Unicode blocks that matter for tokenizing, and
/// whether o200k_base encodes it as one token on its own. The numbers beyond ASCII
/// (`NUMERIC_MILLI`: digits of other scripts, full-width digits, fractions, …) are
/// [`CharClass::Digit`], as o200k_base's pre-tokenizer splits them from the letters.
#[inline(always)]
pub(super) fn class_and_single_token(code: u32) -> (CharClass, bool) {
    if let Some(low) = LOW_CHARS.get(code.wrapping_sub(0x80) as usize) {
        return (low.class, low.single_token);
    }
    let class = match PAGE_CLASSES.get((code >> 8) as usize) {
        Some(&(class, 0)) => class,
        Some(&(_, row)) => MIXED_PAGES[usize::from(row) - 1][(code & 0xFF) as usize],
        None => astral_class(code),
    };
    (class, is_single_token(code))
}

/// [`class_and_single_token`]'s class beyond the basic plane.
#[inline(never)]
fn astral_class(code: u32) -> CharClass {
    if is_numeric_by_search(code) {
        CharClass::Digit
    } else {
        non_ascii_class_by_range(code)
    }
}

/// Whether `code` is in `NUMERIC_MILLI` (a binary search).
fn is_numeric_by_search(code: u32) -> bool {
    let index = NUMERIC_MILLI.partition_point(|&(_, last, _)| last < code);
    NUMERIC_MILLI
        .get(index)
        .is_some_and(|&(first, _, _)| first <= code)
}

/// What a number beyond ASCII (see [`class_and_single_token`]) costs, in thousandths of a token:
/// its measured figure from `NUMERIC_MILLI`, which bounds a group of up to three of them.
pub(super) fn numeric_milli(code: u32) -> u64 {
    let index = NUMERIC_MILLI.partition_point(|&(_, last, _)| last < code);
    match NUMERIC_MILLI.get(index) {
        Some(&(first, _, milli)) if first <= code => u64::from(milli),
        _ => 4_000,
    }
}

/// The numbers of `NUMERIC_MILLI` in the basic plane, one bit per code point (bit `c % 64` of
/// word `c / 64`); read at compile time, by the class tables.
static NUMERIC_BMP: [u64; 1024] = {
    let mut bits = [0u64; 1024];
    let mut i = 0;
    while i < NUMERIC_MILLI.len() {
        let (first, last, _) = NUMERIC_MILLI[i];
        let mut code = first;
        while code <= last && code < 0x1_0000 {
            bits[(code / 64) as usize] |= 1 << (code % 64);
            code += 1;
        }
        i += 1;
    }
    bits
};

/// The class of a code point of the basic plane, numbers included, at compile time.
const fn bmp_class(code: u32) -> CharClass {
    if NUMERIC_BMP[(code / 64) as usize] & (1 << (code % 64)) != 0 {
        CharClass::Digit
    } else {
        non_ascii_class_by_range(code)
    }
}

/// Whether the code points of `page` (`code >> 8`, from 8) differ in class, at compile time.
const fn page_is_mixed(page: u32) -> bool {
    let first = bmp_class(page << 8);
    let mut low = 1;
    while low < 256 {
        if !same_class(bmp_class((page << 8) | low), first) {
            return true;
        }
        low += 1;
    }
    false
}

/// How many pages of the basic plane from U+0800 mix classes.
const MIXED_PAGE_COUNT: usize = {
    let mut count = 0;
    let mut page = 8;
    while page < 256 {
        if page_is_mixed(page) {
            count += 1;
        }
        page += 1;
    }
    count
};

/// Per 256 code points of the basic plane (`code >> 8`): the class all of them have, and 0; or,
/// where they differ (kana and CJK punctuation, full-width forms, a script and its digits, …),
/// the page's row in [`MIXED_PAGES`] plus one. Every character of the basic plane from U+0800
/// in one or two loads.
static PAGE_CLASSES: [(CharClass, u8); 256] = {
    let mut table = [(CharClass::Symbol, 0); 256];
    let mut page = 8;
    let mut row = 0;
    while page < 256 {
        if page_is_mixed(page) {
            row += 1;
            table[page as usize] = (CharClass::Symbol, row);
        } else {
            table[page as usize] = (bmp_class(page << 8), 0);
        }
        page += 1;
    }
    table
};

/// The class of every code point of the pages that mix classes (see [`PAGE_CLASSES`]).
static MIXED_PAGES: [[CharClass; 256]; MIXED_PAGE_COUNT] = {
    let mut pages = [[CharClass::Symbol; 256]; MIXED_PAGE_COUNT];
    let mut page = 8;
    while page < 256 {
        let row = PAGE_CLASSES[page as usize].1 as usize;
        if row > 0 {
            let mut low = 0;
            while low < 256 {
                pages[row - 1][low as usize] = bmp_class((page << 8) | low);
                low += 1;
            }
        }
        page += 1;
    }
    pages
};

/// `a == b`, at compile time.
const fn same_class(a: CharClass, b: CharClass) -> bool {
    a as u8 == b as u8
}

const fn non_ascii_class_by_range(code: u32) -> CharClass {
    match code {
        0x00A0 | 0x1680 | 0x2000..=0x200A | 0x202F | 0x205F | 0x3000 => CharClass::Space,
        0x0085 | 0x2028 | 0x2029 => CharClass::Newline,
        0x0080..=0x00BF | 0x00D7 | 0x00F7 => CharClass::Symbol,
        0x00C0..=0x02AF | 0x1E00..=0x1EFF => CharClass::AccentedLetter,
        0x0E00..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF => CharClass::UnspacedLetter,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xA960..=0xA97F | 0xAC00..=0xD7FF => CharClass::Hangul,
        0x2E80..=0x2FDF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF => CharClass::Han,
        0xF900..=0xFAFF | 0x20000..=0x3FFFF => CharClass::Han,
        0x3040..=0x30FF | 0x31F0..=0x31FF => CharClass::Kana,
        0xFF10..=0xFF19 | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A | 0xFF66..=0xFF9F => CharClass::Kana,
        0x2010..=0x2BFF | 0x3001..=0x303F | 0xFE30..=0xFE4F | 0xFF00..=0xFF65 => CharClass::Symbol,
        0xD800..=0xDFFF | 0xE000..=0xF8FF | 0xFFE0..=0xFFFF => CharClass::Symbol,
        0x1F000..=0x1FAFF | 0xE0000..=0xE007F => CharClass::AstralSymbol,
        _ => CharClass::OtherLetter,
    }
}

/// Frequent Han characters that only Traditional Chinese writes (Simplified Chinese and Japanese
/// use other forms): 來們傳國學實將專對屬從應據會檔檢權產當發碼窗經與處號裡覺說譯讀這關體麼點.
/// Sorted; looked up through [`is_traditional_marker`].
pub(super) const TRADITIONAL_MARKERS: [u32; 36] = [
    0x4F86, 0x5011, 0x50B3, 0x570B, 0x5B78, 0x5BE6, 0x5C07, 0x5C08, 0x5C0D, 0x5C6C, 0x5F9E, 0x61C9,
    0x64DA, 0x6703, 0x6A94, 0x6AA2, 0x6B0A, 0x7522, 0x7576, 0x767C, 0x78BC, 0x7A97, 0x7D93, 0x8207,
    0x8655, 0x865F, 0x88E1, 0x89BA, 0x8AAA, 0x8B6F, 0x8B80, 0x9019, 0x95DC, 0x9AD4, 0x9EBC, 0x9EDE,
];

/// The first code point of [`TRADITIONAL_BITS`].
const TRADITIONAL_BASE: u32 = 0x4E00;

/// [`TRADITIONAL_MARKERS`] as bits over U+4E00 to U+9FFF (bit `c % 64` of word `c / 64`, `c`
/// counted from U+4E00), built at compile time: one load per Han character instead of a search.
static TRADITIONAL_BITS: [u64; 328] = {
    let mut bits = [0u64; 328];
    let mut i = 0;
    while i < TRADITIONAL_MARKERS.len() {
        let c = TRADITIONAL_MARKERS[i] - TRADITIONAL_BASE;
        bits[(c / 64) as usize] |= 1 << (c % 64);
        i += 1;
    }
    bits
};

/// Whether `code` is one of [`TRADITIONAL_MARKERS`].
#[inline(always)]
pub(super) fn is_traditional_marker(code: u32) -> bool {
    let c = code.wrapping_sub(TRADITIONAL_BASE);
    match TRADITIONAL_BITS.get((c / 64) as usize) {
        Some(word) => word & (1 << (c % 64)) != 0,
        None => false,
    }
}

/// Whether o200k_base encodes the non-ASCII code point `code` as one token on its own: the
/// letters, marks and symbols of text it was trained on. Anything else is a *rare* character,
/// charged by [`rare_char_milli`].
#[inline]
fn is_single_token(code: u32) -> bool {
    match SINGLE_TOKEN_BMP.get((code / 64) as usize) {
        Some(word) => word & (1 << (code % 64)) != 0,
        None => SINGLE_TOKEN_ASTRAL.binary_search(&code).is_ok(),
    }
}

/// Whether o200k_base has one token for the two ASCII characters `first` then `second`.
#[inline]
pub(super) fn is_single_token_pair(first: u32, second: u32) -> bool {
    match SINGLE_TOKEN_ASCII_PAIRS.get(first as usize) {
        Some(row) if second < 128 => row & (1 << second) != 0,
        _ => false,
    }
}

/// Whether o200k_base has one token for a space and the two ASCII characters `first` then
/// `second` (` =>`, ` {"`).
#[inline]
pub(super) fn is_single_token_spaced_pair(first: u32, second: u32) -> bool {
    match SINGLE_TOKEN_SPACED_ASCII_PAIRS.get(first as usize) {
        Some(row) if second < 128 => row & (1 << second) != 0,
        _ => false,
    }
}

/// Whether o200k_base has one token for the kana `first` then `second` (false outside U+3040 to
/// U+30FF).
#[inline]
pub(super) fn is_single_token_kana_pair(first: u32, second: u32) -> bool {
    let (first, second) = (first.wrapping_sub(0x3040), second.wrapping_sub(0x3040));
    match SINGLE_TOKEN_KANA_PAIRS.get(first as usize) {
        Some(row) if second < 192 => row[(second / 64) as usize] & (1 << (second % 64)) != 0,
        _ => false,
    }
}

/// The index of the mark `code` in `RUN_TOKEN_LENGTHS` and `SPACED_RUN_TOKEN_LENGTHS`: printable
/// ASCII, General Punctuation, Box Drawing and Block Elements.
#[inline]
fn run_index(code: u32) -> Option<usize> {
    let index = match code {
        0x21..=0x7E => code - 0x21,
        0x2000..=0x206F => code - 0x2000 + 94,
        0x2500..=0x259F => code - 0x2500 + 94 + 112,
        _ => return None,
    };
    Some(index as usize)
}

/// How many of the mark `code` o200k_base puts in a token when they run (`RUN_TOKEN_LENGTHS`: a
/// run of n costs at most ceil(n / L)): 1 for a mark whose runs do not merge, and for any code
/// point outside the marks of [`run_index`].
#[inline]
pub(super) fn run_token_length(code: u32) -> u32 {
    run_index(code).map_or(1, |index| u32::from(RUN_TOKEN_LENGTHS[index]))
}

/// What o200k_base makes of a run of the mark `code` after a space (`SPACED_RUN_TOKEN_LENGTHS`):
/// how many of it are one token with the space, and how many of the rest go in a token. (1, 1)
/// for the code points outside the marks of [`run_index`].
#[inline]
pub(super) fn spaced_run_token_lengths(code: u32) -> (u32, u32) {
    run_index(code).map_or((1, 1), |index| {
        let [merged, per] = SPACED_RUN_TOKEN_LENGTHS[index];
        (u32::from(merged), u32::from(per))
    })
}

/// Whether `code` is a Greek or Cyrillic capital letter.
#[inline(always)]
pub(super) const fn is_greek_or_cyrillic_capital(code: u32) -> bool {
    matches!(code, 0x386 | 0x388..=0x38A | 0x38C | 0x38E..=0x3A1 | 0x3A3..=0x3AB | 0x400..=0x42F)
}

/// Whether `code` is a letter of a script o200k_base merges little, less than the scripts the
/// estimate's weights for Indic and unspaced letters were fitted on (Devanagari, Thai): Gurmukhi
/// (Punjabi), Lao, Myanmar (Burmese) and Khmer.
#[inline]
pub(super) const fn is_sparse_script_letter(code: u32) -> bool {
    matches!(code, 0x0A00..=0x0A7F | 0x0E80..=0x0EFF | 0x1000..=0x109F | 0x1780..=0x17FF)
}

/// Whether the Arabic-script letter `code` is one Arabic, Persian and Urdu do not write but
/// Kurdish (Sorani) and Uyghur do: ە, ێ, ۆ, ڵ, ڕ, ې, ۈ, ۇ, ۋ, ڭ, ۅ.
#[inline]
pub(super) const fn is_kurdish_uyghur_marker(code: u32) -> bool {
    matches!(
        code,
        0x0695 | 0x06AD | 0x06B5 | 0x06C5..=0x06C8 | 0x06CB | 0x06CE | 0x06D0 | 0x06D5
    )
}

/// Whether only Vietnamese writes the letter `code`: ơ, ư, and the vowels of Latin Extended
/// Additional with stacked marks or a hook (ấ, ề, ở, ự, ả, …), but not those with a dot below
/// alone (ạ, ẹ, ị, ọ, ụ, ỵ), which Igbo and Yoruba write too.
#[inline]
pub(super) const fn is_vietnamese_marker(code: u32) -> bool {
    match code {
        0x1A0 | 0x1A1 | 0x1AF | 0x1B0 => true,
        0x1EA0 | 0x1EA1 | 0x1EB8 | 0x1EB9 | 0x1ECA..=0x1ECD | 0x1EE4 | 0x1EE5 | 0x1EF4 | 0x1EF5 => {
            false
        }
        0x1EA0..=0x1EF9 => true,
        _ => false,
    }
}

/// The last code point of the Latin pair tables: the end of IPA Extensions, after Latin
/// Extended-B (the Romanian ș and ț, the Pinyin ǎ, the African ɓ); IPA Extensions holds the
/// Azerbaijani ə and the ɛ, ɔ and ŋ of African languages.
pub(super) const LAST_PAIRED_LATIN: u32 = 0x2AF;

/// Whether the accented letter `code` is judged by the Latin pair tables: Latin-1 to IPA
/// Extensions, except the Vietnamese ơ and ư, whose syllables BPE merges whole though it
/// has no token for their first pairs (` được` is one token, `đư` none).
#[inline(always)]
pub(super) const fn is_paired_accented(code: u32) -> bool {
    matches!(code, 0xC0..=LAST_PAIRED_LATIN) && !matches!(code, 0x1A0 | 0x1A1 | 0x1AF | 0x1B0)
}

/// The place of `code` in the Latin pair tables (`SINGLE_TOKEN_LATIN_PAIRS`): printable ASCII
/// first, then U+00A0 to [`LAST_PAIRED_LATIN`] (Latin-1's signs and letters, Latin Extended-A
/// and -B, IPA Extensions); `None` for any other code point.
#[inline(always)]
pub(super) const fn latin_index(code: u32) -> Option<usize> {
    match code {
        0x21..=0x7E => Some((code - 0x21) as usize),
        0xA0..=LAST_PAIRED_LATIN => Some((code - 0xA0) as usize + 94),
        _ => None,
    }
}

/// Whether o200k_base has one token for `first` then `second`, both printable ASCII, Latin-1
/// (U+00A0 on), Latin Extended-A, -B or IPA Extensions, case as written (false for any other pair).
#[inline]
pub(super) fn is_single_token_latin_pair(first: u32, second: u32) -> bool {
    if first < 0x80 && second < 0x80 {
        // The same answer from the smaller table of ASCII pairs.
        return is_single_token_pair(first, second);
    }
    match (latin_index(first), latin_index(second)) {
        (Some(i), Some(j)) => SINGLE_TOKEN_LATIN_PAIRS[i][j / 64] & (1 << (j % 64)) != 0,
        _ => false,
    }
}

/// What o200k_base does with `first` then `second`, two letters of one range of
/// `SCRIPT_PAIR_RANGES` (Greek, Cyrillic, Hebrew, Arabic, Indic, Thai, Lao, Myanmar, Khmer), as
/// two bits: the low one set when some token holds the two side by side (BPE splits every other
/// pair), the high one when the two are one token; and the script, as
/// `TextTally::split_script_pairs` numbers them: Greek, Cyrillic, Hebrew, Arabic, Indic, Thai,
/// and Lao, Myanmar and Khmer. For letters of no one range, ([`PAIR_TOKEN`], [`NO_PAIR_RANGE`]).
#[inline(always)]
pub(super) fn script_pair(first: u32, second: u32) -> (u32, usize) {
    let Some(block) = PAIR_BLOCKS.get((second >> 7) as usize) else {
        return (PAIR_TOKEN, NO_PAIR_RANGE);
    };
    let (i, j) = (
        first.wrapping_sub(block.start),
        second.wrapping_sub(block.start),
    );
    if i >= block.width {
        return (PAIR_TOKEN, NO_PAIR_RANGE);
    }
    let bit = (((i << block.shift) | j) * 2) as usize;
    let pair = ((SCRIPT_PAIRS[block.offset + bit / 64] >> (bit % 64)) & 3) as u32;
    (pair, block.script)
}

/// [`script_pair`]'s script for two letters of no one range of the pair tables.
pub(super) const NO_PAIR_RANGE: usize = 7;

/// Whether some token of o200k_base holds the three letters, of one range of the pair tables
/// (below U+2000), side by side; a false answer is sure, a true one wrong for about one random
/// trigram in twelve (`SCRIPT_TRIGRAMS` is one bit per hash, 8% of them set).
#[inline(always)]
pub(super) fn is_script_trigram(first: u32, second: u32, third: u32) -> bool {
    let key = (u64::from(first) << 26) | (u64::from(second) << 13) | u64::from(third);
    let bit = (key.wrapping_mul(SCRIPT_TRIGRAM_MIX) >> (64 - SCRIPT_TRIGRAM_BITS)) as usize;
    SCRIPT_TRIGRAMS[bit / 64] & (1 << (bit % 64)) != 0
}

impl<const N: usize> KeyBuckets<N> {
    /// Whether the table, hashed with `multiplier`, holds `key` (never 0, an empty slot). One
    /// cache line read and compared whole: no branch that random keys would mispredict.
    #[inline(always)]
    pub(super) fn holds(&self, key: u32, multiplier: u32) -> bool {
        let shift = 32 - N.trailing_zeros();
        let bucket = &self.0[(key.wrapping_mul(multiplier) >> shift) as usize];
        bucket
            .iter()
            .fold(false, |held, &slot| held | (slot == key))
    }
}

/// Whether `CJK_PAIRS` holds `first` then `second`: for two Han characters, whether o200k_base
/// has one token for them; for two Hangul syllables, whether some token holds them side by side
/// (false for any other pair).
#[inline(always)]
pub(super) fn is_cjk_pair(first: u32, second: u32) -> bool {
    // `second`, a letter, is never 0, so the key is not an empty slot.
    let held = CJK_PAIRS.holds((first << 16) | second, CJK_PAIR_HASH);
    held & ((first | second) <= 0xFFFF)
}

/// The start of a `mark_word_key`: 32-bit FNV-1a's offset basis.
pub(super) const MARK_WORD_START: u32 = 0x811C_9DC5;

/// A `MARK_WORDS` key, one more byte of it: 32-bit FNV-1a (the generator hashes the same).
#[inline(always)]
pub(super) fn mark_word_key(key: u32, byte: u8) -> u32 {
    (key ^ u32::from(byte)).wrapping_mul(0x0100_0193)
}

/// A `mark_word_key` (of `PUNCT_BREAKS`), one more character of it: its UTF-8 bytes.
#[inline(always)]
pub(super) fn mark_word_key_of_char(key: u32, code: u32) -> u32 {
    if code < 0x80 {
        mark_word_key(key, code as u8)
    } else {
        mark_word_key_of_utf8(key, code)
    }
}

/// [`mark_word_key_of_char`] beyond ASCII. Out of line: most marks are ASCII.
#[inline(never)]
fn mark_word_key_of_utf8(key: u32, code: u32) -> u32 {
    let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
    c.encode_utf8(&mut [0; 4]).bytes().fold(key, mark_word_key)
}

/// The ASCII punctuation marks, in the order `PUNCT_TRIGRAMS` and `mark_runs`' tables number
/// them.
pub(super) const PUNCT_MARKS: &[u8; 32] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// Per ASCII byte, its place in [`PUNCT_MARKS`] plus one (0 for any other byte).
pub(super) const PUNCT_SLOTS: [u8; 128] = {
    let mut slots = [0; 128];
    let mut place = 0;
    while place < PUNCT_MARKS.len() {
        slots[PUNCT_MARKS[place] as usize] = place as u8 + 1;
        place += 1;
    }
    slots
};

/// The trigram state of a punctuation run after the mark `code`: six bits per mark, its
/// [`PUNCT_SLOTS`] value (0 for a mark beyond ASCII), the newest lowest.
#[inline(always)]
pub(super) fn next_punct_trigram(state: u32, code: u32) -> u32 {
    let slot = PUNCT_SLOTS
        .get(code as usize)
        .map_or(0, |&slot| u32::from(slot));
    ((state << 6) | slot) & 0x3_FFFF
}

/// Whether the last three marks of the punctuation trigram `state` are ASCII marks that no token
/// of o200k_base holds together (`PUNCT_TRIGRAMS`).
#[inline]
pub(super) fn is_rare_punct_trigram(state: u32) -> bool {
    let (a, b, c) = (state >> 12, (state >> 6) & 63, state & 63);
    if a == 0 || b == 0 || c == 0 {
        return false;
    }
    let trigram = (((a - 1) << 10) | ((b - 1) << 5) | (c - 1)) as usize;
    PUNCT_TRIGRAMS[trigram / 64] & (1 << (trigram % 64)) == 0
}

/// Whether o200k_base has one token for the marks and line breaks whose `mark_word_key` is `key`
/// (`;\n`, ` }\r\n`: see `PUNCT_BREAKS`).
#[inline]
pub(super) fn is_punct_breaks(key: u32) -> bool {
    PUNCT_BREAKS.holds(key.max(1), PUNCT_BREAK_HASH)
}

/// Whether o200k_base has one token for the ASCII mark and letters whose `mark_word_key` is
/// `key` (`_name`, `.com`: see `MARK_WORDS`).
#[inline]
pub(super) fn is_mark_word(key: u32) -> bool {
    MARK_WORDS.holds(key.max(1), MARK_WORD_HASH)
}

impl<const N: usize> BloomLines<N> {
    /// Whether `hash` passes the filter: its top bits pick a line, `SPACED_WORD_PROBES` fields
    /// of nine bits from its bottom the bits of the line that must all be set. One cache line, no
    /// branch.
    #[inline(always)]
    pub(super) fn holds(&self, hash: u64) -> bool {
        let line = &self.0[(hash >> (64 - N.trailing_zeros())) as usize];
        (0..SPACED_WORD_PROBES).fold(true, |held, probe| {
            let bit = (hash >> (9 * probe)) & 511;
            held & ((line[(bit / 64) as usize] >> (bit % 64)) & 1 == 1)
        })
    }
}

/// The longest words [`is_spaced_word`] looks up (generated with the table): o200k_base has 9
/// tokens of a space and more lower-case letters.
pub(super) use super::vocab::SPACED_WORD_MAX;

/// Whether o200k_base has one token for a space and the ASCII letters `text[start..end]` (2 to
/// [`SPACED_WORD_MAX`] of them, all lower case but the first, or all capitals; see
/// `SPACED_WORDS`): ` the`, ` Sebastian` and ` SELECT`, but not ` tentativo` or ` Verfaillie`,
/// which BPE splits. False for longer words. With another `lead`, whether it has one token for
/// the word after a tab (`\treturn`, but `\tF` `ix`), or for the word alone (`echo`, `Value`,
/// `HTTP`, but `D` `ieter`).
#[inline(always)]
pub(super) fn is_spaced_word(text: &[u8], start: usize, end: usize, lead: WordLead) -> bool {
    let len = end - start;
    debug_assert!(len >= 2, "a word of {len} letters");
    if len > SPACED_WORD_MAX {
        return false;
    }
    // The letters as two little-endian words, zero-padded: read in place when 16 bytes are there.
    let word = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
    // The low `count` bytes of a word, 1 to 8 of them.
    let kept = |count: usize| u64::MAX >> (64 - 8 * count);
    let (low, high) = match text.get(start..start + 16) {
        Some(block) if len <= 8 => (word(&block[..8]) & kept(len), 0),
        Some(block) => (word(&block[..8]), word(&block[8..]) & kept(len - 8)),
        None => {
            let mut block = [0u8; 16];
            block[..len].copy_from_slice(&text[start..end]);
            (word(&block[..8]), word(&block[8..]))
        }
    };
    let salt = match lead {
        WordLead::Space => 0,
        WordLead::Nothing => BARE_WORD_SALT,
        WordLead::Tab => TAB_WORD_SALT,
    };
    SPACED_WORDS.holds(spaced_word_hash(low, high) ^ salt)
}

/// What leads a word [`is_spaced_word`] looks up: the table holds words of each lead apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WordLead {
    /// A space (` the`, ` Sebastian`).
    Space,
    /// A tab (`\treturn`).
    Tab,
    /// Nothing that joins the word: a capitalised word alone (`Value`).
    Nothing,
}

/// The hash of a word's letters as two zero-padded words (the generator hashes the same).
#[inline(always)]
fn spaced_word_hash(low: u64, high: u64) -> u64 {
    // One 128-bit product of the two words, each mixed with a constant, folded in two.
    let product =
        u128::from(low ^ 0x9E37_79B9_7F4A_7C15) * u128::from(high ^ 0xD6E8_FEB8_6659_FD93);
    (product as u64) ^ ((product >> 64) as u64)
}

/// Whether `first` then `second`, letters Vietnamese writes (`VIETNAMESE_LETTERS`), stand
/// together inside no token of o200k_base, so that BPE splits them (false for any other pair).
#[inline]
pub(super) fn is_split_vietnamese_pair(first: u32, second: u32) -> bool {
    match (vietnamese_index(first), vietnamese_index(second)) {
        (Some(i), Some(j)) => {
            let bit = i * VIETNAMESE_ROW + j;
            VIETNAMESE_PAIRS[bit / 64] & (1 << (bit % 64)) == 0
        }
        _ => false,
    }
}

/// The number of `code` in `VIETNAMESE_LETTERS`, if it is one of them.
#[inline(always)]
fn vietnamese_index(code: u32) -> Option<usize> {
    let slot = match code {
        0..=0x1FF => code,
        0x1E00..=0x1EFF => code - 0x1E00 + 0x200,
        _ => return None,
    };
    VIETNAMESE_INDEX[slot as usize]
        .checked_sub(1)
        .map(usize::from)
}

/// [`vietnamese_index`] plus one (0: no letter), by code point below U+0200, then from U+1E00 at
/// 0x200. Built at compile time.
static VIETNAMESE_INDEX: [u8; 0x300] = {
    let mut table = [0u8; 0x300];
    let mut i = 0;
    while i < VIETNAMESE_LETTERS.len() {
        let code = VIETNAMESE_LETTERS[i];
        let slot = if code < 0x200 {
            code
        } else {
            code - 0x1E00 + 0x200
        };
        table[slot as usize] = (i + 1) as u8;
        i += 1;
    }
    table
};

/// [`script_pair`]: the two letters are one token.
pub(super) const PAIR_TOKEN: u32 = 3;
/// [`script_pair`]: some token holds the two letters side by side, but they are no token.
pub(super) const PAIR_IN_A_TOKEN: u32 = 1;
/// [`script_pair`]: no token holds the two letters side by side.
pub(super) const PAIR_SPLIT: u32 = 0;

/// Whether o200k_base leaves a space before `code` a token of its own, or splits `code`: `code` is
/// one token alone (above ASCII, in the basic plane) but no token begins with a space and it
/// (` щ`, ` ى`, ` ệ`, ` べ`). False for any other code point.
#[inline]
pub(super) fn leaves_space_alone(code: u32) -> bool {
    let (word, bit) = ((code / 64) as usize, 1 << (code % 64));
    code >= 0x80
        && SINGLE_TOKEN_BMP
            .get(word)
            .is_some_and(|&single| single & bit != 0)
        && SPACED_TOKEN_STARTS[word] & bit == 0
}

/// A range of the pair tables, as seen from one of its 128-code-point blocks.
#[derive(Clone, Copy)]
struct PairBlock {
    /// The range's first code point, its width (0: no range) and its base-2 logarithm, and its
    /// first word in `SCRIPT_PAIRS`.
    start: u32,
    width: u32,
    shift: u32,
    offset: usize,
    /// As `TextTally::split_script_pairs` numbers them: Greek, Cyrillic, Hebrew, Arabic, Indic,
    /// Thai, and Lao, Myanmar and Khmer.
    script: usize,
}

/// Per 128 code points below U+1800, the range of the pair tables they are in: one load finds
/// everything a lookup needs.
static PAIR_BLOCKS: [PairBlock; 48] = {
    let none = PairBlock {
        start: 0,
        width: 0,
        shift: 0,
        offset: 0,
        script: 0,
    };
    let mut table = [none; 48];
    let mut range = 0;
    while range < SCRIPT_PAIR_RANGES.len() {
        let (start, width, offset) = SCRIPT_PAIR_RANGES[range];
        let script = match start {
            0x380 => 0,
            0x400 => 1,
            0x580 => 2,
            0x600 => 3,
            0x900..=0xDFF => 4,
            0xE00 => 5,
            _ => 6,
        };
        let mut block = start >> 7;
        while block < (start + width) >> 7 {
            table[block as usize] = PairBlock {
                start,
                width,
                shift: width.trailing_zeros(),
                offset,
                script,
            };
            block += 1;
        }
        range += 1;
    }
    table
};

/// Whether o200k_base has one token for a space and `code` (printable ASCII, Latin-1 from U+00A0,
/// Latin Extended-A, -B or IPA Extensions; false for any other code point).
#[inline]
pub(super) fn is_single_token_spaced_latin(code: u32) -> bool {
    match latin_index(code) {
        Some(j) => SINGLE_TOKEN_SPACED_LATIN[j / 64] & (1 << (j % 64)) != 0,
        None => false,
    }
}

/// The trigram index `state` moved on by the ASCII letter `letter`: five bits per letter
/// (`letter & 31`, the same for either case; 0 before a word piece's first letter), the newest
/// lowest, three letters kept.
#[inline(always)]
pub(super) fn next_trigram(state: u32, letter: u8) -> u32 {
    ((state << 5) | u32::from(letter & 31)) & 0x7FFF
}

/// Whether the letter trigram `trigram` (from [`next_trigram`]) occurs in one of o200k_base's
/// most frequent tokens of letters.
#[inline(always)]
pub(super) const fn is_common_trigram(trigram: u32) -> bool {
    ASCII_LETTER_TRIGRAMS[(trigram as usize >> 6) & 511] & (1 << (trigram & 63)) != 0
}

/// Whether o200k_base leaves the first letter of a word piece a token of its own, given the
/// trigram of the piece's first three letters and how it began (`variant`: 0 a space and a
/// lower-case letter, 1 a space and a capital, 2 a capital, 3 a lower-case letter).
#[inline]
pub(super) fn is_lone_first_letter(variant: usize, trigram: u32) -> bool {
    RARE_TRIGRAMS[trigram as usize & 0x7FFF] & (2 << (variant & 3)) != 0
}

/// One byte per letter trigram (see [`next_trigram`]): bit 0 set where [`is_common_trigram`] is
/// false (`& RARE` reads it); bits 1 to 4 the `LONE_FIRST_LETTERS` of the four ways a word piece
/// begins ([`is_lone_first_letter`]), so that both come from one cache line. The scanner's bulk
/// path reads this form, which costs 28 KB more than the bitmap but one load per letter.
pub(super) static RARE_TRIGRAMS: [u8; 0x8000] = {
    let mut table = [0; 0x8000];
    let mut trigram = 0;
    while trigram < 0x8000 {
        if !is_common_trigram(trigram as u32) {
            table[trigram] = RARE;
        }
        let mut variant = 0;
        while variant < 4 {
            if LONE_FIRST_LETTERS[variant][trigram >> 6] & (1 << (trigram & 63)) != 0 {
                table[trigram] |= 2 << variant;
            }
            variant += 1;
        }
        trigram += 1;
    }
    table
};

/// The bit of [`RARE_TRIGRAMS`] that marks a rare trigram.
pub(super) const RARE: u8 = 1;

/// What a rare character costs, in thousandths of a token: its Unicode block's measured figure, or
/// its UTF-8 length (the byte-level ceiling: every token covers at least one byte) outside every
/// block.
pub(super) fn rare_char_milli(code: u32) -> u64 {
    let index = RARE_CHAR_MILLI.partition_point(|&(_, last, _)| last < code);
    match RARE_CHAR_MILLI.get(index) {
        Some(&(first, _, milli)) if first <= code => u64::from(milli),
        _ => match code {
            0..=0x7FF => 2_000,
            0x800..=0xFFFF => 3_000,
            _ => 4_000,
        },
    }
}

/// Letters of an alphabet that o200k_base tokenizes at its own rate: accented Latin letters and
/// letters of other alphabets are counted per script (see `TextTally`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Script {
    /// Latin-1 letters (French, German, Spanish, Portuguese, Nordic).
    Latin1,
    /// Latin Extended-A and -B and IPA Extensions (Czech, Polish, Turkish, Romanian, Azerbaijani).
    ExtendedLatin,
    /// Latin Extended Additional: letters with stacked marks (Vietnamese).
    Vietnamese,
    Greek,
    Cyrillic,
    /// The Cyrillic letters only Russian (and Belarusian) writes: ы, э, ё.
    RussianCyrillic,
    /// The Cyrillic letters Russian never writes: і, ї, є, ґ, ў, ј, љ, њ, and the letters of
    /// Kazakh, Tatar, Kyrgyz, Bashkir, Mongolian, … beyond U+045F (ә, қ, ң, ө, ү, һ).
    OtherCyrillic,
    Hebrew,
    Arabic,
    /// Devanagari and the other Brahmic scripts of India and Sri Lanka.
    Indic,
    Other,
}

/// The writing system of a letter of class `class`, as far as o200k_base's merges go: it has
/// almost no tokens that cross from one to another, so a change of script inside a word starts a
/// token. Latin letters (ASCII or accented) are one system, Han and kana another (Japanese
/// mixes them in words); scripts without a family of their own here (Indic, Thai, Armenian,
/// Georgian, Ethiopic, …) are told apart by their 128-code-point block. Combining diacritics
/// (U+0300 to U+036F) join the letter before them: `None`. (The scanner takes two letters of one
/// such block for one system without asking.)
#[inline]
pub(super) fn script_family(class: CharClass, code: u32) -> Option<u32> {
    Some(match class {
        CharClass::Lower | CharClass::Upper | CharClass::AccentedLetter => 0,
        CharClass::Han | CharClass::Kana => 1,
        CharClass::Hangul => 2,
        _ if matches!(code, 0x0300..=0x036F) => return None,
        _ => match script(code) {
            Script::Greek => 3,
            Script::Cyrillic | Script::RussianCyrillic | Script::OtherCyrillic => 4,
            Script::Hebrew => 5,
            Script::Arabic => 6,
            _ => 16 + (code >> 7),
        },
    })
}

#[inline(always)]
pub(super) fn script(code: u32) -> Script {
    match LOW_CHARS.get(code.wrapping_sub(0x80) as usize) {
        Some(low) => low.script,
        None => script_by_range(code),
    }
}

const fn script_by_range(code: u32) -> Script {
    match code {
        0x00C0..=0x00FF => Script::Latin1,
        0x0100..=0x02AF => Script::ExtendedLatin,
        0x1E00..=0x1EFF => Script::Vietnamese,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x042B | 0x042D | 0x0401 | 0x044B | 0x044D | 0x0451 => Script::RussianCyrillic,
        0x0410..=0x044F => Script::Cyrillic,
        0x0400..=0x052F => Script::OtherCyrillic,
        0x0590..=0x05FF | 0xFB1D..=0xFB4F => Script::Hebrew,
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
        0x0900..=0x0DFF => Script::Indic,
        _ => Script::Other,
    }
}
