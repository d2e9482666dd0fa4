-- The namespace's retry budget (KEYS[1]; absent = full). ARGV: op ('take'|'refund'), tokens,
-- capacity. take returns 1 when the level covered the cost (and took it), else 0; refund returns
-- the new level. An idle budget refills when its key expires (10 minutes).
local op, tokens, capacity = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local level = math.min(tonumber(redis.call('GET', KEYS[1])) or capacity, capacity)
if op == 'take' then
  if tokens == 0 then return 1 end
  if level < tokens then return 0 end
  redis.call('SET', KEYS[1], level - tokens, 'PX', 600000)
  return 1
end
level = math.min(level + tokens, capacity)
if level >= capacity then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], level, 'PX', 600000)
end
return level
