"""JSON mode: ask for a JSON object and parse the answer."""

import json

from llmwire import OpenAI  # was: from openai import OpenAI

client = OpenAI()

response = client.chat.completions.create(
    model="gpt-4o-mini",
    response_format={"type": "json_object"},
    messages=[
        {"role": "system", "content": "You are a helpful assistant that replies in JSON."},
        {"role": "user", "content": "Which planet has two moons, and how many?"},
    ],
)
content = response.choices[0].message.content
assert content is not None
answer = json.loads(content)
print(answer["planet"], answer["moons"])
