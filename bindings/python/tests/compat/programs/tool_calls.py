"""Function calling: the model asks for a tool, the program runs it and sends the result back."""

import json
from typing import Any

from llmwire import OpenAI  # was: from openai import OpenAI

client = OpenAI()


def get_weather(city: str) -> str:
    return f"sunny in {city}"


tools = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "The city's name"}},
                "required": ["city"],
                "additionalProperties": False,
            },
        },
    }
]

messages: list[Any] = [{"role": "user", "content": "What is the weather like in Lisbon?"}]
completion = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)

assistant = completion.choices[0].message
print(completion.choices[0].finish_reason)
tool_calls = assistant.tool_calls or []
messages.append(assistant)  # the response's own message object goes back as it is
for tool_call in tool_calls:
    arguments = json.loads(tool_call.function.arguments)
    print("calling", tool_call.function.name, sorted(arguments))
    messages.append(
        {"role": "tool", "tool_call_id": tool_call.id, "content": get_weather(arguments["city"])}
    )

final = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
print(final.choices[0].message.content)
