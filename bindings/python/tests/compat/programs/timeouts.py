"""Timeouts and retries configured on the client and per request."""

import llmwire as openai  # was: import openai

client = openai.OpenAI(timeout=20.0, max_retries=0)

try:
    client.with_options(timeout=0.3).chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "too slow"}],
    )
    print("no timeout")
except openai.APITimeoutError:
    print("timed out")
except openai.APIConnectionError:
    print("connection error (not a timeout)")

try:
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "too slow as well"}],
        timeout=0.3,
    )
    print("no timeout")
except openai.APITimeoutError as e:
    print("timed out again:", isinstance(e, openai.APIConnectionError))
