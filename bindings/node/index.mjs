// The ES module entry point (`import { Client } from 'llmwire'`): the very objects of
// `require('llmwire')`, so a program mixing both shares one library and one set of error classes.
// Keep the list equal to index.js's exports: test/esm.test.js fails when they differ.
import llmwire from './index.js';

export const {
  OpenAI, OpenAIError, APIError, BadRequestError, AuthenticationError, PermissionDeniedError,
  NotFoundError, ConflictError, UnprocessableEntityError, RateLimitError, InternalServerError,
  APIConnectionError, APIConnectionTimeoutError, APIUserAbortError, Client, ChatStream,
  CancelToken, classify, validate, trim, version, abiVersion, libraryPath, setMaxThreads,
  maxThreads, LlmwireError,
  RateLimited, QuotaExhausted, Overloaded, ServerError, Timeout, Network, InvalidRequest,
  ContextLengthExceeded, Authentication, PermissionDenied, NotFound, ContentFiltered,
  RequestTooLarge, Conflict, MalformedResponse, InvalidArgument, InvalidConfig,
  ValidationFailed, Cancelled, ResponseTooLarge, Internal, Panic, errorTypes,
} = llmwire;
export default llmwire;
