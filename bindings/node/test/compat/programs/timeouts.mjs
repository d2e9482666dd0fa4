// Timeouts (milliseconds) and retries configured on the client and per request.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI({ timeout: 300, maxRetries: 0 });

try {
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'too slow' }] });
  console.log('no timeout');
} catch (err) {
  console.log(err instanceof OpenAI.APIConnectionTimeoutError ? 'timed out' : `unexpected ${err.name}`);
}

const patient = new OpenAI({ timeout: 20 * 1000, maxRetries: 0 });
try {
  await patient.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'too slow as well' }] },
    { timeout: 300 },
  );
  console.log('no timeout');
} catch (err) {
  console.log('timed out again:', err instanceof OpenAI.APIConnectionError);
}
