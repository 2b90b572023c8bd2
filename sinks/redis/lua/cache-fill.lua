-- Fills one cache entry (level 2), guarded against stale fills: memcache's stale-set problem, solved
-- with versions (sinks/redis/cache-store.ts; docs/cache.md). A fill is refused when an invalidation
-- with a higher version covers the key — by key, by any prefix of it, or by one of its content ids —
-- or when the entry already holds a newer version.
--
-- KEYS[1]  the entry's hash, <prefix>:cache:entry:<cacheKey>
-- KEYS[2]  the zset of cached keys, <prefix>:cache:keys
-- KEYS[3]  key marks, <prefix>:cache:marks:key
-- KEYS[4]  prefix marks, <prefix>:cache:marks:prefix
-- KEYS[5]  content-id marks, <prefix>:cache:marks:content_id
-- ARGV[1]  the cache key
-- ARGV[2]  the value's version (integer)
-- ARGV[3]  the value, encoded by the caller (JSON)
-- ARGV[4]  time to live in ms
-- ARGV[5]  the content ids as a JSON array
-- ARGV[6]  the prefix of content-id sets, <prefix>:cache:tag:
--
-- Returns 1 when stored; 0 when refused, as {0, floor} with the version it would have needed.
local cache_key = ARGV[1]
local version = tonumber(ARGV[2])
local tags = cjson.decode(ARGV[5])
local floor = tonumber(redis.call('HGET', KEYS[3], cache_key)) or -1
if redis.call('HLEN', KEYS[4]) > 0 then
  local prefixes = {}
  for i = 1, #cache_key do
    prefixes[i] = string.sub(cache_key, 1, i)
  end
  for _, mark in ipairs(redis.call('HMGET', KEYS[4], unpack(prefixes))) do
    if mark then
      floor = math.max(floor, tonumber(mark))
    end
  end
end
for _, tag in ipairs(tags) do
  local mark = tonumber(redis.call('HGET', KEYS[5], tag))
  if mark then
    floor = math.max(floor, mark)
  end
end
if version < floor then
  return { 0, floor }
end
local held = tonumber(redis.call('HGET', KEYS[1], 'version'))
if held and held > version then
  return { 0, held }
end
redis.call('HSET', KEYS[1], 'value', ARGV[3], 'version', ARGV[2], 'tags', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], 0, cache_key)
for _, tag in ipairs(tags) do
  redis.call('SADD', ARGV[6] .. tag, cache_key)
end
return { 1, version }
