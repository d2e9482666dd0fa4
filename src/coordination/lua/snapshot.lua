-- snapshot: a target's state for metrics and errors; changes nothing but expired entries.
-- ARGV: now, window, rpm, tpm, max_in_flight.
-- Returns {hold_until, hold_kind, hold_reason, breaker, breaker_until, in_flight, requests,
-- tokens, limited_until (0 = a request fits)}.
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local rpm, tpm, max_in_flight = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
expire(now, window)
local breaker, breaker_until = breaker_state()
local in_flight = redis.call('ZCARD', KEYS[2])
local wait = limit_wait(now, window, rpm, tpm, max_in_flight, 0, state_num('pace_until'))
return {state_num('hold_until'), redis.call('HGET', KEYS[1], 'hold_kind') or '',
  redis.call('HGET', KEYS[1], 'hold_reason') or '', breaker, breaker_until, in_flight,
  redis.call('ZCARD', KEYS[3]) + in_flight, tokens_sum(), wait or 0}
