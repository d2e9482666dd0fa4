#[test]
fn show() {
    for name in ["gemini_additional_properties_and_schema_keywords", "gemini_properties_on_non_object", "openai_max_tokens_on_reasoning_model"] {
        let text = std::fs::read_to_string(format!("tests/fixtures/requests/invalid/{name}.json")).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let p = v["provider"].as_str().unwrap();
        let (json, ok) = llmwire::validate::validate_to_json(&v["request"].to_string(), p, true).unwrap();
        let pretty: serde_json::Value = serde_json::from_str(&json).unwrap();
        println!("{ok} {}", serde_json::to_string_pretty(&pretty).unwrap());
        let (json, _) = llmwire::validate::validate_to_json(&v["request"].to_string(), p, false).unwrap();
        let pretty: serde_json::Value = serde_json::from_str(&json).unwrap();
        println!("{}", serde_json::to_string_pretty(&pretty["errors"]).unwrap());
    }
}
