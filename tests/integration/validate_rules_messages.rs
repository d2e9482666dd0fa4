//! Each message rule fires on the shape it targets and stays silent on its legal neighbour.

use crate::validate_checks::*;
use llmwire::provider::Provider::{self, Anthropic, DeepSeek, Gemini, Generic, OpenAI, Xai};
use llmwire::validate::Code;
use serde_json::{json, Value};

fn with_messages(model: &str, messages: Value) -> Value {
    json!({"model": model, "messages": messages})
}

fn user(text: &str) -> Value {
    json!({"role": "user", "content": text})
}

fn call(id: &str, name: &str, arguments: &str) -> Value {
    json!({"id": id, "type": "function", "function": {"name": name, "arguments": arguments}})
}

fn assistant_calls(calls: Vec<Value>) -> Value {
    json!({"role": "assistant", "content": null, "tool_calls": calls})
}

fn tool_result(id: &str) -> Value {
    json!({"role": "tool", "tool_call_id": id, "content": "done"})
}

const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

fn image(url: &str) -> Value {
    json!({"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "image_url", "image_url": {"url": url}}]})
}

#[test]
fn request_that_is_not_an_object_is_an_error_at_the_root() {
    let report = check(OpenAI, &json!([1, 2]));
    assert_error_at(&report, Code::RequestNotObject, "");
}

#[test]
fn missing_invalid_and_empty_messages_are_errors() {
    assert_error_at(
        &check(OpenAI, &json!({"model": "gpt-4o"})),
        Code::MissingMessages,
        "",
    );
    assert_error_at(
        &check(OpenAI, &json!({"model": "gpt-4o", "messages": {}})),
        Code::InvalidMessages,
        "/messages",
    );
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", json!([]))),
        Code::EmptyMessages,
        "/messages",
    );
    assert_ok(&check(
        OpenAI,
        &with_messages("gpt-4o", json!([user("hi")])),
    ));
}

#[test]
fn a_message_that_is_not_an_object_is_an_error() {
    let report = check(Generic, &with_messages("m", json!([user("hi"), "hello"])));
    assert_error_at(&report, Code::InvalidMessage, "/messages/1");
}

#[test]
fn unknown_or_missing_roles_are_errors_and_valid_roles_pass() {
    let report = check(
        OpenAI,
        &with_messages(
            "gpt-4o",
            json!([{"role": "human", "content": "hi"}, {"content": "x"}]),
        ),
    );
    assert_error_at(&report, Code::InvalidRole, "/messages/0/role");
    assert_error_at(&report, Code::InvalidRole, "/messages/1/role");
    let fine = json!([{"role": "system", "content": "s"}, {"role": "developer", "content": "d"}, user("u")]);
    assert_ok(&check(OpenAI, &with_messages("gpt-4o", fine)));
}

#[test]
fn developer_role_is_a_warning_where_undocumented_and_silent_on_openai() {
    let messages = json!([{"role": "developer", "content": "be brief"}, user("hi")]);
    let report = check(DeepSeek, &with_messages("deepseek-chat", messages.clone()));
    assert!(report.ok);
    assert_warning_at(&report, Code::RoleMaybeUnsupported, "/messages/0/role");
    assert_silent(
        &check(OpenAI, &with_messages("gpt-4o", messages)),
        Code::RoleMaybeUnsupported,
    );
}

#[test]
fn function_role_is_a_deprecation_warning() {
    let report = check(
        OpenAI,
        &with_messages(
            "gpt-4o",
            json!([user("hi"), {"role": "function", "name": "f", "content": "1"}]),
        ),
    );
    assert_warning_at(&report, Code::DeprecatedRole, "/messages/1/role");
}

#[test]
fn message_name_with_a_space_is_rejected_by_openai_only() {
    let messages = json!([{"role": "user", "name": "John Smith", "content": "hi"}]);
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", messages.clone())),
        Code::InvalidMessageName,
        "/messages/0/name",
    );
    assert!(check(Generic, &with_messages("m", messages)).ok);
    let fine = json!([{"role": "user", "name": "john_smith-2", "content": "hi"}]);
    assert_silent(
        &check(OpenAI, &with_messages("gpt-4o", fine)),
        Code::InvalidMessageName,
    );
}

#[test]
fn missing_content_is_an_error_unless_the_assistant_calls_tools() {
    let report = check(OpenAI, &with_messages("gpt-4o", json!([{"role": "user"}])));
    assert_error_at(&report, Code::MissingContent, "/messages/0/content");
    let report = check(
        OpenAI,
        &with_messages("gpt-4o", json!([user("q"), {"role": "assistant"}])),
    );
    assert_error_at(&report, Code::MissingContent, "/messages/1/content");
    let calls = json!([user("q"), {"role": "assistant", "tool_calls": [call("c", "f", "{}")]}, tool_result("c")]);
    assert_ok(&check(OpenAI, &with_messages("gpt-4o", calls)));
}

#[test]
fn null_content_is_only_allowed_on_an_assistant_with_tool_calls() {
    let report = check(
        OpenAI,
        &with_messages("gpt-4o", json!([{"role": "user", "content": null}])),
    );
    assert_error_at(&report, Code::NullContent, "/messages/0/content");
    let report = check(
        OpenAI,
        &with_messages(
            "gpt-4o",
            json!([user("q"), {"role": "assistant", "content": null}]),
        ),
    );
    assert_error_at(&report, Code::NullContent, "/messages/1/content");
    let calls = json!([
        user("q"),
        assistant_calls(vec![call("c", "f", "{}")]),
        tool_result("c")
    ]);
    assert_ok(&check(Gemini, &with_messages("gemini-2.5-flash", calls)));
}

#[test]
fn content_of_the_wrong_type_is_an_error() {
    let report = check(
        Generic,
        &with_messages("m", json!([{"role": "user", "content": 42}])),
    );
    assert_error_at(&report, Code::InvalidContent, "/messages/0/content");
}

#[test]
fn parts_without_type_or_text_are_errors() {
    let report = check(
        Generic,
        &with_messages(
            "m",
            json!([{"role": "user", "content": [{"text": "x"}, {"type": "text"}]}]),
        ),
    );
    assert_error_at(&report, Code::InvalidContentPart, "/messages/0/content/0");
    assert_error_at(&report, Code::InvalidContentPart, "/messages/0/content/1");
}

#[test]
fn unknown_part_types_are_errors_on_openai_and_warnings_on_local_servers() {
    let messages = json!([{"role": "user", "content": [{"type": "video_url", "video_url": {"url": "https://x"}}]}]);
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", messages.clone())),
        Code::InvalidContentPart,
        "/messages/0/content/0/type",
    );
    assert_warning_at(
        &check(Provider::Vllm, &with_messages("m", messages)),
        Code::InvalidContentPart,
        "/messages/0/content/0/type",
    );
}

#[test]
fn images_outside_user_messages_are_rejected_by_openai() {
    let url = format!("data:image/png;base64,{PNG}");
    let messages = json!([{"role": "system", "content": [{"type": "image_url", "image_url": {"url": url}}]}, user("q")]);
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", messages.clone())),
        Code::ContentPartNotAllowed,
        "/messages/0/content/0",
    );
    assert_warning_at(
        &check(Generic, &with_messages("m", messages)),
        Code::ContentPartNotAllowed,
        "/messages/0/content/0",
    );
}

#[test]
fn empty_content_is_an_error_for_gemini_and_anthropic_and_a_warning_elsewhere() {
    let messages = json!([user("hi"), {"role": "assistant", "content": ""}, user("again")]);
    assert_error_at(
        &check(Gemini, &with_messages("gemini-2.5-flash", messages.clone())),
        Code::EmptyContent,
        "/messages/1/content",
    );
    assert_error_at(
        &check(
            Anthropic,
            &with_messages("claude-sonnet-4-5", messages.clone()),
        ),
        Code::EmptyContent,
        "/messages/1/content",
    );
    let report = check(OpenAI, &with_messages("gpt-4o", messages));
    assert!(report.ok);
    assert_warning_at(&report, Code::EmptyContent, "/messages/1/content");
}

#[test]
fn empty_text_with_tool_calls_is_only_a_warning() {
    let messages = json!([user("q"), {"role": "assistant", "content": "", "tool_calls": [call("c", "f", "{}")]}, tool_result("c")]);
    let report = check(Gemini, &with_messages("gemini-2.5-flash", messages));
    assert!(report.ok, "{:#?}", report.errors);
    assert_warning_at(&report, Code::EmptyContent, "/messages/1/content");
}

#[test]
fn empty_content_array_is_an_error_for_gemini() {
    let messages = json!([{"role": "user", "content": []}]);
    assert_error_at(
        &check(Gemini, &with_messages("gemini-2.5-flash", messages)),
        Code::EmptyContent,
        "/messages/0/content",
    );
}

#[test]
fn empty_text_part_is_an_error_for_gemini() {
    let messages = json!([{"role": "user", "content": [{"type": "text", "text": ""}, {"type": "text", "text": "x"}]}]);
    assert_error_at(
        &check(Gemini, &with_messages("gemini-2.5-flash", messages.clone())),
        Code::EmptyTextPart,
        "/messages/0/content/0/text",
    );
    assert_warning_at(
        &check(OpenAI, &with_messages("gpt-4o", messages)),
        Code::EmptyTextPart,
        "/messages/0/content/0/text",
    );
}

#[test]
fn whitespace_only_text_is_an_error_for_anthropic_and_a_warning_elsewhere() {
    let messages = json!([user("  \n ")]);
    assert_error_at(
        &check(
            Anthropic,
            &with_messages("claude-sonnet-4-5", messages.clone()),
        ),
        Code::WhitespaceContent,
        "/messages/0/content",
    );
    assert_warning_at(
        &check(Gemini, &with_messages("gemini-2.5-flash", messages)),
        Code::WhitespaceContent,
        "/messages/0/content",
    );
}

#[test]
fn several_text_parts_are_rejected_by_xai_only() {
    let messages = json!([{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}]);
    assert_error_at(
        &check(Xai, &with_messages("grok-3", messages.clone())),
        Code::MultipleTextParts,
        "/messages/0/content",
    );
    assert_ok(&check(OpenAI, &with_messages("gpt-4o", messages)));
    let single = json!([{"role": "user", "content": [{"type": "text", "text": "a"}]}]);
    assert_ok(&check(Xai, &with_messages("grok-3", single)));
}

#[test]
fn only_system_messages_are_rejected_by_gemini_and_anthropic() {
    let messages = json!([{"role": "system", "content": "You are a poet."}]);
    assert_error_at(
        &check(Gemini, &with_messages("gemini-2.5-flash", messages.clone())),
        Code::NoConversationMessages,
        "/messages",
    );
    assert_error_at(
        &check(
            Anthropic,
            &with_messages("claude-sonnet-4-5", messages.clone()),
        ),
        Code::NoConversationMessages,
        "/messages",
    );
    assert_ok(&check(OpenAI, &with_messages("gpt-4o", messages)));
}

#[test]
fn gemini_warns_when_the_conversation_opens_with_the_assistant() {
    let messages = json!([{"role": "system", "content": "s"}, {"role": "assistant", "content": "Hello!"}, user("hi")]);
    let report = check(Gemini, &with_messages("gemini-2.5-flash", messages));
    assert!(report.ok);
    assert_warning_at(&report, Code::FirstTurnNotUser, "/messages/1");
}

#[test]
fn image_url_that_is_neither_http_nor_data_is_an_error() {
    let report = check(
        OpenAI,
        &with_messages("gpt-4o", json!([image("file:///tmp/cat.png")])),
    );
    assert_error_at(
        &report,
        Code::InvalidImageUrl,
        "/messages/0/content/1/image_url/url",
    );
    assert_ok(&check(
        OpenAI,
        &with_messages("gpt-4o", json!([image("https://example.com/cat.png")])),
    ));
}

#[test]
fn data_url_header_without_data_is_an_error() {
    let report = check(
        Gemini,
        &with_messages("gemini-2.5-flash", json!([image("data:image/png;base64")])),
    );
    assert_error_at(
        &report,
        Code::InvalidDataUrl,
        "/messages/0/content/1/image_url/url",
    );
    let report = check(
        Gemini,
        &with_messages("gemini-2.5-flash", json!([image("data:image/png,abcd")])),
    );
    assert_error_at(
        &report,
        Code::InvalidDataUrl,
        "/messages/0/content/1/image_url/url",
    );
}

#[test]
fn data_url_with_empty_payload_or_bad_base64_is_an_error() {
    let report = check(
        OpenAI,
        &with_messages("gpt-4o", json!([image("data:image/png;base64,")])),
    );
    assert_error_at(
        &report,
        Code::EmptyImageData,
        "/messages/0/content/1/image_url/url",
    );
    let report = check(
        OpenAI,
        &with_messages(
            "gpt-4o",
            json!([image("data:image/png;base64,data:image/png;base64,AAAA")]),
        ),
    );
    assert_error_at(
        &report,
        Code::InvalidBase64,
        "/messages/0/content/1/image_url/url",
    );
    assert_ok(&check(
        OpenAI,
        &with_messages(
            "gpt-4o",
            json!([image(&format!("data:image/png;base64,{PNG}"))]),
        ),
    ));
}

#[test]
fn image_types_follow_each_provider() {
    let gif = "data:image/gif;base64,R0lGODlhAQABAAAAACw=";
    assert_error_at(
        &check(
            Gemini,
            &with_messages("gemini-2.5-flash", json!([image(gif)])),
        ),
        Code::UnsupportedImageType,
        "/messages/0/content/1/image_url/url",
    );
    assert_ok(&check(
        OpenAI,
        &with_messages("gpt-4o", json!([image(gif)])),
    ));
    let heic = "data:image/heic;base64,AAAAGGZ0eXBoZWlj";
    assert_ok(&check(
        Gemini,
        &with_messages("gemini-2.5-flash", json!([image(heic)])),
    ));
    assert_error_at(
        &check(
            Anthropic,
            &with_messages("claude-sonnet-4-5", json!([image(heic)])),
        ),
        Code::UnsupportedImageType,
        "/messages/0/content/1/image_url/url",
    );
    let pdf = "data:application/pdf;base64,JVBERi0=";
    assert_error_at(
        &check(Generic, &with_messages("m", json!([image(pdf)]))),
        Code::UnsupportedImageType,
        "/messages/0/content/1/image_url/url",
    );
}

#[test]
fn image_bytes_of_another_type_are_a_warning() {
    let report = check(
        OpenAI,
        &with_messages(
            "gpt-4o",
            json!([image(&format!("data:image/jpeg;base64,{PNG}"))]),
        ),
    );
    assert!(report.ok);
    assert_warning_at(
        &report,
        Code::ImageTypeMismatch,
        "/messages/0/content/1/image_url/url",
    );
}

#[test]
fn image_detail_must_be_auto_low_or_high() {
    let messages = json!([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "ultra"}}]}]);
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", messages)),
        Code::InvalidImageDetail,
        "/messages/0/content/0/image_url/detail",
    );
}

#[test]
fn tool_calls_on_a_user_message_are_an_error() {
    let messages = json!([{"role": "user", "content": "x", "tool_calls": [call("c", "f", "{}")]}]);
    assert_error_at(
        &check(Generic, &with_messages("m", messages)),
        Code::ToolCallsNotAllowed,
        "/messages/0/tool_calls",
    );
}

#[test]
fn malformed_tool_calls_are_errors() {
    let messages = json!([user("q"), {"role": "assistant", "content": null, "tool_calls": [
        {"type": "function", "function": {"name": "f", "arguments": "{}"}},
        {"id": "b", "type": "retrieval", "function": {"name": "f", "arguments": "{}"}},
        {"id": "c", "type": "function"}
    ]}, tool_result("b"), tool_result("c")]);
    let report = check(OpenAI, &with_messages("gpt-4o", messages));
    assert_error_at(
        &report,
        Code::InvalidToolCall,
        "/messages/1/tool_calls/0/id",
    );
    assert_error_at(
        &report,
        Code::InvalidToolCall,
        "/messages/1/tool_calls/1/type",
    );
    assert_error_at(
        &report,
        Code::InvalidToolCall,
        "/messages/1/tool_calls/2/function",
    );
}

#[test]
fn duplicate_tool_call_ids_in_one_message_are_errors() {
    let messages = json!([
        user("q"),
        assistant_calls(vec![call("c", "f", "{}"), call("c", "g", "{}")]),
        tool_result("c")
    ]);
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", messages)),
        Code::DuplicateToolCallId,
        "/messages/1/tool_calls/1/id",
    );
}

#[test]
fn reused_tool_call_ids_across_turns_are_errors_on_anthropic_only() {
    let messages = json!([
        user("q"),
        assistant_calls(vec![call("c", "f", "{}")]),
        tool_result("c"),
        user("again"),
        assistant_calls(vec![call("c", "f", "{}")]),
        tool_result("c")
    ]);
    assert_error_at(
        &check(
            Anthropic,
            &with_messages("claude-sonnet-4-5", messages.clone()),
        ),
        Code::DuplicateToolCallId,
        "/messages/4/tool_calls/0/id",
    );
    let report = check(OpenAI, &with_messages("gpt-4o", messages));
    assert!(report.ok);
    assert_warning_at(
        &report,
        Code::DuplicateToolCallId,
        "/messages/4/tool_calls/0/id",
    );
}

#[test]
fn called_function_names_follow_the_name_rule() {
    let messages = json!([
        user("q"),
        assistant_calls(vec![call("c", "server/tool", "{}")]),
        tool_result("c")
    ]);
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", messages)),
        Code::InvalidToolCallName,
        "/messages/1/tool_calls/0/function/name",
    );
}

#[test]
fn calls_to_undeclared_functions_are_a_warning() {
    let request = json!({"model": "gpt-4o", "messages": [user("q"), assistant_calls(vec![call("c", "ghost", "{}")]), tool_result("c")],
        "tools": [{"type": "function", "function": {"name": "real"}}]});
    assert_warning_at(
        &check(OpenAI, &request),
        Code::ToolCallUnknownFunction,
        "/messages/1/tool_calls/0/function/name",
    );
}

#[test]
fn arguments_must_be_a_string() {
    let messages = json!([user("q"), {"role": "assistant", "content": null, "tool_calls": [
        {"id": "c", "type": "function", "function": {"name": "f", "arguments": {"q": 1}}}]}, tool_result("c")]);
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", messages)),
        Code::ToolCallArgumentsNotString,
        "/messages/1/tool_calls/0/function/arguments",
    );
}

#[test]
fn arguments_that_are_not_a_json_object_are_errors_where_converted() {
    for arguments in ["", "[1,2]", "{\"q\": ", "null"] {
        let messages = json!([
            user("q"),
            assistant_calls(vec![call("c", "f", arguments)]),
            tool_result("c")
        ]);
        let path = "/messages/1/tool_calls/0/function/arguments";
        assert_error_at(
            &check(Gemini, &with_messages("gemini-2.5-flash", messages.clone())),
            Code::InvalidToolCallArguments,
            path,
        );
        assert_error_at(
            &check(
                Anthropic,
                &with_messages("claude-sonnet-4-5", messages.clone()),
            ),
            Code::InvalidToolCallArguments,
            path,
        );
        assert_warning_at(
            &check(OpenAI, &with_messages("gpt-4o", messages)),
            Code::InvalidToolCallArguments,
            path,
        );
    }
    let fine = json!([
        user("q"),
        assistant_calls(vec![call("c", "f", " {\"q\": [1, {\"r\": null}]} ")]),
        tool_result("c")
    ]);
    assert_silent(
        &check(Gemini, &with_messages("gemini-2.5-flash", fine)),
        Code::InvalidToolCallArguments,
    );
}

#[test]
fn a_tool_call_without_a_result_is_an_error_everywhere() {
    for provider in [OpenAI, Gemini, DeepSeek, Anthropic, Generic] {
        let messages = json!([
            user("q"),
            assistant_calls(vec![call("a", "f", "{}"), call("b", "f", "{}")]),
            tool_result("a"),
            user("next")
        ]);
        let report = check(
            provider,
            &with_messages(model_of(provider).unwrap_or("m"), messages),
        );
        assert_error_at(
            &report,
            Code::ToolCallUnanswered,
            "/messages/1/tool_calls/1/id",
        );
    }
}

#[test]
fn a_conversation_ending_in_unanswered_calls_is_an_error() {
    let messages = json!([user("q"), assistant_calls(vec![call("a", "f", "{}")])]);
    assert_error_at(
        &check(OpenAI, &with_messages("gpt-4o", messages)),
        Code::ToolCallUnanswered,
        "/messages/1/tool_calls/0/id",
    );
}

#[test]
fn text_between_a_call_and_its_result_breaks_the_pair() {
    // "Please ensure that function response turn comes immediately after a function call turn."
    let messages = json!([
        user("q"),
        assistant_calls(vec![call("a", "f", "{}")]),
        user("wait"),
        tool_result("a")
    ]);
    let report = check(Gemini, &with_messages("gemini-2.5-flash", messages));
    assert_error_at(
        &report,
        Code::ToolCallUnanswered,
        "/messages/1/tool_calls/0/id",
    );
    assert_error_at(&report, Code::OrphanToolMessage, "/messages/3/tool_call_id");
}

#[test]
fn results_may_come_in_any_order_right_after_the_call() {
    let messages = json!([
        user("q"),
        assistant_calls(vec![call("a", "f", "{}"), call("b", "f", "{}")]),
        tool_result("b"),
        tool_result("a")
    ]);
    assert_ok(&check(Gemini, &with_messages("gemini-2.5-flash", messages)));
}

#[test]
fn a_tool_message_without_a_call_is_an_orphan() {
    let report = check(
        OpenAI,
        &with_messages("gpt-4o", json!([user("q"), tool_result("nope")])),
    );
    assert_error_at(&report, Code::OrphanToolMessage, "/messages/1/tool_call_id");
    let report = check(
        OpenAI,
        &with_messages(
            "gpt-4o",
            json!([user("q"), {"role": "tool", "content": "x"}]),
        ),
    );
    assert_error_at(&report, Code::OrphanToolMessage, "/messages/1/tool_call_id");
}

#[test]
fn a_call_answered_twice_is_an_error_for_gemini_and_a_warning_elsewhere() {
    let messages = json!([
        user("q"),
        assistant_calls(vec![call("a", "f", "{}")]),
        tool_result("a"),
        tool_result("a")
    ]);
    assert_error_at(
        &check(Gemini, &with_messages("gemini-2.5-flash", messages.clone())),
        Code::DuplicateToolResult,
        "/messages/3/tool_call_id",
    );
    assert_warning_at(
        &check(OpenAI, &with_messages("gpt-4o", messages)),
        Code::DuplicateToolResult,
        "/messages/3/tool_call_id",
    );
}

#[test]
fn gemini_function_call_turn_must_follow_a_user_or_tool_turn() {
    let first = json!([
        assistant_calls(vec![call("a", "f", "{}")]),
        tool_result("a"),
        user("ok")
    ]);
    assert_error_at(
        &check(Gemini, &with_messages("gemini-2.5-flash", first.clone())),
        Code::ToolCallTurnPosition,
        "/messages/0",
    );
    assert_silent(
        &check(OpenAI, &with_messages("gpt-4o", first)),
        Code::ToolCallTurnPosition,
    );
    let after_assistant = json!([user("q"), {"role": "assistant", "content": "thinking"}, assistant_calls(vec![call("a", "f", "{}")]), tool_result("a")]);
    assert_warning_at(
        &check(Gemini, &with_messages("gemini-2.5-flash", after_assistant)),
        Code::ToolCallTurnPosition,
        "/messages/2",
    );
    let chained = json!([
        user("q"),
        assistant_calls(vec![call("a", "f", "{}")]),
        tool_result("a"),
        assistant_calls(vec![call("b", "f", "{}")]),
        tool_result("b")
    ]);
    assert_ok(&check(Gemini, &with_messages("gemini-2.5-flash", chained)));
}

#[test]
fn gemini_3_needs_thought_signatures_in_the_current_turn_only() {
    let unsigned = assistant_calls(vec![call("a", "f", "{}")]);
    let mut signed = assistant_calls(vec![call("b", "f", "{}")]);
    signed["tool_calls"][0]["extra_content"] = json!({"google": {"thought_signature": "sig"}});
    // An unsigned call in an earlier turn (before the last user message) is fine.
    let earlier = json!([
        user("q"),
        unsigned.clone(),
        tool_result("a"),
        user("next"),
        signed,
        tool_result("b")
    ]);
    assert_ok(&check(
        Gemini,
        &with_messages("gemini-3-pro-preview", earlier),
    ));
    let current = json!([user("q"), unsigned, tool_result("a")]);
    assert_error_at(
        &check(
            Gemini,
            &with_messages("gemini-3-pro-preview", current.clone()),
        ),
        Code::MissingThoughtSignature,
        "/messages/1/tool_calls/0",
    );
    assert_ok(&check(Gemini, &with_messages("gemini-2.5-pro", current)));
}
