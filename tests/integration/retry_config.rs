//! Parsing the `"retry"` configuration object: defaults, every key, and every error naming its key.

use llmwire::error::Error;
use llmwire::retry::{BudgetConfig, ClassOverride, Jitter, RetryPolicy};
use llmwire::taxonomy::ErrorClass;
use serde_json::{json, Value};

fn parse(value: Value) -> Result<RetryPolicy, Error> {
    RetryPolicy::from_json(&value)
}

fn error(value: Value) -> String {
    match parse(value.clone()) {
        Err(Error::InvalidConfig(message)) => message,
        other => panic!("{value} should be an invalid config, got {other:?}"),
    }
}

#[test]
fn an_empty_object_is_the_design_default() {
    let policy = parse(json!({})).unwrap();
    assert_eq!(policy, RetryPolicy::default());
    assert_eq!(policy.max_attempts, 5);
    assert_eq!(
        (
            policy.initial_backoff_ms,
            policy.multiplier,
            policy.max_backoff_ms
        ),
        (500, 2.0, 20_000)
    );
    assert_eq!(
        (policy.jitter, policy.seed, policy.max_server_delay_ms),
        (Jitter::Equal, None, 120_000)
    );
    assert_eq!(
        policy.budget,
        BudgetConfig {
            enabled: true,
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1
        }
    );
    assert!(policy.classes.is_empty());
}

#[test]
fn every_key_is_read() {
    let policy = parse(json!({
        "max_attempts": 7,
        "initial_backoff_ms": 250,
        "multiplier": 1.5,
        "max_backoff_ms": 9_000,
        "jitter": "full",
        "seed": 18_446_744_073_709_551_615u64,
        "max_server_delay_ms": 60_000,
        "classes": {
            "overloaded": {"max_attempts": 8},
            "quota_exhausted": {"retry": true},
            "conflict": {"max_attempts": 1, "retry": false}
        },
        "budget": {"enabled": false, "capacity": 50, "retry_cost": 2, "timeout_retry_cost": 3, "success_refund": 4}
    }))
    .unwrap();
    assert_eq!(policy.max_attempts, 7);
    assert_eq!(
        (
            policy.initial_backoff_ms,
            policy.multiplier,
            policy.max_backoff_ms
        ),
        (250, 1.5, 9_000)
    );
    assert_eq!(
        (policy.jitter, policy.seed, policy.max_server_delay_ms),
        (Jitter::Full, Some(u64::MAX), 60_000)
    );
    assert_eq!(
        policy.classes[&ErrorClass::Overloaded],
        ClassOverride {
            max_attempts: Some(8),
            retry: None
        }
    );
    assert_eq!(
        policy.classes[&ErrorClass::QuotaExhausted],
        ClassOverride {
            max_attempts: None,
            retry: Some(true)
        }
    );
    assert_eq!(
        policy.classes[&ErrorClass::Conflict],
        ClassOverride {
            max_attempts: Some(1),
            retry: Some(false)
        }
    );
    assert_eq!(
        policy.budget,
        BudgetConfig {
            enabled: false,
            capacity: 50,
            retry_cost: 2,
            timeout_retry_cost: 3,
            success_refund: 4
        }
    );
}

#[test]
fn null_means_default() {
    let policy = parse(json!({"seed": null, "max_attempts": null, "budget": {"capacity": null}, "classes": {"overloaded": {"retry": null}}})).unwrap();
    assert_eq!(policy.seed, None);
    assert_eq!(policy.max_attempts, 5);
    assert_eq!(policy.budget.capacity, 500);
    assert_eq!(
        policy.classes[&ErrorClass::Overloaded],
        ClassOverride::default()
    );
}

#[test]
fn jitter_accepts_its_three_names() {
    for (name, jitter) in [
        ("equal", Jitter::Equal),
        ("full", Jitter::Full),
        ("none", Jitter::None),
    ] {
        assert_eq!(parse(json!({"jitter": name})).unwrap().jitter, jitter);
    }
}

#[test]
fn an_unknown_top_level_key_is_named_with_a_suggestion_and_the_known_keys() {
    assert_eq!(
        error(json!({"max_atempts": 3})),
        "unknown key \"max_atempts\" in retry (did you mean \"max_attempts\"? expected one of: max_attempts, \
         initial_backoff_ms, multiplier, max_backoff_ms, jitter, seed, max_server_delay_ms, classes, budget)"
    );
    let far = error(json!({"deadline_ms": 3}));
    assert!(
        far.starts_with("unknown key \"deadline_ms\" in retry (expected one of: max_attempts,"),
        "{far}"
    );
}

#[test]
fn unknown_keys_inside_classes_and_budget_are_named_with_their_path() {
    let message = error(json!({"classes": {"overloaded": {"max_attempt": 3}}}));
    assert!(message.starts_with("unknown key \"max_attempt\" in retry.classes.overloaded (did you mean \"max_attempts\"?"), "{message}");
    let message = error(json!({"budget": {"refund": 1}}));
    assert!(
        message.starts_with("unknown key \"refund\" in retry.budget ("),
        "{message}"
    );
    assert!(
        message.ends_with(
            "expected one of: enabled, capacity, retry_cost, timeout_retry_cost, success_refund)"
        ),
        "{message}"
    );
}

#[test]
fn unknown_and_local_class_names_are_rejected() {
    let message = error(json!({"classes": {"overload": {"max_attempts": 3}}}));
    assert!(message.starts_with("unknown class \"overload\" in retry.classes (did you mean \"overloaded\"? expected one of: rate_limited,"), "{message}");
    assert!(
        message.ends_with("malformed_response)"),
        "local classes are not offered: {message}"
    );
    let message = error(json!({"classes": {"cancelled": {"retry": true}}}));
    assert!(
        message.starts_with("unknown class \"cancelled\" in retry.classes"),
        "{message}"
    );
}

#[test]
fn wrong_types_name_the_key_the_expectation_and_the_value() {
    let cases = [
        (json!("fast"), "retry must be an object, got \"fast\""),
        (
            json!({"max_attempts": "5"}),
            "retry.max_attempts must be a whole number between 0 and 4294967295, got \"5\"",
        ),
        (
            json!({"max_attempts": -1}),
            "retry.max_attempts must be a whole number between 0 and 4294967295, got -1",
        ),
        (
            json!({"max_attempts": 2.5}),
            "retry.max_attempts must be a whole number between 0 and 4294967295, got 2.5",
        ),
        (
            json!({"max_attempts": 4_294_967_296u64}),
            "retry.max_attempts must be a whole number between 0 and 4294967295, got 4294967296",
        ),
        (
            json!({"initial_backoff_ms": true}),
            "retry.initial_backoff_ms must be a whole number ≥ 0, got true",
        ),
        (
            json!({"multiplier": "2"}),
            "retry.multiplier must be a number, got \"2\"",
        ),
        (
            json!({"jitter": "medium"}),
            "retry.jitter must be one of \"equal\", \"full\", \"none\", got \"medium\"",
        ),
        (
            json!({"seed": -3}),
            "retry.seed must be a whole number ≥ 0, got -3",
        ),
        (
            json!({"classes": []}),
            "retry.classes must be an object, got []",
        ),
        (
            json!({"classes": {"overloaded": 8}}),
            "retry.classes.overloaded must be an object, got 8",
        ),
        (
            json!({"classes": {"overloaded": {"retry": "yes"}}}),
            "retry.classes.overloaded.retry must be true or false, got \"yes\"",
        ),
        (
            json!({"budget": {"enabled": 1}}),
            "retry.budget.enabled must be true or false, got 1",
        ),
        (
            json!({"budget": false}),
            "retry.budget must be an object, got false",
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(error(value), expected);
    }
}

#[test]
fn long_values_are_cut_in_messages() {
    let message = error(json!({"jitter": "x".repeat(500)}));
    assert!(message.len() < 200 && message.ends_with('…'), "{message}");
}

#[test]
fn out_of_range_values_are_explained() {
    let cases = [
        (json!({"max_attempts": 0}), "retry.max_attempts must be at least 1 (1 means: never retry), got 0"),
        (json!({"multiplier": 0.5}), "retry.multiplier must be a number ≥ 1, got 0.5"),
        (json!({"max_backoff_ms": 100}), "retry.max_backoff_ms (100) must be at least retry.initial_backoff_ms (500)"),
        (json!({"classes": {"overloaded": {"max_attempts": 0}}}), "retry.classes.overloaded.max_attempts must be at least 1, got 0"),
        (
            json!({"budget": {"capacity": 0}}),
            "retry.budget.capacity must be at least 1 (set retry.budget.enabled to false to turn the budget off)",
        ),
        (
            json!({"budget": {"capacity": 8}}),
            "retry.budget.timeout_retry_cost (10) exceeds retry.budget.capacity (8): no such retry could ever be paid for",
        ),
        (
            json!({"budget": {"retry_cost": 600}}),
            "retry.budget.retry_cost (600) exceeds retry.budget.capacity (500): no such retry could ever be paid for",
        ),
    ];
    for (value, expected) in cases {
        assert_eq!(error(value), expected);
    }
}

#[test]
fn edge_values_inside_the_ranges_are_accepted() {
    assert!(parse(
        json!({"max_attempts": 1, "multiplier": 1, "initial_backoff_ms": 0, "max_backoff_ms": 0})
    )
    .is_ok());
    assert!(
        parse(json!({"budget": {"enabled": false, "capacity": 0}})).is_ok(),
        "a disabled budget is not checked"
    );
    assert!(parse(json!({"max_server_delay_ms": 0})).is_ok());
}

#[test]
fn a_policy_built_by_hand_is_checked_by_validate() {
    let mut policy = RetryPolicy::default();
    assert!(policy.validate().is_ok());
    policy
        .classes
        .insert(ErrorClass::Panic, ClassOverride::default());
    assert!(
        matches!(policy.validate(), Err(Error::InvalidConfig(m)) if m.starts_with("retry.classes.panic: only server classes"))
    );
    let nan = RetryPolicy {
        multiplier: f64::NAN,
        ..RetryPolicy::default()
    };
    assert!(nan.validate().is_err());
}

#[test]
fn serde_embedding_goes_through_the_same_checks() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct ClientConfig {
        retry: RetryPolicy,
    }
    let config: ClientConfig =
        serde_json::from_value(json!({"retry": {"max_attempts": 2}})).unwrap();
    assert_eq!(config.retry.max_attempts, 2);
    let failure =
        serde_json::from_value::<ClientConfig>(json!({"retry": {"max_atempts": 2}})).unwrap_err();
    assert!(
        failure
            .to_string()
            .starts_with("unknown key \"max_atempts\" in retry"),
        "{failure}"
    );
    let error: Error = parse(json!({"jitter": 1})).unwrap_err();
    assert_eq!(error.class(), ErrorClass::InvalidConfig);
}
