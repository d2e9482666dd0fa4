// Error handling as the official README shows it: instanceof checks on the error types.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI({ maxRetries: 0 });

const completion = await client.chat.completions
  .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'This may fail.' }] })
  .catch(async (err) => {
    if (err instanceof OpenAI.RateLimitError) {
      console.log('rate limited', err.status, err.name);
    } else if (err instanceof OpenAI.APIConnectionError) {
      console.log('The server could not be reached', err.name);
    } else if (err instanceof OpenAI.APIError) {
      console.log('API error', err.status, err.name, typeof err.message === 'string');
    } else {
      throw err;
    }
    return null;
  });
console.log(completion === null ? 'handled' : completion.choices[0].message.content);
