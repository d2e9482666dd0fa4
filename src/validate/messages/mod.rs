//! The `messages` array in one pass: structure, roles, content, images, tool calls and the order of
//! turns (every tool call answered by exactly one `tool` message right after its assistant turn).

use std::collections::HashSet;

use serde_json::{Map, Value};

mod content;
mod tool_calls;

use super::report::{Code, Findings, Severity};
use super::tools::ToolsSummary;
use super::Context;
use crate::context::{estimate_message_parts_tokens, MESSAGE_OVERHEAD_TOKENS};
use crate::json::Field;
use crate::profile::RoleSupport;
use crate::provider::Provider;
use tool_calls::PendingCalls;

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
    /// Whether to estimate the messages' tokens (not when the caller already has the estimate).
    estimates: bool,
    estimated_tokens: u64,
}

pub(super) fn check_messages<'a>(
    request: &'a Map<String, Value>,
    context: &Context<'a>,
    tools: &ToolsSummary<'a>,
    estimates: bool,
    findings: &mut Findings,
) -> MessagesSummary {
    let needs_json_word = request
        .field("response_format")
        .and_then(|format| format.field("type"))
        .and_then(Value::as_str)
        == Some("json_object");
    let messages = match request.field("messages") {
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
        estimates,
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
        let content = object.field("content");
        let tool_calls = object.field("tool_calls").filter(|calls| !calls.is_null());
        if self.estimates {
            self.estimated_tokens +=
                estimate_message_parts_tokens(content, object.field("name"), tool_calls);
        }
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
        let name = match object.field("role") {
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
        let Some(name) = object.field("name") else {
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
