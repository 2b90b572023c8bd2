-- Applies one content's hotness change in one region (sinks/redis/hotness-sink.ts; docs/redis-keys.md),
-- guarded by the event time it was ranked at: a change older than what the hash holds (a replay of
-- earlier playback, a late retry) changes nothing. A forgotten content keeps a small tombstone hash
-- (asOfMs, forgotten) for ARGV[4] ms, so a replay cannot bring it back; its ranking entry goes.
--
-- KEYS[1]  the hash, <prefix>:hotness:<region>:<contentId>
-- KEYS[2]  the region's ranking, <prefix>:hotness-rank:<region>
-- ARGV[1]  the content id (member of the ranking)
-- ARGV[2]  asOfMs: the event time the region was ranked at (integer)
-- ARGV[3]  the hotness as a JSON object of strings (score, tier, ...), or "" when forgotten
-- ARGV[4]  how long a tombstone lives, in ms
--
-- Returns 1 when applied, 0 when the hash holds a later change.
local held = tonumber(redis.call('HGET', KEYS[1], 'asOfMs'))
local as_of = tonumber(ARGV[2])
if held ~= nil and held > as_of then
  return 0
end
redis.call('DEL', KEYS[1])
if ARGV[3] == '' then
  redis.call('HSET', KEYS[1], 'asOfMs', ARGV[2], 'forgotten', '1')
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
local fields = cjson.decode(ARGV[3])
local args = { 'asOfMs', ARGV[2] }
for name, value in pairs(fields) do
  args[#args + 1] = name
  args[#args + 1] = value
end
redis.call('HSET', KEYS[1], unpack(args))
redis.call('ZADD', KEYS[2], tonumber(fields.score), ARGV[1])
return 1
