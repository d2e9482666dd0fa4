// Function calling: the model asks for a tool, the program runs it and sends the result back.
import { OpenAI } from 'llmwire'; // was: import OpenAI from 'openai';

const client = new OpenAI();

function getWeather(city) {
  return `sunny in ${city}`;
}

const tools = [{
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city.',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string', description: "The city's name" } },
      required: ['city'],
      additionalProperties: false,
    },
    strict: true,
  },
}];

const messages = [{ role: 'user', content: 'What is the weather like in Lisbon?' }];
const completion = await client.chat.completions.create({ model: 'gpt-4o', messages, tools });

const { message, finish_reason: finishReason } = completion.choices[0];
console.log(finishReason);
messages.push(message);
for (const toolCall of message.tool_calls ?? []) {
  const args = JSON.parse(toolCall.function.arguments);
  console.log('calling', toolCall.function.name, Object.keys(args).sort().join(','));
  messages.push({ role: 'tool', tool_call_id: toolCall.id, content: getWeather(args.city) });
}

const final = await client.chat.completions.create({ model: 'gpt-4o', messages, tools });
console.log(final.choices[0].message.content);
