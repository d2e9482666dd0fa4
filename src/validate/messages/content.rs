//! Message content: strings, parts, images, and empty or whitespace-only text.

use serde_json::{Map, Value};

use super::{Pass, Role};
use crate::json::Field;
use crate::provider::Provider;
use crate::validate::images::check_image_url;
use crate::validate::report::{show, Code, Severity};

impl<'a> Pass<'a, '_> {
    pub(super) fn content(
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
                    show(other)
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
            let Some(kind) = part.field("type").and_then(Value::as_str) else {
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
                    match part.field("text") {
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
        let image = part.field("image_url");
        let Some(url) = image
            .and_then(|image| image.field("url"))
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
        if let Some(detail) = image.and_then(|image| image.field("detail")) {
            if !matches!(detail.as_str(), Some("auto" | "low" | "high")) {
                self.findings.add(
                    Severity::error_if(self.context.profile.openai_request_rules),
                    Code::InvalidImageDetail,
                    format!("{path}/image_url/detail"),
                    format!(
                        "image detail {} must be \"auto\", \"low\" or \"high\"",
                        show(detail)
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
}

fn contains_json_word(text: &str) -> bool {
    text.as_bytes()
        .windows(4)
        .any(|window| window.eq_ignore_ascii_case(b"json"))
}
