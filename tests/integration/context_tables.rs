//! The generator of `src/context/vocab.rs`: what o200k_base does with each non-ASCII character,
//! measured with `tiktoken-rs`. Run it with
//! `cargo test --test integration -- --ignored regenerate_vocab_tables` (it rewrites the file;
//! then `cargo fmt`). It needs the Unicode block list, `Blocks.txt`, which Perl ships
//! (`/usr/share/perl/*/unicore/Blocks.txt` on Debian; `LLMWIRE_BLOCKS_TXT` overrides the path).
//!
//! What it measures:
//! - which code points are one token on their own (a bitmap of the basic plane, a list beyond);
//! - per Unicode block, the tokens per character of the block's other code points: the larger of
//!   their mean alone and the worst of 16 random sequences of 48 of them, rounded up to 1/20.
//!   Code points outside every block are charged their UTF-8 length (the byte-level ceiling);
//! - which pairs of printable ASCII characters are one token, alone and after a space, and which
//!   pairs of kana; which pairs of Han characters are one token, and which pairs of Hangul
//!   syllables, of Vietnamese letters and of the letters of `SCRIPT_PAIR_RANGES` some token holds;
//! - which tokens are one ASCII mark and ASCII letters (`_name`, `.com`: `MARK_WORDS`), and which
//!   are a space and lower-case ASCII letters, or a space, a capital and lower-case letters
//!   (` the`, ` tentative`, ` Sebastian`: `SPACED_WORDS`);
//! - which trigrams of ASCII letters (case folded, a word's start counting as a letter of its own)
//!   occur in the `LETTER_TRIGRAM_RANKS` most frequent tokens made of letters (with at most a
//!   leading space): a word whose trigrams are missing there is split into short tokens (three
//!   of one letter count as missing whatever the tokens);
//! - how runs of one mark split, bare and after a space (`RUN_TOKEN_LENGTHS`,
//!   `SPACED_RUN_TOKEN_LENGTHS`), which tokens are marks and the line breaks after them
//!   (`;\n`, `=====\n`: `PUNCT_BREAKS`), and which trigrams of ASCII marks some token holds
//!   (`});`: `PUNCT_TRIGRAMS`).

use std::fmt::Write as _;

use tiktoken_rs::CoreBPE;

/// The tokens whose letter trigrams make up `ASCII_LETTER_TRIGRAMS`: o200k_base's ranks follow
/// the order of its merges, so the lowest ranks are the most frequent pieces of words.
pub const LETTER_TRIGRAM_RANKS: u32 = 30000;

/// The index of a letter trigram in `ASCII_LETTER_TRIGRAMS`: five bits per letter (`b & 31`,
/// 1–26 for either case; 0 before a word's first letter), the newest letter lowest.
pub fn next_trigram(state: u32, letter: u8) -> u32 {
    ((state << 5) | u32::from(letter & 31)) & 0x7FFF
}

/// The longest run of one mark measured for the run table.
pub const RUN_TOKEN_MAX: u8 = 128;

/// The marks of the run table, in its order: printable ASCII, General Punctuation, Box Drawing
/// and Block Elements. The scanner's `chars::run_token_length` is the inverse.
pub fn run_domain() -> impl Iterator<Item = char> {
    (0x21..=0x7Eu32)
        .chain(0x2000..=0x206F)
        .chain(0x2500..=0x259F)
        .filter_map(char::from_u32)
}

/// The characters of the Latin pair tables, in their order: printable ASCII (U+0021 to U+007E),
/// then Latin-1, Latin Extended-A and -B and IPA Extensions (U+00A0 to U+02AF). The scanner's
/// `chars::latin_index` is the inverse.
pub fn latin_domain() -> Vec<char> {
    (0x21..=0x7Eu32)
        .chain(0xA0..=0x2AF)
        .filter_map(char::from_u32)
        .collect()
}

/// A xorshift generator: the same sequences on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// The Unicode blocks above ASCII from a `Blocks.txt`: (first, last, name).
pub fn blocks(text: &str) -> Vec<(u32, u32, String)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (range, name) = line.split_once(';')?;
            let (first, last) = range.split_once("..")?;
            let first = u32::from_str_radix(first.trim(), 16).ok()?;
            let last = u32::from_str_radix(last.trim(), 16).ok()?;
            (first >= 0x80 && !(0xD800..=0xDFFF).contains(&first))
                .then(|| (first, last, name.trim().to_owned()))
        })
        .collect()
}

pub fn blocks_txt_path() -> String {
    if let Ok(path) = std::env::var("LLMWIRE_BLOCKS_TXT") {
        return path;
    }
    let mut found: Vec<_> = std::fs::read_dir("/usr/share/perl")
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|entry| entry.path().join("unicore/Blocks.txt"))
                .filter(|path| path.exists())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
        .pop()
        .map(|path| path.to_string_lossy().into_owned())
        .expect("Blocks.txt: install perl or set LLMWIRE_BLOCKS_TXT")
}

/// Beyond the last rank of o200k_base's ordinary tokens.
const VOCABULARY_RANKS: u32 = 200_000;

/// The ranges of code points (first, width) whose letter pairs the vocabulary tables measure:
/// Greek, Cyrillic (with its supplement's first half), Hebrew, Arabic (with the letters of
/// Persian and Urdu), the ten blocks from Devanagari to Sinhala, Thai, Lao, Myanmar, Khmer. Random
/// letters of these alphabets split into a token or two a letter, words into far fewer, and the
/// pairs that no token holds tell the two apart. Each range starts on a multiple of 128, below
/// U+1800.
pub const SCRIPT_PAIR_RANGES: [(u32, u32); 18] = [
    (0x380, 128),
    (0x400, 256),
    (0x580, 128),
    (0x600, 256),
    (0x900, 128),
    (0x980, 128),
    (0xA00, 128),
    (0xA80, 128),
    (0xB00, 128),
    (0xB80, 128),
    (0xC00, 128),
    (0xC80, 128),
    (0xD00, 128),
    (0xD80, 128),
    (0xE00, 128),
    (0xE80, 128),
    (0x1000, 128),
    (0x1780, 128),
];

/// The letters Vietnamese writes, both cases: ASCII's and its own accented ones (in Latin-1, Latin
/// Extended-A and -B, and Latin Extended Additional). Random letters of this alphabet read as
/// Vietnamese to the estimator, which merges Vietnamese syllables well; the pairs of them that no
/// token holds tell the two apart.
pub const VIETNAMESE_LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ\
    àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ\
    ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬĐÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴ";

/// The source of `src/context/vocab.rs`.
pub fn generate(bpe: &CoreBPE, blocks_txt: &str, blocks_origin: &str) -> String {
    let tokens = |text: &str| bpe.encode_ordinary(text).len();
    let alone = |code: u32| char::from_u32(code).map(|c| tokens(c.encode_utf8(&mut [0; 4])));
    let mut bmp = [0u64; 1024];
    let mut astral = Vec::new();
    for code in 0x80..0x11_0000u32 {
        if alone(code) == Some(1) {
            if code < 0x1_0000 {
                bmp[(code / 64) as usize] |= 1 << (code % 64);
            } else {
                astral.push(code);
            }
        }
    }
    let mut pairs = [0u128; 128];
    for first in 0x21..0x7Fu8 {
        for second in 0x21..0x7Fu8 {
            let pair = [first, second];
            if tokens(std::str::from_utf8(&pair).expect("ASCII")) == 1 {
                pairs[usize::from(first)] |= 1 << second;
            }
        }
    }
    let mut spaced_pairs = [0u128; 128];
    for first in 0x21..0x7Fu8 {
        for second in 0x21..0x7Fu8 {
            let spaced = [b' ', first, second];
            if tokens(std::str::from_utf8(&spaced).expect("ASCII")) == 1 {
                spaced_pairs[usize::from(first)] |= 1 << second;
            }
        }
    }
    let mut kana_pairs = [[0u64; 3]; 192];
    for first in 0..192u32 {
        for second in 0..192u32 {
            let pair: String = [0x3040 + first, 0x3040 + second]
                .iter()
                .filter_map(|&code| char::from_u32(code))
                .collect();
            if tokens(&pair) == 1 {
                kana_pairs[first as usize][(second / 64) as usize] |= 1 << (second % 64);
            }
        }
    }
    // For each mark, the largest L such that a run of any length n up to RUN_TOKEN_MAX costs at
    // most ceil(n / L) tokens: what BPE makes of runs (`──────────` is 8 + 2), not only the
    // longest token (16 of them), so that charging a token per L never under-counts a run.
    let run_costs = |lead: &str, mark: char| -> Vec<usize> {
        (1..=usize::from(RUN_TOKEN_MAX))
            .map(|n| tokens(&format!("{lead}{}", mark.to_string().repeat(n))))
            .collect()
    };
    // The largest L such that `bound(n, L)` holds every run's cost, 1 if none does.
    let largest_per = |costs: &[usize], bound: &dyn Fn(usize, usize) -> usize| {
        (1..=RUN_TOKEN_MAX)
            .rev()
            .find(|&per| {
                costs
                    .iter()
                    .enumerate()
                    .all(|(i, &cost)| cost <= bound(i + 1, usize::from(per)))
            })
            .unwrap_or(1)
    };
    let run_lengths: Vec<u8> = run_domain()
        .map(|mark| largest_per(&run_costs("", mark), &|n, per| n.div_ceil(per)))
        .collect();
    // After a space, BPE merges the space with the first marks and splits the rest elsewhere
    // (` !!!` `!!!`, ` =====` `=`): M, the longest such run that is one token (at least 1),
    // then the largest L such that a run of n costs at most 1 + ceil((n - M) / L).
    let spaced_run_lengths: Vec<[u8; 2]> = run_domain()
        .map(|mark| {
            let costs = run_costs(" ", mark);
            let merged = costs.iter().take_while(|&&cost| cost == 1).count().max(1);
            let per = largest_per(&costs, &|n, per| 1 + n.saturating_sub(merged).div_ceil(per));
            [merged as u8, per]
        })
        .collect();
    let latin = latin_domain();
    let words = latin.len().div_ceil(64);
    let mut latin_pairs = vec![vec![0u64; words]; latin.len()];
    let mut spaced_latin = vec![0u64; words];
    for (j, &second) in latin.iter().enumerate() {
        if tokens(&format!(" {second}")) == 1 {
            spaced_latin[j / 64] |= 1 << (j % 64);
        }
        for (i, &first) in latin.iter().enumerate() {
            if tokens(&format!("{first}{second}")) == 1 {
                latin_pairs[i][j / 64] |= 1 << (j % 64);
            }
        }
    }
    // Per pair of letters of these ranges: whether some token holds the two side by side (if
    // none does, BPE splits them whatever the rest of the word), and whether the two are a token.
    // Two bits a pair, row after row, range after range.
    let mut offsets = Vec::new();
    let mut pair_words = 0;
    for &(_, width) in &SCRIPT_PAIR_RANGES {
        offsets.push(pair_words);
        pair_words += (width * width * 2 / 64) as usize;
    }
    let mut script_pairs = vec![0u64; pair_words];
    let mut cjk_pairs = Vec::new();
    let vietnamese: Vec<u32> = VIETNAMESE_LETTERS.chars().map(u32::from).collect();
    let vietnamese_index = |code: u32| vietnamese.iter().position(|&letter| letter == code);
    let mut vietnamese_pairs = vec![0u64; VIETNAMESE_PAIR_WORDS];
    // The tokens of one ASCII mark and ASCII letters (`_name`, `.com`, `-r`, `/usr`), as their
    // `mark_word_key`.
    let mut mark_words = Vec::new();
    // The tokens of a space and 2 to `SPACED_WORD_MAX` ASCII letters, all lower case but the
    // first or all capitals, as the `spaced_word_hash` of their letters; and those of such
    // letters with no space, and of a tab and such letters, as that hash salted
    // (`BARE_WORD_SALT`, `TAB_WORD_SALT`).
    let mut spaced_words = Vec::new();
    // The tokens of marks and line breaks (`;\n`, ` }\r\n`, `=====\n`), as their `mark_word_key`.
    let mut punct_breaks = Vec::new();
    // The trigrams of ASCII marks that some token holds (`});`, `"],`), by `punct_index`.
    let mut punct_trigrams = [0u64; 512];
    let mut mark_runs = Vec::new();
    let mut mark = |first: u32, second: u32, bits: u64| {
        for (&(start, width), &offset) in SCRIPT_PAIR_RANGES.iter().zip(&offsets) {
            let (i, j) = (first.wrapping_sub(start), second.wrapping_sub(start));
            if i < width && j < width {
                let bit = ((i * width + j) * 2) as usize;
                script_pairs[offset + bit / 64] |= bits << (bit % 64);
            }
        }
    };
    // The characters beyond ASCII of the basic plane that begin some token after a space.
    let mut spaced_bmp = [0u64; 1024];
    // The trigrams of letters of one range of `SCRIPT_PAIR_RANGES` that some token holds.
    let mut script_trigram_keys = Vec::new();
    for rank in 0..VOCABULARY_RANKS {
        let Ok(bytes) = bpe.decode_bytes(&[rank]) else {
            continue;
        };
        if let Some(code) = spaced_first_char(&bytes) {
            spaced_bmp[(code / 64) as usize] |= 1 << (code % 64);
        }
        for chunk in bytes.utf8_chunks() {
            let codes: Vec<u32> = chunk.valid().chars().map(u32::from).collect();
            for three in codes.windows(3) {
                if script_range(three[0]).is_some_and(|range| {
                    script_range(three[1]) == Some(range) && script_range(three[2]) == Some(range)
                }) {
                    script_trigram_keys.push((three[0], three[1], three[2]));
                }
            }
        }
        if let [mark, letters @ ..] = &bytes[..] {
            if mark.is_ascii_punctuation()
                && !letters.is_empty()
                && letters.iter().all(u8::is_ascii_alphabetic)
            {
                mark_words.push(mark_word_key(&bytes));
            }
            if *mark == b' '
                && (2..=SPACED_WORD_MAX).contains(&letters.len())
                && (is_word(letters) || letters.iter().all(u8::is_ascii_uppercase))
            {
                spaced_words.push(spaced_word_hash(letters));
            }
            if (2..=SPACED_WORD_MAX).contains(&bytes.len())
                && (is_word(&bytes) || bytes.iter().all(u8::is_ascii_uppercase))
            {
                spaced_words.push(spaced_word_hash(&bytes) ^ BARE_WORD_SALT);
            }
            if *mark == b'\t'
                && (2..=SPACED_WORD_MAX).contains(&letters.len())
                && (is_word(letters) || letters.iter().all(u8::is_ascii_uppercase))
            {
                spaced_words.push(spaced_word_hash(letters) ^ TAB_WORD_SALT);
            }
        }
        if is_punct_breaks(&bytes) {
            punct_breaks.push(mark_word_key(&bytes));
        }
        if is_mark_run(&bytes) {
            mark_runs.push((mark_run_hash(&bytes), rank));
        }
        for three in bytes.windows(3) {
            if let [Some(a), Some(b), Some(c)] = [three[0], three[1], three[2]].map(punct_index) {
                let trigram = (a << 10) | (b << 5) | c;
                punct_trigrams[trigram / 64] |= 1 << (trigram % 64);
            }
        }
        let codes: Vec<u32> = String::from_utf8_lossy(&bytes)
            .chars()
            .map(u32::from)
            .collect();
        for pair in codes.windows(2) {
            mark(pair[0], pair[1], 1);
            if let (Some(i), Some(j)) = (vietnamese_index(pair[0]), vietnamese_index(pair[1])) {
                let bit = i * VIETNAMESE_ROW + j;
                vietnamese_pairs[bit / 64] |= 1 << (bit % 64);
            }
            if is_hangul_syllable(pair[0]) && is_hangul_syllable(pair[1]) {
                cjk_pairs.push(cjk_pair_key(pair[0], pair[1]));
            }
        }
        if let [first, second] = codes[..] {
            mark(first, second, 2);
            if is_han(first) && is_han(second) {
                cjk_pairs.push(cjk_pair_key(first, second));
            }
        }
    }
    cjk_pairs.sort_unstable();
    cjk_pairs.dedup();
    let (cjk_pair_hash, cjk_pair_buckets) = key_buckets(&cjk_pairs, CJK_PAIR_BUCKETS);
    mark_words.sort_unstable();
    mark_words.dedup();
    let (mark_word_hash, mark_word_buckets) = key_buckets(&mark_words, MARK_WORD_BUCKETS);
    punct_breaks.sort_unstable();
    punct_breaks.dedup();
    let (punct_break_hash, punct_break_buckets) = key_buckets(&punct_breaks, PUNCT_BREAK_BUCKETS);
    let spaced_word_lines = bloom_lines(&spaced_words);
    let mut trigrams = [0u64; 512];
    for rank in 0..LETTER_TRIGRAM_RANKS {
        let Ok(bytes) = bpe.decode_bytes(&[rank]) else {
            continue;
        };
        let letters = bytes.strip_prefix(b" ").unwrap_or(&bytes);
        if letters.is_empty() || !letters.iter().all(u8::is_ascii_alphabetic) {
            continue;
        }
        let mut state = 0;
        for &letter in letters {
            state = next_trigram(state, letter);
            trigrams[(state / 64) as usize] |= 1 << (state % 64);
        }
    }
    // Three of one letter count as rare whatever the tokens: o200k_base has `www` and `aaaa`,
    // but splits a longer run into pieces of two to four (` www` `ww` `ww`).
    for letter in 1..=26u32 {
        let state = (letter << 10) | (letter << 5) | letter;
        trigrams[(state / 64) as usize] &= !(1 << (state % 64));
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut rows = Vec::new();
    for (first, last, name) in blocks(blocks_txt) {
        let rare: Vec<char> = (first..=last)
            .filter(|&code| alone(code).is_some_and(|n| n > 1))
            .filter_map(char::from_u32)
            .collect();
        if rare.is_empty() {
            continue;
        }
        let mean = rare
            .iter()
            .map(|&c| alone(c as u32).unwrap())
            .sum::<usize>() as f64
            / rare.len() as f64;
        let mut worst: f64 = 0.0;
        for _ in 0..16 {
            let text: String = (0..48).map(|_| rare[rng.below(rare.len())]).collect();
            worst = worst.max(tokens(&text) as f64 / 48.0);
        }
        let milli = (mean.max(worst) * 20.0).ceil() as u32 * 50;
        rows.push((first, last, milli, name));
    }
    let numeric = numeric_charges(&tokens);
    // Per way a word piece can begin (a space and a lower-case letter, a space and a capital, a
    // capital, a lower-case letter), the three-letter beginnings whose first letter BPE leaves a
    // token of its own (` a` `ue` of ` aue`, `P` `nz` of `Pnz`). For a capital, only where it and
    // the next letter are one token: the scanner counts the others apart.
    let mut lone_first = [[0u64; 512]; 4];
    for (variant, (lead, capital)) in [(" ", false), (" ", true), ("", true), ("", false)]
        .into_iter()
        .enumerate()
    {
        for first in b'a'..=b'z' {
            let first = if capital {
                first.to_ascii_uppercase()
            } else {
                first
            };
            for second in b'a'..=b'z' {
                let pair = format!("{lead}{}{}", first as char, second as char);
                if capital && tokens(&pair) != 1 {
                    continue;
                }
                for third in b'a'..=b'z' {
                    let text = format!("{pair}{}", third as char);
                    let pieces = bpe.encode_ordinary(&text);
                    let head = bpe.decode_bytes(&pieces[..1]).unwrap_or_default();
                    if head == format!("{lead}{}", first as char).as_bytes() {
                        let trigram =
                            next_trigram(next_trigram(next_trigram(0, first), second), third);
                        lone_first[variant][(trigram / 64) as usize] |= 1 << (trigram % 64);
                    }
                }
            }
        }
    }
    let mut out = String::new();
    out.push_str(
        "//! What o200k_base does with non-ASCII characters, measured: GENERATED by\n\
         //! `cargo test --test integration -- --ignored regenerate_vocab_tables`\n\
         //! (`tests/integration/context_tables.rs`); do not edit by hand.\n",
    );
    let _ = writeln!(out, "//! Unicode blocks from {blocks_origin}.\n");
    out.push_str(
        "/// Code points of the basic plane that o200k_base encodes as one token on their own, one\n\
         /// bit each (bit `c % 64` of word `c / 64`).\n",
    );
    let _ = writeln!(out, "pub(super) static SINGLE_TOKEN_BMP: [u64; 1024] = [");
    for word in bmp {
        let _ = writeln!(out, "    {word:#018x},");
    }
    out.push_str(
        "];\n\n/// Pairs of printable ASCII characters that o200k_base has one token for: bit `b` of \
         entry\n/// `a` is set when `ab` is one token (`th`, `in`, `);`, …).\n",
    );
    let _ = writeln!(
        out,
        "pub(super) static SINGLE_TOKEN_ASCII_PAIRS: [u128; 128] = ["
    );
    for row in pairs {
        let _ = writeln!(out, "    {row:#034x},");
    }
    out.push_str(
        "];\n\n/// Pairs of printable ASCII characters that o200k_base has one token for after a \
         space: bit `b`\n/// of entry `a` is set when ` ab` is one token (` {\"`, ` =>`, ` //`, …).\n",
    );
    let _ = writeln!(
        out,
        "pub(super) static SINGLE_TOKEN_SPACED_ASCII_PAIRS: [u128; 128] = ["
    );
    for row in spaced_pairs {
        let _ = writeln!(out, "    {row:#034x},");
    }
    let _ = write!(
        out,
        "];\n\n/// Trigrams of ASCII letters that occur in the {LETTER_TRIGRAM_RANKS} most frequent tokens of \
         letters\n/// (with at most a leading space): bit `t % 64` of word `t / 64`, where `t` holds five \
         bits per\n/// letter (`b & 31`, either case; 0 before a word's first letter), the newest \
         lowest.\n"
    );
    let _ = writeln!(
        out,
        "pub(super) static ASCII_LETTER_TRIGRAMS: [u64; 512] = ["
    );
    for word in trigrams {
        let _ = writeln!(out, "    {word:#018x},");
    }
    out.push_str(
        "];\n\n/// Pairs of kana (U+3040 to U+30FF) that o200k_base has one token for: bit `b % 64` of \
         word\n/// `b / 64` of row `a`, for the pair of U+3040 + `a` then U+3040 + `b` (`ます`, `した`, …).\n",
    );
    let _ = writeln!(
        out,
        "pub(super) static SINGLE_TOKEN_KANA_PAIRS: [[u64; 3]; 192] = ["
    );
    for row in kana_pairs {
        let _ = writeln!(
            out,
            "    [{:#018x}, {:#018x}, {:#018x}],",
            row[0], row[1], row[2]
        );
    }
    out.push_str(
        "];\n\n/// How many of one mark o200k_base puts in a token when they run (1: each is a token): the \
         largest L\n/// such that a run of n costs at most ceil(n / L) tokens, for n up to 128. For \
         printable ASCII\n/// (U+0021 to U+007E), General Punctuation (U+2000 to U+206F) and Box \
         Drawing with Block Elements\n/// (U+2500 to U+259F), in that order \
         (`chars::run_token_length` reads it).\n",
    );
    let _ = writeln!(
        out,
        "#[rustfmt::skip]\npub(super) static RUN_TOKEN_LENGTHS: [u8; {}] = [",
        run_lengths.len()
    );
    for row in run_lengths.chunks(16) {
        let row: Vec<String> = row.iter().map(u8::to_string).collect();
        let _ = writeln!(out, "    {},", row.join(", "));
    }
    out.push_str(
        "];\n\n/// What o200k_base makes of a run of one mark led by a space (` !!!!!!` is ` !!!` \
         `!!!`), as `[M, L]`:\n/// the longest run that is one token with the space (at least 1), \
         and the largest L such that\n/// a space and a run of n cost at most 1 + ceil((n - M) / \
         L) tokens, for n up to 128. Same order as\n/// `RUN_TOKEN_LENGTHS`.\n",
    );
    let _ = writeln!(
        out,
        "#[rustfmt::skip]\npub(super) static SPACED_RUN_TOKEN_LENGTHS: [[u8; 2]; {}] = [",
        spaced_run_lengths.len()
    );
    for row in spaced_run_lengths.chunks(8) {
        let row: Vec<String> = row.iter().map(|[m, l]| format!("[{m}, {l}]")).collect();
        let _ = writeln!(out, "    {},", row.join(", "));
    }
    let _ = write!(
        out,
        "];\n\n/// Pairs of the {n} characters of printable ASCII and U+00A0 to U+02AF (Latin-1 to IPA Extensions)\n\
         /// that o200k_base has one token for, case as written: bit `j % 64` of word `j / 64` of row `i`\n\
         /// when character `i` then character `j` is one token (`chars::latin_index` numbers them).\n",
        n = latin.len()
    );
    let _ = writeln!(
        out,
        "#[rustfmt::skip]\npub(super) static SINGLE_TOKEN_LATIN_PAIRS: [[u64; {words}]; {}] = [",
        latin.len()
    );
    for row in &latin_pairs {
        let _ = writeln!(out, "    [{}],", hex_words(row).join(", "));
    }
    out.push_str(
        "];\n\n/// The same characters that o200k_base has one token for after a space (` é`, ` Ž`): bit\n\
         /// `j % 64` of word `j / 64`.\n",
    );
    let cells = hex_words(&spaced_latin);
    let _ = writeln!(
        out,
        "pub(super) static SINGLE_TOKEN_SPACED_LATIN: [u64; {words}] = [{}];\n",
        cells.join(", ")
    );
    out.push_str(
        "/// The ranges of `SCRIPT_PAIRS` (first code point, width, first word): Greek, Cyrillic,\n\
         /// Hebrew, Arabic, the scripts of India and Sri Lanka, Thai, Lao, Myanmar, Khmer.\n",
    );
    let ranges: Vec<String> = SCRIPT_PAIR_RANGES
        .iter()
        .zip(&offsets)
        .map(|(&(start, width), offset)| format!("({start:#x}, {width}, {offset})"))
        .collect();
    let _ = writeln!(
        out,
        "pub(super) const SCRIPT_PAIR_RANGES: [(u32, u32, usize); {}] = [{}];\n",
        ranges.len(),
        ranges.join(", ")
    );
    out.push_str(
        "/// What o200k_base does with a pair of letters of one of those ranges, two bits a pair: for\n\
         /// code points `i` then `j` of a range of width `w` (counted from its first), bit\n\
         /// `2 * (i * w + j)` from the range's first word. The low bit when the two stand next to\n\
         /// each other inside some token (BPE splits every other pair), the high bit when the two\n\
         /// are one token.\n",
    );
    let _ = writeln!(
        out,
        "#[rustfmt::skip]\npub(super) static SCRIPT_PAIRS: [u64; {}] = [",
        script_pairs.len()
    );
    write_word_rows(&mut out, &script_pairs);
    out.push_str(
        "/// The characters beyond ASCII of the basic plane that begin some token of o200k_base after\n\
         /// a space, whole (` щ`, ` ى`, ` ệ`, ` べ` begin none): bit `c % 64` of word `c / 64`.\n",
    );
    out.push_str("#[rustfmt::skip]\npub(super) static SPACED_TOKEN_STARTS: [u64; 1024] = [\n");
    write_word_rows(&mut out, &spaced_bmp);
    let _ = writeln!(
        out,
        "/// The {} pairs of Han characters that are one token, and of Hangul syllables that some\n\
         /// token holds side by side (Korean tokens often hold a leading space and three or four\n\
         /// syllables: that a token holds the pair tells words from random syllables better), as\n\
         /// `first << 16 | second`, hashed into buckets of {KEY_BUCKET} (a cache line): a pair is in\n\
         /// bucket `(key * CJK_PAIR_HASH) >> {}` (32 bits), and no bucket overflows; 0 is an empty\n\
         /// slot.\n\
         pub(super) static CJK_PAIRS: KeyBuckets<{CJK_PAIR_BUCKETS}> = KeyBuckets([",
        cjk_pairs.len(),
        32 - CJK_PAIR_BUCKETS.trailing_zeros(),
    );
    write_buckets(&mut out, &cjk_pair_buckets);
    let _ = writeln!(
        out,
        "/// The {} tokens of o200k_base made of one ASCII mark and ASCII letters (`_name`, `.com`,\n\
         /// `-r`, `/usr`), as the FNV-1a hash of their bytes (`chars::mark_word_key`), hashed into\n\
         /// buckets as `CJK_PAIRS` with `MARK_WORD_HASH`.\n\
         #[rustfmt::skip]\n\
         pub(super) static MARK_WORDS: KeyBuckets<{MARK_WORD_BUCKETS}> = KeyBuckets([",
        mark_words.len(),
    );
    write_buckets(&mut out, &mark_word_buckets);
    let _ = writeln!(
        out,
        "/// The {} tokens of o200k_base made of marks (at most one space before them) and the line\n\
         /// breaks after them (`;\\n`, ` }}\\r\\n`, `=====\\n`), as the FNV-1a hash of their bytes\n\
         /// (`chars::mark_word_key`), hashed into buckets as `CJK_PAIRS` with `PUNCT_BREAK_HASH`.\n\
         #[rustfmt::skip]\n\
         pub(super) static PUNCT_BREAKS: KeyBuckets<{PUNCT_BREAK_BUCKETS}> = KeyBuckets([",
        punct_breaks.len(),
    );
    write_buckets(&mut out, &punct_break_buckets);
    let _ = writeln!(
        out,
        "/// Trigrams of ASCII punctuation marks that occur in some token of o200k_base (`}}));`,\n\
         /// `\"],`): bit `t % 64` of word `t / 64`, where `t` holds five bits per mark (its place in\n\
         /// `chars::PUNCT_MARKS`), the newest lowest.\n\
         #[rustfmt::skip]\n\
         pub(super) static PUNCT_TRIGRAMS: [u64; 512] = ["
    );
    write_word_rows(&mut out, &punct_trigrams);
    script_trigram_keys.sort_unstable();
    script_trigram_keys.dedup();
    let mut script_trigrams = vec![0u64; (1 << SCRIPT_TRIGRAM_BITS) / 64];
    for &(first, second, third) in &script_trigram_keys {
        let bit = script_trigram_bit(first, second, third);
        script_trigrams[bit / 64] |= 1 << (bit % 64);
    }
    let _ = writeln!(
        out,
        "/// The trigrams of letters of one range of the script pair tables (Greek, Cyrillic, Hebrew,\n\
         /// Arabic, Indic, Thai, Lao, Myanmar, Khmer) that some token of o200k_base holds ({}, {:.1}%\n\
         /// of the bits set): bit `b % 64` of word `b / 64`, where `b` is the top\n\
         /// {SCRIPT_TRIGRAM_BITS} bits of the three code points, 13 bits each, times\n\
         /// `SCRIPT_TRIGRAM_MIX`. A trigram whose bit is clear is held by no token.\n\
         #[rustfmt::skip]\n\
         pub(super) static SCRIPT_TRIGRAMS: [u64; {}] = [",
        script_trigram_keys.len(),
        script_trigrams.iter().map(|w| w.count_ones()).sum::<u32>() as f64 * 100.0
            / f64::from(1u32 << SCRIPT_TRIGRAM_BITS),
        script_trigrams.len(),
    );
    write_word_rows(&mut out, &script_trigrams);
    let _ = writeln!(
        out,
        "/// The {} tokens of o200k_base of two bytes or more made of ASCII marks, a space before them\n\
         /// or not (`\"]`, ` */`, `\"}},{{\"`), with their ranks, for BPE on a run of marks\n\
         /// (`mark_runs::mark_run_tokens`): open addressing, the top {} bits of a token's hash times\n\
         /// `MARK_RUN_MIX` pick its first slot, probing on at the next; a slot holds that product with\n\
         /// its low {MARK_RUN_RANK_BITS} bits replaced by the rank, 0 if empty.\n\
         #[rustfmt::skip]\n\
         pub(super) static MARK_RUN_RANKS: [u64; {MARK_RUN_SLOTS}] = [",
        mark_runs.len(),
        MARK_RUN_SLOTS.trailing_zeros(),
    );
    write_word_rows(&mut out, &mark_run_slots(&mark_runs));
    // Every run of three bytes: a space or a mark, then two marks.
    let mut three_marks = [0u64; THREE_MARK_RUNS / 32];
    for (first, &lead) in std::iter::once(&b' ').chain(PUNCT_MARKS).enumerate() {
        for (second, &middle) in PUNCT_MARKS.iter().enumerate() {
            for (third, &last) in PUNCT_MARKS.iter().enumerate() {
                let run = [lead, middle, last];
                let count = tokens(std::str::from_utf8(&run).expect("ASCII")) as u64;
                let index = (first * 32 + second) * 32 + third;
                three_marks[index / 32] |= count << (2 * (index % 32));
            }
        }
    }
    let _ = writeln!(
        out,
        "/// The tokens of o200k_base in each run of three bytes, a space or an ASCII mark then two\n\
         /// marks: two bits (1 to 3) per run, the run `(a * 32 + b) * 32 + c` at bits `2 * (i % 32)`\n\
         /// of word `i / 32`, where `a` is 0 for a space or a mark's place in `chars::PUNCT_MARKS`\n\
         /// plus one, and `b` and `c` the others' places.\n\
         #[rustfmt::skip]\n\
         pub(super) static THREE_MARK_TOKENS: [u64; {}] = [",
        THREE_MARK_RUNS / 32,
    );
    write_word_rows(&mut out, &three_marks);
    let _ = writeln!(
        out,
        "/// The {} tokens of o200k_base made of a space and 2 to {SPACED_WORD_MAX} ASCII letters, all\n\
         /// lower case but the first or all capitals (` the`, ` tentative`, ` Sebastian`, ` SELECT`),\n\
         /// and of 2 to {SPACED_WORD_MAX} such letters with no space (`echo`, `Value`, `HTTP`; hashed\n\
         /// with `BARE_WORD_SALT`), or after a tab (`\\treturn`; with `TAB_WORD_SALT`), as a Bloom\n\
         /// filter of {SPACED_WORD_LINES} cache lines: a word's `chars::spaced_word_hash` picks the\n\
         /// line (its top bits) and {SPACED_WORD_PROBES} bits of it (nine bits each from the\n\
         /// bottom), all set for a token. A random word of letters that is no token passes for one\n\
         /// about once in 1,400, a word of code about once in 600.\n\
         #[rustfmt::skip]\n\
         pub(super) static SPACED_WORDS: BloomLines<{SPACED_WORD_LINES}> = BloomLines([",
        spaced_words.len(),
    );
    for line in &spaced_word_lines {
        let _ = writeln!(out, "    [{}],", hex_words(line).join(", "));
    }
    out.push_str("]);\n\n");
    let _ = writeln!(
        out,
        "/// The longest words `SPACED_WORDS` holds, and the bits of its line each word sets.\n\
         pub(super) const SPACED_WORD_MAX: usize = {SPACED_WORD_MAX};\n\
         pub(super) const SPACED_WORD_PROBES: u64 = {SPACED_WORD_PROBES};\n\
         /// What the hash of a word with no space before it is salted with (see `SPACED_WORDS`).\n\
         pub(super) const BARE_WORD_SALT: u64 = {BARE_WORD_SALT:#X};\n\
         /// What the hash of a word after a tab is salted with (see `SPACED_WORDS`).\n\
         pub(super) const TAB_WORD_SALT: u64 = {TAB_WORD_SALT:#X};\n"
    );
    let letters: Vec<String> = vietnamese.iter().map(|code| format!("{code:#x}")).collect();
    let _ = writeln!(
        out,
        "/// The letters Vietnamese writes, both cases, in the order `VIETNAMESE_PAIRS` numbers them.\n\
         pub(super) const VIETNAMESE_LETTERS: [u32; {}] = [{}];\n",
        letters.len(),
        letters.join(", ")
    );
    let _ = writeln!(
        out,
        "/// Whether some token holds two of `VIETNAMESE_LETTERS` side by side: bit\n\
         /// `i * VIETNAMESE_ROW + j` for the letters numbered `i` then `j`.\n\
         #[rustfmt::skip]\npub(super) static VIETNAMESE_PAIRS: [u64; {VIETNAMESE_PAIR_WORDS}] = ["
    );
    write_word_rows(&mut out, &vietnamese_pairs);
    let _ = writeln!(
        out,
        "/// A row of `VIETNAMESE_PAIRS`: the letters of `VIETNAMESE_LETTERS`, rounded up to a power\n\
         /// of two.\npub(super) const VIETNAMESE_ROW: usize = {VIETNAMESE_ROW};\n"
    );
    let _ = writeln!(
        out,
        "/// The multiplier of `CJK_PAIRS`' hash: the first odd one from the golden ratio's that\n\
         /// overflows no bucket.\npub(super) const CJK_PAIR_HASH: u32 = {cjk_pair_hash:#x};\n\n\
         /// The multiplier of `MARK_WORDS`' hash, found the same way.\n\
         pub(super) const MARK_WORD_HASH: u32 = {mark_word_hash:#x};\n\n\
         /// The multiplier of `PUNCT_BREAKS`' hash, found the same way.\n\
         pub(super) const PUNCT_BREAK_HASH: u32 = {punct_break_hash:#x};\n\n\
         /// The base of the hash of a run of marks (`MARK_RUN_RANKS`), the multiplier that mixes\n\
         /// it, and the low bits of a slot that hold a rank.\n\
         pub(super) const MARK_RUN_BASE: u64 = {MARK_RUN_BASE:#x};\n\
         pub(super) const MARK_RUN_MIX: u64 = {MARK_RUN_MIX:#x};\n\
         pub(super) const MARK_RUN_RANK_BITS: u32 = {MARK_RUN_RANK_BITS};\n\n\
         /// The bits of `SCRIPT_TRIGRAMS`' index and the multiplier of its hash.\n\
         pub(super) const SCRIPT_TRIGRAM_BITS: u32 = {SCRIPT_TRIGRAM_BITS};\n\
         pub(super) const SCRIPT_TRIGRAM_MIX: u64 = {SCRIPT_TRIGRAM_MIX:#x};\n\n\
         /// Keys hashed into `N` buckets of {KEY_BUCKET}, a cache line each (`chars::KeyBuckets::holds`).\n\
         #[repr(align(64))]\n\
         pub(super) struct KeyBuckets<const N: usize>(pub(super) [[u32; {KEY_BUCKET}]; N]);\n\n\
         /// A Bloom filter of `N` lines of 512 bits, a cache line each (`chars::BloomLines::holds`).\n\
         #[repr(align(64))]\n\
         pub(super) struct BloomLines<const N: usize>(pub(super) [[u64; 8]; N]);\n"
    );
    out.push_str(
        "/// Code points beyond the basic plane that are one token on their own. Sorted.\n",
    );
    let _ = writeln!(
        out,
        "pub(super) static SINGLE_TOKEN_ASTRAL: [u32; {}] = [",
        astral.len()
    );
    for code in &astral {
        let _ = writeln!(out, "    {code:#x},");
    }
    out.push_str(
        "];\n\n/// Per Unicode block (first, last code point, thousandths of a token): what one of the \
         block's\n/// other code points (more than one token alone) costs in a run of them. Sorted.\n",
    );
    let _ = writeln!(
        out,
        "pub(super) static RARE_CHAR_MILLI: [(u32, u32, u32); {}] = [",
        rows.len()
    );
    for (first, last, milli, name) in rows {
        let _ = writeln!(out, "    ({first:#x}, {last:#x}, {milli}), // {name}");
    }
    out.push_str(
        "];\n\n/// The beginnings of word pieces whose first letter o200k_base leaves a token of its own, \
         given\n/// the two lower-case letters after it: per beginning (a space and a lower-case letter, a \
         space and\n/// a capital, a capital, a lower-case letter), bit `t % 64` of word `t / 64`, `t` \
         the letters'\n/// trigram index (as `ASCII_LETTER_TRIGRAMS`). For a capital, only where it and \
         the next letter\n/// are one token.\n",
    );
    out.push_str("pub(super) static LONE_FIRST_LETTERS: [[u64; 512]; 4] = [\n");
    for variant in lone_first {
        out.push_str("    [\n");
        for word in variant {
            let _ = writeln!(out, "        {word:#018x},");
        }
        out.push_str("    ],\n");
    }
    out.push_str(
        "];\n\n/// The numbers beyond ASCII (Unicode categories Nd, Nl, No: digits of other scripts, \
         full-width\n/// digits, superscripts, fractions, circled numbers), which the pre-tokenizer \
         splits from letters\n/// in groups of up to three (first, last code point, thousandths of \
         a token each): what one\n/// costs alone, raised where a group of two or three of its run \
         costs more than its members\n/// alone. Sorted.\n",
    );
    let _ = writeln!(
        out,
        "pub(super) const NUMERIC_MILLI: [(u32, u32, u32); {}] = [",
        numeric.len()
    );
    for (first, last, milli) in numeric {
        let _ = writeln!(out, "    ({first:#x}, {last:#x}, {milli}),");
    }
    out.push_str("];\n");
    out
}

/// The charge of every non-ASCII number character (`char::is_numeric`: o200k_base's `\p{N}`),
/// in thousandths of a token, as ranges of consecutive code points with one charge: its tokens
/// alone, raised for a whole run of consecutive numbers when a group of two or three of the run
/// (every group for runs up to 16 long, 4,000 random ones beyond) costs more than the sum of its
/// members' charges, to the run's worst tokens per character. A group of up to three such
/// characters is one pre-token, so charging each its figure bounds the group.
pub fn numeric_charges(tokens: &dyn Fn(&str) -> usize) -> Vec<(u32, u32, u32)> {
    let numbers: Vec<u32> = (0x80..0x11_0000u32)
        .filter(|&code| char::from_u32(code).is_some_and(char::is_numeric))
        .collect();
    let mut runs: Vec<Vec<u32>> = Vec::new();
    for &code in &numbers {
        match runs.last_mut() {
            Some(run) if run.last() == Some(&(code - 1)) => run.push(code),
            _ => runs.push(vec![code]),
        }
    }
    let text =
        |codes: &[u32]| -> String { codes.iter().filter_map(|&c| char::from_u32(c)).collect() };
    let mut rng = Rng(0x5EED_D161_7500_0001);
    let mut charges = Vec::new();
    for run in &runs {
        let alone: Vec<u32> = run
            .iter()
            .map(|&c| 1000 * tokens(&text(&[c])) as u32)
            .collect();
        let mut groups: Vec<Vec<u32>> = Vec::new();
        if run.len() <= 16 {
            for &a in run {
                for &b in run {
                    groups.push(vec![a, b]);
                    for &c in run {
                        groups.push(vec![a, b, c]);
                    }
                }
            }
        } else {
            for _ in 0..4000 {
                let len = 2 + rng.below(2);
                groups.push((0..len).map(|_| run[rng.below(run.len())]).collect());
            }
        }
        let charge_of = |code: u32| alone[(code - run[0]) as usize];
        let mut worst_milli = 0;
        let mut exceeded = false;
        for group in &groups {
            let milli = 1000 * tokens(&text(group)) as u32;
            if milli > group.iter().map(|&c| charge_of(c)).sum::<u32>() {
                exceeded = true;
            }
            worst_milli = worst_milli.max(milli.div_ceil(group.len() as u32));
        }
        for (&code, &milli) in run.iter().zip(&alone) {
            let milli = if exceeded {
                milli.max(worst_milli)
            } else {
                milli
            };
            match charges.last_mut() {
                Some((_, last, charge)) if *last + 1 == code && *charge == milli => *last = code,
                _ => charges.push((code, code, milli)),
            }
        }
    }
    charges
}

/// The alphabets of the short random texts: (label, alphabet).
pub const SHORT_TEXT_ALPHABETS: [(&str, &str); 3] = [
    ("ASCII short, lower case", "abcdefghijklmnopqrstuvwxyz"),
    (
        "ASCII short, letters",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    ),
    (
        "ASCII short, printable",
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    ),
];

/// A random text of 1 to 12 characters of an ASCII `alphabet` (a chat message, a tool's name).
pub fn short_text(rng: &mut Rng, alphabet: &str) -> String {
    let alphabet = alphabet.as_bytes();
    (0..1 + rng.below(12))
        .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
        .collect()
}

/// Adversarial strings, generated from `seed`: per Unicode block (and for ASCII letters and
/// punctuation), random runs of its characters without spaces, random short words, one character
/// repeated, the block's characters alternating with ASCII letters, runs of one character after a
/// space or before a line break, and random runs of only the block's characters that are one
/// token alone; then emoji sequences (skin tones, joiners, flags, keycaps), text mixing scripts,
/// random base64, hex and letters, and runs of a few ASCII marks. Each is (label, text).
pub fn adversarial(blocks: &[(u32, u32, String)], seed: u64) -> Vec<(String, String)> {
    let mut rng = Rng(seed);
    let mut pools: Vec<(String, Vec<char>)> = vec![
        ("ASCII lower case".into(), ('a'..='z').collect()),
        (
            "ASCII letters".into(),
            ('a'..='z').chain('A'..='Z').collect(),
        ),
        (
            "ASCII punctuation".into(),
            PUNCT_MARKS.iter().copied().map(char::from).collect(),
        ),
        (
            "ASCII printable".into(),
            (0x21u8..0x7F).map(char::from).collect(),
        ),
    ];
    for (first, last, name) in blocks {
        let chars: Vec<char> = (*first..=*last).filter_map(char::from_u32).collect();
        if !chars.is_empty() {
            pools.push((name.clone(), chars));
        }
    }
    let mut out = Vec::new();
    for (name, chars) in &pools {
        let pick = |rng: &mut Rng| chars[rng.below(chars.len())];
        out.push((
            format!("{name}: run"),
            (0..48).map(|_| pick(&mut rng)).collect(),
        ));
        let mut words = String::new();
        for _ in 0..10 {
            for _ in 0..1 + rng.below(6) {
                words.push(pick(&mut rng));
            }
            words.push(' ');
        }
        out.push((format!("{name}: words"), words));
        let one = pick(&mut rng);
        out.push((
            format!("{name}: repeated"),
            std::iter::repeat_n(one, 40).collect(),
        ));
        let mut mixed = String::new();
        for _ in 0..24 {
            mixed.push(pick(&mut rng));
            mixed.push(char::from(b'a' + rng.below(26) as u8));
        }
        out.push((format!("{name}: with ASCII"), mixed));
        // Runs of one character, each after a space or ending a line (`!!!!!!`, `=====`).
        let mut runs = String::new();
        for _ in 0..8 {
            let one = pick(&mut rng);
            runs.push([' ', '\n'][rng.below(2)]);
            runs.extend(std::iter::repeat_n(one, 2 + rng.below(15)));
        }
        out.push((format!("{name}: repeated words"), runs));
    }
    let emoji = [
        "👨\u{200D}👩\u{200D}👧\u{200D}👦", // a family: four people joined by ZWJ
        "👩🏽\u{200D}💻",                     // a skin tone and a joiner
        "👍🏿",
        "🫱🏻\u{200D}🫲🏾",
        "🏳️\u{200D}🌈", // a variation selector and a joiner
        "🇩🇪",
        "🇯🇵",
        "🇧🇷",
        "1️⃣", // a keycap
        "#️⃣",
        "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}", // a tag sequence
        "😂",
        "🔥",
        "🙏",
        "❤️",
        "✨",
        "🧑‍🚀",
    ];
    for (label, separator) in [("emoji sequences", ""), ("emoji sequences, spaced", " ")] {
        let mut text = String::new();
        for _ in 0..24 {
            text.push_str(emoji[rng.below(emoji.len())]);
            text.push_str(separator);
        }
        out.push((label.to_owned(), text));
    }
    // Mixed scripts: words of random letters, each from a random script.
    let scripts: Vec<&Vec<char>> = pools
        .iter()
        .filter(|(name, _)| {
            [
                "ASCII letters",
                "Cyrillic",
                "Greek and Coptic",
                "Arabic",
                "Hebrew",
                "Thai",
                "Devanagari",
                "Hangul Syllables",
                "CJK Unified Ideographs",
                "Hiragana",
                "Emoticons",
                "Box Drawing",
                "Mathematical Alphanumeric Symbols",
            ]
            .contains(&name.as_str())
        })
        .map(|(_, chars)| chars)
        .collect();
    for round in 0..4 {
        let mut text = String::new();
        for _ in 0..16 {
            let chars = scripts[rng.below(scripts.len())];
            for _ in 0..1 + rng.below(5) {
                text.push(chars[rng.below(chars.len())]);
            }
            if round % 2 == 0 {
                text.push(' ');
            }
        }
        out.push((format!("mixed scripts {}", round + 1), text));
    }
    // Whitespace and digits.
    let mut text = String::new();
    for _ in 0..48 {
        text.push([' ', '\t', '\n', '\u{3000}', '\u{A0}'][rng.below(5)]);
    }
    out.push(("whitespace".to_owned(), text));
    let digits: String = (0..64)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect();
    out.push(("digits".to_owned(), digits));
    // Random strings of the base64 and hex alphabets, and of letters and digits, of any length
    // from 16 to 160: what they cost depends on which neighbours happen to merge.
    let alphabets = [
        (
            "ASCII base64",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        ),
        (
            "ASCII base64url",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        ),
        (
            "ASCII letters and digits",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        ),
        ("ASCII hex", "0123456789abcdef"),
        ("ASCII upper-case hex", "0123456789ABCDEF"),
    ];
    for (name, alphabet) in alphabets {
        let alphabet = alphabet.as_bytes();
        let text: String = (0..16 + rng.below(145))
            .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
            .collect();
        out.push((format!("{name}: random"), text));
    }
    // Runs of a few ASCII marks at random, bare and with spaces (`*"*"**"`, `|(||( (|`): BPE
    // merges their pairs but seldom three.
    for spaced in [false, true] {
        let mut marks = pools[2].1.clone(); // "ASCII punctuation"
        let few = 2 + rng.below(5);
        for i in 0..few {
            let j = i + rng.below(marks.len() - i);
            marks.swap(i, j);
        }
        let mut text = String::new();
        for _ in 0..8 + rng.below(57) {
            text.push(marks[rng.below(few)]);
            if spaced && rng.below(5) == 0 {
                text.push(' ');
            }
        }
        let label = if spaced {
            "few marks, spaced"
        } else {
            "few marks"
        };
        out.push((format!("ASCII punctuation: {label}"), text));
    }
    // Mixed scripts letter by letter: each letter of a random script, without spaces.
    for round in 0..2 {
        let text: String = (0..8 + rng.below(41))
            .map(|_| {
                let chars = scripts[rng.below(scripts.len())];
                chars[rng.below(chars.len())]
            })
            .collect();
        out.push((
            format!("mixed scripts, letter by letter {}", round + 1),
            text,
        ));
    }
    // Short texts: below a dozen tokens, one token is more than 5% of the count.
    for (name, alphabet) in SHORT_TEXT_ALPHABETS {
        for _ in 0..4 {
            out.push((name.to_owned(), short_text(&mut rng, alphabet)));
        }
    }
    // Random letters of the alphabets people write every day, from a generator of their own so
    // that the strings above stay as they were: a block's random code points are mostly rare
    // letters, which cost more than these.
    let mut rng = Rng(seed ^ 0xA1FA_BE75_0000_0001);
    for (name, letters) in ALPHABETS {
        let letters: Vec<char> = letters.chars().collect();
        let pick = |rng: &mut Rng| letters[rng.below(letters.len())];
        for (shape, shortest, longest) in [("words", 2, 9), ("long words", 8, 16)] {
            let mut text = String::new();
            for _ in 0..12 {
                for _ in 0..shortest + rng.below(longest - shortest + 1) {
                    text.push(pick(&mut rng));
                }
                text.push(' ');
            }
            out.push((format!("alphabet of {name}: {shape}"), text));
        }
        let run: String = (0..48).map(|_| pick(&mut rng)).collect();
        out.push((format!("alphabet of {name}: run"), run));
    }
    // Names and paths made of common words (`user_id_2`, `/src/test-data/main.rs`,
    // `request.retry_delay.max`): their pieces led by `_`, `/`, `-` and `.` split where
    // o200k_base has no one token for them.
    let mut rng = Rng(seed ^ 0x1DE7_1F1E_0000_0002);
    let word = |rng: &mut Rng| IDENTIFIER_WORDS[rng.below(IDENTIFIER_WORDS.len())];
    let mut names = String::new();
    for _ in 0..12 {
        let parts: Vec<&str> = (0..1 + rng.below(4)).map(|_| word(&mut rng)).collect();
        names.push_str(&parts.join("_"));
        if rng.below(2) == 0 {
            names.push_str(&rng.below(100).to_string());
        }
        names.push(' ');
    }
    out.push(("identifiers: snake case".to_owned(), names));
    let mut paths = String::new();
    for _ in 0..8 {
        for _ in 0..1 + rng.below(4) {
            paths.push('/');
            paths.push_str(word(&mut rng));
            if rng.below(3) == 0 {
                paths.push('-');
                paths.push_str(word(&mut rng));
            }
        }
        paths.push_str([".rs", ".py", ".txt", ".json"][rng.below(4)]);
        paths.push('\n');
    }
    out.push(("identifiers: paths".to_owned(), paths));
    let mut dotted = String::new();
    for _ in 0..8 {
        let parts: Vec<&str> = (0..2 + rng.below(3)).map(|_| word(&mut rng)).collect();
        dotted.push_str(&parts.join("."));
        dotted.push_str("();\n");
    }
    out.push(("identifiers: dotted".to_owned(), dotted));
    // Lists of such words and of two run together (`userindex`, which BPE may split), quoted as
    // JSON and code quote them or in capitals: a word after `["` or `', '` has no space to lead
    // it, and o200k_base holds fewer words alone than after a space.
    let mut rng = Rng(seed ^ 0x11_57ED_0000_0003);
    let compound = |rng: &mut Rng| {
        let first = word(rng);
        if rng.below(2) == 0 {
            format!("{first}{}", word(rng))
        } else {
            first.to_owned()
        }
    };
    let words: Vec<String> = (0..1 + rng.below(12)).map(|_| compound(&mut rng)).collect();
    let quoted: Vec<String> = words.iter().map(|w| format!("\"{w}\"")).collect();
    out.push((
        "identifiers: JSON list".to_owned(),
        format!("[{}]", quoted.join(", ")),
    ));
    let words: Vec<String> = (0..1 + rng.below(12)).map(|_| compound(&mut rng)).collect();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    out.push(("identifiers: quoted".to_owned(), quoted.join(" ")));
    let words: Vec<String> = (0..1 + rng.below(12))
        .map(|_| compound(&mut rng).to_uppercase())
        .collect();
    out.push(("identifiers: capitals".to_owned(), words.join(", ")));
    out
}

/// Words that names in code and file paths are made of.
const IDENTIFIER_WORDS: [&str; 96] = [
    "user", "id", "name", "data", "file", "path", "list", "item", "count", "value", "key", "index",
    "total", "time", "date", "start", "end", "open", "close", "read", "write", "load", "save",
    "send", "get", "set", "new", "old", "max", "min", "size", "type", "mode", "state", "status",
    "error", "result", "request", "response", "config", "client", "server", "cache", "queue",
    "token", "model", "message", "buffer", "stream", "event", "handler", "parse", "format",
    "check", "update", "delete", "create", "remove", "insert", "find", "sort", "filter", "map",
    "node", "tree", "page", "text", "line", "word", "byte", "block", "chunk", "table", "row",
    "column", "field", "record", "entry", "group", "order", "price", "amount", "limit", "offset",
    "retry", "delay", "window", "context", "source", "target", "input", "output", "test", "main",
    "util", "helper",
];

/// A row of `VIETNAMESE_PAIRS`: the letters of `VIETNAMESE_LETTERS` (186), rounded up to a power
/// of two.
pub const VIETNAMESE_ROW: usize = 256;
const VIETNAMESE_PAIR_WORDS: usize = VIETNAMESE_ROW * VIETNAMESE_ROW / 64;

/// The keys a bucket of `CJK_PAIRS` and `MARK_WORDS` holds: 16 keys of four bytes fill a cache
/// line. A lookup then reads one line and compares all of it, without a branch.
pub const KEY_BUCKET: usize = 16;
/// The buckets of `CJK_PAIRS` (about 3,500 pairs) and of `MARK_WORDS` (about 15,000 tokens): about
/// twice the keys' room, so that a multiplier that overflows none is found at once.
pub const CJK_PAIR_BUCKETS: usize = 512;
pub const MARK_WORD_BUCKETS: usize = 2048;
/// The buckets of `PUNCT_BREAKS` (about 1,800 tokens).
pub const PUNCT_BREAK_BUCKETS: usize = 256;

/// The ASCII punctuation marks, in the order `PUNCT_TRIGRAMS` numbers them (the scanner's
/// `chars::PUNCT_MARKS`).
const PUNCT_MARKS: &[u8; 32] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The place of `byte` in [`PUNCT_MARKS`], if it is an ASCII punctuation mark.
fn punct_index(byte: u8) -> Option<usize> {
    PUNCT_MARKS.iter().position(|&mark| mark == byte)
}

/// Whether a token is what the pre-tokenizer makes of marks and the line breaks after them: at
/// most one space, then characters that are neither whitespace, letters nor digits, then `\r`
/// and `\n` only.
fn is_punct_breaks(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    let body = text.strip_prefix(' ').unwrap_or(text);
    let breaks = body
        .trim_start_matches(|c: char| !(c.is_whitespace() || c.is_alphabetic() || c.is_numeric()));
    breaks.len() < body.len()
        && !breaks.is_empty()
        && breaks.bytes().all(|byte| matches!(byte, b'\r' | b'\n'))
}

/// Whether `code` is a Han character of the basic plane.
fn is_han(code: u32) -> bool {
    matches!(code, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

fn is_hangul_syllable(code: u32) -> bool {
    matches!(code, 0xAC00..=0xD7A3)
}

fn cjk_pair_key(first: u32, second: u32) -> u32 {
    (first << 16) | second
}

/// `words` as Rust hex literals of 64 bits.
fn hex_words(words: &[u64]) -> Vec<String> {
    words.iter().map(|word| format!("{word:#018x}")).collect()
}

/// The character beyond ASCII, in the basic plane, that the token `bytes` begins with after a
/// space, whole.
fn spaced_first_char(bytes: &[u8]) -> Option<u32> {
    let rest = bytes.strip_prefix(b" ")?;
    let first = rest.utf8_chunks().next()?.valid().chars().next()?;
    (0x80..0x1_0000)
        .contains(&u32::from(first))
        .then_some(u32::from(first))
}

/// The range of `SCRIPT_PAIR_RANGES` that `code` is in.
fn script_range(code: u32) -> Option<usize> {
    SCRIPT_PAIR_RANGES
        .iter()
        .position(|&(start, width)| (start..start + width).contains(&code))
}

/// The bits of `SCRIPT_TRIGRAMS`' index (2^18 bits, 32 KB: about 8% of them set).
pub const SCRIPT_TRIGRAM_BITS: u32 = 18;
/// The multiplier of [`script_trigram_bit`]'s hash.
const SCRIPT_TRIGRAM_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// The bit of `SCRIPT_TRIGRAMS` for three letters (code points below U+2000); the scanner's
/// `chars::is_script_trigram` computes the same.
fn script_trigram_bit(first: u32, second: u32, third: u32) -> usize {
    let key = (u64::from(first) << 26) | (u64::from(second) << 13) | u64::from(third);
    (key.wrapping_mul(SCRIPT_TRIGRAM_MIX) >> (64 - SCRIPT_TRIGRAM_BITS)) as usize
}

/// The body of a `[u64; N]` table, four words a line, and its end.
fn write_word_rows(out: &mut String, words: &[u64]) {
    for row in words.chunks(4) {
        let _ = writeln!(out, "    {},", hex_words(row).join(", "));
    }
    out.push_str("];\n\n");
}

/// `keys` hashed into `count` buckets (see `CJK_PAIRS`), and the multiplier that does it.
fn key_buckets(keys: &[u32], count: usize) -> (u32, Vec<[u32; KEY_BUCKET]>) {
    let shift = 32 - count.trailing_zeros();
    let mut multiplier = 0x9E37_79B1u32;
    loop {
        let mut buckets = vec![[0u32; KEY_BUCKET]; count];
        let mut fill = vec![0; count];
        let fits = keys.iter().all(|&key| {
            let bucket = (key.wrapping_mul(multiplier) >> shift) as usize;
            let Some(slot) = buckets[bucket].get_mut(fill[bucket]) else {
                return false;
            };
            *slot = key;
            fill[bucket] += 1;
            true
        });
        if fits {
            return (multiplier, buckets);
        }
        multiplier = multiplier.wrapping_add(2);
    }
}

/// The body of a `KeyBuckets` table, a bucket a line, and its end.
fn write_buckets(out: &mut String, buckets: &[[u32; KEY_BUCKET]]) {
    for bucket in buckets {
        let cells: Vec<String> = bucket.iter().map(|key| format!("{key:#x}")).collect();
        let _ = writeln!(out, "    [{}],", cells.join(", "));
    }
    out.push_str("]);\n\n");
}

/// The key of a mark and letters in `MARK_WORDS`: the 32-bit FNV-1a hash of the bytes, never 0
/// (an empty slot). The scanner's `chars::mark_word_key` computes the same, a byte at a time.
fn mark_word_key(bytes: &[u8]) -> u32 {
    let hash = bytes.iter().fold(0x811C_9DC5u32, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    hash.max(1)
}

/// Whether `bytes` is a token `MARK_RUN_RANKS` holds: two bytes or more, ASCII marks after at
/// most one space.
fn is_mark_run(bytes: &[u8]) -> bool {
    let marks = bytes.strip_prefix(b" ").unwrap_or(bytes);
    bytes.len() >= 2 && !marks.is_empty() && marks.iter().all(u8::is_ascii_punctuation)
}

/// The runs of three bytes `THREE_MARK_TOKENS` counts: a space or one of 32 marks, then two marks.
pub const THREE_MARK_RUNS: usize = 33 * 32 * 32;

/// The slots of `MARK_RUN_RANKS` (about 3,000 tokens; a third full, so that a pair that is no
/// token, the common case, is found missing at the first or second slot).
pub const MARK_RUN_SLOTS: usize = 8192;
/// The bits of a `MARK_RUN_RANKS` slot that hold the rank (o200k_base has fewer than 2^18 tokens).
pub const MARK_RUN_RANK_BITS: u32 = 18;

/// The hash of a run of marks in `MARK_RUN_RANKS`: its bytes as the digits of a number in base
/// `MARK_RUN_BASE`, modulo 2^64, so that the hash of two parts joined follows from theirs. The
/// scanner's `mark_runs::run_hash` computes the same.
fn mark_run_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0, |hash, &byte| {
        hash.wrapping_mul(MARK_RUN_BASE) + u64::from(byte)
    })
}

/// The base of [`mark_run_hash`] (odd), and the multiplier that mixes it before its top bits pick
/// a slot (`mark_runs::mixed_hash`).
const MARK_RUN_BASE: u64 = 0x0000_0100_0000_01B3;
const MARK_RUN_MIX: u64 = 0x9E37_79B9_7F4A_7C15;

/// `MARK_RUN_RANKS`' slots for `(hash, rank)` of each token (see there).
fn mark_run_slots(tokens: &[(u64, u32)]) -> Vec<u64> {
    let rank_mask = (1u64 << MARK_RUN_RANK_BITS) - 1;
    let shift = 64 - MARK_RUN_SLOTS.trailing_zeros();
    let mut slots = vec![0u64; MARK_RUN_SLOTS];
    let mut seen = std::collections::HashSet::new();
    for &(hash, rank) in tokens {
        let mixed = hash.wrapping_mul(MARK_RUN_MIX);
        assert!(u64::from(rank) <= rank_mask && mixed & !rank_mask != 0);
        assert!(seen.insert(mixed & !rank_mask), "two tokens share a hash");
        let mut slot = (mixed >> shift) as usize;
        while slots[slot] != 0 {
            slot = (slot + 1) % MARK_RUN_SLOTS;
        }
        slots[slot] = (mixed & !rank_mask) | u64::from(rank);
    }
    slots
}

/// The longest words `SPACED_WORDS` holds: o200k_base has 9 tokens of a space and more lower-case
/// letters, against 47,415 of 2 to 16 (and 17,356 of a capital and 1 to 15 lower-case letters).
pub const SPACED_WORD_MAX: usize = 16;
/// The lines of `SPACED_WORDS` (128 KB), and the bits a word sets in its line: about 16 bits a
/// token; four bits read faster than six.
pub const SPACED_WORD_LINES: usize = 4096;

/// Whether `letters` are ASCII letters, all lower case but the first (`the`, `Value`).
fn is_word(letters: &[u8]) -> bool {
    letters.first().is_some_and(u8::is_ascii_alphabetic)
        && letters[1..].iter().all(u8::is_ascii_lowercase)
}
pub const SPACED_WORD_PROBES: u32 = 4;

/// What the hash of a capitalised word with no space before it is salted with in
/// `SPACED_WORDS`, to tell `Stefan` from ` Stefan`.
pub const BARE_WORD_SALT: u64 = 0xA076_1D64_78BD_642F;
/// Likewise for a word after a tab (`\treturn`).
pub const TAB_WORD_SALT: u64 = 0xE703_7ED1_A0B4_28DB;

/// The hash of 2 to 16 lower-case ASCII letters in `SPACED_WORDS`: their bytes as two
/// little-endian words, zero-padded, mixed. The scanner's `chars::spaced_word_hash` computes the
/// same from the text in place.
fn spaced_word_hash(letters: &[u8]) -> u64 {
    let mut block = [0u8; 16];
    block[..letters.len()].copy_from_slice(letters);
    let low = u64::from_le_bytes(block[..8].try_into().expect("eight bytes"));
    let high = u64::from_le_bytes(block[8..].try_into().expect("eight bytes"));
    // One 128-bit product of the two words, each mixed with a constant, folded in two.
    let product =
        u128::from(low ^ 0x9E37_79B9_7F4A_7C15) * u128::from(high ^ 0xD6E8_FEB8_6659_FD93);
    (product as u64) ^ ((product >> 64) as u64)
}

/// The lines of a Bloom filter of `hashes` (see `SPACED_WORDS`).
fn bloom_lines(hashes: &[u64]) -> Vec<[u64; 8]> {
    let mut lines = vec![[0u64; 8]; SPACED_WORD_LINES];
    let shift = 64 - SPACED_WORD_LINES.trailing_zeros();
    for &hash in hashes {
        let line = &mut lines[(hash >> shift) as usize];
        for probe in 0..SPACED_WORD_PROBES {
            let bit = (hash >> (9 * probe)) & 511;
            line[(bit / 64) as usize] |= 1 << (bit % 64);
        }
    }
    lines
}

/// The letters of everyday alphabets (with their vowel signs where the script writes them
/// apart), for random strings of letters that are each one token alone. For Chinese, Japanese
/// kanji and Korean, the 240 most frequent characters (Chinese by a common frequency list;
/// kanji and Hangul as the corpus's Japanese and Korean texts have them): in prose most pairs
/// of them merge, drawn at random almost none do.
pub const ALPHABETS: [(&str, &str); 24] = [
    ("Latin with accents", "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿāăąćčďđēėęěğīıķłńňōőœřśşšťūůűźżž"),
    ("Russian", "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
    ("Russian, capitals", "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"),
    ("Ukrainian", "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),
    ("Serbian", "абвгдђежзијклљмнњопрстћуфхцчџш"),
    ("Greek", "αβγδεζηθικλμνξοπρςστυφχψωάέήίόύώ"),
    ("Hebrew", "אבגדהוזחטיכךלמםנןסעפףצץקרשת"),
    ("Arabic", "ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي"),
    ("Persian and Urdu", "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوهھیے"),
    ("Devanagari", "अआइईउऊएऐओऔकखगघङचछजझञटठडढणतथदधनपफबभमयरलवशषसहािीुूृेैोौंः्"),
    ("Bengali", "অআইঈউঊএঐওঔকখগঘঙচছজঝঞটঠডঢণতথদধনপফবভমযরলশষসহািীুূৃেৈোৌং্"),
    ("Tamil", "அஆஇஈஉஊஎஏஐஒஓஔகஙசஞடணதநபமயரலவழளறனாிீுூெேைொோௌ்"),
    ("Telugu", "అఆఇఈఉఊఎఏఐఒఓఔకఖగఘఙచఛజఝఞటఠడఢణతథదధనపఫబభమయరలవశషసహాిీుూృెేైొోౌం్"),
    ("Thai", "กขคฆงจฉชซฌญฎฏฐฑฒณดตถทธนบปผฝพฟภมยรลวศษสหฬอฮะัาำิีึืุูเแโใไ่้๊๋์"),
    ("Hiragana", "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽゃゅょっ"),
    ("Georgian", "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ"),
    ("Armenian", "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ"),
    ("Chinese, frequent characters", "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提"),
    ("Japanese, frequent kanji", "語定文変字一用数力更入合行理場設効限指使除名示切日削認選最有以応形値返致正対報答加実表択情期含本証処能追付前初管時間続作同無上動要可下境在書不別常度全送終存組回中式明確接超現録過区複操英環意自方何所通者起換出閉検記性個見新権集関国各持例状態届経半分再利番標準空的後置列信大機化小目必単整地約種違両未知次待試長象渡読了密引立開保与角登低促点去告今内参照説成決従端末適部号体索身制模擬取先箇独込言秒早完障害物互呼覧任扱並止他法元多項代解短拒否注純受警編拡張構階層併基底線詳際界厳幅詰誤"),
    ("Korean, frequent syllables", "다니이어는로지하를에가을시자습기합의한리수아은비사용입호스정서해인트대번있일으제고경도밀설션요세그면력되페오라문주보드류변나르과명않된값성옵없체와적개바분간본크들소실검재프모음려록행할목출러래브관확전타부식각삭색메클만키여추구위었른필버공단치마상또활환든름중미선터예됩파작결무우신화루언알장거택두초표며패통내레때동최유형열돌블저했더같것야계영권반항데능증네코복게국숫따티조현꾸방란디올못젝았섹엔읽답집청순찾받담객달생처태줄허원넣베당존양십액캘템포힌응외던테뒤새등역례줍절넘진함판말"),
    ("Vietnamese", "abcdeghiklmnopqrstuvxyàáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"),
    ("Khmer", "កខគឃងចឆជឈញដឋឌឍណតថទធនបផពភមយរលវសហឡអាិីឹឺុូួើឿៀេែៃោៅំះ្"),
    ("Burmese", "ကခဂဃငစဆဇဈဉညဋဌဍဎဏတထဒဓနပဖဗဘမယရလဝသဟဠအါာိီုူေဲံ့း်ျြွှ"),
    // Last, so that the strings of the others stay as they were: random words of lower-case
    // ASCII, which BPE splits (few of them are a token), up to 16 letters.
    ("English letters", "abcdefghijklmnopqrstuvwxyz"),
];
