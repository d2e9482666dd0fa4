//! The `messages` array in one pass: structure, roles, content, images, tool calls and the order of
//! turns (every tool call answered by exactly one `tool` message right after its assistant turn).

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::images::check_image_url;
use super::report::{Code, Findings, Severity};
use super::tools::ToolsSummary;
use super::Context;
use crate::context::{estimate_message_parts_tokens, MESSAGE_OVERHEAD_TOKENS};
use crate::profile::{models, RoleSupport};
use crate::provider::Provider;

/// What the rest of the validation needs from the message pass.
pub(super) struct MessagesSummary {
    pub(super) estimated_tokens: u64,
    /// Some message text contains "json" (any case), as OpenAI's `json_object` mode requires.
    pub(super) mentions_json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    System,
    Developer,
    User,
    Assistant,
    Tool,
    Function,
}

impl Role {
    fn parse(name: &str) -> Option<Role> {
        Some(match name {
            "system" => Role::System,
            "developer" => Role::Developer,
            "user" => Role::User,
            "assistant" => Role::Assistant,
            "tool" => Role::Tool,
            "function" => Role::Function,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::Developer => "developer",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
            Role::Function => "function",
        }
    }

    fn is_instruction(self) -> bool {
        matches!(self, Role::System | Role::Developer)
    }
}

/// The tool calls of the last assistant turn, waiting for their `tool` messages.
struct PendingCalls<'a> {
    assistant_index: usize,
    ids: Vec<(&'a str, usize, bool)>,
    index: HashMap<&'a str, usize>,
}

impl<'a> PendingCalls<'a> {
    fn new() -> PendingCalls<'a> {
        PendingCalls {
            assistant_index: 0,
            ids: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn reset(&mut self, assistant_index: usize) {
        self.assistant_index = assistant_index;
        self.ids.clear();
        self.index.clear();
    }

    fn push(&mut self, id: &'a str, call_index: usize) {
        if self.index.contains_key(id) {
            return;
        }
        self.index.insert(id, self.ids.len());
        self.ids.push((id, call_index, false));
    }

    fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    /// Reports every call still unanswered, then forgets them all.
    fn flush(&mut self, reason: &str, findings: &mut Findings) {
        for &(id, call_index, answered) in &self.ids {
            if !answered {
                findings.error(
                    Code::ToolCallUnanswered,
                    format!("/messages/{}/tool_calls/{call_index}/id", self.assistant_index),
                    format!(
                        "tool call \"{id}\" has no tool message answering it {reason}; add {{\"role\": \"tool\", \
                         \"tool_call_id\": \"{id}\", \"content\": …}} right after the assistant message (or drop the call)"
                    ),
                );
            }
        }
        self.ids.clear();
        self.index.clear();
    }
}

struct Pass<'a, 'c> {
    context: &'c Context<'a>,
    tools: &'c ToolsSummary<'a>,
    findings: &'c mut Findings,
    pending: PendingCalls<'a>,
    seen_call_ids: HashSet<&'a str>,
    previous_turn: Option<Role>,
    /// The first message that is not a system/developer message.
    first_turn: Option<(usize, Role)>,
    /// Gemini 3: assistant turns after the last user message whose first call lacks a signature.
    unsigned_calls: Vec<usize>,
    needs_json_word: bool,
    mentions_json: bool,
    estimated_tokens: u64,
}

pub(super) fn check_messages<'a>(
    request: &'a Map<String, Value>,
    context: &Context<'a>,
    tools: &ToolsSummary<'a>,
    findings: &mut Findings,
) -> MessagesSummary {
    let needs_json_word = request
        .get("response_format")
        .and_then(|format| format.get("type"))
        .and_then(Value::as_str)
        == Some("json_object");
    let messages = match request.get("messages") {
        None => {
            findings.error(
                Code::MissingMessages,
                String::new(),
                "the request has no \"messages\"; add the conversation as an array of messages"
                    .into(),
            );
            return MessagesSummary {
                estimated_tokens: 0,
                mentions_json: false,
            };
        }
        Some(Value::Array(messages)) => messages,
        Some(other) => {
            findings.error(
                Code::InvalidMessages,
                "/messages".into(),
                format!(
                    "\"messages\" must be an array of message objects, not {}",
                    super::report::show(other)
                ),
            );
            return MessagesSummary {
                estimated_tokens: 0,
                mentions_json: false,
            };
        }
    };
    if messages.is_empty() {
        findings.error(
            Code::EmptyMessages,
            "/messages".into(),
            "\"messages\" is empty; send at least one user message".into(),
        );
    }
    let mut pass = Pass {
        context,
        tools,
        findings,
        pending: PendingCalls::new(),
        seen_call_ids: HashSet::new(),
        previous_turn: None,
        first_turn: None,
        unsigned_calls: Vec::new(),
        needs_json_word,
        mentions_json: false,
        estimated_tokens: 0,
    };
    for (index, message) in messages.iter().enumerate() {
        pass.message(index, message);
    }
    pass.pending
        .flush("before the end of the conversation", pass.findings);
    pass.finish(messages.len());
    MessagesSummary {
        estimated_tokens: pass.estimated_tokens,
        mentions_json: pass.mentions_json,
    }
}

impl<'a> Pass<'a, '_> {
    fn message(&mut self, index: usize, message: &'a Value) {
        let Some(object) = message.as_object() else {
            self.estimated_tokens += MESSAGE_OVERHEAD_TOKENS;
            self.pending
                .flush("before the next non-tool message", self.findings);
            self.findings.error(
                Code::InvalidMessage,
                format!("/messages/{index}"),
                format!(
                    "message {index} must be an object with \"role\" and \"content\", not {}",
                    super::report::show(message)
                ),
            );
            return;
        };
        let content = object.get("content");
        let tool_calls = object.get("tool_calls").filter(|calls| !calls.is_null());
        self.estimated_tokens +=
            estimate_message_parts_tokens(content, object.get("name"), tool_calls);
        let Some(role) = self.role(index, object) else {
            self.pending
                .flush("before the next non-tool message", self.findings);
            return;
        };
        if role == Role::Tool {
            self.tool_result(index, object);
        } else {
            self.pending
                .flush("before the next non-tool message", self.findings);
        }
        self.name(index, object);
        let has_calls = matches!(tool_calls, Some(Value::Array(calls)) if !calls.is_empty());
        self.content(index, role, object, content, has_calls);
        if let Some(calls) = tool_calls {
            if role == Role::Assistant {
                self.tool_calls(index, calls);
            } else {
                self.findings.error(
                    Code::ToolCallsNotAllowed,
                    format!("/messages/{index}/tool_calls"),
                    "only assistant messages carry \"tool_calls\"; move the calls to an assistant message".into(),
                );
            }
        }
        if role == Role::User {
            self.unsigned_calls.clear();
        }
        if !role.is_instruction() {
            self.previous_turn = Some(role);
            if self.first_turn.is_none() {
                self.first_turn = Some((index, role));
            }
        }
    }

    fn role(&mut self, index: usize, object: &Map<String, Value>) -> Option<Role> {
        let path = || format!("/messages/{index}/role");
        let name = match object.get("role") {
            Some(Value::String(name)) => name,
            Some(other) => {
                self.findings.error(
                    Code::InvalidRole,
                    path(),
                    format!(
                        "\"role\" must be a string, not {}",
                        super::report::show(other)
                    ),
                );
                return None;
            }
            None => {
                self.findings.error(Code::InvalidRole, path(), format!("message {index} has no \"role\"; add one of system, developer, user, assistant, tool"));
                return None;
            }
        };
        let Some(role) = Role::parse(name) else {
            self.findings.error(
                Code::InvalidRole,
                path(),
                format!(
                    "unknown role \"{name}\"; use one of system, developer, user, assistant, tool"
                ),
            );
            return None;
        };
        if role == Role::Developer && self.context.profile.developer_role == RoleSupport::Unknown {
            self.findings.warn(
                Code::RoleMaybeUnsupported,
                path(),
                format!(
                    "{} does not document the \"developer\" role; use \"system\"",
                    self.context.provider()
                ),
            );
        }
        if role == Role::Function {
            self.findings.warn(
                Code::DeprecatedRole,
                path(),
                "the \"function\" role is deprecated; answer tool calls with \"role\": \"tool\" and \"tool_call_id\"".into(),
            );
        }
        Some(role)
    }

    fn name(&mut self, index: usize, object: &Map<String, Value>) {
        let Some(name) = object.get("name") else {
            return;
        };
        let valid = name.as_str().is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
        if !valid {
            self.findings.add(
                Severity::error_if(self.context.profile.openai_request_rules),
                Code::InvalidMessageName,
                format!("/messages/{index}/name"),
                format!(
                    "message name {} must match ^[a-zA-Z0-9_-]+$ (OpenAI answers 400 \"string does not match pattern\"); \
                     replace other characters with _ or drop \"name\"",
                    super::report::show(name)
                ),
            );
        }
    }

    fn content(
        &mut self,
        index: usize,
        role: Role,
        object: &'a Map<String, Value>,
        content: Option<&'a Value>,
        has_calls: bool,
    ) {
        let path = || format!("/messages/{index}/content");
        let content = match content {
            None if role == Role::Assistant
                && (has_calls || object.contains_key("function_call")) =>
            {
                return
            }
            None => {
                let what = if role == Role::Assistant {
                    "an assistant message without tool_calls"
                } else {
                    "this message"
                };
                self.findings.error(
                    Code::MissingContent,
                    path(),
                    format!("{what} needs \"content\" (a string or an array of parts)"),
                );
                return;
            }
            Some(Value::Null)
                if role == Role::Assistant
                    && (has_calls || object.contains_key("function_call")) =>
            {
                return
            }
            Some(Value::Null) => {
                self.findings.error(
                    Code::NullContent,
                    path(),
                    "\"content\": null is only allowed on an assistant message with tool_calls; send text or drop the message".into(),
                );
                return;
            }
            Some(content) => content,
        };
        match content {
            Value::String(text) => self.text(&path(), text, role, has_calls, Code::EmptyContent),
            Value::Array(parts) => self.parts(index, role, parts, has_calls),
            other => self.findings.error(
                Code::InvalidContent,
                path(),
                format!(
                    "\"content\" must be a string or an array of content parts, not {}",
                    super::report::show(other)
                ),
            ),
        }
    }

    /// Checks one piece of text (a string content or a text part).
    fn text(&mut self, path: &str, text: &str, role: Role, has_calls: bool, empty_code: Code) {
        if self.needs_json_word && !self.mentions_json && contains_json_word(text) {
            self.mentions_json = true;
        }
        let profile = self.context.profile;
        if text.is_empty() {
            // An assistant turn that also calls tools keeps its calls; the empty text is only noise.
            let rejected = profile.rejects_empty_text && role != Role::Tool && !has_calls;
            let what = if empty_code == Code::EmptyTextPart {
                "text part"
            } else {
                "content"
            };
            self.findings.add(
                Severity::error_if(rejected),
                empty_code,
                path.to_owned(),
                format!(
                    "empty {what}{}; drop it (or the whole message) or put text in it",
                    if rejected {
                        format!(" ({} rejects empty parts)", self.context.provider())
                    } else {
                        String::new()
                    }
                ),
            );
        } else if text.len() < 64 && text.trim().is_empty() {
            let rejected =
                self.context.provider() == Provider::Anthropic && role != Role::Tool && !has_calls;
            self.findings.add(
                Severity::error_if(rejected),
                Code::WhitespaceContent,
                path.to_owned(),
                "text is only whitespace; drop it or put text in it".into(),
            );
        }
    }

    fn parts(&mut self, index: usize, role: Role, parts: &'a [Value], has_calls: bool) {
        let profile = self.context.profile;
        if parts.is_empty() {
            let rejected = profile.rejects_empty_text && role != Role::Tool && !has_calls;
            self.findings.add(
                Severity::error_if(rejected),
                Code::EmptyContent,
                format!("/messages/{index}/content"),
                "\"content\" is an empty array; add a part or drop the message".into(),
            );
        }
        let mut text_parts = 0;
        for (part_index, part) in parts.iter().enumerate() {
            let path = format!("/messages/{index}/content/{part_index}");
            let Some(kind) = part.get("type").and_then(Value::as_str) else {
                self.findings.error(
                    Code::InvalidContentPart,
                    path,
                    "a content part must be an object with a string \"type\" (text, image_url, …)"
                        .into(),
                );
                continue;
            };
            match kind {
                "text" => {
                    text_parts += 1;
                    match part.get("text") {
                        Some(Value::String(text)) => self.text(
                            &format!("{path}/text"),
                            text,
                            role,
                            has_calls,
                            Code::EmptyTextPart,
                        ),
                        _ => self.findings.error(
                            Code::InvalidContentPart,
                            path,
                            "a text part needs a string \"text\"".into(),
                        ),
                    }
                }
                "image_url" => self.image_part(&path, role, part),
                "refusal" if role == Role::Assistant => {}
                "input_audio" | "file" if role == Role::User => {}
                "input_audio" | "file" | "refusal" => self.part_not_allowed(&path, kind, role),
                other => {
                    let rejected = profile.openai_request_rules || profile.gemini_turn_rules;
                    self.findings.add(
                        Severity::error_if(rejected),
                        Code::InvalidContentPart,
                        format!("{path}/type"),
                        format!("unknown content part type \"{other}\"; use text or image_url"),
                    );
                }
            }
        }
        if profile.single_text_part && text_parts > 1 {
            self.findings.error(
                Code::MultipleTextParts,
                format!("/messages/{index}/content"),
                format!(
                    "{} expects a single text element per message (\"The model expects a single `text` element per \
                     message.\"); join the {text_parts} text parts into one",
                    self.context.provider()
                ),
            );
        }
    }

    fn image_part(&mut self, path: &str, role: Role, part: &Value) {
        if role != Role::User {
            self.part_not_allowed(path, "image_url", role);
        }
        let image = part.get("image_url");
        let Some(url) = image
            .and_then(|image| image.get("url"))
            .and_then(Value::as_str)
        else {
            self.findings.error(
                Code::InvalidContentPart,
                format!("{path}/image_url"),
                "an image_url part needs {\"image_url\": {\"url\": \"https://…\" or \"data:image/…;base64,…\"}}".into(),
            );
            return;
        };
        check_image_url(
            url,
            &format!("{path}/image_url/url"),
            self.context,
            self.findings,
        );
        if let Some(detail) = image.and_then(|image| image.get("detail")) {
            if !matches!(detail.as_str(), Some("auto" | "low" | "high")) {
                self.findings.add(
                    Severity::error_if(self.context.profile.openai_request_rules),
                    Code::InvalidImageDetail,
                    format!("{path}/image_url/detail"),
                    format!(
                        "image detail {} must be \"auto\", \"low\" or \"high\"",
                        super::report::show(detail)
                    ),
                );
            }
        }
    }

    fn part_not_allowed(&mut self, path: &str, kind: &str, role: Role) {
        self.findings.add(
            Severity::error_if(self.context.profile.openai_request_rules),
            Code::ContentPartNotAllowed,
            path.to_owned(),
            format!("{kind} parts are only allowed in user messages, not {} messages; move it to a user message", role.as_str()),
        );
    }

    fn tool_result(&mut self, index: usize, object: &'a Map<String, Value>) {
        let path = format!("/messages/{index}/tool_call_id");
        let Some(id) = object.get("tool_call_id").and_then(Value::as_str) else {
            self.findings.error(
                Code::OrphanToolMessage,
                path,
                "a tool message needs the string \"tool_call_id\" of the call it answers".into(),
            );
            return;
        };
        match self.pending.find(id) {
            Some(slot) if !self.pending.ids[slot].2 => self.pending.ids[slot].2 = true,
            Some(_) => {
                let rejected = self.context.profile.gemini_turn_rules;
                self.findings.add(
                    Severity::error_if(rejected),
                    Code::DuplicateToolResult,
                    path,
                    format!(
                        "tool call \"{id}\" is answered twice{}; keep one tool message per call",
                        if rejected { " (Gemini requires as many function responses as calls)" } else { "" }
                    ),
                );
            }
            None => self.findings.error(
                Code::OrphanToolMessage,
                path,
                format!(
                    "tool message answers \"{id}\", which is not a call of the assistant message just before; \
                     tool messages must directly follow the assistant message whose tool_calls they answer"
                ),
            ),
        }
    }

    fn tool_calls(&mut self, index: usize, calls: &'a Value) {
        let path = format!("/messages/{index}/tool_calls");
        let Some(calls) = calls.as_array() else {
            self.findings.error(
                Code::InvalidToolCall,
                path,
                "\"tool_calls\" must be an array of tool calls".into(),
            );
            return;
        };
        if calls.is_empty() {
            self.findings.add(
                Severity::error_if(self.context.profile.openai_request_rules),
                Code::InvalidToolCall,
                path,
                "\"tool_calls\" is an empty array; drop the key".into(),
            );
            return;
        }
        self.turn_position(index);
        self.pending.reset(index);
        let mut ids_here: Vec<&str> = Vec::with_capacity(calls.len());
        for (call_index, call) in calls.iter().enumerate() {
            let call_path = format!("{path}/{call_index}");
            let Some(id) = call
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
            else {
                self.findings.error(
                    Code::InvalidToolCall,
                    format!("{call_path}/id"),
                    "a tool call needs a non-empty string \"id\"".into(),
                );
                continue;
            };
            if ids_here.contains(&id) {
                self.findings.error(
                    Code::DuplicateToolCallId,
                    format!("{call_path}/id"),
                    format!("tool call id \"{id}\" appears twice in this message; give every call its own id"),
                );
            } else if !self.seen_call_ids.insert(id) {
                self.findings.add(
                    Severity::error_if(self.context.profile.unique_tool_call_ids),
                    Code::DuplicateToolCallId,
                    format!("{call_path}/id"),
                    format!("tool call id \"{id}\" was already used earlier in the conversation; ids should be unique"),
                );
            }
            ids_here.push(id);
            self.pending.push(id, call_index);
            self.call_function(&call_path, call);
        }
        if models::is_gemini_3(self.context.model) && self.context.provider() == Provider::Gemini {
            let signed = calls
                .first()
                .and_then(|call| call.pointer("/extra_content/google/thought_signature"))
                .and_then(Value::as_str);
            if signed.is_none_or(str::is_empty) {
                self.unsigned_calls.push(index);
            }
        }
    }

    fn call_function(&mut self, call_path: &str, call: &Value) {
        if let Some(kind) = call.get("type") {
            if kind.as_str() != Some("function") {
                self.findings.error(
                    Code::InvalidToolCall,
                    format!("{call_path}/type"),
                    format!(
                        "tool call type {} must be \"function\"",
                        super::report::show(kind)
                    ),
                );
            }
        }
        let function = call.get("function");
        let Some(name) = function.and_then(|f| f.get("name")).and_then(Value::as_str) else {
            self.findings.error(
                Code::InvalidToolCall,
                format!("{call_path}/function"),
                "a tool call needs \"function\": {\"name\": …, \"arguments\": \"{…}\"}".into(),
            );
            return;
        };
        let profile = self.context.profile;
        if let Err(reason) = profile.tool_name_rule().check(name) {
            self.findings.add(
                Severity::error_if(profile.openai_request_rules || profile.gemini_turn_rules),
                Code::InvalidToolCallName,
                format!("{call_path}/function/name"),
                format!(
                    "called function name \"{name}\" {reason}; rename it here and in \"tools\""
                ),
            );
        }
        if self.tools.present && !self.tools.names.contains(name) {
            self.findings.warn(
                Code::ToolCallUnknownFunction,
                format!("{call_path}/function/name"),
                format!("\"{name}\" is called here but not declared in \"tools\""),
            );
        }
        match function.and_then(|f| f.get("arguments")) {
            Some(Value::String(arguments)) => self.arguments(call_path, arguments),
            None => self.findings.error(
                Code::InvalidToolCall,
                format!("{call_path}/function"),
                "a tool call needs \"arguments\", a JSON object encoded as a string (\"{}\" for none)".into(),
            ),
            Some(other) => self.findings.error(
                Code::ToolCallArgumentsNotString,
                format!("{call_path}/function/arguments"),
                format!("\"arguments\" must be a JSON string such as \"{{\\\"q\\\": 1}}\", not {}; serialise it", super::report::show(other)),
            ),
        }
    }

    fn arguments(&mut self, call_path: &str, arguments: &str) {
        let is_object = arguments.trim_start().starts_with('{')
            && serde_json::from_str::<serde::de::IgnoredAny>(arguments).is_ok();
        if !is_object {
            let rejected = self.context.profile.requires_object_arguments;
            self.findings.add(
                Severity::error_if(rejected),
                Code::InvalidToolCallArguments,
                format!("{call_path}/function/arguments"),
                format!(
                    "\"arguments\" must encode a JSON object{} but is {:?}; send \"{{}}\" for no arguments",
                    if rejected { format!(" ({} converts it to a structured value)", self.context.provider()) } else { String::new() },
                    preview(arguments)
                ),
            );
        }
    }

    /// Gemini: a function-call turn must follow a user turn or a function-response turn.
    fn turn_position(&mut self, index: usize) {
        if !self.context.profile.gemini_turn_rules {
            return;
        }
        match self.previous_turn {
            Some(Role::User | Role::Tool | Role::Function) => {}
            None => self.findings.error(
                Code::ToolCallTurnPosition,
                format!("/messages/{index}"),
                "the conversation starts with a function-call turn (Gemini: \"function call turn comes immediately after \
                 a user turn or after a function response turn\"); keep the user message that led to it"
                    .into(),
            ),
            Some(_) => self.findings.warn(
                Code::ToolCallTurnPosition,
                format!("/messages/{index}"),
                "a function-call turn follows another assistant turn; Gemini expects it right after a user or tool turn".into(),
            ),
        }
    }

    fn finish(&mut self, message_count: usize) {
        let profile = self.context.profile;
        for &index in &self.unsigned_calls {
            self.findings.error(
                Code::MissingThoughtSignature,
                format!("/messages/{index}/tool_calls/0"),
                "Gemini 3 requires the thought signature of each function call of the current turn: send back \
                 tool_calls[0].extra_content.google.thought_signature exactly as the response gave it"
                    .into(),
            );
        }
        if message_count == 0 {
            return;
        }
        if let Some((index, Role::Assistant)) = self.first_turn {
            if profile.gemini_turn_rules {
                self.findings.warn(
                    Code::FirstTurnNotUser,
                    format!("/messages/{index}"),
                    "the first non-system message is from the assistant; Gemini expects the conversation to open with \
                     a user message (when trimming history, cut at a user turn)"
                        .into(),
                );
            }
        }
        let rejects_instructions_only =
            profile.gemini_turn_rules || self.context.provider() == Provider::Anthropic;
        if self.previous_turn.is_none() && rejects_instructions_only {
            self.findings.error(
                Code::NoConversationMessages,
                "/messages".into(),
                format!(
                    "only system/developer messages: {} needs at least one user message (Gemini: \"contents is not specified\")",
                    self.context.provider()
                ),
            );
        }
    }
}

fn contains_json_word(text: &str) -> bool {
    text.as_bytes()
        .windows(4)
        .any(|window| window.eq_ignore_ascii_case(b"json"))
}

fn preview(text: &str) -> &str {
    let mut end = text.len().min(40);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}
