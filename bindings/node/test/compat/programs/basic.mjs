// The basic call of the official quick start: one user message, print the answer.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI();

const completion = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello to the compatibility suite.' }],
});

console.log(completion.choices[0].message.content);
console.log(completion.choices[0].finish_reason);
