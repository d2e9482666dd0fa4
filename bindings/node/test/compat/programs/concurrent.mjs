// Several requests at once with Promise.all, and one cancelled through an AbortSignal.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI();

const answers = await Promise.all([0, 1, 2].map((n) => client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: `request ${n}` }],
})));
console.log(answers.map((answer) => answer.choices[0].message.content).join(' | '));

const controller = new AbortController();
controller.abort();
try {
  await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'never sent' }] },
    { signal: controller.signal },
  );
  console.log('not aborted');
} catch (err) {
  console.log(err instanceof OpenAI.APIUserAbortError ? 'aborted' : `unexpected ${err}`);
}
