//! Client-side rate limits per target: requests and tokens per sliding window, calls in flight,
//! and pacing learned from the provider's `x-ratelimit-*` headers.
//!
//! For: the pure bookkeeping (`Window::reserve`, `correct`, `release`) and reading the headers.
//! Not for: waiting (the client loop sleeps) or sharing across processes (a store's job).

use std::collections::VecDeque;

use serde::Deserialize;

/// Tokens reserved for the answer when a request sets neither `max_completion_tokens` nor
/// `max_tokens`.
pub(crate) const DEFAULT_OUTPUT_TOKENS: u64 = 256;

/// How long to wait before asking again when only `max_in_flight` stands in the way (the time a
/// slot frees up is not known in advance).
pub(crate) const IN_FLIGHT_POLL_MS: u64 = 20;

/// `limits` of a target (or the top-level default for every target). Absent = unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Requests per window.
    pub rpm: Option<u32>,
    /// Tokens (prompt estimate + output allowance, corrected from `usage`) per window.
    pub tpm: Option<u64>,
    /// Calls sent to this target and not yet answered.
    pub max_in_flight: Option<u32>,
    /// The window's length; 60 000 (a minute) unless a test shortens it.
    pub window_ms: Option<u64>,
}

impl Limits {
    /// `self`, with every key it leaves out taken from `defaults`.
    pub fn or(self, defaults: Limits) -> Limits {
        Limits {
            rpm: self.rpm.or(defaults.rpm),
            tpm: self.tpm.or(defaults.tpm),
            max_in_flight: self.max_in_flight.or(defaults.max_in_flight),
            window_ms: self.window_ms.or(defaults.window_ms),
        }
    }

    /// Whether any limit is set.
    pub fn any(&self) -> bool {
        self.rpm.is_some() || self.tpm.is_some() || self.max_in_flight.is_some()
    }

    /// The window's length in milliseconds: `window_ms`, else a minute (never 0).
    pub fn window(&self) -> u64 {
        self.window_ms.unwrap_or(60_000).max(1)
    }
}

/// A request counted in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    id: u64,
    /// When the request's answer came back: the latest moment the provider may have counted it.
    at_ms: u64,
    tokens: u64,
}

/// A target's window: requests answered in the last `window_ms`, requests in flight, and the
/// time before which the provider's headers say not to send.
///
/// A request counts from its reservation until `window_ms` after its answer. The provider counts
/// it when it arrives, somewhere in between, so however long requests take on the way, no window
/// of the provider's can hold more than the limit (a request in flight always counts; one
/// answered counts until no provider window containing its arrival can still be open).
#[derive(Debug, Default, Clone)]
pub(crate) struct Window {
    /// Answered requests, oldest answer first.
    answered: VecDeque<Entry>,
    /// Requests sent (or about to be) and not answered yet.
    in_flight: Vec<Entry>,
    tokens: u64,
    paced_until_ms: u64,
    next_id: u64,
}

impl Window {
    /// Takes a slot for a request of `tokens` at `now_ms`, returning the reservation's id, or the
    /// time at which asking again may succeed.
    pub fn reserve(&mut self, now_ms: u64, limits: &Limits, tokens: u64) -> Result<u64, u64> {
        let window = limits.window();
        self.expire(now_ms, window);
        if now_ms < self.paced_until_ms {
            return Err(self.paced_until_ms);
        }
        let poll = now_ms + IN_FLIGHT_POLL_MS;
        if let Some(max) = limits.max_in_flight {
            if self.in_flight.len() >= max.max(1) as usize {
                return Err(poll);
            }
        }
        if let Some(rpm) = limits.rpm {
            let counted = self.answered.len() + self.in_flight.len();
            let rpm = rpm.max(1) as usize;
            if counted >= rpm {
                // Answered requests that must leave the window to make room.
                let leaving = counted - rpm + 1;
                return Err(self
                    .answered
                    .get(leaving - 1)
                    .map_or(poll, |entry| entry.at_ms + window));
            }
        }
        if let Some(tpm) = limits.tpm {
            let counted = self.answered.len() + self.in_flight.len();
            // A request larger than the whole window still goes, alone, in an empty window.
            if counted > 0 && self.tokens.saturating_add(tokens) > tpm {
                let need = self.tokens.saturating_add(tokens).saturating_sub(tpm);
                let mut freed = 0_u64;
                let mut until = poll;
                for entry in &self.answered {
                    freed += entry.tokens;
                    if freed >= need {
                        until = entry.at_ms + window;
                        break;
                    }
                }
                return Err(until);
            }
        }
        self.next_id += 1;
        self.in_flight.push(Entry {
            id: self.next_id,
            at_ms: now_ms,
            tokens,
        });
        self.tokens += tokens;
        Ok(self.next_id)
    }

    /// The request of reservation `id` was answered (or given up) at `now_ms`: it leaves the
    /// requests in flight and counts in the window from now, with `actual_tokens` (the
    /// response's `usage`) instead of its reservation when known.
    pub fn settle(&mut self, id: u64, now_ms: u64, actual_tokens: Option<u64>) {
        let Some(position) = self.in_flight.iter().position(|entry| entry.id == id) else {
            return;
        };
        let mut entry = self.in_flight.swap_remove(position);
        if let Some(tokens) = actual_tokens {
            self.tokens = self.tokens - entry.tokens + tokens;
            entry.tokens = tokens;
        }
        // Times are whole milliseconds, read from another clock than the provider's: one more
        // keeps a request counted until its arrival has surely left every window.
        entry.at_ms = now_ms.max(entry.at_ms) + 1;
        // Answers arrive nearly in order: search from the back.
        let at = self
            .answered
            .iter()
            .rposition(|other| other.at_ms <= entry.at_ms)
            .map_or(0, |i| i + 1);
        self.answered.insert(at, entry);
    }

    /// No request before `until_ms` (the provider said its window is used up).
    pub fn pace(&mut self, until_ms: u64) {
        self.paced_until_ms = self.paced_until_ms.max(until_ms);
    }

    /// Before this time no request is granted (0 when the provider never said so).
    pub fn paced_until(&self) -> u64 {
        self.paced_until_ms
    }

    /// Requests and tokens in the window at `now_ms` (in flight included), and requests in flight.
    pub fn usage(&mut self, now_ms: u64, limits: &Limits) -> (usize, u64, u32) {
        self.expire(now_ms, limits.window());
        (
            self.answered.len() + self.in_flight.len(),
            self.tokens,
            self.in_flight.len() as u32,
        )
    }

    fn expire(&mut self, now_ms: u64, window_ms: u64) {
        while let Some(front) = self.answered.front() {
            if front.at_ms + window_ms > now_ms {
                break;
            }
            self.tokens -= front.tokens;
            self.answered.pop_front();
        }
    }
}

/// Tokens to reserve for a request: the prompt's estimate (made once per call by the client) plus
/// its output allowance.
pub(crate) fn tokens_to_reserve(request: &serde_json::Value, prompt_estimate: u64) -> u64 {
    let output = ["max_completion_tokens", "max_tokens"]
        .iter()
        .find_map(|key| request.get(key).and_then(serde_json::Value::as_u64))
        .unwrap_or(DEFAULT_OUTPUT_TOKENS);
    prompt_estimate.saturating_add(output)
}

/// When the provider's headers say its window is spent (`x-ratelimit-remaining-requests: 0` or
/// `-tokens: 0`), how long until it resets (`x-ratelimit-reset-*`), in milliseconds.
pub(crate) fn pacing_from_headers(headers: &[(String, String)]) -> Option<u64> {
    let find = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
    };
    let mut wait: Option<u64> = None;
    for kind in ["requests", "tokens"] {
        let remaining = find(&format!("x-ratelimit-remaining-{kind}"))
            .and_then(|value| value.parse::<f64>().ok());
        if remaining.is_some_and(|left| left < 1.0) {
            if let Some(reset) = find(&format!("x-ratelimit-reset-{kind}")).and_then(duration_ms) {
                wait = Some(wait.map_or(reset, |w| w.max(reset)));
            }
        }
    }
    wait
}

/// Reads OpenAI's reset durations (`1s`, `6m0s`, `1.5s`, `20ms`, `1h2m3.5s`) or plain seconds.
pub fn duration_ms(text: &str) -> Option<u64> {
    if let Ok(seconds) = text.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| (seconds * 1000.0).ceil() as u64);
    }
    let mut total = 0.0_f64;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|&at| at > 0)?;
        let number: f64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "h" => 3_600_000.0,
            "m" => 60_000.0,
            "s" => 1_000.0,
            "ms" => 1.0,
            _ => return None,
        };
        total += number * scale;
        rest = &rest[unit_len..];
    }
    Some(total.ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(rpm: Option<u32>, tpm: Option<u64>, in_flight: Option<u32>) -> Limits {
        Limits {
            rpm,
            tpm,
            max_in_flight: in_flight,
            window_ms: Some(1_000),
        }
    }

    #[test]
    fn rpm_refuses_the_extra_request_until_the_oldest_answer_leaves_the_window() {
        let limits = limits(Some(2), None, None);
        let mut window = Window::default();
        let first = window.reserve(0, &limits, 1).unwrap();
        window.settle(first, 10, None);
        let second = window.reserve(400, &limits, 1).unwrap();
        window.settle(second, 420, None);
        // Counted until a window after the answer, plus the millisecond of rounding.
        assert_eq!(window.reserve(500, &limits, 1), Err(1_011));
        assert!(window.reserve(1_011, &limits, 1).is_ok());
        assert_eq!(window.reserve(1_100, &limits, 1), Err(1_421));
    }

    #[test]
    fn a_request_in_flight_counts_until_answered_however_long_it_takes() {
        let limits = limits(Some(1), None, None);
        let mut window = Window::default();
        let slow = window.reserve(0, &limits, 1).unwrap();
        assert_eq!(
            window.reserve(5_000, &limits, 1),
            Err(5_000 + IN_FLIGHT_POLL_MS)
        );
        window.settle(slow, 5_000, None);
        // The provider may have counted it just before 5 000: its window is open until 6 000.
        assert_eq!(window.reserve(5_001, &limits, 1), Err(6_001));
        assert!(window.reserve(6_001, &limits, 1).is_ok());
    }

    #[test]
    fn answers_out_of_order_keep_the_window_sorted() {
        let limits = limits(Some(3), None, None);
        let mut window = Window::default();
        let ids: Vec<u64> = (0..3)
            .map(|_| window.reserve(0, &limits, 1).unwrap())
            .collect();
        window.settle(ids[2], 300, None);
        window.settle(ids[0], 100, None);
        window.settle(ids[1], 200, None);
        assert_eq!(window.reserve(400, &limits, 1), Err(1_101));
        assert_eq!(window.usage(1_151, &limits).0, 2);
    }

    #[test]
    fn tpm_counts_corrected_usage_not_the_reservation() {
        let limits = limits(None, Some(1_000), None);
        let mut window = Window::default();
        let first = window.reserve(0, &limits, 800).unwrap();
        assert_eq!(
            window.reserve(10, &limits, 300),
            Err(10 + IN_FLIGHT_POLL_MS)
        );
        window.settle(first, 10, Some(100));
        assert!(window.reserve(10, &limits, 300).is_ok());
        assert_eq!(window.usage(20, &limits), (2, 400, 1));
    }

    #[test]
    fn a_request_larger_than_the_whole_window_still_goes_alone() {
        let limits = limits(None, Some(100), None);
        let mut window = Window::default();
        let big = window.reserve(0, &limits, 500).unwrap();
        window.settle(big, 0, None);
        assert_eq!(window.reserve(1, &limits, 1), Err(1_001));
    }

    #[test]
    fn in_flight_is_released_by_the_end_of_the_call() {
        let limits = limits(None, None, Some(1));
        let mut window = Window::default();
        let id = window.reserve(0, &limits, 1).unwrap();
        assert_eq!(window.reserve(5, &limits, 1), Err(5 + IN_FLIGHT_POLL_MS));
        window.settle(id, 5, None);
        assert!(window.reserve(6, &limits, 1).is_ok());
    }

    #[test]
    fn pacing_holds_every_request_until_the_reset() {
        let limits = Limits::default();
        let mut window = Window::default();
        window.pace(700);
        assert_eq!(window.reserve(100, &limits, 1), Err(700));
        assert!(window.reserve(700, &limits, 1).is_ok());
    }

    #[test]
    fn provider_headers_pace_only_when_a_remaining_count_is_zero() {
        let headers = |remaining: &str| {
            vec![
                (
                    "x-ratelimit-remaining-requests".to_owned(),
                    remaining.to_owned(),
                ),
                ("x-ratelimit-reset-requests".to_owned(), "1.5s".to_owned()),
                ("x-ratelimit-remaining-tokens".to_owned(), "9000".to_owned()),
                ("x-ratelimit-reset-tokens".to_owned(), "6m0s".to_owned()),
            ]
        };
        assert_eq!(pacing_from_headers(&headers("0")), Some(1_500));
        assert_eq!(pacing_from_headers(&headers("3")), None);
    }

    #[test]
    fn reset_durations_in_every_form() {
        assert_eq!(duration_ms("20ms"), Some(20));
        assert_eq!(duration_ms("1.5s"), Some(1_500));
        assert_eq!(duration_ms("6m0s"), Some(360_000));
        assert_eq!(duration_ms("1h2m3s"), Some(3_723_000));
        assert_eq!(duration_ms("2"), Some(2_000));
        assert_eq!(duration_ms("soon"), None);
        assert_eq!(duration_ms("5x"), None);
    }

    #[test]
    fn reservation_is_prompt_estimate_plus_output_allowance() {
        let request = serde_json::json!({"messages": [{"role": "user", "content": "hi"}]});
        let with_max =
            serde_json::json!({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 10});
        assert_eq!(tokens_to_reserve(&request, 7), 7 + DEFAULT_OUTPUT_TOKENS);
        assert_eq!(tokens_to_reserve(&with_max, 7), 7 + 10);
    }
}
