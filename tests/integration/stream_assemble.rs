//! Assembling streamed chunks into the message a non-streaming call returns, and judging whether
//! the stream was complete.

use llmwire::classify::TransportFault;
use llmwire::stream::{StreamAssembler, StreamDecoder, StreamEnd, StreamItem};
use llmwire::taxonomy::ErrorClass;
use serde_json::{json, Value};

fn chunk(choices: Value) -> Value {
    json!({
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1_694_268_190,
        "model": "gpt-4o-mini",
        "system_fingerprint": "fp_44709d6fcb",
        "choices": choices,
    })
}

fn delta(index: u64, delta: Value, finish_reason: Value) -> Value {
    json!({"index": index, "delta": delta, "logprobs": null, "finish_reason": finish_reason})
}

fn assemble(chunks: &[Value], saw_done: bool) -> Result<Value, StreamEnd> {
    let mut assembler = StreamAssembler::new();
    for chunk in chunks {
        assembler.push(chunk);
    }
    assembler.finish(saw_done)
}

#[test]
fn content_is_concatenated_into_a_chat_completion() {
    let chunks = [
        chunk(json!([delta(
            0,
            json!({"role": "assistant", "content": ""}),
            Value::Null
        )])),
        chunk(json!([delta(0, json!({"content": "Hello"}), Value::Null)])),
        chunk(json!([delta(0, json!({"content": " there"}), Value::Null)])),
        chunk(json!([delta(0, json!({}), json!("stop"))])),
    ];
    assert_eq!(
        assemble(&chunks, true).unwrap(),
        json!({
            "id": "chatcmpl-123",
            "object": "chat.completion",
            "created": 1_694_268_190,
            "model": "gpt-4o-mini",
            "system_fingerprint": "fp_44709d6fcb",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": "Hello there"},
                "logprobs": null,
                "finish_reason": "stop"
            }],
            "usage": null
        })
    );
}

#[test]
fn usage_comes_from_the_final_chunk_with_empty_choices() {
    let usage = json!({"prompt_tokens": 9, "completion_tokens": 2, "total_tokens": 11});
    let chunks = [
        chunk(json!([delta(
            0,
            json!({"role": "assistant", "content": "Hi"}),
            json!("stop")
        )])),
        json!({"id": "chatcmpl-123", "object": "chat.completion.chunk", "choices": [], "usage": usage}),
    ];
    let message = assemble(&chunks, true).unwrap();
    assert_eq!(message["usage"], usage);
    assert_eq!(message["choices"].as_array().map(Vec::len), Some(1));
}

#[test]
fn parallel_tool_calls_are_merged_by_index() {
    let call = |index: u64, fields: Value| {
        let mut call = fields;
        call["index"] = json!(index);
        chunk(json!([delta(
            0,
            json!({"tool_calls": [call]}),
            Value::Null
        )]))
    };
    let chunks = [
        chunk(json!([delta(
            0,
            json!({"role": "assistant", "content": null}),
            Value::Null
        )])),
        call(
            0,
            json!({"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": ""}}),
        ),
        call(
            1,
            json!({"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": ""}}),
        ),
        call(0, json!({"function": {"arguments": "{\"city\": "}})),
        call(1, json!({"function": {"arguments": "{\"tz\": \"CET\"}"}})),
        call(0, json!({"function": {"arguments": "\"Paris\"}"}})),
        chunk(json!([delta(0, json!({}), json!("tool_calls"))])),
    ];
    let message = assemble(&chunks, true).unwrap();
    assert_eq!(
        message["choices"][0]["message"],
        json!({
            "role": "assistant",
            "content": null,
            "tool_calls": [
                {"id": "call_a", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
                {"id": "call_b", "type": "function", "function": {"name": "get_time", "arguments": "{\"tz\": \"CET\"}"}}
            ]
        })
    );
    assert_eq!(message["choices"][0]["finish_reason"], "tool_calls");
}

#[test]
fn a_repeated_name_or_id_is_set_once_not_concatenated() {
    let chunks = [
        chunk(json!([delta(
            0,
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{"}}]}),
            Value::Null
        )])),
        chunk(json!([delta(
            0,
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "f", "arguments": "}"}}]}),
            json!("tool_calls")
        )])),
    ];
    let calls = &assemble(&chunks, true).unwrap()["choices"][0]["message"]["tool_calls"];
    assert_eq!(
        calls,
        &json!([{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}])
    );
}

#[test]
fn tool_calls_without_index_are_told_apart_by_id() {
    // Some servers (e.g. older Gemini OpenAI-compatibility builds) omit `index` on tool calls.
    let chunks = [
        chunk(json!([delta(
            0,
            json!({"role": "assistant", "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "one", "arguments": "{\"x\":1}"},
                 "extra_content": {"google": {"thought_signature": "sig"}}},
                {"id": "b", "type": "function", "function": {"name": "two", "arguments": "{"}}
            ]}),
            Value::Null
        )])),
        chunk(json!([delta(
            0,
            json!({"tool_calls": [{"function": {"arguments": "}"}}]}),
            json!("tool_calls")
        )])),
    ];
    let calls = &assemble(&chunks, false).unwrap()["choices"][0]["message"]["tool_calls"];
    assert_eq!(
        calls,
        &json!([
            {"id": "a", "type": "function", "function": {"name": "one", "arguments": "{\"x\":1}"},
             "extra_content": {"google": {"thought_signature": "sig"}}},
            {"id": "b", "type": "function", "function": {"name": "two", "arguments": "{}"}}
        ])
    );
}

#[test]
fn several_choices_are_assembled_by_index() {
    let chunks = [
        chunk(json!([delta(
            1,
            json!({"role": "assistant", "content": "B1"}),
            Value::Null
        )])),
        chunk(json!([delta(
            0,
            json!({"role": "assistant", "content": "A1"}),
            Value::Null
        )])),
        chunk(json!([
            delta(0, json!({"content": "A2"}), json!("stop")),
            delta(1, json!({"content": "B2"}), Value::Null)
        ])),
        chunk(json!([delta(1, json!({}), json!("length"))])),
    ];
    let message = assemble(&chunks, true).unwrap();
    let choices = message["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 2);
    assert_eq!(
        (
            choices[0]["index"].clone(),
            choices[0]["message"]["content"].clone()
        ),
        (json!(0), json!("A1A2"))
    );
    assert_eq!(
        (
            choices[1]["index"].clone(),
            choices[1]["message"]["content"].clone()
        ),
        (json!(1), json!("B1B2"))
    );
    assert_eq!(choices[1]["finish_reason"], "length");
}

#[test]
fn reasoning_and_refusal_text_is_concatenated_under_its_own_name() {
    let chunks = [
        chunk(json!([delta(
            0,
            json!({"role": "assistant", "reasoning_content": "Let me "}),
            Value::Null
        )])),
        chunk(json!([delta(
            0,
            json!({"reasoning_content": "think."}),
            Value::Null
        )])),
        chunk(json!([delta(
            0,
            json!({"refusal": "I can't "}),
            Value::Null
        )])),
        chunk(json!([delta(
            0,
            json!({"refusal": "help with that.", "annotations": [{"type": "x"}]}),
            Value::Null
        )])),
        chunk(json!([delta(
            0,
            json!({"annotations": [{"type": "y"}]}),
            json!("stop")
        )])),
    ];
    let message = &assemble(&chunks, true).unwrap()["choices"][0]["message"];
    assert_eq!(message["reasoning_content"], "Let me think.");
    assert_eq!(message["refusal"], "I can't help with that.");
    assert_eq!(
        message["annotations"],
        json!([{"type": "x"}, {"type": "y"}])
    );
    assert_eq!(message["content"], Value::Null);
}

#[test]
fn content_parts_and_logprobs_are_appended() {
    let logprobs = |token: &str| json!({"content": [{"token": token, "logprob": -0.1}]});
    let chunks = [
        chunk(
            json!([{"index": 0, "delta": {"content": [{"type": "text", "text": "Hi"}]}, "logprobs": logprobs("Hi")}]),
        ),
        chunk(
            json!([{"index": 0, "delta": {"content": "!"}, "logprobs": logprobs("!"), "finish_reason": "stop"}]),
        ),
    ];
    let choice = &assemble(&chunks, true).unwrap()["choices"][0];
    assert_eq!(choice["message"]["content"], "Hi!");
    assert_eq!(
        choice["logprobs"]["content"].as_array().map(Vec::len),
        Some(2)
    );
}

#[test]
fn a_stream_that_stops_without_done_or_finish_reason_is_truncated() {
    let chunks = [chunk(json!([delta(
        0,
        json!({"role": "assistant", "content": "Hel"}),
        Value::Null
    )]))];
    let end = assemble(&chunks, false).unwrap_err();
    assert!(matches!(end, StreamEnd::Truncated { .. }), "{end:?}");
    assert_eq!(end.class(), ErrorClass::Network);
    assert_eq!(end.transport_fault(), Some(TransportFault::Truncated));
    let classification = end.classification();
    assert_eq!(
        (classification.class, classification.retryable),
        (ErrorClass::Network, true)
    );
    assert!(
        classification.message.contains("without [DONE]"),
        "{}",
        classification.message
    );
}

#[test]
fn a_stream_with_finish_reason_but_no_done_is_complete() {
    let chunks = [chunk(json!([delta(
        0,
        json!({"role": "assistant", "content": "Hi"}),
        json!("stop")
    )]))];
    assert_eq!(
        assemble(&chunks, false).unwrap()["choices"][0]["message"]["content"],
        "Hi"
    );
}

#[test]
fn every_choice_must_finish_when_done_is_missing() {
    let chunks = [chunk(json!([
        delta(0, json!({"content": "A"}), json!("stop")),
        delta(1, json!({"content": "B"}), Value::Null)
    ]))];
    assert!(matches!(
        assemble(&chunks, false),
        Err(StreamEnd::Truncated { .. })
    ));
    assert!(
        assemble(&chunks, true).is_ok(),
        "[DONE] says the server finished"
    );
}

#[test]
fn placeholder_header_fields_of_a_first_azure_chunk_are_replaced() {
    let chunks = [
        json!({"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": [{"prompt_index": 0}]}),
        chunk(json!([delta(
            0,
            json!({"role": "assistant", "content": "Hi"}),
            json!("")
        )])),
        chunk(json!([delta(0, json!({}), json!("stop"))])),
        chunk(json!([delta(0, json!({}), Value::Null)])),
    ];
    let message = assemble(&chunks, false).unwrap();
    assert_eq!(
        (message["id"].clone(), message["model"].clone()),
        (json!("chatcmpl-123"), json!("gpt-4o-mini"))
    );
    assert_eq!(message["created"], 1_694_268_190);
    assert_eq!(
        message["prompt_filter_results"],
        json!([{"prompt_index": 0}])
    );
    assert_eq!(
        message["choices"][0]["finish_reason"], "stop",
        "neither \"\" nor a later null erase it"
    );
}

#[test]
fn a_stream_cut_before_any_choice_is_truncated() {
    // Azure sends a first chunk with empty choices (prompt filter results) before any content.
    let chunks = [json!({"id": "", "choices": [], "prompt_filter_results": [{"prompt_index": 0}]})];
    assert!(matches!(
        assemble(&chunks, false),
        Err(StreamEnd::Truncated { .. })
    ));
}

#[test]
fn no_chunks_or_no_choices_is_malformed() {
    let end = assemble(&[], false).unwrap_err();
    assert_eq!(
        end,
        StreamEnd::Malformed {
            message: "the stream ended without a single chunk (no data)".into()
        }
    );
    assert_eq!(end.class(), ErrorClass::MalformedResponse);
    assert_eq!(end.transport_fault(), None);
    assert!(matches!(
        assemble(&[], true),
        Err(StreamEnd::Malformed { .. })
    ));
    let usage_only = [json!({"choices": [], "usage": {"total_tokens": 1}})];
    assert_eq!(
        assemble(&usage_only, true).unwrap_err(),
        StreamEnd::Malformed {
            message: "the stream's 1 chunks carried no choice".into()
        }
    );
}

#[test]
fn a_snapshot_shows_what_a_truncated_stream_delivered() {
    let mut assembler = StreamAssembler::new();
    assembler.push(&chunk(json!([delta(
        0,
        json!({"content": "partial"}),
        Value::Null
    )])));
    assembler.push(&json!("not an object"));
    assert_eq!(assembler.chunks(), 1);
    assert_eq!(
        assembler.snapshot()["choices"][0]["message"]["content"],
        "partial"
    );
    assert_eq!(
        assembler.snapshot()["choices"][0]["message"]["role"],
        "assistant"
    );
}

/// A complete OpenAI-format stream (chunk shapes of the chat.completion.chunk reference), with a
/// tool call, usage, a keep-alive and [DONE], as bytes on the wire.
const WIRE: &str = concat!(
    "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Checking \"},\"finish_reason\":null}],\"usage\":null}\n\n",
    ": keep-alive\n\n",
    "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"the wéather…\",\"tool_calls\":[{\"index\":0,\"id\":\"call_Z\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\"}}]},\"finish_reason\":null}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Zürich\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],\"usage\":null}\n\n",
    "data: {\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":9,\"total_tokens\":29}}\n\n",
    "data: [DONE]\n\n",
);

fn wire_message(cut: usize) -> Result<Value, StreamEnd> {
    let bytes = WIRE.as_bytes();
    let mut decoder = StreamDecoder::new();
    let mut assembler = StreamAssembler::new();
    let mut items = Vec::new();
    decoder.feed(&bytes[..cut], &mut items).unwrap();
    decoder.feed(&bytes[cut..], &mut items).unwrap();
    decoder.finish(&mut items).unwrap();
    for item in items {
        match item {
            StreamItem::Chunk(chunk) => assembler.push(&chunk),
            StreamItem::Done => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assembler.finish(decoder.saw_done())
}

#[test]
fn a_whole_wire_stream_assembles_the_same_wherever_it_is_split() {
    let message = wire_message(0).unwrap();
    assert_eq!(
        message["choices"][0]["message"]["content"],
        "Checking the wéather…"
    );
    assert_eq!(
        message["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"],
        "{\"city\":\"Zürich\"}"
    );
    assert_eq!(message["usage"]["total_tokens"], 29);
    for cut in 0..=WIRE.len() {
        assert_eq!(wire_message(cut).unwrap(), message, "cut at {cut}");
    }
}

#[test]
fn a_wire_stream_cut_short_is_truncated_not_malformed() {
    let cut = WIRE.find("\"Zürich").unwrap();
    let mut decoder = StreamDecoder::new();
    let mut assembler = StreamAssembler::new();
    let mut items = Vec::new();
    decoder.feed(&WIRE.as_bytes()[..cut], &mut items).unwrap();
    decoder.finish(&mut items).unwrap();
    for item in items {
        if let StreamItem::Chunk(chunk) = item {
            assembler.push(&chunk);
        } else {
            panic!("unexpected {item:?}");
        }
    }
    assert!(matches!(
        assembler.finish(decoder.saw_done()),
        Err(StreamEnd::Truncated { .. })
    ));
}
