//! Tool calls and tool results: call structure, names, arguments, and the pairing of every call
//! with exactly one `tool` message right after its assistant turn.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::Pass;
use crate::json::Field;
use crate::profile::models;
use crate::provider::Provider;
use crate::validate::report::{show, Code, Findings, Severity};

/// The tool calls of the last assistant turn, waiting for their `tool` messages.
pub(super) struct PendingCalls<'a> {
    assistant_index: usize,
    ids: Vec<(&'a str, usize, bool)>,
    index: HashMap<&'a str, usize>,
}

impl<'a> PendingCalls<'a> {
    pub(super) fn new() -> PendingCalls<'a> {
        PendingCalls {
            assistant_index: 0,
            ids: Vec::new(),
            index: HashMap::new(),
        }
    }

    pub(super) fn reset(&mut self, assistant_index: usize) {
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
    pub(super) fn flush(&mut self, reason: &str, findings: &mut Findings) {
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

impl<'a> Pass<'a, '_> {
    pub(super) fn tool_result(&mut self, index: usize, object: &'a Map<String, Value>) {
        let path = format!("/messages/{index}/tool_call_id");
        let Some(id) = object.field("tool_call_id").and_then(Value::as_str) else {
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

    pub(super) fn tool_calls(&mut self, index: usize, calls: &'a Value) {
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
        for (call_index, call) in calls.iter().enumerate() {
            let call_path = format!("{path}/{call_index}");
            let Some(id) = call
                .field("id")
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
            // The pending calls are this message's calls so far (a hash lookup, not a scan).
            if self.pending.find(id).is_some() {
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
        if let Some(kind) = call.field("type") {
            if kind.as_str() != Some("function") {
                self.findings.error(
                    Code::InvalidToolCall,
                    format!("{call_path}/type"),
                    format!("tool call type {} must be \"function\"", show(kind)),
                );
            }
        }
        let function = call.field("function");
        let Some(name) = function
            .and_then(|f| f.field("name"))
            .and_then(Value::as_str)
        else {
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
        match function.and_then(|f| f.field("arguments")) {
            Some(Value::String(arguments)) => self.arguments(call_path, arguments),
            None => self.findings.error(
                Code::InvalidToolCall,
                format!("{call_path}/function"),
                "a tool call needs \"arguments\", a JSON object encoded as a string (\"{}\" for none)".into(),
            ),
            Some(other) => self.findings.error(
                Code::ToolCallArgumentsNotString,
                format!("{call_path}/function/arguments"),
                format!("\"arguments\" must be a JSON string such as \"{{\\\"q\\\": 1}}\", not {}; serialise it", show(other)),
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
}

fn preview(text: &str) -> &str {
    crate::utf8::prefix(text, 40)
}
