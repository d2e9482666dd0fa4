"""Streaming: print each piece of the answer as it arrives."""

from llmwire import OpenAI  # was: from openai import OpenAI

client = OpenAI()

stream = client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "count one two three"}],
    stream=True,
)
for chunk in stream:
    if chunk.choices and chunk.choices[0].delta.content is not None:
        print(chunk.choices[0].delta.content, end="")
print()

# The stream as a context manager, with the usage chunk at the end.
with client.chat.completions.create(
    model="gpt-4o-mini",
    messages=[{"role": "user", "content": "and once more"}],
    stream=True,
    stream_options={"include_usage": True},
) as stream:
    pieces = []
    for chunk in stream:
        if chunk.usage is not None:
            print("total tokens:", chunk.usage.total_tokens > 0)
        for choice in chunk.choices:
            pieces.append(choice.delta.content or "")
print("".join(pieces))
