-- finish: settles the reservation, moves the pacing horizon, applies the attempt's effect.
-- ARGV: now, id ('' = none), tokens_used ('' = keep), pace_until ('' = none), effect
-- ('none'|'healthy'|'neutral'|'failure'|'cool'|'disable'), until, reason, probe (0/1),
-- failures (threshold), breaker_window, cooldown.
-- Returns the transitions as triples: name, until (0 = none), reason ('' = none).
local now, id, used, pace = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4]
local effect, until_ms, reason = ARGV[5], tonumber(ARGV[6]), ARGV[7]
local probe, threshold = ARGV[8] == '1', math.max(tonumber(ARGV[9]), 1)
local breaker_window, cooldown = tonumber(ARGV[10]), tonumber(ARGV[11])

if id ~= '' and redis.call('ZSCORE', KEYS[2], id) then
  local reserved = tokens_of(id)
  if used ~= '' then
    local actual = tonumber(used)
    set_sum(tokens_sum() - reserved + actual)
    redis.call('HSET', KEYS[4], id, actual)
  end
  redis.call('ZREM', KEYS[2], id)
  -- As Window::settle: one millisecond more, for clocks that count whole milliseconds.
  redis.call('ZADD', KEYS[3], now + 1, id)
  local ttl = tonumber(redis.call('HGET', KEYS[4], 'ttl'))
  if ttl then keep_window(ttl) end
end
if pace ~= '' and tonumber(pace) > state_num('pace_until') then
  redis.call('HSET', KEYS[1], 'pace_until', pace)
end

local out = {}
local function note(name, at, why)
  out[#out + 1] = name
  out[#out + 1] = at or 0
  out[#out + 1] = why or ''
end
local function success()
  local breaker = breaker_state()
  redis.call('HSET', KEYS[1], 'failures', '')
  if breaker ~= 'closed' then
    redis.call('HSET', KEYS[1], 'breaker', 'closed', 'breaker_until', 0)
    note('breaker_closed')
  end
end
local function hold(kind, name)
  local old = tonumber(redis.call('HGET', KEYS[1], 'hold_until'))
  if old == nil or until_ms > old then
    redis.call('HSET', KEYS[1], 'hold_until', until_ms, 'hold_reason', reason, 'hold_kind', kind)
    note(name, until_ms, reason)
  end
  if probe then success() end
end

if effect == 'none' then
  local breaker = breaker_state()
  if probe and breaker == 'half_open' then
    redis.call('HSET', KEYS[1], 'breaker', 'open', 'breaker_until', now)
  end
elseif effect == 'healthy' or effect == 'neutral' then
  success()
elseif effect == 'failure' then
  local breaker = breaker_state()
  if breaker == 'half_open' and probe then
    local opened = breaker_open(now, cooldown)
    note(opened[1], opened[2])
  elseif breaker == 'closed' then
    local kept = {}
    for at in string.gmatch(redis.call('HGET', KEYS[1], 'failures') or '', '[^,]+') do
      if tonumber(at) >= now - breaker_window then kept[#kept + 1] = at end
    end
    kept[#kept + 1] = tostring(now)
    if #kept >= threshold then
      local opened = breaker_open(now, cooldown)
      note(opened[1], opened[2])
    else
      redis.call('HSET', KEYS[1], 'failures', table.concat(kept, ','))
    end
  end
elseif effect == 'cool' then
  hold('cool', 'cooling')
elseif effect == 'disable' then
  hold('disable', 'disabled')
end
keep_state(now, breaker_window, cooldown)
return out
