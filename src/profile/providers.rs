//! The profile of each provider, as data: the permissive base every profile starts from, and
//! what each provider changes, with the public source of each fact.

use super::{
    params, AuthStyle, MaxTokensField, ModelLimits, Profile, RoleSupport, SchemaDialect,
    ToolNameRule,
};
use crate::provider::Provider;

const OPENAI_IMAGE_TYPES: &[&str] = &["image/png", "image/jpeg", "image/webp", "image/gif"];
/// ai.google.dev model pages ("Supported MIME types: image/png, image/jpeg, image/webp, image/heic,
/// image/heif").
const GEMINI_IMAGE_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/webp",
    "image/heic",
    "image/heif",
];
const ANTHROPIC_IMAGE_TYPES: &[&str] = &["image/jpeg", "image/png", "image/gif", "image/webp"];

/// The permissive base every profile starts from: an OpenAI-compatible server about which nothing
/// more is known.
const fn base(provider: Provider) -> Profile {
    Profile {
        provider,
        base_url: None,
        auth_style: AuthStyle::Bearer,
        api_key_env: None,
        schema_dialect: SchemaDialect::JsonSchema,
        tool_name_rule: ToolNameRule::OpenAi,
        max_tokens_field: MaxTokensField::Either,
        developer_role: RoleSupport::Supported,
        image_mime_types: None,
        max_stop_sequences: None,
        single_choice_only: false,
        temperature_cap: None,
        validates_strictly: true,
        rejects_empty_text: false,
        requires_object_arguments: false,
        gemini_turn_rules: false,
        single_text_part: false,
        openai_request_rules: false,
        flags_unknown_params: false,
        unique_tool_call_ids: false,
        requires_model: true,
        param_rules: &[],
        default_limits: ModelLimits::unknown(128_000),
    }
}

/// OpenAI's own API and the services that run it unchanged (Azure OpenAI).
const fn openai_family(provider: Provider) -> Profile {
    Profile {
        max_tokens_field: MaxTokensField::MaxCompletionTokensForReasoningModels,
        image_mime_types: Some(OPENAI_IMAGE_TYPES),
        max_stop_sequences: Some(4),
        openai_request_rules: true,
        flags_unknown_params: true,
        param_rules: params::OPENAI,
        ..base(provider)
    }
}

pub(super) static OPENAI: Profile = Profile {
    base_url: Some("https://api.openai.com/v1"),
    api_key_env: Some("OPENAI_API_KEY"),
    ..openai_family(Provider::OpenAI)
};

pub(super) static AZURE: Profile = Profile {
    // Resource-specific (https://<resource>.openai.azure.com/openai/v1): no usable default.
    base_url: None,
    auth_style: AuthStyle::ApiKeyHeader,
    api_key_env: Some("AZURE_OPENAI_API_KEY"),
    // The deployment in the URL picks the model; `model` in the body is optional.
    requires_model: false,
    ..openai_family(Provider::Azure)
};

pub(super) static GEMINI: Profile = Profile {
    base_url: Some("https://generativelanguage.googleapis.com/v1beta/openai"),
    api_key_env: Some("GEMINI_API_KEY"),
    schema_dialect: SchemaDialect::GeminiOpenApi,
    tool_name_rule: ToolNameRule::Gemini,
    developer_role: RoleSupport::Unknown,
    image_mime_types: Some(GEMINI_IMAGE_TYPES),
    // GenerationConfig.stopSequences: "up to 5".
    max_stop_sequences: Some(5),
    rejects_empty_text: true,
    requires_object_arguments: true,
    gemini_turn_rules: true,
    flags_unknown_params: true,
    param_rules: params::GEMINI,
    default_limits: ModelLimits::unknown(1_048_576),
    ..base(Provider::Gemini)
};

pub(super) static ANTHROPIC: Profile = Profile {
    base_url: Some("https://api.anthropic.com/v1"),
    api_key_env: Some("ANTHROPIC_API_KEY"),
    image_mime_types: Some(ANTHROPIC_IMAGE_TYPES),
    // docs.anthropic.com/en/api/openai-sdk: "n: Must be exactly 1"; "temperature: Between 0 and 1
    // (inclusive). Values greater than 1 are capped at 1."
    single_choice_only: true,
    temperature_cap: Some(1.0),
    rejects_empty_text: true,
    requires_object_arguments: true,
    unique_tool_call_ids: true,
    param_rules: params::ANTHROPIC,
    default_limits: ModelLimits::unknown(200_000),
    ..base(Provider::Anthropic)
};

pub(super) static OPENROUTER: Profile = Profile {
    base_url: Some("https://openrouter.ai/api/v1"),
    api_key_env: Some("OPENROUTER_API_KEY"),
    ..base(Provider::OpenRouter)
};

pub(super) static GROQ: Profile = Profile {
    base_url: Some("https://api.groq.com/openai/v1"),
    api_key_env: Some("GROQ_API_KEY"),
    max_stop_sequences: Some(4),
    // console.groq.com/docs/openai: "n: only n=1 is supported".
    single_choice_only: true,
    param_rules: params::GROQ,
    default_limits: ModelLimits::unknown(131_072),
    ..base(Provider::Groq)
};

pub(super) static DEEPSEEK: Profile = Profile {
    base_url: Some("https://api.deepseek.com"),
    api_key_env: Some("DEEPSEEK_API_KEY"),
    developer_role: RoleSupport::Unknown,
    param_rules: params::DEEPSEEK,
    default_limits: ModelLimits::unknown(131_072),
    ..base(Provider::DeepSeek)
};

pub(super) static MISTRAL: Profile = Profile {
    base_url: Some("https://api.mistral.ai/v1"),
    api_key_env: Some("MISTRAL_API_KEY"),
    max_tokens_field: MaxTokensField::MaxTokensOnly,
    developer_role: RoleSupport::Unknown,
    param_rules: params::MISTRAL,
    default_limits: ModelLimits::unknown(131_072),
    ..base(Provider::Mistral)
};

pub(super) static XAI: Profile = Profile {
    base_url: Some("https://api.x.ai/v1"),
    api_key_env: Some("XAI_API_KEY"),
    single_text_part: true,
    param_rules: params::XAI,
    default_limits: ModelLimits::unknown(131_072),
    ..base(Provider::Xai)
};

pub(super) static OLLAMA: Profile = Profile {
    base_url: Some("http://localhost:11434/v1"),
    developer_role: RoleSupport::Unknown,
    validates_strictly: false,
    default_limits: ModelLimits::unknown(32_768),
    ..base(Provider::Ollama)
};

pub(super) static VLLM: Profile = Profile {
    base_url: Some("http://localhost:8000/v1"),
    validates_strictly: false,
    default_limits: ModelLimits::unknown(32_768),
    ..base(Provider::Vllm)
};

pub(super) static GENERIC: Profile = Profile {
    validates_strictly: false,
    requires_model: false,
    default_limits: ModelLimits::unknown(32_768),
    ..base(Provider::Generic)
};
