"""The asynchronous client: await a completion, then iterate a stream with async for."""

import asyncio

from llmwire import AsyncOpenAI  # was: from openai import AsyncOpenAI

client = AsyncOpenAI()


async def main() -> None:
    completion = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hello from asyncio"}],
    )
    print(completion.choices[0].message.content)

    stream = await client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "streamed from asyncio"}],
        stream=True,
    )
    async for chunk in stream:
        if chunk.choices:
            print(chunk.choices[0].delta.content or "", end="")
    print()

    # Several requests at once.
    answers = await asyncio.gather(
        *(
            client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": f"request {n}"}]
            )
            for n in range(3)
        )
    )
    print([answer.choices[0].message.content for answer in answers])


asyncio.run(main())
