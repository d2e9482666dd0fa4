"""Error handling as the official README shows it: connection, rate limit, other statuses."""

import llmwire as openai  # was: import openai

client = openai.OpenAI(max_retries=0)

try:
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "This may fail."}],
    )
    print("no error")
except openai.APIConnectionError as e:
    print("The server could not be reached")
except openai.RateLimitError as e:
    print("A 429 status code was received; we should back off a bit.")
    print(e.status_code)
except openai.APIStatusError as e:
    print("Another non-200-range status code was received")
    print(e.status_code)
    print(isinstance(e, openai.NotFoundError), isinstance(e, openai.BadRequestError))
