//! The `targets` list of a client configuration, resolved: every key a target leaves out comes
//! from the top level (the top level is the default target), and a configuration without
//! `targets` is one target named `default`.
//!
//! For: parsing and checking (names unique, URLs and headers sound). Not for: reading the
//! environment (see [`TargetConfig::resolve_api_key`], called by the shell).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use super::limits::Limits;
use crate::error::Error;
use crate::profile::Profile;
use crate::provider::Provider;

/// The name of the one target of a configuration without `targets`.
pub const DEFAULT_TARGET_NAME: &str = "default";

/// One entry of `targets`, as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct RawTarget {
    name: Option<String>,
    provider: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    api_key: Option<String>,
    api_key_env: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    limits: Option<Limits>,
}

/// A resolved target.
#[derive(Clone, PartialEq)]
pub struct TargetConfig {
    /// The name in events, metrics and errors (`default` for the top level).
    pub name: String,
    /// Whose rules apply to requests sent here.
    pub provider: Provider,
    /// Without a trailing slash.
    pub base_url: String,
    /// An explicit key; never shown in `Debug` output.
    pub api_key: Option<String>,
    /// The variable the key is read from when `api_key` is absent.
    pub api_key_env: Option<String>,
    /// The model every request sent to this target names (`None`: the request's own).
    pub model: Option<String>,
    /// Extra headers sent with every request to this target.
    pub headers: Vec<(String, String)>,
    /// This target's rpm, tpm and in-flight caps.
    pub limits: Limits,
}

impl TargetConfig {
    /// The key: `api_key` if set, else the `api_key_env` variable if set and non-empty.
    pub fn resolve_api_key(&self, env: impl Fn(&str) -> Option<String>) -> Option<String> {
        crate::config::resolve_key(self.api_key.as_deref(), self.api_key_env.as_deref(), env)
    }
}

// The key must never reach logs or error messages.
impl fmt::Debug for TargetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TargetConfig")
            .field("name", &self.name)
            .field("provider", &self.provider)
            .field("base_url", &crate::redact::shown_url(&self.base_url))
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("api_key_env", &self.api_key_env)
            .field("model", &self.model)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// What the top level of the configuration gives every target.
pub(crate) struct TopLevel<'a> {
    /// The top level's provider: a target of the same provider inherits what follows.
    pub provider: Provider,
    /// The top level's endpoint.
    pub base_url: &'a str,
    /// The top level's explicit key.
    pub api_key: Option<&'a str>,
    /// The top level's key variable.
    pub api_key_env: Option<&'a str>,
    /// The top level's model, inherited by targets of the same provider.
    pub model: Option<&'a str>,
    /// Headers a target without its own sends.
    pub headers: &'a [(String, String)],
    /// Limits a target without its own inherits.
    pub limits: Limits,
}

/// Resolves `targets` (or, when absent, the top level as the one target).
///
/// A target of the top level's provider inherits its endpoint, key and model; a target of another
/// provider gets that provider's public endpoint and usual key variable unless it names its own.
pub(crate) fn resolve_targets(
    raw: Option<Vec<RawTarget>>,
    top: &TopLevel<'_>,
) -> Result<Vec<TargetConfig>, Error> {
    let Some(raw) = raw else {
        return Ok(vec![TargetConfig {
            name: DEFAULT_TARGET_NAME.to_owned(),
            provider: top.provider,
            base_url: top.base_url.to_owned(),
            api_key: top.api_key.map(str::to_owned),
            api_key_env: top.api_key_env.map(str::to_owned),
            model: top.model.map(str::to_owned),
            headers: top.headers.to_vec(),
            limits: top.limits,
        }]);
    };
    if raw.is_empty() {
        return Err(Error::InvalidConfig(
            "config: targets must list at least one target".into(),
        ));
    }
    let mut targets: Vec<TargetConfig> = Vec::with_capacity(raw.len());
    for (index, target) in raw.into_iter().enumerate() {
        let name = target
            .name
            .unwrap_or_else(|| format!("target-{}", index + 1));
        let invalid = |what: String| {
            Error::InvalidConfig(format!("config: targets[{index}] ({name}): {what}"))
        };
        if name.is_empty() || name.chars().any(char::is_control) {
            return Err(invalid("name must be non-empty printable text".into()));
        }
        if targets.iter().any(|other| other.name == name) {
            return Err(invalid("another target has the same name".into()));
        }
        let provider = match target.provider.as_deref() {
            None => top.provider,
            Some(text) => Provider::from_name(text).ok_or_else(|| {
                invalid(format!(
                    "unknown provider \"{text}\" (expected one of: {})",
                    Provider::ALL.map(Provider::as_str).join(", ")
                ))
            })?,
        };
        let same_provider = provider == top.provider;
        let profile = Profile::for_provider(provider);
        let base_url = match target.base_url {
            Some(url) => crate::config::check_base_url(&url)?,
            None if same_provider => top.base_url.to_owned(),
            None => profile.base_url().map(str::to_owned).ok_or_else(|| {
                invalid(format!(
                    "provider \"{provider}\" has no public endpoint; set \"base_url\""
                ))
            })?,
        };
        let own_key = target.api_key.is_some() || target.api_key_env.is_some();
        let (api_key, api_key_env) = if own_key {
            (target.api_key, target.api_key_env)
        } else if same_provider {
            (
                top.api_key.map(str::to_owned),
                top.api_key_env.map(str::to_owned),
            )
        } else {
            (None, profile.api_key_env().map(str::to_owned))
        };
        let headers = match target.headers {
            Some(map) => {
                let mut headers = Vec::with_capacity(map.len());
                for (header, value) in map {
                    crate::config::check_header(&header, &value)?;
                    headers.push((header, value));
                }
                headers
            }
            None => top.headers.to_vec(),
        };
        let model = target.model.or_else(|| {
            same_provider
                .then(|| top.model.map(str::to_owned))
                .flatten()
        });
        targets.push(TargetConfig {
            name,
            provider,
            base_url,
            api_key,
            api_key_env,
            model,
            headers,
            limits: target.limits.unwrap_or_default().or(top.limits),
        });
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use crate::config::tests::config_error as invalid;
    use crate::config::ClientConfig;
    use crate::provider::Provider;

    #[test]
    fn a_plain_config_is_one_target_named_default_without_the_fleet() {
        let config =
            ClientConfig::from_json(r#"{"base_url": "http://127.0.0.1:9/v1", "model": "m"}"#)
                .unwrap();
        assert!(!config.fleet_enabled);
        assert_eq!(config.targets.len(), 1);
        assert_eq!(config.targets[0].name, "default");
        assert_eq!(config.targets[0].base_url, "http://127.0.0.1:9/v1");
        assert_eq!(config.targets[0].model.as_deref(), Some("m"));
    }

    #[test]
    fn targets_inherit_from_the_top_level_only_within_the_same_provider() {
        let config = ClientConfig::from_json(
            r#"{"base_url": "http://127.0.0.1:9/v1", "api_key": "k", "model": "gpt-4o-mini",
                "limits": {"rpm": 100, "max_in_flight": 4},
                "targets": [
                  {"name": "a", "limits": {"rpm": 10}},
                  {"provider": "gemini", "model": "gemini-2.0-flash"}
                ]}"#,
        )
        .unwrap();
        assert!(config.fleet_enabled);
        let [a, b] = &config.targets[..] else {
            panic!("{:?}", config.targets)
        };
        assert_eq!((a.name.as_str(), a.api_key.as_deref()), ("a", Some("k")));
        assert_eq!(a.model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!((a.limits.rpm, a.limits.max_in_flight), (Some(10), Some(4)));
        assert_eq!(b.name, "target-2");
        assert_eq!(b.provider, Provider::Gemini);
        assert!(
            b.base_url.contains("generativelanguage.googleapis.com"),
            "{}",
            b.base_url
        );
        assert_eq!(b.api_key, None);
        assert_eq!(b.api_key_env.as_deref(), Some("GEMINI_API_KEY"));
        assert!(!format!("{config:?}").contains("\"k\""));
    }

    #[test]
    fn bad_targets_are_named() {
        assert!(invalid(r#"{"targets": []}"#).contains("at least one"));
        assert!(invalid(r#"{"targets": [{"name": "x"}, {"name": "x"}]}"#).contains("same name"));
        assert!(invalid(r#"{"targets": [{"provider": "nope"}]}"#).contains("targets[0]"));
        assert!(invalid(r#"{"targets": [{"limits": {"rpn": 1}}]}"#).contains("rpn"));
        assert!(invalid(r#"{"targets": [{"base_url": "ftp://x"}]}"#).contains("base_url"));
        assert!(invalid(r#"{"fleet": {"breaker": {"failure": 1}}}"#).contains("failure"));
    }
}
