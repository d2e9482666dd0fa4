//! Redaction: the one place that removes secrets from anything llmwire hands back or logs.
//!
//! A [`Redactor`] is built once per client from every secret its configuration holds — the API
//! key, the values of headers marked sensitive, the password of a proxy or base URL — and every
//! path that can echo one goes through it: the body and headers of a failed response *before* they
//! are classified (so no message cap can cut a key in two and leave most of it behind), every
//! string field of the error object afterwards (message, summary, `error_type`, `provider_code`,
//! `quota_id`, `param`, `request_id`, `provider_status`, the validation report), and every event.
//!
//! What counts as an occurrence (see `docs/redaction.md`):
//! - the secret exactly as configured (bytes compared, case-sensitive), wherever it appears, even
//!   inside an ordinary word — a secret is never shown to keep a message readable;
//! - its JSON-escaped form (a key holding `"` or `\` appears escaped in a raw JSON body) and its
//!   percent-encoded form (a server echoing a URL);
//! - at the very end of a text cut by a length cap (ending in `…`), a leading piece of a secret of
//!   at least [`MIN_SECRET_CHARS`] characters.
//!
//! Not redacted: secrets shorter than [`MIN_SECRET_CHARS`] characters (blanking every `abc` would
//! destroy messages, and such a value protects nothing), other encodings (base64 of `user:key`
//! depends on what precedes the key and cannot be matched reliably), and different letter case.
//!
//! Pure: no I/O; the shell decides what to pass through it.

use std::borrow::Cow;

use serde_json::Value;

use crate::classify::Classification;
use crate::error::ErrorObject;

/// What every occurrence of a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this (in characters) are not redacted.
pub const MIN_SECRET_CHARS: usize = 4;

/// The mark a length cap leaves at the end of a cut text.
const CUT_MARK: char = '…';

/// Removes a fixed set of secrets from text, bytes and JSON values.
#[derive(Clone, Default)]
pub struct Redactor {
    /// Every form searched for, longest first (so a secret that contains another goes whole).
    forms: Vec<String>,
    /// The secrets as configured, for the tail of cut texts.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secret(s))", self.secrets.len())
    }
}

impl Redactor {
    /// A redactor for these secrets; blank and too short ones are ignored.
    ///
    /// ```
    /// use llmwire::redact::Redactor;
    ///
    /// let redactor = Redactor::new(["sk-abc.*def"]);
    /// assert_eq!(redactor.text("bad key sk-abc.*def!"), "bad key [REDACTED]!");
    /// assert_eq!(redactor.text("nothing here"), "nothing here");
    /// ```
    pub fn new<S: AsRef<str>>(secrets: impl IntoIterator<Item = S>) -> Redactor {
        let mut redactor = Redactor::default();
        for secret in secrets {
            redactor.add(secret.as_ref());
        }
        redactor
    }

    /// Adds one secret (and its encoded forms).
    pub fn add(&mut self, secret: &str) {
        if secret.trim().chars().count() < MIN_SECRET_CHARS
            || self.secrets.iter().any(|s| s == secret)
        {
            return;
        }
        self.secrets.push(secret.to_owned());
        for form in [
            secret.to_owned(),
            json_escaped(secret, false),
            json_escaped(secret, true),
            percent_encoded(secret),
        ] {
            if !form.is_empty() && !self.forms.contains(&form) {
                self.forms.push(form);
            }
        }
        self.forms.sort_by_key(|form| std::cmp::Reverse(form.len()));
    }

    /// Whether there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }

    /// `text` with every secret replaced by [`REDACTED`]; borrowed when nothing was found.
    pub fn text<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let mut out = Cow::Borrowed(text);
        for form in &self.forms {
            if out.contains(form.as_str()) {
                out = Cow::Owned(out.replace(form.as_str(), REDACTED));
            }
        }
        if out.ends_with(CUT_MARK) {
            if let Some(cut) = self.cut_secret_start(&out) {
                let mut owned = out.into_owned();
                owned.replace_range(cut..owned.len() - CUT_MARK.len_utf8(), REDACTED);
                out = Cow::Owned(owned);
            }
        }
        out
    }

    /// Redacts a string in place.
    pub fn in_place(&self, text: &mut String) {
        if let Cow::Owned(redacted) = self.text(text) {
            *text = redacted;
        }
    }

    /// Raw bytes (a response body, which may not be UTF-8) with every secret replaced.
    pub fn bytes(&self, bytes: Vec<u8>) -> Vec<u8> {
        let mut bytes = bytes;
        for form in &self.forms {
            let finder = memchr::memmem::Finder::new(form.as_bytes());
            if finder.find(&bytes).is_none() {
                continue;
            }
            let mut out = Vec::with_capacity(bytes.len());
            let mut last = 0;
            for at in finder.find_iter(&bytes) {
                out.extend_from_slice(&bytes[last..at]);
                out.extend_from_slice(REDACTED.as_bytes());
                last = at + form.len();
            }
            out.extend_from_slice(&bytes[last..]);
            bytes = out;
        }
        bytes
    }

    /// Every string in a JSON value (keys included).
    pub fn value(&self, value: &mut Value) {
        if self.is_empty() {
            return;
        }
        match value {
            Value::String(text) => self.in_place(text),
            Value::Array(items) => items.iter_mut().for_each(|item| self.value(item)),
            Value::Object(fields) => {
                let renamed: Vec<(String, String)> = fields
                    .keys()
                    .filter_map(|key| match self.text(key) {
                        Cow::Owned(new) => Some((key.clone(), new)),
                        Cow::Borrowed(_) => None,
                    })
                    .collect();
                for (old, new) in renamed {
                    if let Some(moved) = fields.remove(&old) {
                        fields.insert(new, moved);
                    }
                }
                fields.values_mut().for_each(|item| self.value(item));
            }
            _ => {}
        }
    }

    /// Every string field of a classification.
    pub fn classification(&self, classification: &mut Classification) {
        if self.is_empty() {
            return;
        }
        self.in_place(&mut classification.message);
        for field in [
            &mut classification.provider_status,
            &mut classification.provider_code,
            &mut classification.error_type,
            &mut classification.param,
            &mut classification.request_id,
            &mut classification.quota_id,
        ]
        .into_iter()
        .flatten()
        {
            self.in_place(field);
        }
    }

    /// Every string field of an error object: classification, summary, attempts, validation
    /// report and trim records.
    pub fn error_object(&self, error: &mut ErrorObject) {
        if self.is_empty() {
            return;
        }
        self.classification(&mut error.classification);
        self.in_place(&mut error.summary);
        for attempt in &mut error.attempts {
            if let Some(source) = &mut attempt.delay_source {
                self.in_place(source);
            }
        }
        if let Some(validation) = &mut error.validation {
            self.value(validation);
        }
        error
            .trimmed
            .iter_mut()
            .for_each(|record| self.value(record));
    }

    /// Header values as received.
    pub fn headers(&self, headers: &mut [(String, String)]) {
        for (_, value) in headers {
            self.in_place(value);
        }
    }

    /// Where a secret starts whose first characters end `text` just before its cut mark.
    fn cut_secret_start(&self, text: &str) -> Option<usize> {
        let body = text.strip_suffix(CUT_MARK)?;
        self.secrets
            .iter()
            .filter_map(|secret| {
                // The longest leading piece of the secret that ends the text.
                (MIN_SECRET_CHARS..secret.chars().count())
                    .rev()
                    .map(|chars| {
                        secret
                            .char_indices()
                            .nth(chars)
                            .map_or(secret.len(), |(i, _)| i)
                    })
                    .find(|&len| body.ends_with(&secret[..len]))
                    .map(|len| body.len() - len)
            })
            .min()
    }
}

/// `text` as it appears inside a JSON string: escaped as serde_json writes it, or (`ascii`) with
/// every non-ASCII character as `\uXXXX` too, as Python's `json.dumps` writes it.
fn json_escaped(text: &str, ascii: bool) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .unwrap_or("");
    if !ascii {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(inner.len());
    for c in inner.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0_u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// `text` percent-encoded as in a URL query (unreserved characters kept).
fn percent_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether a header with this name carries a secret by default: authorization and cookies, and any
/// name mentioning an API key, a token, a secret, a password, a credential or a session.
///
/// ```
/// use llmwire::redact::is_sensitive_header_name;
///
/// assert!(is_sensitive_header_name("Authorization"));
/// assert!(is_sensitive_header_name("x-goog-api-key"));
/// assert!(is_sensitive_header_name("X-Access-Token"));
/// assert!(!is_sensitive_header_name("x-request-source"));
/// ```
pub fn is_sensitive_header_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || [
        "api-key",
        "api_key",
        "apikey",
        "token",
        "secret",
        "password",
        "passwd",
        "credential",
        "session",
        "auth",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// The secrets inside a header value: the whole value, and the credential after an
/// authentication scheme (`Bearer xyz` → also `xyz`), which a server may echo alone.
pub fn header_secrets(value: &str) -> Vec<&str> {
    let value = value.trim();
    let mut secrets = vec![value];
    if let Some((scheme, credential)) = value.split_once(' ') {
        if scheme.bytes().all(|b| b.is_ascii_alphabetic()) && !credential.trim().is_empty() {
            secrets.push(credential.trim());
        }
    }
    secrets
}

/// The password in a URL's `user:password@` part (or a bare `token@`), which must never be shown.
pub fn url_credentials(url: &str) -> Vec<&str> {
    let Some((_, rest)) = url.split_once("://") else {
        return Vec::new();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let Some((userinfo, _)) = authority.rsplit_once('@') else {
        return Vec::new();
    };
    // A user name alone is not a secret; a bare `token@host` is.
    match userinfo.split_once(':') {
        Some((_, password)) => vec![password],
        None => vec![userinfo],
    }
}

/// A URL as it may be shown: its `user:password@` part replaced.
///
/// ```
/// use llmwire::redact::shown_url;
///
/// assert_eq!(shown_url("http://bob:hunter2@proxy:3128"), "http://[REDACTED]@proxy:3128");
/// assert_eq!(shown_url("http://proxy:3128"), "http://proxy:3128");
/// ```
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{REDACTED}{}", &rest[at..]),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_keys_are_found_literally() {
        for key in ["a.b*c+(x)?[y]$^|\\", "clé-ünï-☃-键", "key with spaces"] {
            let redactor = Redactor::new([key]);
            let text = format!("before {key} after {key}");
            assert_eq!(redactor.text(&text), "before [REDACTED] after [REDACTED]");
        }
    }

    #[test]
    fn a_key_inside_ordinary_words_is_still_removed() {
        let redactor = Redactor::new(["rate"]);
        assert_eq!(redactor.text("rate limited"), "[REDACTED] limited");
        assert_eq!(redactor.text("accurate"), "accu[REDACTED]");
    }

    #[test]
    fn short_secrets_are_ignored() {
        let redactor = Redactor::new(["abc", "", "   "]);
        assert!(redactor.is_empty());
        assert_eq!(redactor.text("abc"), "abc");
    }

    #[test]
    fn json_escaped_and_percent_encoded_forms_are_removed() {
        let key = r#"k"ey\with/odd+chars="#;
        let redactor = Redactor::new([key]);
        let body = serde_json::json!({ "message": format!("bad {key}") }).to_string();
        let redacted = String::from_utf8(redactor.bytes(body.into_bytes())).unwrap();
        assert_eq!(redacted, r#"{"message":"bad [REDACTED]"}"#);
        let url = "key=k%22ey%5Cwith%2Fodd%2Bchars%3D&x=1";
        assert_eq!(redactor.text(url), "key=[REDACTED]&x=1");
        let redactor = Redactor::new(["clé-☃-secret"]);
        let python = br#"{"message": "bad cl\u00e9-\u2603-secret"}"#.to_vec();
        assert_eq!(redactor.bytes(python), br#"{"message": "bad [REDACTED]"}"#);
    }

    #[test]
    fn a_key_cut_by_a_length_cap_loses_its_surviving_start() {
        let key = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let redactor = Redactor::new([key]);
        let cut = format!("the key {}…", &key[..26]);
        assert_eq!(redactor.text(&cut), "the key [REDACTED]…");
        // Without a cut mark the text is whole: a key prefix at the end is not a key.
        assert_eq!(redactor.text("ends with sk-proj"), "ends with sk-proj");
        // Too little of the key left to matter is kept.
        assert_eq!(redactor.text("ends with sk-…"), "ends with sk-…");
    }

    #[test]
    fn values_keys_and_strings_are_redacted() {
        let redactor = Redactor::new(["secret-1"]);
        let mut value = serde_json::json!({"secret-1": ["x secret-1", 1, {"a": "secret-1"}]});
        redactor.value(&mut value);
        assert_eq!(
            value,
            serde_json::json!({"[REDACTED]": ["x [REDACTED]", 1, {"a": "[REDACTED]"}]})
        );
    }

    #[test]
    fn url_credentials_are_found_and_hidden() {
        assert_eq!(
            url_credentials("socks5://user:p@ss:w0rd@h:1/x"),
            vec!["p@ss:w0rd"]
        );
        assert!(url_credentials("http://h:1/a@b").is_empty());
        assert_eq!(shown_url("http://h:1/a@b"), "http://h:1/a@b");
    }

    #[test]
    fn bearer_credentials_are_secrets_alone_too() {
        assert_eq!(
            header_secrets("Bearer abc123"),
            vec!["Bearer abc123", "abc123"]
        );
        assert_eq!(header_secrets("abc123"), vec!["abc123"]);
    }
}
