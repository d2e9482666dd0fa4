//! The SSE parser, the stream decoder and the assembler on arbitrary bytes: no panic, the same
//! items whether the body arrives at once or cut at arbitrary points, and an assembled message
//! that serialises.
//!
//! Input layout: byte 0 seeds the cut points; the rest is the stream body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use llmwire::stream::{StreamAssembler, StreamDecoder, StreamItem};

const MAX_EVENT_BYTES: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some((&seed, body)) = data.split_first() else {
        return;
    };
    let whole = decode(body, &[body.len()]);
    let step = usize::from(seed % 7) + 1;
    let cuts: Vec<usize> = (1..=body.len()).step_by(step).chain([body.len()]).collect();
    let pieces = decode(body, &cuts);
    assert_eq!(whole, pieces, "cutting the body changed what it means");

    if let (Ok(items), _) = &whole {
        let mut assembler = StreamAssembler::new();
        let mut done = false;
        for item in items {
            match item {
                StreamItem::Chunk(chunk) => assembler.push(chunk),
                StreamItem::Done => done = true,
                _ => {}
            }
            let _ = assembler.snapshot().to_string();
        }
        assert!(assembler.chunks() <= items.len() as u64);
        if let Ok(message) = assembler.finish(done) {
            assert!(serde_json::to_string(&message).is_ok());
        }
    }
});

/// Feeds `body` split at the (increasing) offsets in `cuts`; returns the items (or the error) and
/// whether `[DONE]` was seen.
fn decode(
    body: &[u8],
    cuts: &[usize],
) -> (Result<Vec<StreamItem>, llmwire::stream::SseError>, bool) {
    let mut decoder = StreamDecoder::with_max_event_bytes(MAX_EVENT_BYTES);
    let mut items = Vec::new();
    let mut start = 0;
    for &cut in cuts {
        if let Err(error) = decoder.feed(&body[start..cut], &mut items) {
            return (Err(error), decoder.saw_done());
        }
        start = cut;
    }
    let result = decoder.finish(&mut items).map(|()| items);
    (result, decoder.saw_done())
}
