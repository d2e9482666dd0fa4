-- acquire: availability (hold, breaker: claims the half-open probe) and a limit slot, all or
-- nothing. KEYS[5] is the namespace's reservation counter.
-- ARGV: now, window, rpm, tpm, max_in_flight, tokens, lease, limited (0/1), cooldown,
-- breaker_window. Returns {1, id, probe} or {0, until, why, reason}.
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local rpm, tpm, max_in_flight = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local tokens, lease, limited = tonumber(ARGV[6]), tonumber(ARGV[7]), ARGV[8] == '1'
local cooldown, breaker_window = tonumber(ARGV[9]), tonumber(ARGV[10])

local hold_until = state_num('hold_until')
if now < hold_until then
  local why = 'cooling'
  if redis.call('HGET', KEYS[1], 'hold_kind') == 'disable' then why = 'disabled' end
  return {0, hold_until, why, redis.call('HGET', KEYS[1], 'hold_reason') or ''}
end
local breaker, breaker_until = breaker_state()
if breaker ~= 'closed' and now < breaker_until then
  return {0, breaker_until, 'breaker', ''}
end
local pace_until = state_num('pace_until')
local reserve = limited or now < pace_until
if reserve then
  expire(now, window)
  local wait = limit_wait(now, window, rpm, tpm, max_in_flight, tokens, pace_until)
  if wait then return {0, wait, 'limited', ''} end
end
local id = redis.call('INCR', KEYS[5])
redis.call('PEXPIRE', KEYS[5], 86400000)
if reserve then
  local sum = tokens_sum()
  redis.call('ZADD', KEYS[2], now + lease, id)
  redis.call('HSET', KEYS[4], id, tokens, 'ttl', window + lease)
  set_sum(sum + tokens)
  keep_window(window + lease)
end
local probe = 0
if breaker ~= 'closed' then
  redis.call('HSET', KEYS[1], 'breaker', 'half_open', 'breaker_until', now + cooldown)
  keep_state(now, breaker_window, cooldown)
  probe = 1
end
return {1, id, probe}
