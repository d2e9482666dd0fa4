// JSON mode: ask for a JSON object and parse the answer.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI();

const response = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  response_format: { type: 'json_object' },
  messages: [
    { role: 'system', content: 'You are a helpful assistant that replies in JSON.' },
    { role: 'user', content: 'Which planet has two moons, and how many?' },
  ],
});
const answer = JSON.parse(response.choices[0].message.content);
console.log(answer.planet, answer.moons);
