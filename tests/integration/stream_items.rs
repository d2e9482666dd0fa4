//! What stream events mean: chunks, [DONE], the error shapes providers send mid-stream, and
//! malformed data — through `interpret` and the `StreamDecoder`.

use llmwire::stream::{interpret, SseError, SseEvent, StreamDecoder, StreamItem};
use serde_json::json;

fn data(text: &str) -> SseEvent {
    SseEvent {
        event: None,
        data: text.to_string(),
        id: None,
    }
}

fn named(event: &str, text: &str) -> SseEvent {
    SseEvent {
        event: Some(event.to_string()),
        data: text.to_string(),
        id: None,
    }
}

fn error(raw: &str) -> Option<StreamItem> {
    Some(StreamItem::Error {
        raw: raw.to_string(),
    })
}

/// Every item of a whole body, fed in one slice.
fn decode(body: &[u8]) -> (Vec<StreamItem>, bool) {
    decode_split(body, &[])
}

fn decode_split(body: &[u8], cuts: &[usize]) -> (Vec<StreamItem>, bool) {
    let mut decoder = StreamDecoder::new();
    let mut items = Vec::new();
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&body.len())) {
        decoder.feed(&body[start..cut], &mut items).unwrap();
        start = cut;
    }
    decoder.finish(&mut items).unwrap();
    (items, decoder.saw_done())
}

#[test]
fn done_is_recognised_with_or_without_surrounding_spaces() {
    assert_eq!(interpret(&data("[DONE]")), Some(StreamItem::Done));
    assert_eq!(interpret(&data(" [DONE] ")), Some(StreamItem::Done));
}

#[test]
fn a_chunk_object_is_a_chunk() {
    let text = r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}],"error":null}"#;
    let Some(StreamItem::Chunk(chunk)) = interpret(&data(text)) else {
        panic!("not a chunk")
    };
    assert_eq!(chunk["choices"][0]["delta"]["content"], "Hi");
}

#[test]
fn an_empty_event_is_a_keep_alive() {
    assert_eq!(interpret(&data("")), None);
    assert_eq!(interpret(&data("  ")), None);
}

#[test]
fn openai_style_error_object_in_a_200_stream_is_an_error() {
    let text = r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#;
    assert_eq!(interpret(&data(text)), error(text));
}

#[test]
fn an_error_given_as_a_plain_string_is_an_error() {
    // nativ (local OpenAI-compatible server), corpus case mlx-server-sse-error-string-in-200-stream-1.
    let text =
        r#"{"error": "thinking_budget is not supported with speculative decoding in the server."}"#;
    assert_eq!(interpret(&data(text)), error(text));
}

#[test]
fn anthropic_style_error_event_is_an_error() {
    // Corpus case anthropic-stream-overloaded-details-null-1 (event: error, type: error).
    let text = r#"{"type": "error", "error": {"details": null, "type": "overloaded_error", "message": "Overloaded"}}"#;
    assert_eq!(interpret(&named("error", text)), error(text));
    assert_eq!(
        interpret(&data(text)),
        error(text),
        "recognised by its type even without the event name"
    );
}

#[test]
fn gemini_list_wrapped_error_spanning_data_lines_is_an_error() {
    let body = b"data: [{\ndata:   \"error\": {\ndata:     \"code\": 429,\ndata:     \"message\": \"Resource has been exhausted (e.g. check quota).\",\ndata:     \"status\": \"RESOURCE_EXHAUSTED\"\ndata:   }\ndata: }]\n\n";
    let (items, done) = decode(body);
    let expected = "[{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"Resource has been exhausted (e.g. check quota).\",\n    \"status\": \"RESOURCE_EXHAUSTED\"\n  }\n}]";
    assert_eq!(
        items,
        [StreamItem::Error {
            raw: expected.into()
        }]
    );
    assert!(!done);
}

#[test]
fn a_truncated_error_payload_still_goes_to_the_classifier() {
    // Corpus case gemini-code-assist-sse-429-list-in-data-1: the list arrived cut short.
    let text = "[{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"Resource has been exhausted (e.g. check quota).\",";
    assert_eq!(interpret(&data(text)), error(text));
    assert_eq!(
        interpret(&named("error", "upstream went away")),
        error("upstream went away")
    );
    assert_eq!(interpret(&named("error", "")), error(""));
}

#[test]
fn invalid_json_is_malformed_and_says_why() {
    let Some(StreamItem::Malformed { message }) = interpret(&data("{\"choices\": [")) else {
        panic!()
    };
    assert!(
        message.starts_with("a stream event's data is not valid JSON (EOF while parsing"),
        "{message}"
    );
    assert!(message.ends_with(": {\"choices\": ["), "{message}");
    let Some(StreamItem::Malformed { message }) = interpret(&data("42")) else {
        panic!()
    };
    assert_eq!(
        message,
        "a stream event's data is JSON but not an object: 42"
    );
    let Some(StreamItem::Malformed { message }) = interpret(&data(&"x".repeat(1_000))) else {
        panic!()
    };
    assert!(
        message.len() < 300 && message.ends_with('…'),
        "long data is excerpted"
    );
}

#[test]
fn a_list_that_is_not_an_error_is_malformed() {
    assert!(matches!(
        interpret(&data("[1, 2]")),
        Some(StreamItem::Malformed { .. })
    ));
    assert!(matches!(
        interpret(&data("[]")),
        Some(StreamItem::Malformed { .. })
    ));
}

#[test]
fn the_decoder_stops_at_done_and_remembers_it() {
    let body = b"data: {\"choices\":[]}\n\ndata: [DONE]\n\ndata: {\"late\":true}\n\n";
    let (items, done) = decode(body);
    assert_eq!(
        items,
        [StreamItem::Chunk(json!({"choices": []})), StreamItem::Done]
    );
    assert!(done);
}

#[test]
fn the_decoder_accepts_a_final_done_without_its_blank_line() {
    let (items, done) = decode(b"data: {\"a\":1}\n\ndata: [DONE]");
    assert_eq!(
        items,
        [StreamItem::Chunk(json!({"a": 1})), StreamItem::Done]
    );
    assert!(done);
}

#[test]
fn a_last_event_cut_mid_line_is_dropped_not_called_malformed() {
    let (items, done) =
        decode(b"data: {\"a\":1}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"Hel");
    assert_eq!(
        items,
        [StreamItem::Chunk(json!({"a": 1}))],
        "the assembler reports the truncation"
    );
    assert!(!done);
    // Complete lines but no blank line: the JSON is whole, so it is used.
    let (items, _) = decode(b"data: {\"b\":2}\n");
    assert_eq!(items, [StreamItem::Chunk(json!({"b": 2}))]);
}

#[test]
fn a_plain_json_error_body_instead_of_a_stream_is_reported_for_classification() {
    let body = "{\n  \"error\": {\n    \"message\": \"Incorrect API key provided.\",\n    \"type\": \"invalid_request_error\"\n  }\n}\n";
    let (items, done) = decode(body.as_bytes());
    assert_eq!(
        items,
        [StreamItem::Error {
            raw: body.trim_end().to_string()
        }]
    );
    assert!(!done);
    let (items, _) = decode(b"<html><body>502 Bad Gateway</body></html>");
    assert_eq!(
        items,
        [StreamItem::Error {
            raw: "<html><body>502 Bad Gateway</body></html>".into()
        }]
    );
    let (items, _) = decode(b"");
    assert_eq!(items, []);
}

#[test]
fn an_oversized_event_stops_the_decoder() {
    let mut decoder = StreamDecoder::with_max_event_bytes(100);
    let mut items = Vec::new();
    decoder.feed(b"data: {\"ok\":1}\n\n", &mut items).unwrap();
    let body = format!("data: {{\"content\":\"{}\"}}\n\n", "a".repeat(200));
    assert_eq!(
        decoder.feed(body.as_bytes(), &mut items),
        Err(SseError::EventTooLarge { limit: 100 })
    );
    assert_eq!(items, [StreamItem::Chunk(json!({"ok": 1}))]);
    assert!(decoder.finish(&mut items).is_err());
}

#[test]
fn keep_alive_comments_are_counted_by_the_decoder() {
    let mut decoder = StreamDecoder::new();
    let mut items = Vec::new();
    decoder
        .feed(
            b": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n",
            &mut items,
        )
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(decoder.parser().comments(), 2);
}

#[test]
fn splitting_a_stream_anywhere_gives_the_same_items() {
    let body = "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Grüße 👋\"}}]}\r\n\r\n\
: ping\r\n\r\n\
event: error\r\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\r\n\r\n\
data: [DONE]\r\n\r\n";
    let whole = decode(body.as_bytes());
    assert_eq!(whole.0.len(), 3);
    for cut in 0..=body.len() {
        assert_eq!(decode_split(body.as_bytes(), &[cut]), whole, "cut at {cut}");
    }
}
