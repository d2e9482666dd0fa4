//! The SSE parser: line endings, fields, comments, limits — and that where the input is split
//! never changes what comes out.

use llmwire::stream::{SseError, SseEvent, SseParser};

fn event(data: &str) -> SseEvent {
    SseEvent {
        event: None,
        data: data.to_string(),
        id: None,
    }
}

/// All events of `input` fed in one slice, plus the tail flushed by `finish`.
fn parse(input: &[u8]) -> Vec<SseEvent> {
    parse_split(input, &[])
}

/// The events of `input` fed in pieces cut at `cuts` (ascending byte offsets).
fn parse_split(input: &[u8], cuts: &[usize]) -> Vec<SseEvent> {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&input.len())) {
        parser.feed(&input[start..cut], &mut events).unwrap();
        start = cut;
    }
    events.extend(parser.finish().unwrap().event);
    events
}

#[test]
fn data_lines_of_one_event_are_joined_with_newlines() {
    assert_eq!(
        parse(b"data: first\ndata: second\ndata:third\n\n"),
        [event("first\nsecond\nthird")]
    );
}

#[test]
fn only_one_leading_space_is_removed_from_a_value() {
    assert_eq!(
        parse(b"data:  two spaces\n\ndata:none\n\ndata: \n\n"),
        [event(" two spaces"), event("none"), event("")]
    );
}

#[test]
fn a_field_line_without_colon_has_an_empty_value() {
    assert_eq!(parse(b"data\n\n"), [event("")]);
    assert_eq!(parse(b"data\ndata\n\n"), [event("\n")]);
}

#[test]
fn comments_are_ignored_and_counted_as_keep_alives() {
    let input = b": OPENROUTER PROCESSING\n\n:\ndata: x\n: between\n\n";
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    parser.feed(input, &mut events).unwrap();
    assert_eq!(events, [event("x")]);
    assert_eq!(parser.comments(), 3);
    assert_eq!(parser.stray_text(), "", "comments are not stray text");
}

#[test]
fn lines_may_end_in_lf_crlf_or_cr_alone_even_mixed() {
    let expected = [event("a\nb"), event("c")];
    assert_eq!(
        parse(b"data: a\r\ndata: b\r\n\r\ndata: c\r\n\r\n"),
        expected
    );
    assert_eq!(parse(b"data: a\rdata: b\r\rdata: c\r\r"), expected);
    assert_eq!(parse(b"data: a\ndata: b\r\n\rdata: c\r\n\n"), expected);
}

#[test]
fn a_crlf_split_between_slices_is_one_line_break() {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    parser.feed(b"data: a\r", &mut events).unwrap();
    parser.feed(b"", &mut events).unwrap();
    parser.feed(b"\ndata: b\r", &mut events).unwrap();
    parser.feed(b"\n\r", &mut events).unwrap();
    parser.feed(b"\n", &mut events).unwrap();
    assert_eq!(
        events,
        [event("a\nb")],
        "CR then LF in the next slice must not make a blank line"
    );
}

#[test]
fn event_id_and_retry_fields_are_kept() {
    let input = b"event: error\nid: 7\nretry: 3000\ndata: {}\n\ndata: next\n\nid\ndata: reset\n\n";
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    parser.feed(input, &mut events).unwrap();
    assert_eq!(
        events,
        [
            SseEvent {
                event: Some("error".into()),
                data: "{}".into(),
                id: Some("7".into())
            },
            SseEvent {
                event: None,
                data: "next".into(),
                id: Some("7".into())
            },
            SseEvent {
                event: None,
                data: "reset".into(),
                id: None
            },
        ],
        "the event type is per event, the last id persists until reset"
    );
    assert_eq!(parser.retry_ms(), Some(3000));
}

#[test]
fn invalid_id_and_retry_values_are_ignored() {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    parser
        .feed(
            b"id: 1\nid: a\0b\nretry: 12s\nretry: 99999999999999999999999\ndata: x\n\n",
            &mut events,
        )
        .unwrap();
    assert_eq!(events[0].id.as_deref(), Some("1"));
    assert_eq!(parser.retry_ms(), None);
}

#[test]
fn an_event_without_data_is_not_dispatched() {
    assert_eq!(
        parse(b"event: ping\n\nid: 3\n\ndata: x\n\n"),
        [SseEvent {
            event: None,
            data: "x".into(),
            id: Some("3".into())
        }]
    );
}

#[test]
fn a_leading_bom_is_dropped_even_when_split() {
    assert_eq!(parse(b"\xEF\xBB\xBFdata: x\n\n"), [event("x")]);
    assert_eq!(
        parse_split(b"\xEF\xBB\xBFdata: x\n\n", &[1, 2]),
        [event("x")]
    );
    // Only at the start of the stream.
    assert_eq!(parse(b"data: x\n\n\xEF\xBB\xBFdata: y\n\n"), [event("x")]);
}

#[test]
fn invalid_utf8_is_replaced_not_fatal() {
    assert_eq!(parse(b"data: a\xFFb\n\n"), [event("a\u{FFFD}b")]);
}

#[test]
fn finish_dispatches_a_last_event_without_its_blank_line() {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    parser.feed(b"data: [DONE]\n", &mut events).unwrap();
    assert!(events.is_empty());
    let tail = parser.finish().unwrap();
    assert_eq!(
        (tail.event, tail.cut_mid_line),
        (Some(event("[DONE]")), false)
    );

    let mut parser = SseParser::new();
    parser.feed(b"data: {\"choi", &mut events).unwrap();
    let tail = parser.finish().unwrap();
    assert_eq!(
        (tail.event, tail.cut_mid_line),
        (Some(event("{\"choi")), true)
    );

    let mut parser = SseParser::new();
    parser.feed(b"data: a\n\n", &mut events).unwrap();
    assert_eq!(parser.finish().unwrap().event, None);
}

#[test]
fn an_oversized_event_is_an_error_and_stays_one() {
    let mut parser = SseParser::with_max_event_bytes(64);
    let mut events = Vec::new();
    let big = format!("data: ok\n\ndata: {}\n", "x".repeat(40));
    parser.feed(big.as_bytes(), &mut events).unwrap();
    let error = parser
        .feed(
            format!("data: {}\n\n", "y".repeat(40)).as_bytes(),
            &mut events,
        )
        .unwrap_err();
    assert_eq!(error, SseError::EventTooLarge { limit: 64 });
    assert_eq!(
        events,
        [event("ok")],
        "events completed before the error are kept"
    );
    assert_eq!(parser.feed(b"data: z\n\n", &mut events), Err(error.clone()));
    assert_eq!(parser.finish(), Err(error.clone()));
    assert_eq!(
        error.to_string(),
        "a server-sent event exceeded 64 bytes (the maximum event size)"
    );
}

#[test]
fn an_endless_line_is_an_error_before_it_fills_memory() {
    let mut parser = SseParser::with_max_event_bytes(1024);
    let mut events = Vec::new();
    let chunk = [b'x'; 100];
    let fed_ok = (0..100)
        .take_while(|_| parser.feed(&chunk, &mut events).is_ok())
        .count();
    assert_eq!(fed_ok, 10, "the 11th slice would pass 1024 bytes");
}

#[test]
fn the_limit_is_per_event_not_per_stream() {
    let mut parser = SseParser::with_max_event_bytes(64);
    let mut events = Vec::new();
    for _ in 0..1_000 {
        parser
            .feed(b"data: a small chunk of a long stream\n\n", &mut events)
            .unwrap();
    }
    assert_eq!(events.len(), 1_000);
    // Comments and unknown fields never accumulate.
    for _ in 0..1_000 {
        parser
            .feed(
                b": keep-alive keep-alive keep-alive\nfoo: bar bar bar bar bar bar\n",
                &mut events,
            )
            .unwrap();
    }
}

#[test]
fn a_body_that_is_not_an_event_stream_is_kept_as_stray_text() {
    let mut parser = SseParser::new();
    let mut events = Vec::new();
    let body = "{\n  \"error\": {\n    \"message\": \"Invalid API key\"\n  }\n}\n";
    parser.feed(body.as_bytes(), &mut events).unwrap();
    assert!(events.is_empty());
    assert_eq!(parser.stray_text(), body.trim_end());
    let mut huge = SseParser::new();
    huge.feed("é".repeat(10_000).as_bytes(), &mut events)
        .unwrap();
    huge.feed(b"\n", &mut events).unwrap();
    assert!(huge.stray_text().len() <= 4096, "bounded");
}

/// A stream with every feature: multi-byte characters, all line endings, comments, fields.
const RICH: &[u8] = "\u{FEFF}: hello\r\nevent: message\nid: 1\ndata: {\"content\":\"héllo wörld 🌍\"}\r\n\r\
data: line one\rdata: line two\n\n:keep\r\rretry: 10\nevent: error\ndata: {\"error\":\"日本語\"}\r\n\n\
id: 2\ndata:x\n\ndata: [DONE]\n\n"
    .as_bytes();

#[test]
fn splitting_the_input_at_any_byte_gives_the_same_events() {
    let whole = parse(RICH);
    assert_eq!(whole.len(), 5, "{whole:?}");
    assert_eq!(whole[0].data, "{\"content\":\"héllo wörld 🌍\"}");
    for cut in 0..=RICH.len() {
        assert_eq!(parse_split(RICH, &[cut]), whole, "cut at byte {cut}");
    }
}

#[test]
fn feeding_one_byte_at_a_time_gives_the_same_events() {
    let cuts: Vec<usize> = (1..RICH.len()).collect();
    assert_eq!(parse_split(RICH, &cuts), parse(RICH));
}

#[test]
fn property_random_splits_give_the_same_events() {
    let whole = parse(RICH);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..2_000 {
        let mut cuts = Vec::new();
        for _ in 0..6 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            cuts.push((state % (RICH.len() as u64 + 1)) as usize);
        }
        cuts.sort_unstable();
        assert_eq!(parse_split(RICH, &cuts), whole, "cuts {cuts:?}");
    }
}
