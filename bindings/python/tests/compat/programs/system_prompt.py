"""A system prompt before the user's message; token usage read from the response."""

from llmwire import OpenAI  # was: from openai import OpenAI

client = OpenAI()

response = client.chat.completions.create(
    model="gpt-4o",
    messages=[
        {"role": "system", "content": "You answer in one short sentence."},
        {"role": "user", "content": "Why is the sky blue?"},
    ],
    temperature=0.2,
    max_tokens=50,
)

message = response.choices[0].message
print(message.role, message.content)
usage = response.usage
assert usage is not None
print(usage.prompt_tokens + usage.completion_tokens == usage.total_tokens)
print(response.model_dump()["choices"][0]["message"]["content"])
print(response.model_dump_json().startswith("{"))
