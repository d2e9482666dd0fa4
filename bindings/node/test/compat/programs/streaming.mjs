// Streaming: write each piece of the answer as it arrives; stop a second stream early.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI();

const stream = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'count one two three' }],
  stream: true,
  stream_options: { include_usage: true },
});
for await (const chunk of stream) {
  process.stdout.write(chunk.choices[0]?.delta?.content || '');
  if (chunk.usage) process.stdout.write(`\ntotal tokens: ${chunk.usage.total_tokens > 0}`);
}
process.stdout.write('\n');

const second = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'a stream read only until its first words' }],
  stream: true,
});
let pieces = 0;
for await (const chunk of second) {
  if (chunk.choices[0]?.delta?.content) pieces += 1;
  if (pieces === 2) {
    second.controller.abort();
    break;
  }
}
console.log('stopped after', pieces, 'pieces');
