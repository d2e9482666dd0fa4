//! Routing: which endpoint a request target names, and which scenario and session it selects
//! (from the `/s/{scenario}/{session}/` path prefix or the `x-llmwire-scenario` /
//! `x-llmwire-session` headers).
//!
//! For: the selection syntax documented in the `mock` module docs, including scenario specs
//! `name:key=value,key=value`. Pure: strings in, data out.
//!
//! Not for: resolving a scenario name to steps (`server.rs`) or answering (`play.rs`).

use std::collections::BTreeMap;

use super::scenario::ErrorFormat;

/// The API flavour of a chat-completions path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `…/v1/chat/completions` and any other `…/chat/completions`.
    OpenAi,
    /// `…/v1beta/openai/chat/completions`.
    Gemini,
    /// `…/openai/deployments/{deployment}/chat/completions?api-version=…`.
    Azure,
}

impl Dialect {
    /// The error wording scenarios use by default on this endpoint.
    pub fn error_format(self) -> ErrorFormat {
        match self {
            Dialect::Gemini => ErrorFormat::Gemini,
            Dialect::OpenAi | Dialect::Azure => ErrorFormat::OpenAi,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    ChatCompletions(Dialect),
    Models,
    Health,
    /// `/_mock/requests?session=…`
    Requests,
    /// `/_mock/scenarios`
    Scenarios,
    /// `/_mock/limits`: the quota's counters.
    LimitStats,
    Unknown,
}

/// What a request target and its selection headers name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub endpoint: Endpoint,
    /// The scenario spec, as written (path segment decoded, or header value).
    pub scenario: Option<String>,
    pub session: Option<String>,
    /// Decoded query parameters.
    pub query: Vec<(String, String)>,
}

impl Routed {
    pub fn query_value(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Routes a request target; `headers` are the request's (names lowercased).
pub fn route(target: &str, headers: &[(String, String)]) -> Result<Routed, String> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = parse_query(query)?;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let mut scenario = header("x-llmwire-scenario");
    let mut session = header("x-llmwire-session");
    let mut rest = path;
    if let Some(after) = path.strip_prefix("/s/") {
        let mut segments = after.splitn(3, '/');
        let (Some(spec), Some(id), Some(_)) = (segments.next(), segments.next(), segments.next())
        else {
            return Err(format!(
                "a scenario path is /s/{{scenario}}/{{session}}/v1/…, not {path}"
            ));
        };
        if spec.is_empty() || id.is_empty() {
            return Err(format!("empty scenario or session in {path}"));
        }
        scenario = Some(percent_decode(spec).ok_or_else(|| format!("bad escape in {spec:?}"))?);
        session = Some(percent_decode(id).ok_or_else(|| format!("bad escape in {id:?}"))?);
        rest = &path[3 + spec.len() + 1 + id.len()..];
    }
    Ok(Routed {
        endpoint: endpoint(rest),
        scenario,
        session,
        query,
    })
}

fn endpoint(path: &str) -> Endpoint {
    let path = path.trim_end_matches('/');
    match path {
        "/_mock/health" => return Endpoint::Health,
        "/_mock/requests" => return Endpoint::Requests,
        "/_mock/scenarios" => return Endpoint::Scenarios,
        "/_mock/limits" => return Endpoint::LimitStats,
        _ => {}
    }
    if path.ends_with("/chat/completions") {
        let dialect = if path.contains("/v1beta/openai/") {
            Dialect::Gemini
        } else if path.contains("/openai/deployments/") {
            Dialect::Azure
        } else {
            Dialect::OpenAi
        };
        return Endpoint::ChatCompletions(dialect);
    }
    if path.ends_with("/models") {
        return Endpoint::Models;
    }
    Endpoint::Unknown
}

fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let decode = |s: &str| {
                percent_decode(&s.replace('+', " "))
                    .ok_or_else(|| format!("bad escape in query {pair:?}"))
            };
            Ok((decode(name)?, decode(value)?))
        })
        .collect()
}

/// Decodes `%XX` escapes; `None` for a malformed escape or invalid UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A scenario name with parameters: `overloaded_then_ok:n=3,format=gemini`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioSpec {
    pub name: String,
    pub params: BTreeMap<String, String>,
}

impl ScenarioSpec {
    pub fn parse(text: &str) -> Result<ScenarioSpec, String> {
        let (name, params_text) = text.split_once(':').unwrap_or((text, ""));
        if name.is_empty() {
            return Err(format!("scenario spec {text:?} has no name"));
        }
        let mut params = BTreeMap::new();
        for pair in params_text.split(',').filter(|p| !p.is_empty()) {
            let Some((key, value)) = pair.split_once('=') else {
                return Err(format!(
                    "scenario spec {text:?}: parameter {pair:?} is not key=value"
                ));
            };
            if key.is_empty() {
                return Err(format!("scenario spec {text:?}: empty parameter name"));
            }
            if params.insert(key.to_string(), value.to_string()).is_some() {
                return Err(format!(
                    "scenario spec {text:?}: parameter {key:?} given twice"
                ));
            }
        }
        Ok(ScenarioSpec {
            name: name.to_string(),
            params,
        })
    }

    /// The spec with parameters in name order: equal specs share their state.
    pub fn canonical(&self) -> String {
        let mut text = self.name.clone();
        for (i, (key, value)) in self.params.iter().enumerate() {
            text.push(if i == 0 { ':' } else { ',' });
            text.push_str(key);
            text.push('=');
            text.push_str(value);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_path_prefix_selects_scenario_and_session() {
        let routed = route("/s/overloaded_then_ok:n=3/test-42/v1/chat/completions", &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(routed.endpoint, Endpoint::ChatCompletions(Dialect::OpenAi));
        assert_eq!(routed.scenario.as_deref(), Some("overloaded_then_ok:n=3"));
        assert_eq!(routed.session.as_deref(), Some("test-42"));
        let routed = route("/s/echo/a%20b/v1beta/openai/chat/completions", &[])
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(routed.endpoint, Endpoint::ChatCompletions(Dialect::Gemini));
        assert_eq!(routed.session.as_deref(), Some("a b"));
        assert!(route("/s/echo", &[]).is_err());
    }

    #[test]
    fn headers_select_when_the_path_does_not() {
        let h = headers(&[
            ("x-llmwire-scenario", "always_500"),
            ("x-llmwire-session", "t1"),
        ]);
        let routed = route(
            "/openai/deployments/gpt4/chat/completions?api-version=2024-02-01",
            &h,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(routed.endpoint, Endpoint::ChatCompletions(Dialect::Azure));
        assert_eq!(routed.scenario.as_deref(), Some("always_500"));
        assert_eq!(routed.query_value("api-version"), Some("2024-02-01"));
        let routed = route("/s/echo/t2/v1/models", &h).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (routed.endpoint, routed.scenario.as_deref()),
            (Endpoint::Models, Some("echo"))
        );
    }

    #[test]
    fn mock_endpoints_and_unknown_paths() {
        let endpoint_of = |t: &str| {
            route(t, &[])
                .map(|r| r.endpoint)
                .unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(endpoint_of("/_mock/health"), Endpoint::Health);
        assert_eq!(endpoint_of("/_mock/requests?session=x"), Endpoint::Requests);
        assert_eq!(endpoint_of("/v1/models"), Endpoint::Models);
        assert_eq!(endpoint_of("/nope"), Endpoint::Unknown);
    }

    #[test]
    fn specs_parse_and_canonicalise() {
        let spec = ScenarioSpec::parse("x:b=2,a=1").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.canonical(), "x:a=1,b=2");
        assert_eq!(
            ScenarioSpec::parse("echo").map(|s| s.canonical()),
            Ok("echo".into())
        );
        assert!(ScenarioSpec::parse(":a=1").is_err());
        assert!(ScenarioSpec::parse("x:a").is_err());
        assert!(ScenarioSpec::parse("x:a=1,a=2").is_err());
    }
}
