// Error handling as the official README shows it: instanceof checks on the error types.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI({ maxRetries: 0 });

const completion = await client.chat.completions
  .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'This may fail.' }] })
  .catch(async (err) => {
    if (err instanceof OpenAI.RateLimitError) {
      console.log('rate limited', err.status);
    } else if (err instanceof OpenAI.APIConnectionError) {
      console.log('The server could not be reached');
    } else if (err instanceof OpenAI.APIError) {
      const types = [OpenAI.NotFoundError, OpenAI.BadRequestError, OpenAI.AuthenticationError];
      console.log('API error', err.status, types.map((type) => err instanceof type).join(','));
    } else {
      throw err;
    }
    return null;
  });
console.log(completion === null ? 'handled' : completion.choices[0].message.content);
