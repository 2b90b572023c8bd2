-- Applies one invalidation to the cache's level 2 (sinks/redis/cache-store.ts; docs/cache.md): it
-- raises the target's mark to the version (never lowers it: an older invalidation replayed changes
-- nothing) and deletes every covered entry older than the version. Entries as new or newer stay:
-- they were filled after the change.
--
-- A mark only has to outlive the fills that were already under way when it was set (an origin read
-- that began before the change), so each mark expires ARGV[6] ms after it was last raised; every
-- call forgets up to 100 expired marks of its type, which bounds the marks by the invalidation rate.
--
-- KEYS[1]  the marks of the target's type, <prefix>:cache:marks:<key|prefix|content_id>
-- KEYS[2]  the zset of cached keys, <prefix>:cache:keys
-- KEYS[3]  when each mark of the type expires, <prefix>:cache:mark-expiry:<type> (zset, score = epoch ms)
-- ARGV[1]  the target type: key, prefix or content_id
-- ARGV[2]  the target
-- ARGV[3]  the version (integer)
-- ARGV[4]  the prefix of entry hashes, <prefix>:cache:entry:
-- ARGV[5]  the prefix of content-id sets, <prefix>:cache:tag:
-- ARGV[6]  how long a mark lives, in ms
--
-- Returns the number of entries deleted.
local target_type = ARGV[1]
local target = ARGV[2]
local version = tonumber(ARGV[3])
local time = redis.call('TIME')
local now_ms = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now_ms, 'LIMIT', 0, 100)
if #expired > 0 then
  redis.call('HDEL', KEYS[1], unpack(expired))
  redis.call('ZREM', KEYS[3], unpack(expired))
end
local held = tonumber(redis.call('HGET', KEYS[1], target))
if not held or held < version then
  redis.call('HSET', KEYS[1], target, ARGV[3])
  redis.call('ZADD', KEYS[3], now_ms + tonumber(ARGV[6]), target)
end
local keys
if target_type == 'key' then
  keys = { target }
elseif target_type == 'prefix' then
  keys = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. target, '[' .. target .. '\255')
else
  keys = redis.call('SMEMBERS', ARGV[5] .. target)
end
local deleted = 0
for _, cache_key in ipairs(keys) do
  local entry = ARGV[4] .. cache_key
  local entry_version = tonumber(redis.call('HGET', entry, 'version'))
  if not entry_version then
    -- Expired meanwhile: forget it in the indexes too.
    redis.call('ZREM', KEYS[2], cache_key)
    if target_type == 'content_id' then
      redis.call('SREM', ARGV[5] .. target, cache_key)
    end
  elseif entry_version < version then
    redis.call('DEL', entry)
    redis.call('ZREM', KEYS[2], cache_key)
    if target_type == 'content_id' then
      redis.call('SREM', ARGV[5] .. target, cache_key)
    end
    deleted = deleted + 1
  end
end
return deleted
