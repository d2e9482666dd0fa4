// A developer (system) message before the user's, sampling parameters, token usage.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI();

const response = await client.chat.completions.create({
  model: 'gpt-4o',
  messages: [
    { role: 'developer', content: 'You answer in one short sentence.' },
    { role: 'user', content: 'Why is the sky blue?' },
  ],
  temperature: 0.2,
  max_completion_tokens: 50,
});

const { message } = response.choices[0];
console.log(message.role, message.content);
const { usage } = response;
console.log(usage.prompt_tokens + usage.completion_tokens === usage.total_tokens);
