// Compiled (never run) by types.test.js: every public API used the way the README shows, so a
// declaration that drifts from index.js's shape breaks the build here.
import llmwire = require('../..');
import { Client, CancelToken, ChatStream, LlmwireError, RateLimited, ValidationFailed, OpenAI, APIError } from '../..';

export async function usage(): Promise<void> {
  const client = new Client({
    base_url: 'http://127.0.0.1:8080/v1',
    model: 'mock-model',
    timeouts: { attempt_ms: 30_000, deadline_ms: null },
    retry: { max_attempts: 3, jitter: 'none', classes: { overloaded: { max_attempts: 8 } } },
    validation: 'repair',
  });
  const token = new CancelToken();
  const completion = await client.chat({ messages: [{ role: 'user', content: 'hi' }] }, { signal: token });
  const text: string | null = completion.choices[0].message.content;
  const attempts: number = completion.llmwire.attempts.length;

  const stream: ChatStream = client.stream({ messages: [{ role: 'user', content: 'hi' }] },
    { signal: AbortSignal.timeout(1000), maxBufferedChunks: 16 });
  llmwire.setMaxThreads(llmwire.maxThreads() + 1);
  for await (const chunk of stream) {
    const delta: string | null | undefined = chunk.choices[0]?.delta.content;
    void delta;
  }
  const assembled = await stream.response;
  stream.cancel();

  const metrics = client.metrics();
  const prometheus: string = client.metrics('prometheus');
  const unsubscribe = client.onEvent((event) => {
    const delay: number | null = event.delayMs;
    void delay;
  });
  unsubscribe();

  try {
    await client.chat({ messages: [] });
  } catch (error) {
    if (error instanceof RateLimited) {
      const wait: number | null = error.retryAfterMs;
      void wait;
    }
    if (error instanceof ValidationFailed) void error.report?.errors[0]?.path;
    if (error instanceof LlmwireError) {
      const first = error.attempts[0];
      console.log(error.errorClass, error.status, error.httpStatus, error.stopReason, first?.delayMs, error.details.summary);
    }
  }

  const report = llmwire.validate({ messages: [] }, { provider: 'gemini', repair: true });
  const classification = llmwire.classify({ provider: 'openai', status: 429, headers: { 'retry-after': '2' } });
  const transport = llmwire.classify({ transport: 'dns' });
  const Type: typeof LlmwireError = llmwire.errorTypes.rate_limited;
  console.log(text, attempts, assembled.id, metrics.calls, prometheus, report.ok, classification.retryAfterMs,
    transport.class, Type.name, llmwire.version(), llmwire.abiVersion(), llmwire.libraryPath, token.cancelled);
  await client.close();
}

async function officialInterface(): Promise<void> {
  const openai = new OpenAI({ baseURL: 'http://127.0.0.1:9/v1', timeout: 5000, maxRetries: 1, defaultHeaders: { 'x-a': '1' } });
  const completion = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
  const content: string | null = completion.choices[0].message.content;
  const total: number | undefined = completion.usage?.total_tokens;
  const stream = await openai.chat.completions.create({ model: 'm', messages: [], stream: true }, { timeout: 100 });
  for await (const chunk of stream) {
    const piece: string | null | undefined = chunk.choices[0]?.delta.content;
    void piece;
  }
  stream.controller.abort();
  try {
    await openai.chat.completions.create({ model: 'm', messages: [] });
  } catch (err) {
    if (err instanceof OpenAI.RateLimitError) {
      const status: number | undefined = err.status;
      const attempts: number = err.attempts.length;
      console.log(status, attempts, err.requestID, err.summary);
    }
    if (err instanceof APIError) console.log(err.code, err.headers);
  }
  const camel = new llmwire.Client({ baseUrl: 'http://127.0.0.1:9/v1', timeouts: { attemptMs: 100 } });
  const slept: number = camel.metrics().sleptMs;
  console.log(content, total, slept, openai.llmwire.metrics().calls);
  await openai.close();
}
void officialInterface;
