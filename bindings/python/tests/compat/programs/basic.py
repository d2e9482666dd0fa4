"""The basic call of the official quick start: one user message, print the answer."""

from llmwire import OpenAI  # was: from openai import OpenAI

client = OpenAI()

completion = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "Say hello to the compatibility suite."}],
)

print(completion.choices[0].message.content)
print(completion.choices[0].finish_reason)
