//! Client configuration: the JSON object a client is created from (snake_case keys, unknown keys
//! rejected with the key named), resolved into typed settings with defaults.
//!
//! Not here: the retry policy's own keys (see `retry`), and anything that performs I/O. Reading
//! the API key from the environment happens once, in the shell, through [`ClientConfig::resolve_api_key`].

use std::fmt;

use serde::Deserialize;

use crate::error::Error;
use crate::profile::Profile;
use crate::provider::Provider;

/// What to do with a request that fails local validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationMode {
    /// An invalid request is not sent (`validation_failed`).
    #[default]
    Strict,
    /// Safe repairs are applied; a request still invalid afterwards is not sent.
    Repair,
    /// The request is sent as is; findings are listed under the result's `llmwire.warnings`.
    Warn,
    /// No local validation.
    Off,
}

/// Timeouts, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    /// Establishing a connection (DNS, TCP, TLS).
    pub connect_ms: u64,
    /// One attempt: from sending the request to the last byte of a non-streaming response, or to
    /// the response headers of a stream.
    pub attempt_ms: u64,
    /// The longest wait between two stream events that carry data (SSE comments such as
    /// `: keep-alive` and blank lines do not count).
    pub stream_idle_ms: u64,
    /// The longest wait, once a stream's response head arrived, for its first event carrying data.
    pub first_chunk_ms: u64,
    /// The whole call, every attempt and every wait included; no retry sleep crosses it.
    pub deadline_ms: Option<u64>,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        Timeouts {
            connect_ms: 10_000,
            attempt_ms: 600_000,
            stream_idle_ms: 120_000,
            first_chunk_ms: 120_000,
            deadline_ms: None,
        }
    }
}

/// Which proxy to use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ProxySetting {
    /// `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY` and `NO_PROXY` from the environment.
    #[default]
    Env,
    /// Never a proxy.
    None,
    /// This proxy URL (`http://`, `socks5://` …).
    Url(String),
}

impl<'de> Deserialize<'de> for ProxySetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<ProxySetting, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(match text.as_str() {
            "env" => ProxySetting::Env,
            "none" => ProxySetting::None,
            _ => ProxySetting::Url(text),
        })
    }
}

/// The raw JSON shape; every field optional, unknown keys rejected.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawConfig {
    provider: Option<String>,
    base_url: Option<String>,
    api_key: Option<String>,
    api_key_env: Option<String>,
    model: Option<String>,
    headers: std::collections::BTreeMap<String, String>,
    sensitive_headers: Vec<String>,
    timeouts: Timeouts,
    retry: Option<serde_json::Value>,
    validation: ValidationMode,
    max_response_bytes: Option<u64>,
    proxy: ProxySetting,
    ca_certs_pem: Option<String>,
    user_agent: Option<String>,
    context: crate::context::overflow_figures::ContextConfig,
    targets: Option<Vec<crate::fleet::targets::RawTarget>>,
    limits: Option<crate::fleet::Limits>,
    fleet: crate::fleet::FleetPolicy,
    coordination: crate::coordination::CoordinationConfig,
}

/// A parsed, checked client configuration.
#[derive(Clone, PartialEq)]
pub struct ClientConfig {
    /// Whose rules apply: default base URL, key variable, validation and error formats.
    pub provider: Provider,
    /// Base URL without a trailing slash, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// An explicit key from the config; see [`ClientConfig::resolve_api_key`].
    pub api_key: Option<String>,
    /// The environment variable the key is read from when `api_key` is absent.
    pub api_key_env: Option<String>,
    /// The model used when a request names none.
    pub model: Option<String>,
    /// Extra headers sent with every request (checked: no CR/LF, valid names).
    pub headers: Vec<(String, String)>,
    /// Names (lowercased) of further headers whose values are secrets, beside those
    /// [`crate::redact::is_sensitive_header_name`] recognises (`"sensitive_headers": [...]`).
    pub sensitive_headers: Vec<String>,
    /// Connect, attempt, stream and whole-call limits.
    pub timeouts: Timeouts,
    /// The `retry` object, parsed by the retry policy.
    pub retry: serde_json::Value,
    /// What happens to a request that fails local validation.
    pub validation: ValidationMode,
    /// The largest response body read (default 32 MiB); a larger one is `response_too_large`.
    pub max_response_bytes: u64,
    /// The proxy to go through, if any (default: the one the environment names).
    pub proxy: ProxySetting,
    /// Extra trusted CA certificates (PEM), added to the bundled web roots.
    pub ca_certs_pem: Option<String>,
    /// The `User-Agent` header sent (default `llmwire/<version>`).
    pub user_agent: String,
    /// `"context": {"on_overflow": "error" | "trim", "safety_margin": 0.1}`: what to do about a
    /// prompt over the window, and the room kept for a tokenizer other than o200k_base.
    pub context: crate::context::overflow_figures::ContextConfig,
    /// The targets a call tries in order (docs/fleet.md); one, named `default`, without `targets`.
    pub targets: Vec<crate::fleet::TargetConfig>,
    /// `fleet`: breaker, cooldown and failover settings.
    pub fleet: crate::fleet::FleetPolicy,
    /// Whether the configuration asks for the fleet machinery (`targets` or `limits` given); a
    /// plain single-endpoint configuration runs without it, exactly as before.
    pub fleet_enabled: bool,
    /// `coordination`: where the fleet state lives (docs/coordination.md); `memory` by default.
    pub coordination: crate::coordination::CoordinationConfig,
}

/// Rewrites serde's ``unknown field `x`, expected one of `a`, `b` at line 1 column 8`` as
/// `unknown key "x" in config.timeouts (did you mean "…"? expected one of: a, b)`: the words of
/// the rest of the library, the object named instead of a text position, the keys listed once.
/// The list comes from serde, so it always matches the structs. `None` for any other error.
fn unknown_key_message(text: &str, serde_message: &str) -> Option<String> {
    let rest = serde_message.strip_prefix("unknown field `")?;
    let (name, expected) = rest.split_once('`')?;
    let expected = expected.split(" at line ").next().unwrap_or(expected);
    let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let path = key_path(&value, name, "config").unwrap_or_else(|| "config".to_owned());
    let Error::InvalidConfig(message) = crate::retry::unknown_key_error("key", name, &path, &known)
    else {
        return None;
    };
    Some(message)
}

/// The dotted path of the first object (depth first, `headers` skipped: its keys are free)
/// that holds `name` as a key.
fn key_path(value: &serde_json::Value, name: &str, path: &str) -> Option<String> {
    let object = value.as_object()?;
    if object.contains_key(name) {
        return Some(path.to_owned());
    }
    object
        .iter()
        .filter(|(key, _)| key.as_str() != "headers")
        .find_map(|(key, inner)| key_path(inner, name, &format!("{path}.{key}")))
}

impl ClientConfig {
    /// Parses and checks a configuration. An empty text or `{}` gives every default.
    pub fn from_json(text: &str) -> Result<ClientConfig, Error> {
        let text = if text.trim().is_empty() { "{}" } else { text };
        let raw: RawConfig = serde_json::from_str(text).map_err(|e| {
            let message = unknown_key_message(text, &e.to_string())
                .unwrap_or_else(|| format!("config: {}", without_string_values(&e.to_string())));
            Error::InvalidConfig(message)
        })?;
        ClientConfig::from_raw(raw)
    }

    fn from_raw(raw: RawConfig) -> Result<ClientConfig, Error> {
        let provider = match raw.provider.as_deref() {
            None => Provider::OpenAI,
            Some(name) => Provider::from_name(name).ok_or_else(|| {
                Error::InvalidConfig(format!(
                    "config: unknown provider \"{name}\" (expected one of: {})",
                    Provider::ALL.map(Provider::as_str).join(", ")
                ))
            })?,
        };
        let base_url = match raw.base_url {
            Some(url) => check_base_url(&url)?,
            None => Profile::for_provider(provider)
                .base_url()
                .map(str::to_owned)
                .ok_or_else(|| {
                    Error::InvalidConfig(format!(
                        "config: provider \"{provider}\" has no public endpoint; set \"base_url\""
                    ))
                })?,
        };
        let mut headers = Vec::with_capacity(raw.headers.len());
        for (name, value) in raw.headers {
            check_header(&name, &value)?;
            headers.push((name, value));
        }
        let t = raw.timeouts;
        for (name, value) in [
            ("connect_ms", t.connect_ms),
            ("attempt_ms", t.attempt_ms),
            ("stream_idle_ms", t.stream_idle_ms),
            ("first_chunk_ms", t.first_chunk_ms),
        ] {
            if value == 0 {
                return Err(Error::InvalidConfig(format!(
                    "config: timeouts.{name} must be at least 1"
                )));
            }
        }
        let max_response_bytes = raw.max_response_bytes.unwrap_or(32 * 1024 * 1024);
        if max_response_bytes < 1024 {
            return Err(Error::InvalidConfig(
                "config: max_response_bytes must be at least 1024".into(),
            ));
        }
        if let Some(user_agent) = &raw.user_agent {
            check_header("user_agent", user_agent)?;
        }
        let api_key_env = raw.api_key_env.or_else(|| {
            Profile::for_provider(provider)
                .api_key_env()
                .map(str::to_owned)
        });
        raw.coordination.check()?;
        // Shared state is worth having for one endpoint too (cooldowns, breaker, retry budget).
        let shared = raw.coordination.backend != crate::coordination::Backend::Memory;
        let fleet_enabled = raw.targets.is_some() || raw.limits.is_some() || shared;
        let targets = crate::fleet::targets::resolve_targets(
            raw.targets,
            &crate::fleet::targets::TopLevel {
                provider,
                base_url: &base_url,
                api_key: raw.api_key.as_deref(),
                api_key_env: api_key_env.as_deref(),
                model: raw.model.as_deref(),
                headers: &headers,
                limits: raw.limits.unwrap_or_default(),
            },
        )?;
        Ok(ClientConfig {
            provider,
            base_url,
            api_key: raw.api_key,
            api_key_env,
            model: raw.model,
            headers,
            sensitive_headers: raw
                .sensitive_headers
                .iter()
                .map(|name| name.to_ascii_lowercase())
                .collect(),
            timeouts: t,
            retry: raw.retry.unwrap_or_else(|| serde_json::json!({})),
            validation: raw.validation,
            max_response_bytes,
            proxy: raw.proxy,
            ca_certs_pem: raw.ca_certs_pem,
            user_agent: raw
                .user_agent
                .unwrap_or_else(|| format!("llmwire/{}", crate::VERSION)),
            context: raw.context,
            targets,
            fleet: raw.fleet,
            fleet_enabled,
            coordination: raw.coordination,
        })
    }

    /// Whether the configured header `name` carries a secret: its name looks like one
    /// (authorization, `*api-key*`, `*token*`, `*secret*`, cookie, …) or `sensitive_headers` lists it.
    pub fn is_sensitive_header(&self, name: &str) -> bool {
        crate::redact::is_sensitive_header_name(name)
            || self
                .sensitive_headers
                .iter()
                .any(|listed| listed.eq_ignore_ascii_case(name))
    }

    /// A redactor for every secret this configuration holds, beside `api_key`: the values of
    /// sensitive headers and the passwords of the proxy and base URLs.
    pub fn redactor(&self, api_key: Option<&str>) -> crate::redact::Redactor {
        let mut redactor = crate::redact::Redactor::default();
        if let Some(key) = api_key {
            redactor.add(key);
        }
        if let Some(key) = &self.api_key {
            redactor.add(key);
        }
        for (name, value) in &self.headers {
            if self.is_sensitive_header(name) {
                crate::redact::header_secrets(value)
                    .into_iter()
                    .for_each(|secret| redactor.add(secret));
            }
        }
        let proxy = match &self.proxy {
            ProxySetting::Url(url) => Some(url.as_str()),
            _ => None,
        };
        let coordination = self.coordination.url.as_deref();
        for url in [Some(self.base_url.as_str()), proxy, coordination]
            .into_iter()
            .flatten()
        {
            crate::redact::url_credentials(url)
                .into_iter()
                .for_each(|secret| redactor.add(secret));
        }
        redactor
    }

    /// The API key: `api_key` if set, else the `api_key_env` variable if set and non-empty.
    pub fn resolve_api_key(&self, env: impl Fn(&str) -> Option<String>) -> Option<String> {
        resolve_key(self.api_key.as_deref(), self.api_key_env.as_deref(), env)
    }
}

/// `api_key` if set, else the `api_key_env` variable if set and non-empty (also for targets).
pub(crate) fn resolve_key(
    api_key: Option<&str>,
    api_key_env: Option<&str>,
    env: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    api_key
        .map(str::to_owned)
        .or_else(|| api_key_env.and_then(&env))
        .filter(|key| !key.is_empty())
}

// The key must never reach logs or error messages, so Debug shows only whether one is set.
impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("provider", &self.provider)
            .field("base_url", &crate::redact::shown_url(&self.base_url))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("api_key_env", &self.api_key_env)
            .field("model", &self.model)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("timeouts", &self.timeouts)
            .field("validation", &self.validation)
            .field("max_response_bytes", &self.max_response_bytes)
            .field(
                "proxy",
                &match &self.proxy {
                    ProxySetting::Url(url) => ProxySetting::Url(crate::redact::shown_url(url)),
                    other => other.clone(),
                },
            )
            .field("user_agent", &self.user_agent)
            .field("targets", &self.targets)
            .field("coordination", &self.coordination)
            .finish_non_exhaustive()
    }
}

/// An http(s) URL without spaces or a `#fragment` (a fragment is never sent, so everything after
/// `#` would silently vanish from the path). A query (Azure's `?api-version=…`) is kept; the chat
/// path goes before it. Messages show the URL without its credentials.
pub(crate) fn check_base_url(url: &str) -> Result<String, Error> {
    let trimmed = url.trim_end_matches('/');
    let shown = crate::redact::shown_url(url);
    let scheme_ok = trimmed.starts_with("http://") || trimmed.starts_with("https://");
    if !scheme_ok
        || trimmed.len() <= "https://".len()
        || trimmed.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::InvalidConfig(format!(
            "config: base_url \"{shown}\" must be an http:// or https:// URL without spaces"
        )));
    }
    if trimmed.contains('#') {
        return Err(Error::InvalidConfig(format!(
            "config: base_url \"{shown}\" has a #fragment, which is never sent to the server; \
remove it (a ?query is kept)"
        )));
    }
    Ok(trimmed.to_owned())
}

/// A parse error with the string values it quotes left out: a value in the wrong place may be a key
/// or a header's secret (`"headers": "Bearer sk-…"`), and the key name and position say enough.
fn without_string_values(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("string \"") {
        out.push_str(&rest[..at + "string".len()]);
        let quoted = &rest[at + "string ".len()..];
        let mut escaped = false;
        let end = quoted
            .char_indices()
            .skip(1)
            .find(|&(_, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes
            })
            .map_or(quoted.len(), |(i, _)| i + 1);
        rest = &quoted[end..];
    }
    out.push_str(rest);
    out
}

/// Header names are HTTP tokens; values may not contain CR, LF or NUL (header injection).
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), Error> {
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid_name {
        return Err(Error::InvalidConfig(format!(
            "config: \"{name}\" is not a valid header name"
        )));
    }
    if value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(Error::InvalidConfig(format!(
            "config: header \"{name}\" contains CR, LF or NUL, which would corrupt the request"
        )));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The message of the `invalid_config` error `text` must produce.
    pub(crate) fn config_error(text: &str) -> String {
        match ClientConfig::from_json(text) {
            Err(Error::InvalidConfig(message)) => message,
            other => panic!("expected invalid_config for {text}, got {other:?}"),
        }
    }

    #[test]
    fn empty_config_gets_every_default() {
        let config = ClientConfig::from_json("").unwrap();
        assert_eq!(config.provider, Provider::OpenAI);
        assert_eq!(config.validation, ValidationMode::Strict);
        assert_eq!(config.timeouts, Timeouts::default());
        assert!(config.user_agent.starts_with("llmwire/"));
    }

    #[test]
    fn unknown_keys_are_named() {
        assert!(config_error(r#"{"retyr": {}}"#).contains("retyr"));
        assert!(config_error(r#"{"timeouts": {"conect_ms": 5}}"#).contains("conect_ms"));
    }

    #[test]
    fn unknown_key_message_names_the_object_lists_keys_once_and_has_no_text_position() {
        let message = config_error(r#"{"model": "m", "max_retries": 2}"#);
        assert!(
            message.starts_with("unknown key \"max_retries\" in config (expected one of: provider, base_url, api_key,"),
            "{message}"
        );
        assert_eq!(message.matches("base_url").count(), 1, "{message}");
        assert!(!message.contains("line 1"), "{message}");
        assert!(!message.contains('`'), "{message}");
        let nested = config_error(r#"{"timeouts": {"conect_ms": 5}}"#);
        assert!(
            nested.starts_with("unknown key \"conect_ms\" in config.timeouts (did you mean \"connect_ms\"? expected one of: connect_ms, attempt_ms,"),
            "{nested}"
        );
    }

    #[test]
    fn header_injection_is_rejected() {
        assert!(config_error(r#"{"headers": {"x-a": "1\r\nx-b: 2"}}"#).contains("CR, LF"));
        assert!(
            config_error(r#"{"headers": {"bad name": "1"}}"#).contains("not a valid header name")
        );
    }

    #[test]
    fn base_url_is_checked_and_trimmed() {
        assert!(config_error(r#"{"base_url": "ftp://x"}"#).contains("base_url"));
        let config = ClientConfig::from_json(r#"{"base_url": "http://127.0.0.1:9/v1/"}"#).unwrap();
        assert_eq!(config.base_url, "http://127.0.0.1:9/v1");
    }

    #[test]
    fn a_fragment_in_base_url_is_rejected_and_a_query_kept() {
        assert!(config_error(r#"{"base_url": "http://h:1/v1#frag"}"#).contains("#fragment"));
        let config =
            ClientConfig::from_json(r#"{"base_url": "https://h/openai/d?api-version=2024-10-21"}"#)
                .unwrap();
        assert_eq!(config.base_url, "https://h/openai/d?api-version=2024-10-21");
    }

    #[test]
    fn sensitive_headers_are_recognised_by_name_or_listed() {
        let config = ClientConfig::from_json(
            r#"{"headers": {"X-Api-Key": "v1-aaaa", "x-tenant": "t-bbbb", "x-plain": "cccc"},
                "sensitive_headers": ["X-Tenant"]}"#,
        )
        .unwrap();
        assert!(config.is_sensitive_header("x-api-key"));
        assert!(config.is_sensitive_header("x-tenant"));
        assert!(!config.is_sensitive_header("x-plain"));
        let redactor = config.redactor(None);
        assert_eq!(
            redactor.text("v1-aaaa t-bbbb cccc"),
            "[REDACTED] [REDACTED] cccc"
        );
    }

    #[test]
    fn proxy_and_url_passwords_never_show() {
        let config = ClientConfig::from_json(
            r#"{"proxy": "http://bob:hunter22@proxy:3128", "base_url": "https://u:pw-9999@h/v1"}"#,
        )
        .unwrap();
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("hunter22") && !shown.contains("pw-9999"),
            "{shown}"
        );
        let redactor = config.redactor(None);
        assert_eq!(redactor.text("hunter22 pw-9999"), "[REDACTED] [REDACTED]");
    }

    #[test]
    fn a_value_in_the_wrong_place_is_not_quoted_back() {
        let message = config_error(r#"{"headers": "Bearer sk-\"quoted\"-secret"}"#);
        assert!(!message.contains("secret"), "{message}");
        assert!(
            message.contains("invalid type: string, expected a map"),
            "{message}"
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let config = ClientConfig::from_json(r#"{"api_key": "sk-secret-123"}"#).unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-secret-123"), "{shown}");
    }

    #[test]
    fn key_comes_from_config_then_environment() {
        let config = ClientConfig::from_json(r#"{"api_key_env": "MY_KEY"}"#).unwrap();
        let env = |name: &str| (name == "MY_KEY").then(|| "from-env".to_owned());
        assert_eq!(config.resolve_api_key(env).as_deref(), Some("from-env"));
        let config =
            ClientConfig::from_json(r#"{"api_key": "explicit", "api_key_env": "MY_KEY"}"#).unwrap();
        assert_eq!(config.resolve_api_key(env).as_deref(), Some("explicit"));
    }
}
