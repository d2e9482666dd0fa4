-- Shared by every target script (docs/coordination.md §3). The same transitions as
-- src/fleet/limits.rs (Window) and src/fleet/breaker.rs, on one target's keys:
-- KEYS[1] state (hash), KEYS[2] inflight (zset id -> lease end), KEYS[3] answered
-- (zset id -> answer time), KEYS[4] tokens (hash id -> tokens, plus 'sum' and 'ttl').
-- Times are the clients' wall-clock milliseconds, passed in; absent limits are -1.

local IN_FLIGHT_POLL_MS = 20

local function tokens_of(id)
  return tonumber(redis.call('HGET', KEYS[4], id)) or 0
end

-- The tokens of every reservation in the window; recomputed when 'sum' was lost.
local function tokens_sum()
  local sum = tonumber(redis.call('HGET', KEYS[4], 'sum'))
  if sum then return sum end
  sum = 0
  for _, key in ipairs({KEYS[2], KEYS[3]}) do
    for _, id in ipairs(redis.call('ZRANGE', key, 0, -1)) do
      sum = sum + tokens_of(id)
    end
  end
  return sum
end

local function set_sum(sum)
  redis.call('HSET', KEYS[4], 'sum', math.max(sum, 0))
end

-- Reservations whose lease ended count as answered at their lease end; answered requests older
-- than the window leave it.
local function expire(now, window)
  local lost = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES')
  for i = 1, #lost, 2 do
    redis.call('ZADD', KEYS[3], lost[i + 1], lost[i])
  end
  if #lost > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  end
  local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - window)
  if #old > 0 then
    local sum = tokens_sum()
    for _, id in ipairs(old) do
      sum = sum - tokens_of(id)
      redis.call('HDEL', KEYS[4], id)
    end
    redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - window)
    set_sum(sum)
  end
end

-- nil when a request of `tokens` fits now, else the time at which asking again may succeed
-- (Window::reserve without the reservation). Call expire first.
local function limit_wait(now, window, rpm, tpm, max_in_flight, tokens, pace_until)
  if now < pace_until then return pace_until end
  local poll = now + IN_FLIGHT_POLL_MS
  local in_flight = redis.call('ZCARD', KEYS[2])
  if max_in_flight >= 0 and in_flight >= math.max(max_in_flight, 1) then return poll end
  local counted = redis.call('ZCARD', KEYS[3]) + in_flight
  if rpm >= 0 then
    local limit = math.max(rpm, 1)
    if counted >= limit then
      local leaving = counted - limit + 1
      local entry = redis.call('ZRANGE', KEYS[3], leaving - 1, leaving - 1, 'WITHSCORES')
      if #entry == 0 then return poll end
      return tonumber(entry[2]) + window
    end
  end
  if tpm >= 0 then
    local sum = tokens_sum()
    if counted > 0 and sum + tokens > tpm then
      local need = sum + tokens - tpm
      local freed = 0
      local entries = redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES')
      for i = 1, #entries, 2 do
        freed = freed + tokens_of(entries[i])
        if freed >= need then return tonumber(entries[i + 1]) + window end
      end
      return poll
    end
  end
  return nil
end

-- The window keys live as long as a reservation may count: its window plus its lease.
local function keep_window(ttl)
  for i = 2, 4 do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ttl) end
  end
end

local function state_num(field)
  return tonumber(redis.call('HGET', KEYS[1], field)) or 0
end

-- The state hash lives until the latest time it names, plus the breaker's window and cooldown.
local function keep_state(now, breaker_window, cooldown)
  if redis.call('EXISTS', KEYS[1]) == 0 then return end
  local latest = math.max(state_num('hold_until'), state_num('breaker_until'),
    state_num('pace_until'), now)
  redis.call('PEXPIRE', KEYS[1], math.max(latest - now, 0) + breaker_window + cooldown + 1000)
end

local function breaker_state()
  return redis.call('HGET', KEYS[1], 'breaker') or 'closed', state_num('breaker_until')
end

local function breaker_open(now, cooldown)
  local until_ms = now + cooldown
  redis.call('HSET', KEYS[1], 'breaker', 'open', 'breaker_until', until_ms, 'failures', '')
  return {'breaker_open', until_ms}
end
