//! Coordination: where a client keeps its fleet state (docs/coordination.md). `memory` (the
//! default) keeps it in the client; `redis` shares it, through [`RedisStore`], with every client
//! in every process and on every machine that names the same Redis and namespace.
//!
//! For: the `coordination` configuration, choosing the store, and showing a Redis URL without its
//! password. Not for: the state's transitions (`fleet`, pure) or the attempt loop (`client`).

use std::fmt;
use std::sync::Arc;

use serde::Deserialize;

use crate::error::Error;
use crate::fleet::{MemoryStore, TargetStateStore};
use crate::redact::shown_url;

#[cfg(feature = "redis")]
mod redis_store;
#[cfg(feature = "redis")]
pub use redis_store::RedisStore;

/// Where the fleet state lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// In the client: shared by its threads only.
    #[default]
    Memory,
    /// In Redis: shared by every client naming the same URL and namespace.
    Redis,
}

/// `coordination` in the client configuration.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoordinationConfig {
    /// Where the state lives: this client's memory (default) or Redis.
    pub backend: Backend,
    /// `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS). Never shown with its
    /// password: see [`crate::redact::shown_url`].
    pub url: Option<String>,
    /// Clients share state when they share the Redis and this name (`A-Z a-z 0-9 _ - . :`).
    pub namespace: String,
    /// The longest one Redis round trip may take.
    pub timeout_ms: u64,
    /// The longest a connection attempt may take.
    pub connect_timeout_ms: u64,
    /// The first wait before reconnecting after a failure; it doubles up to `reconnect_max_ms`.
    pub reconnect_min_ms: u64,
    /// The longest wait between two reconnection attempts.
    pub reconnect_max_ms: u64,
    /// How long a reservation counts when its process never reports its end; default
    /// `timeouts.connect_ms + timeouts.attempt_ms`, or `timeouts.deadline_ms` when shorter.
    pub lease_ms: Option<u64>,
}

impl Default for CoordinationConfig {
    fn default() -> CoordinationConfig {
        CoordinationConfig {
            backend: Backend::Memory,
            url: None,
            namespace: "default".to_owned(),
            timeout_ms: 100,
            connect_timeout_ms: 250,
            reconnect_min_ms: 250,
            reconnect_max_ms: 10_000,
            lease_ms: None,
        }
    }
}

// The URL may hold a password: Debug shows it redacted.
impl fmt::Debug for CoordinationConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CoordinationConfig")
            .field("backend", &self.backend)
            .field("url", &self.url.as_deref().map(shown_url))
            .field("namespace", &self.namespace)
            .field("timeout_ms", &self.timeout_ms)
            .field("connect_timeout_ms", &self.connect_timeout_ms)
            .field("reconnect_min_ms", &self.reconnect_min_ms)
            .field("reconnect_max_ms", &self.reconnect_max_ms)
            .field("lease_ms", &self.lease_ms)
            .finish()
    }
}

impl CoordinationConfig {
    /// Checks the settings; errors name the key and never show the URL's password.
    pub fn check(&self) -> Result<(), Error> {
        let invalid = |message: String| Err(Error::InvalidConfig(message));
        let namespace_ok = (1..=64).contains(&self.namespace.len())
            && self
                .namespace
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_-.:".contains(&b));
        if !namespace_ok {
            return invalid(format!(
                "config: coordination.namespace \"{}\" must be 1 to 64 characters from A-Z a-z 0-9 _ - . :",
                self.namespace
            ));
        }
        for (name, value) in [
            ("timeout_ms", self.timeout_ms),
            ("connect_timeout_ms", self.connect_timeout_ms),
            ("reconnect_min_ms", self.reconnect_min_ms),
            ("lease_ms", self.lease_ms.unwrap_or(1)),
        ] {
            if value == 0 {
                return invalid(format!("config: coordination.{name} must be at least 1"));
            }
        }
        if self.reconnect_max_ms < self.reconnect_min_ms {
            return invalid(
                "config: coordination.reconnect_max_ms must be at least reconnect_min_ms".into(),
            );
        }
        match (self.backend, self.url.as_deref()) {
            (Backend::Memory, _) => Ok(()),
            (Backend::Redis, None) => {
                invalid("config: coordination.backend \"redis\" needs coordination.url".into())
            }
            (Backend::Redis, Some(url)) => check_redis_url(url),
        }
    }
}

fn check_redis_url(url: &str) -> Result<(), Error> {
    let scheme_ok = url.starts_with("redis://") || url.starts_with("rediss://");
    if !scheme_ok || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Error::InvalidConfig(format!(
            "config: coordination.url \"{}\" must be a redis:// or rediss:// URL without spaces",
            shown_url(url)
        )));
    }
    #[cfg(feature = "redis")]
    redis::Client::open(url).map_err(|error| {
        Error::InvalidConfig(format!(
            "config: coordination.url \"{}\": {}",
            shown_url(url),
            scrub(&error.to_string(), url)
        ))
    })?;
    #[cfg(not(feature = "redis"))]
    return Err(Error::InvalidConfig(
        "config: coordination.backend \"redis\": this build of llmwire has no Redis support (cargo feature \"redis\")".into(),
    ));
    #[cfg(feature = "redis")]
    Ok(())
}

/// `text` with the URL's password (as written, and percent-decoded) and the URL itself replaced.
// Used by the Redis store only (cargo feature "redis").
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
pub(crate) fn scrub(text: &str, url: &str) -> String {
    let mut out = text.replace(url, &shown_url(url));
    if let Some(password) = url_password(url) {
        for secret in [decode_percent(&password), password] {
            if !secret.is_empty() {
                out = out.replace(&secret, crate::redact::REDACTED);
            }
        }
    }
    out
}

// Used by the Redis store only (cargo feature "redis").
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn url_password(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let userinfo = &authority[..authority.rfind('@')?];
    let password = userinfo.split_once(':').map_or(userinfo, |(_, p)| p);
    Some(password.to_owned())
}

// Used by the Redis store only (cargo feature "redis").
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
fn decode_percent(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied(),
            bytes.get(i + 2).copied(),
        ) {
            (b'%', Some(h), Some(l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What a store reports about its coordination, beyond the targets' state.
pub trait Coordination: Send + Sync {
    /// `{"backend", "state", "errors", "fallbacks", "reconnects", "round_trips"}`.
    fn metrics_json(&self) -> serde_json::Value;
    /// The same, in the Prometheus text format.
    fn metrics_prometheus(&self) -> String;
    /// Where `{"event": "coordination", …}` events go (the client's event hook).
    fn set_event_hook(&self, hook: Option<crate::client::EventHook>);
}

/// The store a client's fleet uses: `local` itself for `memory`, or a Redis store that falls back
/// to `local` while Redis cannot be reached.
pub(crate) struct Stores {
    pub state: Arc<dyn TargetStateStore>,
    pub coordination: Option<Arc<dyn Coordination>>,
}

/// Builds the store for `config` over the targets named `target_names` (in order).
pub(crate) fn stores(
    config: &crate::config::ClientConfig,
    target_names: &[&str],
    local: MemoryStore,
    budget_capacity: u32,
) -> Result<Stores, Error> {
    let coordination = &config.coordination;
    match coordination.backend {
        Backend::Memory => Ok(Stores {
            state: Arc::new(local),
            coordination: None,
        }),
        #[cfg(feature = "redis")]
        Backend::Redis => {
            let timeouts = &config.timeouts;
            let default_lease = timeouts.connect_ms.saturating_add(timeouts.attempt_ms);
            let lease_ms = coordination.lease_ms.unwrap_or_else(|| {
                timeouts
                    .deadline_ms
                    .map_or(default_lease, |deadline| deadline.min(default_lease))
            });
            let store = Arc::new(RedisStore::new(
                coordination,
                target_names,
                local,
                budget_capacity,
                lease_ms,
            )?);
            Ok(Stores {
                state: Arc::clone(&store) as Arc<dyn TargetStateStore>,
                coordination: Some(store),
            })
        }
        #[cfg(not(feature = "redis"))]
        Backend::Redis => {
            let _ = (target_names, local, budget_capacity);
            Err(Error::InvalidConfig(
                "config: coordination.backend \"redis\": this build of llmwire has no Redis support (cargo feature \"redis\")".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(json: &str) -> Result<(), Error> {
        serde_json::from_str::<CoordinationConfig>(json)
            .map_err(|e| Error::InvalidConfig(e.to_string()))?
            .check()
    }

    #[test]
    fn memory_is_the_default_and_needs_nothing() {
        assert_eq!(CoordinationConfig::default().backend, Backend::Memory);
        assert!(config("{}").is_ok());
    }

    #[test]
    fn redis_needs_a_redis_url_and_errors_never_show_the_password() {
        let error = config(r#"{"backend": "redis"}"#).unwrap_err().to_string();
        assert!(error.contains("coordination.url"), "{error}");
        let error = config(r#"{"backend": "redis", "url": "http://:hunter2@x"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("redis://") && !error.contains("hunter2"),
            "{error}"
        );
        assert!(config(r#"{"backend": "redis", "url": "rediss://:pw@cache:6380/1"}"#).is_ok());
    }

    #[test]
    fn namespaces_cannot_move_the_hash_tag() {
        let error = config(r#"{"namespace": "a}b"}"#).unwrap_err().to_string();
        assert!(error.contains("namespace"), "{error}");
        assert!(config(r#"{"namespace": ""}"#).is_err());
        assert!(config(r#"{"namespace": "team-a.prod:1"}"#).is_ok());
    }

    #[test]
    fn debug_and_scrub_hide_the_password_in_every_form() {
        let url = "rediss://user:p%40ss@cache:6380/0";
        let coordination = CoordinationConfig {
            url: Some(url.to_owned()),
            ..CoordinationConfig::default()
        };
        let shown = format!("{coordination:?}");
        assert!(shown.contains("rediss://[REDACTED]@cache:6380/0") && !shown.contains("p%40ss"));
        let scrubbed = scrub(&format!("auth failed for p@ss at {url}"), url);
        assert!(
            !scrubbed.contains("p@ss") && !scrubbed.contains("p%40ss"),
            "{scrubbed}"
        );
        assert_eq!(shown_url("redis://a@b@host/0"), "redis://[REDACTED]@host/0");
    }
}
